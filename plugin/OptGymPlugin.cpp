//===- OptGymPlugin.cpp - Entry point of OptGym.so ------------------------===//
//
//   opt   -load-pass-plugin=build/lib/OptGym.so -passes='default<O2>' x.ll
//   clang -fpass-plugin=build/lib/OptGym.so -O2 -c x.c
//
// with OPTGYM_ORACLE set (docs/configuration.md); unset, the plugin is inert.
//
//===----------------------------------------------------------------------===//

#include "plugin/Registration.h"

extern "C" LLVM_ATTRIBUTE_WEAK ::llvm::PassPluginLibraryInfo
llvmGetPassPluginInfo() {
  return optgym::getOptGymPluginInfo();
}
