//===- DecisionPoint.h - What every decision point does first ---*- C++ -*-===//
//
// Every decision point starts by asking the session whether to query. The
// first one to run also reports a configuration error (bad oracle spec,
// malformed policy) as an error diagnostic on its LLVMContext: opt prints it
// and exits with 1, clang fails the compile with it, and nothing crashes.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_DECISIONPOINT_H
#define OPTGYM_PASSES_DECISIONPOINT_H

#include "session/Session.h"

#include "llvm/IR/PassManager.h"

namespace llvm {
class Module;
class PassInstrumentationCallbacks;
} // namespace llvm

namespace optgym {

/// Reports a pending configuration error on M's context, tells the session
/// which module the decisions are about, then answers
/// Session::shouldQuery(Kind), or Session::mayQuery() for a decision point
/// NamedInPipeline. False in a reference run.
bool shouldQuery(DecisionKind Kind, const llvm::Module &M,
                 bool NamedInPipeline = false);

/// The size of M's IR, as the end-of-module message reports it.
ModuleStats measureModule(const llvm::Module &M);

/// For an oracle that follows modules: measures the module after each
/// module-level pass, so that the module-end message describes the IR
/// after the last pass, whatever the pipeline.
void registerModuleTracking(llvm::PassInstrumentationCallbacks &PIC);

/// Runs first in every default pipeline (-O0 included) so that a
/// configuration error is reported even when no decision is asked.
class SessionCheckPass : public llvm::PassInfoMixin<SessionCheckPass> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }
};

/// Runs last in every default pipeline: writes out buffered trace records.
class SessionFlushPass : public llvm::PassInfoMixin<SessionFlushPass> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }
};

} // namespace optgym

#endif // OPTGYM_PASSES_DECISIONPOINT_H
