//===- DecisionPoint.cpp - What every decision point does first -----------===//

#include "passes/DecisionPoint.h"
#include "passes/DecisionKeys.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassInstrumentation.h"

using namespace llvm;

namespace optgym {

namespace {
void reportConfigError(LLVMContext &Ctx) {
  if (std::optional<std::string> Error = Session::get().takeConfigError())
    Ctx.emitError("optgym: " + *Error);
}

void noteModule(Session &S, const Module &M) {
  if (S.wantsModuleEvents())
    S.enterModule(&M, M.getModuleIdentifier(),
                  [&] { return DecisionKeys::moduleLabel(M); });
}
} // namespace

bool shouldQuery(DecisionKind Kind, const Module &M, bool NamedInPipeline) {
  if (Session::inReferenceRun())
    return false;
  reportConfigError(M.getContext());
  Session &S = Session::get();
  noteModule(S, M);
  if (!S.guardAllows(&M, M.getModuleIdentifier()))
    return false;
  return NamedInPipeline ? S.mayQuery() : S.shouldQuery(Kind);
}

ModuleStats measureModule(const Module &M) {
  ModuleStats Stats;
  for (const Function &F : M) {
    if (F.isDeclaration())
      continue;
    ++Stats.Functions;
    Stats.BasicBlocks += F.size();
    Stats.IRInstructions += F.getInstructionCount();
  }
  return Stats;
}

void registerModuleTracking(PassInstrumentationCallbacks &PIC) {
  PIC.registerAfterPassCallback(
      [](StringRef, Any IR, const PreservedAnalyses &PA) {
        const auto *M = any_cast<const Module *>(&IR);
        if (M && !Session::inReferenceRun())
          Session::get().noteModuleStats(*M, !PA.areAllPreserved(),
                                         [&] { return measureModule(**M); });
      });
}

PreservedAnalyses SessionCheckPass::run(Module &M, ModuleAnalysisManager &) {
  if (Session::inReferenceRun())
    return PreservedAnalyses::all();
  reportConfigError(M.getContext());
  noteModule(Session::get(), M);
  return PreservedAnalyses::all();
}

PreservedAnalyses SessionFlushPass::run(Module &M, ModuleAnalysisManager &) {
  // A reference run happens inside a decision, with the session busy.
  if (!Session::inReferenceRun())
    Session::get().flush();
  return PreservedAnalyses::all();
}

} // namespace optgym
