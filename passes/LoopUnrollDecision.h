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
// LLVM carries the hints out later: full unrolls at the end of the
// function's simplification, counts after vectorization. By then inlining has
// copied hinted loops into callers, and loops hinted one by one nest inside
// each other, so LoopUnrollRecheckPass measures the pending hints again
// where they are, just before each of those points, and drops those that no
// longer fit the growth budgets (GrowthBudget.h).
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_LOOPUNROLLDECISION_H
#define OPTGYM_PASSES_LOOPUNROLLDECISION_H

#include "llvm/Transforms/Scalar/LoopPassManager.h"

#include <cstdint>

namespace optgym {

class LoopUnrollDecisionPass
    : public llvm::PassInfoMixin<LoopUnrollDecisionPass> {
public:
  llvm::PreservedAnalyses run(llvm::Loop &L, llvm::LoopAnalysisManager &LAM,
                              llvm::LoopStandardAnalysisResults &AR,
                              llvm::LPMUpdater &U);
  static bool isRequired() { return true; }
};

/// Copies of its body the unroll hint of L asks for (a user's or OptGym's;
/// 1 without one).
uint64_t hintedUnrollCopies(llvm::Loop &L, llvm::ScalarEvolution &SE);

/// Keeps OptGym's pending unroll hints of a function within its growth
/// budget: outer hints go first, as they multiply the inner ones.
class LoopUnrollRecheckPass
    : public llvm::PassInfoMixin<LoopUnrollRecheckPass> {
public:
  llvm::PreservedAnalyses run(llvm::Function &F,
                              llvm::FunctionAnalysisManager &FAM);
  static bool isRequired() { return true; }
};

} // namespace optgym

#endif // OPTGYM_PASSES_LOOPUNROLLDECISION_H
