//===- DecisionPoint.cpp - What every decision point does first -----------===//

#include "passes/DecisionPoint.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace optgym {

namespace {
void reportConfigError(LLVMContext &Ctx) {
  if (std::optional<std::string> Error = Session::get().takeConfigError())
    Ctx.emitError("optgym: " + *Error);
}
} // namespace

bool shouldQuery(DecisionKind Kind, LLVMContext &Ctx) {
  reportConfigError(Ctx);
  return Session::get().shouldQuery(Kind);
}

PreservedAnalyses SessionCheckPass::run(Module &M, ModuleAnalysisManager &) {
  reportConfigError(M.getContext());
  return PreservedAnalyses::all();
}

PreservedAnalyses SessionFlushPass::run(Module &M, ModuleAnalysisManager &) {
  Session::get().flush();
  return PreservedAnalyses::all();
}

} // namespace optgym
