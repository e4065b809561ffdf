//===- LoopUnrollDecision.cpp - The loop-unroll decision point ------------===//

#include "passes/LoopUnrollDecision.h"
#include "passes/DecisionKeys.h"
#include "passes/DecisionPoint.h"
#include "passes/GrowthBudget.h"
#include "passes/LoopFeatures.h"
#include "passes/LoopHints.h"

#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Support/CommandLine.h"

#include <algorithm>

using namespace llvm;

namespace optgym {
namespace {

// LLVM honours a pragma count or full unroll whatever the size, so an oracle
// could make the compiler run out of memory. Same default as LLVM's
// -pragma-unroll-threshold.
cl::opt<unsigned> MaxUnrolledSize(
    "optgym-max-unrolled-size", cl::init(16 * 1024), cl::Hidden,
    cl::desc("Forced unrolls that would exceed this many instructions are "
             "not carried out (the loop keeps LLVM's default)"));

/// How many copies of its body the unroll choice makes; 0 when LLVM could
/// not carry it out anyway (full unroll of an unknown trip count).
uint64_t copiesOf(Loop &L, unsigned Choice, ScalarEvolution &SE) {
  if (Choice != choice::UnrollFull)
    return choice::unrollCount(Choice);
  if (unsigned Trips = SE.getSmallConstantTripCount(&L))
    return Trips;
  return SE.getSmallConstantMaxTripCount(&L);
}

constexpr StringLiteral UnrollCount = "llvm.loop.unroll.count";
constexpr StringLiteral UnrollFull = "llvm.loop.unroll.full";
/// Marks the unroll hints that are OptGym's: the vectorizer's decision
/// point tags loops too, whose unroll pragma is the user's.
constexpr StringLiteral UnrollHintTag = "optgym.unroll";

/// Instructions of L once the forced unrolls of its subloops are carried
/// out: inner loops are decided first, and an outer unroll copies them
/// unrolled.
uint64_t sizeWithForcedSubloops(Loop &L, ScalarEvolution &SE) {
  uint64_t Size = loopInstructionCount(L);
  for (Loop *Sub : L) {
    uint64_t SubSize = sizeWithForcedSubloops(*Sub, SE);
    Size += (hintedUnrollCopies(*Sub, SE) - 1) * SubSize +
            (SubSize - loopInstructionCount(*Sub));
  }
  return Size;
}

/// Instructions the unroll hints of L and its subloops add.
uint64_t hintedGrowth(Loop &L, ScalarEvolution &SE) {
  return hintedUnrollCopies(L, SE) * sizeWithForcedSubloops(L, SE) -
         loopInstructionCount(L);
}

bool hasOptGymUnrollHint(const Loop &L) {
  return hasLoopHint(L, {UnrollHintTag}) &&
         hasLoopHint(L, {UnrollCount, UnrollFull});
}

LoopHint unrollHint(unsigned Choice) {
  switch (Choice) {
  case choice::UnrollDisable:
    return {"llvm.loop.unroll.disable", std::nullopt};
  case choice::UnrollFull:
    return {"llvm.loop.unroll.full", std::nullopt};
  default:
    return {"llvm.loop.unroll.count", choice::unrollCount(Choice)};
  }
}

} // namespace

uint64_t hintedUnrollCopies(Loop &L, ScalarEvolution &SE) {
  if (std::optional<int> Count = getOptionalIntLoopAttribute(&L, UnrollCount))
    return std::max(*Count, 1);
  if (getBooleanLoopAttribute(&L, UnrollFull))
    return std::max<uint64_t>(copiesOf(L, choice::UnrollFull, SE), 1);
  return 1;
}

PreservedAnalyses LoopUnrollDecisionPass::run(Loop &L, LoopAnalysisManager &,
                                              LoopStandardAnalysisResults &AR,
                                              LPMUpdater &) {
  Function &F = *L.getHeader()->getParent();
  if (!shouldQuery(DecisionKind::LoopUnroll, *F.getParent()) ||
      F.hasOptNone() || hasLoopHint(L, {"llvm.loop.unroll."}))
    return PreservedAnalyses::all();

  DecisionKeys &Keys = DecisionKeys::get();
  DecisionRecord &R = Keys.loop(LoopKeySpace::Unroll, L, &AR.LI);
  // The loop pipeline runs again on every visit of the function; the first
  // answer stands.
  if (R.Decided)
    return PreservedAnalyses::all();
  R.Decided = true;

  Session &S = Session::get();
  Query Q(DecisionKind::LoopUnroll, Keys.loopKey(L, R));
  if (S.needsFeatures(DecisionKind::LoopUnroll))
    computeLoopUnrollFeatures(Q, L, AR.SE);
  R.Choice = S.decide(Q);
  if (R.Choice == DefaultChoice)
    return PreservedAnalyses::all();
  if (R.Choice != choice::UnrollDisable) {
    uint64_t Size = sizeWithForcedSubloops(L, AR.SE);
    uint64_t Unrolled = copiesOf(L, R.Choice, AR.SE) * Size;
    uint64_t Growth = Unrolled > Size ? Unrolled - Size : 0;
    if (Unrolled > MaxUnrolledSize || !chargeForcedGrowth(F, Growth)) {
      S.noteRefused(DecisionKind::LoopUnroll);
      return PreservedAnalyses::all();
    }
  }
  addLoopHints(L, {unrollHint(R.Choice), {UnrollHintTag, std::nullopt}});
  return getLoopPassPreservedAnalyses();
}

PreservedAnalyses LoopUnrollRecheckPass::run(Function &F,
                                             FunctionAnalysisManager &FAM) {
  if (F.isDeclaration())
    return PreservedAnalyses::all();
  LoopInfo &LI = FAM.getResult<LoopAnalysis>(F);
  SmallVector<Loop *, 8> Loops = LI.getLoopsInPreorder();
  if (none_of(Loops, [](Loop *L) { return hasOptGymUnrollHint(*L); }))
    return PreservedAnalyses::all();

  ScalarEvolution &SE = FAM.getResult<ScalarEvolutionAnalysis>(F);
  uint64_t Room = forcedGrowthRoom(F);
  uint64_t Pending = 0;
  unsigned Dropped = 0;
  for (Loop *Top : LI.getTopLevelLoops()) {
    uint64_t Growth = hintedGrowth(*Top, SE);
    // Preorder: outer hints are dropped before the inner ones they copy.
    for (Loop *L : Top->getLoopsInPreorder()) {
      if (Pending + Growth <= Room)
        break;
      if (!hasOptGymUnrollHint(*L))
        continue;
      removeLoopHints(*L, {UnrollCount, UnrollFull});
      ++Dropped;
      Growth = hintedGrowth(*Top, SE);
    }
    Pending += Growth;
  }
  notePendingGrowth(F, Pending);
  for (unsigned I = 0; I < Dropped; ++I)
    Session::get().noteRefused(DecisionKind::LoopUnroll);
  // Only loop metadata changed, which no analysis keeps.
  return PreservedAnalyses::all();
}

} // namespace optgym
