//===- GrowthBudget.h - How much forced decisions may grow code -*- C++ -*-===//
//
// LLVM carries out a forced unroll, vectorization or inline whatever its
// cost, so the decision points that copy code draw on budgets: a forced
// choice whose growth would not fit keeps LLVM's default. There are three,
// because each alone was not enough under random oracles:
//
//  * per function, all forced growth together (-optgym-max-forced-growth):
//    many loops of one function, each under its own limit, unrolled and then
//    vectorized, made a 0.5 s compile take more than 300 s;
//  * per function, its size with the growth (-optgym-max-forced-function-size):
//    the backend's passes are superlinear in the size of one function;
//  * per module (-optgym-max-forced-module-growth): hundreds of functions
//    each within budget still multiply the size of the module.
//
// Decision points charge their estimate when they decide. Loop hints are
// carried out later, after inlining has copied them into callers, so
// LoopHintRecheckPass measures them again where they are and records what
// they will add with notePendingGrowth().
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_GROWTHBUDGET_H
#define OPTGYM_PASSES_GROWTHBUDGET_H

#include "llvm/IR/PassManager.h"

#include <cstdint>

namespace llvm {
class Function;
class Module;
} // namespace llvm

namespace optgym {

/// Charges Instructions of growth to F and its module; false (and no
/// charge) when they do not fit one of the budgets.
bool chargeForcedGrowth(const llvm::Function &F, uint64_t Instructions);

/// How many instructions the forced hints pending in F may add, all of them
/// together, given what the rest of the module was charged.
uint64_t forcedGrowthRoom(const llvm::Function &F);

/// Records that the hints kept in F will add Instructions; F's charge is
/// never lowered (hints carried out earlier are part of F's size now).
void notePendingGrowth(const llvm::Function &F, uint64_t Instructions);

/// Runs at the start of every default pipeline: the module budget is a share
/// of the module's size before any decision.
class GrowthBudgetStartPass
    : public llvm::PassInfoMixin<GrowthBudgetStartPass> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }
};

} // namespace optgym

#endif // OPTGYM_PASSES_GROWTHBUDGET_H
