//===- LoopVectorizeDecision.cpp - The loop-vectorize decision point ------===//

#include "passes/LoopVectorizeDecision.h"
#include "passes/DecisionKeys.h"
#include "passes/DecisionPoint.h"
#include "passes/GrowthBudget.h"
#include "passes/LoopFeatures.h"
#include "passes/LoopHints.h"
#include "passes/LoopUnrollDecision.h"

#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Support/CommandLine.h"

using namespace llvm;

namespace optgym {
namespace {

SmallVector<LoopHint, 3> vectorizeHints(unsigned Choice) {
  if (Choice == choice::VectorizeOff)
    return {{"llvm.loop.vectorize.enable", 0, /*Bits=*/1}};
  unsigned Width = choice::vectorWidth(Choice);
  unsigned Interleave = choice::interleaveCount(Choice);
  SmallVector<LoopHint, 3> Hints = {{"llvm.loop.vectorize.width", Width},
                                    {"llvm.loop.interleave.count", Interleave}};
  // Forcing makes the hints count where the pipeline vectorizes only on
  // request (-O1, -Oz).
  if (Width > 1 || Interleave > 1)
    Hints.push_back({"llvm.loop.vectorize.enable", 1, /*Bits=*/1});
  return Hints;
}

} // namespace

bool forbidHintedFPReordering() {
  auto &Options = cl::getRegisteredOptions();
  auto It = Options.find("hints-allow-reordering");
  if (It == Options.end())
    return false;
  if (!It->second->getNumOccurrences())
    It->second->addOccurrence(0, "hints-allow-reordering", "false");
  return true;
}

PreservedAnalyses LoopVectorizeDecisionPass::run(Function &F,
                                                 FunctionAnalysisManager &FAM) {
  if (!shouldQuery(DecisionKind::LoopVectorize, *F.getParent()) ||
      F.hasOptNone())
    return PreservedAnalyses::all();
  LoopInfo &LI = FAM.getResult<LoopAnalysis>(F);
  if (LI.empty())
    return PreservedAnalyses::all();

  Session &S = Session::get();
  // Trip counts are the one costly part of the features.
  ScalarEvolution *SE =
      S.needsFeature(FeatureId::LoopVectorize_TripCount) ||
              S.needsFeature(FeatureId::LoopVectorize_MaxTripCount)
          ? &FAM.getResult<ScalarEvolutionAnalysis>(F)
          : nullptr;
  DecisionKeys &Keys = DecisionKeys::get();
  bool Changed = false;
  for (Loop *L : LI.getLoopsInPreorder()) {
    // Number every loop, so keys do not depend on which loops are innermost.
    DecisionRecord &R = Keys.loop(LoopKeySpace::Vectorize, *L, &LI);
    if (!L->isInnermost() || R.Decided ||
        hasLoopHint(*L, {"llvm.loop.vectorize.", "llvm.loop.interleave.",
                         "llvm.loop.isvectorized"}))
      continue;
    R.Decided = true;
    Query Q(DecisionKind::LoopVectorize, Keys.loopKey(*L, R));
    if (S.needsFeatures(DecisionKind::LoopVectorize))
      computeLoopVectorizeFeatures(Q, *L, SE);
    R.Choice = S.decide(Q);
    if (R.Choice == DefaultChoice)
      continue;
    // Width times interleave copies of the body at most (scalarized
    // operations), each copied again by an unroll hint the vector loop
    // keeps; switching the vectorizer off adds nothing.
    if (R.Choice != choice::VectorizeOff &&
        !chargeForcedGrowth(
            F, uint64_t(loopInstructionCount(*L)) *
                   choice::vectorWidth(R.Choice) *
                   choice::interleaveCount(R.Choice) *
                   hintedUnrollCopies(
                       *L, FAM.getResult<ScalarEvolutionAnalysis>(F)))) {
      S.noteRefused(DecisionKind::LoopVectorize);
      continue;
    }
    addLoopHints(*L, vectorizeHints(R.Choice));
    Changed = true;
  }
  if (!Changed)
    return PreservedAnalyses::all();
  PreservedAnalyses PA;
  PA.preserveSet<CFGAnalyses>();
  return PA;
}

} // namespace optgym
