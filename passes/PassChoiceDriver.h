//===- PassChoiceDriver.h - The oracle chooses the pass order ---*- C++ -*-===//
//
// The pass-choice decision point: a module pass that asks the oracle which
// pass of the action space (ActionSpace.h) to run next, runs it, and asks
// again, until the answer is "stop" (the default, so the default oracle
// changes nothing). Each query carries the step, whether the last pass
// changed the module and the module's size; a live agent can also ask for
// observations (DriverObservations.h) and fork the process. The size and the
// Autophase and InstCount vectors are computed again only after a pass that
// changed the module. The replay-only choices after the actions (a recorded
// state's excluded flags) run the same way; one with no pipeline runs nothing.
//
// Passes run through the host's PassBuilder and analysis managers: its
// TargetMachine shapes the cost models, so a fresh PassBuilder would give
// different code. Each choice is parsed on its own, at module level, so the
// steps are exactly what `opt -passes=P1,P2,...` does with the texts of
// the ActionPipelines observation. The module is verified after every pass
// that changed it; a broken module ends the episode with an error.
//
//   opt -passes=optgym-driver          named in a pipeline
//   OPTGYM_DECISIONS=...,pass-choice   at the start of clang's pipeline
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_PASSCHOICEDRIVER_H
#define OPTGYM_PASSES_PASSCHOICEDRIVER_H

#include "llvm/IR/PassManager.h"

namespace llvm {
class PassBuilder;
} // namespace llvm

namespace optgym {

class PassChoiceDriverPass : public llvm::PassInfoMixin<PassChoiceDriverPass> {
public:
  /// NamedInPipeline: run whatever OPTGYM_DECISIONS lists (opt
  /// -passes=optgym-driver); otherwise only when pass-choice is active.
  PassChoiceDriverPass(llvm::PassBuilder &PB, bool NamedInPipeline)
      : PB(&PB), NamedInPipeline(NamedInPipeline) {}

  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }

private:
  llvm::PassBuilder *PB;
  bool NamedInPipeline;
};

} // namespace optgym

#endif // OPTGYM_PASSES_PASSCHOICEDRIVER_H
