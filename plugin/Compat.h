//===- Compat.h - What differs between LLVM 19 and 22 -----------*- C++ -*-===//
//
// OptGym builds against LLVM 19 and 22 from one source tree. Every API that
// differs between them is bridged here and nowhere else.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PLUGIN_COMPAT_H
#define OPTGYM_PLUGIN_COMPAT_H

#include "llvm/Config/llvm-config.h"
#include "llvm/Passes/PassBuilder.h"

#if LLVM_VERSION_MAJOR >= 22
#include "llvm/Plugins/PassPlugin.h"
#else
#include "llvm/Passes/PassPlugin.h"
#endif

namespace optgym::compat {

/// registerOptimizerLastEPCallback gained a ThinOrFullLTOPhase argument in
/// LLVM 20.
template <typename CallbackT>
void registerOptimizerLastEPCallback(llvm::PassBuilder &PB,
                                     CallbackT Callback) {
#if LLVM_VERSION_MAJOR >= 20
  PB.registerOptimizerLastEPCallback(
      [Callback](llvm::ModulePassManager &MPM, llvm::OptimizationLevel Level,
                 llvm::ThinOrFullLTOPhase) { Callback(MPM, Level); });
#else
  PB.registerOptimizerLastEPCallback(Callback);
#endif
}

} // namespace optgym::compat

#endif // OPTGYM_PLUGIN_COMPAT_H
