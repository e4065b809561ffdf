//===- FunctionSizes.cpp - Instruction counts kept between passes ---------===//

#include "passes/FunctionSizes.h"

#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassInstrumentation.h"

using namespace llvm;

namespace optgym {

int64_t countInstructions(const Function &F) {
  int64_t Count = 0;
  for (const BasicBlock &BB : F)
    Count += BB.size();
  return Count;
}

FunctionSizes &FunctionSizes::get() {
  static thread_local FunctionSizes Sizes;
  return Sizes;
}

int64_t FunctionSizes::of(const Function &F) {
  if (!Tracked)
    return countInstructions(F);
  auto [It, Inserted] = Counts.insert({&F, 0});
  if (Inserted)
    It->second = countInstructions(F);
  return It->second;
}

int64_t FunctionSizes::of(const Module &M) {
  int64_t Sum = 0;
  for (const Function &F : M)
    if (!F.isDeclaration())
      Sum += of(F);
  return Sum;
}

void FunctionSizes::passRan(const Any &IR, const PreservedAnalyses &PA) {
  if (PA.areAllPreserved())
    return;
  if (const auto *F = any_cast<const Function *>(&IR))
    changed(**F);
  else if (const auto *L = any_cast<const Loop *>(&IR))
    changed(*(*L)->getHeader()->getParent());
  else
    // An SCC pass may change the callers of its functions too
    // (argument promotion), a module pass anything.
    clear();
}

void registerFunctionSizeTracking(PassInstrumentationCallbacks &PIC) {
  FunctionSizes::get().Tracked = true;
  PIC.registerAfterPassCallback(
      [](StringRef, Any IR, const PreservedAnalyses &PA) {
        FunctionSizes::get().passRan(IR, PA);
      });
  PIC.registerAfterPassInvalidatedCallback(
      [](StringRef, const PreservedAnalyses &) {
        FunctionSizes::get().clear();
      });
}

} // namespace optgym
