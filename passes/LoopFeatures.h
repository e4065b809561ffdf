//===- LoopFeatures.h - Feature vectors of loop decisions -------*- C++ -*-===//
//
// Fills the loop-unroll and loop-vectorize feature vectors (DecisionKinds.def
// names and documents each feature). `opt
// -passes='print<optgym-loop-features>'` prints them for every loop, for tests
// and for agent authors.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_LOOPFEATURES_H
#define OPTGYM_PASSES_LOOPFEATURES_H

#include "oracle/Query.h"

#include "llvm/IR/PassManager.h"

namespace llvm {
class Loop;
class ScalarEvolution;
} // namespace llvm

namespace optgym {

void computeLoopUnrollFeatures(Query &Q, const llvm::Loop &L,
                               llvm::ScalarEvolution &SE);
/// Without SE, trip_count and max_trip_count are left at 0.
void computeLoopVectorizeFeatures(Query &Q, const llvm::Loop &L,
                                  llvm::ScalarEvolution *SE);

/// Instructions in the loop's blocks (subloops included), counted like
/// Function::getInstructionCount().
int64_t loopInstructionCount(const llvm::Loop &L);

/// Writes "name=value" pairs in schema order.
void printFeatures(llvm::raw_ostream &OS, const Query &Q);

class LoopFeaturesPrinterPass
    : public llvm::PassInfoMixin<LoopFeaturesPrinterPass> {
public:
  explicit LoopFeaturesPrinterPass(llvm::raw_ostream &OS) : OS(OS) {}
  llvm::PreservedAnalyses run(llvm::Function &F,
                              llvm::FunctionAnalysisManager &FAM);
  static bool isRequired() { return true; }

private:
  llvm::raw_ostream &OS;
};

} // namespace optgym

#endif // OPTGYM_PASSES_LOOPFEATURES_H
