//===- Compat.h - What differs between LLVM 19 and 22 -----------*- C++ -*-===//
//
// OptGym builds against LLVM 19 and 22 from one source tree. Every API that
// differs between them is bridged here and nowhere else. Only passes/ and
// plugin/ include it: the layers below them (session/, oracle/) use no IR,
// pass or target API.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_COMPAT_H
#define OPTGYM_PASSES_COMPAT_H

#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/BlockFrequencyInfo.h"
#include "llvm/Analysis/InlineAdvisor.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/OptBisect.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/TargetParser/Triple.h"

#if LLVM_VERSION_MAJOR >= 22
#include "llvm/Analysis/EphemeralValuesCache.h"
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

/// Module::getTargetTriple() returns a Triple since LLVM 21 (a string
/// before).
inline llvm::Triple targetTriple(const llvm::Module &M) {
  return llvm::Triple(M.getTargetTriple());
}

/// Target::createTargetMachine() takes a Triple since LLVM 21.
inline llvm::TargetMachine *
createTargetMachine(const llvm::Target &T, const llvm::Triple &TT,
                    const llvm::TargetOptions &Options,
                    llvm::CodeGenOptLevel Level) {
#if LLVM_VERSION_MAJOR >= 21
  const llvm::Triple &Arg = TT;
#else
  std::string Arg = TT.str();
#endif
  return T.createTargetMachine(Arg, /*CPU=*/"", /*Features=*/"", Options,
                               llvm::Reloc::PIC_, std::nullopt, Level);
}

/// OptPassGate::shouldRunPass() became const in LLVM 22. A gate derives
/// from this and implements decide(), which may change the gate's state.
class OptPassGate : public llvm::OptPassGate {
public:
#if LLVM_VERSION_MAJOR >= 22
  bool shouldRunPass(llvm::StringRef PassName,
                     llvm::StringRef IRDescription) const final {
    return const_cast<OptPassGate *>(this)->decide(PassName, IRDescription);
  }
#else
  bool shouldRunPass(const llvm::StringRef PassName,
                     llvm::StringRef IRDescription) final {
    return decide(PassName, IRDescription);
  }
#endif

protected:
  virtual bool decide(llvm::StringRef PassName,
                      llvm::StringRef IRDescription) = 0;
};

/// The cost DefaultInlineAdvisor computes for CB, with the same analyses:
/// LLVM 22 also hands getInlineCost() a cache of ephemeral values.
inline llvm::InlineCost inlineCost(llvm::CallBase &CB,
                                   const llvm::InlineParams &Params,
                                   llvm::FunctionAnalysisManager &FAM,
                                   llvm::ProfileSummaryInfo *PSI,
                                   llvm::OptimizationRemarkEmitter *ORE) {
  using namespace llvm;
  Function &Callee = *CB.getCalledFunction();
  auto GetAC = [&](Function &F) -> AssumptionCache & {
    return FAM.getResult<AssumptionAnalysis>(F);
  };
  auto GetTLI = [&](Function &F) -> const TargetLibraryInfo & {
    return FAM.getResult<TargetLibraryAnalysis>(F);
  };
  auto GetBFI = [&](Function &F) -> BlockFrequencyInfo & {
    return FAM.getResult<BlockFrequencyAnalysis>(F);
  };
  TargetTransformInfo &CalleeTTI = FAM.getResult<TargetIRAnalysis>(Callee);
#if LLVM_VERSION_MAJOR >= 22
  auto GetEphValuesCache = [&](Function &F) -> EphemeralValuesCache & {
    return FAM.getResult<EphemeralValuesAnalysis>(F);
  };
  return getInlineCost(CB, Params, CalleeTTI, GetAC, GetTLI, GetBFI, PSI, ORE,
                       GetEphValuesCache);
#else
  return getInlineCost(CB, Params, CalleeTTI, GetAC, GetTLI, GetBFI, PSI, ORE);
#endif
}

/// llvm::shouldInline() takes the callee's TargetTransformInfo in LLVM 22.
inline std::optional<llvm::InlineCost>
shouldInline(llvm::CallBase &CB, llvm::FunctionAnalysisManager &FAM,
             llvm::function_ref<llvm::InlineCost(llvm::CallBase &)> GetCost,
             llvm::OptimizationRemarkEmitter &ORE, bool EnableDeferral) {
#if LLVM_VERSION_MAJOR >= 22
  return llvm::shouldInline(
      CB, FAM.getResult<llvm::TargetIRAnalysis>(*CB.getCalledFunction()),
      GetCost, ORE, EnableDeferral);
#else
  (void)FAM;
  return llvm::shouldInline(CB, GetCost, ORE, EnableDeferral);
#endif
}

} // namespace optgym::compat

#endif // OPTGYM_PASSES_COMPAT_H
