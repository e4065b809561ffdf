//===- LoopUnrollDecision.h - The loop-unroll decision point ----*- C++ -*-===//
//
// Asks once per loop how to unroll it: default, disable, full or count:N,
// and carries the answer out as llvm.loop.unroll.* metadata, which both of
// LLVM's unroll passes obey. Installed at the late-loop-optimizations
// extension point (loops are simplified, rotated and in LCSSA, and
// LoopFullUnrollPass has not run yet); `optgym-loop-unroll` names it in opt
// pipelines. Loops that already carry unroll hints (a user's pragma, or LLVM
// marking a loop it unrolled) are left alone, and a forced unroll that would
// grow the loop past -optgym-max-unrolled-size instructions is not carried
// out (LLVM obeys unroll pragmas at any size).
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_LOOPUNROLLDECISION_H
#define OPTGYM_PASSES_LOOPUNROLLDECISION_H

#include "llvm/Transforms/Scalar/LoopPassManager.h"

namespace optgym {

class LoopUnrollDecisionPass
    : public llvm::PassInfoMixin<LoopUnrollDecisionPass> {
public:
  llvm::PreservedAnalyses run(llvm::Loop &L, llvm::LoopAnalysisManager &LAM,
                              llvm::LoopStandardAnalysisResults &AR,
                              llvm::LPMUpdater &U);
  static bool isRequired() { return true; }
};

} // namespace optgym

#endif // OPTGYM_PASSES_LOOPUNROLLDECISION_H
