//===- GrowthBudget.cpp - How much forced decisions may grow a function ---===//

#include "passes/GrowthBudget.h"
#include "passes/DecisionKeys.h"

#include "llvm/IR/Function.h"
#include "llvm/Support/CommandLine.h"

using namespace llvm;

namespace optgym {
namespace {

cl::opt<unsigned> MaxForcedGrowth(
    "optgym-max-forced-growth", cl::init(8 * 1024), cl::Hidden,
    cl::desc("Forced unrolls and vectorizations that would add more than "
             "this many instructions to a function, all of them together, "
             "keep LLVM's default"));

// Growth moves between functions by inlining: a caller collects the
// unrolled loops of its callees, then unrolls its own.
cl::opt<unsigned> MaxForcedFunctionSize(
    "optgym-max-forced-function-size", cl::init(16 * 1024), cl::Hidden,
    cl::desc("Forced unrolls and vectorizations that would take a function "
             "past this many instructions keep LLVM's default"));

} // namespace

bool chargeForcedGrowth(const Function &F, uint64_t Instructions) {
  static thread_local IRMap<const Function *, uint64_t> Spent;
  uint64_t &Used = Spent[&F];
  if (Used + Instructions > MaxForcedGrowth ||
      F.getInstructionCount() + Instructions > MaxForcedFunctionSize)
    return false;
  Used += Instructions;
  return true;
}

} // namespace optgym
