//===- GrowthBudget.cpp - How much forced decisions may grow code ---------===//

#include "passes/GrowthBudget.h"
#include "passes/DecisionKeys.h"

#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"

#include <algorithm>

using namespace llvm;

namespace optgym {
namespace {

cl::opt<unsigned> MaxForcedGrowth(
    "optgym-max-forced-growth", cl::init(2 * 1024), cl::Hidden,
    cl::desc("Forced unrolls, vectorizations and inlines that would add more "
             "than this many instructions to a function, all of them "
             "together, keep LLVM's default"));

cl::opt<unsigned> MaxForcedFunctionSize(
    "optgym-max-forced-function-size", cl::init(16 * 1024), cl::Hidden,
    cl::desc("Forced unrolls, vectorizations and inlines that would take a "
             "function past this many instructions keep LLVM's default"));

cl::opt<unsigned> MaxForcedModuleGrowth(
    "optgym-max-forced-module-growth", cl::init(100), cl::Hidden,
    cl::desc("Forced decisions of a module, all of them together, may add "
             "this percentage of the module's size at the start of the "
             "pipeline (at least -optgym-max-forced-growth instructions)"));

uint64_t moduleInstructionCount(const Module &M) {
  uint64_t Count = 0;
  for (const Function &F : M)
    Count += F.getInstructionCount();
  return Count;
}

/// The budgets of the module this thread is compiling.
struct Budgets {
  IRMap<const Function *, uint64_t> Charged;
  const Module *Current = nullptr;
  uint64_t ModuleLimit = 0;

  void start(const Module &M) {
    Current = &M;
    ModuleLimit =
        std::max<uint64_t>(MaxForcedGrowth, moduleInstructionCount(M) *
                                                MaxForcedModuleGrowth / 100);
  }

  /// Pipelines named on opt's command line have no start pass.
  uint64_t moduleLimit(const Module &M) {
    if (Current != &M)
      start(M);
    return ModuleLimit;
  }

  uint64_t moduleCharged(const Module &M) const {
    uint64_t Sum = 0;
    for (const auto &[F, Instructions] : Charged)
      if (F->getParent() == &M)
        Sum += Instructions;
    return Sum;
  }

  static Budgets &get() {
    static thread_local Budgets B;
    return B;
  }
};

uint64_t roomBelow(uint64_t Limit, uint64_t Used) {
  return Limit > Used ? Limit - Used : 0;
}

} // namespace

uint64_t forcedGrowthRoom(const Function &F) {
  Budgets &B = Budgets::get();
  const Module &M = *F.getParent();
  uint64_t Own = B.Charged.lookup(&F);
  return std::min({uint64_t(MaxForcedGrowth),
                   roomBelow(MaxForcedFunctionSize, F.getInstructionCount()),
                   roomBelow(B.moduleLimit(M), B.moduleCharged(M) - Own)});
}

bool chargeForcedGrowth(const Function &F, uint64_t Instructions) {
  Budgets &B = Budgets::get();
  uint64_t Own = B.Charged.lookup(&F);
  // What F was charged may not be carried out yet, so it counts against
  // F's size limit as well.
  if (Instructions > roomBelow(forcedGrowthRoom(F), Own))
    return false;
  B.Charged[&F] = Own + Instructions;
  return true;
}

void notePendingGrowth(const Function &F, uint64_t Instructions) {
  uint64_t &Own = Budgets::get().Charged[&F];
  Own = std::max(Own, Instructions);
}

PreservedAnalyses GrowthBudgetStartPass::run(Module &M,
                                             ModuleAnalysisManager &) {
  Budgets::get().start(M);
  return PreservedAnalyses::all();
}

} // namespace optgym
