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

bool shouldQuery(DecisionKind Kind, const Module &M) {
  reportConfigError(M.getContext());
  Session &S = Session::get();
  noteModule(S, M);
  return S.shouldQuery(Kind);
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
        if (const auto *M = any_cast<const Module *>(&IR))
          Session::get().noteModuleStats(*M, !PA.areAllPreserved(),
                                         [&] { return measureModule(**M); });
      });
}

PreservedAnalyses SessionCheckPass::run(Module &M, ModuleAnalysisManager &) {
  reportConfigError(M.getContext());
  noteModule(Session::get(), M);
  return PreservedAnalyses::all();
}

PreservedAnalyses SessionFlushPass::run(Module &M, ModuleAnalysisManager &) {
  Session::get().flush();
  return PreservedAnalyses::all();
}

} // namespace optgym
