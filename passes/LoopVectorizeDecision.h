//===- LoopVectorizeDecision.h - loop-vectorize decision point --*- C++ -*-===//
//
// Asks once per innermost loop for a vectorization width and interleave
// count (or off, or LLVM's default) and carries the answer out as
// llvm.loop.vectorize.* / llvm.loop.interleave.count metadata. Installed at
// the vectorizer-start extension point; `optgym-loop-vectorize` names it in
// opt pipelines.
//
// An explicit width would let the vectorizer reorder floating-point
// reductions (LoopVectorizeHints::allowReordering), changing results. While
// an oracle may depart from the default, OptGym therefore sets LLVM's
// -hints-allow-reordering=false (unless the user set it): forced widths never
// change what a program computes.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_LOOPVECTORIZEDECISION_H
#define OPTGYM_PASSES_LOOPVECTORIZEDECISION_H

#include "llvm/IR/PassManager.h"

namespace optgym {

class LoopVectorizeDecisionPass
    : public llvm::PassInfoMixin<LoopVectorizeDecisionPass> {
public:
  llvm::PreservedAnalyses run(llvm::Function &F,
                              llvm::FunctionAnalysisManager &FAM);
  static bool isRequired() { return true; }
};

/// Sets -hints-allow-reordering=false in this process unless given on the
/// command line. Returns false if LLVM has no such option.
bool forbidHintedFPReordering();

} // namespace optgym

#endif // OPTGYM_PASSES_LOOPVECTORIZEDECISION_H
