//===- PassChoiceDriver.cpp - The oracle chooses the pass order -----------===//

#include "passes/PassChoiceDriver.h"
#include "oracle/ActionSpace.h"
#include "passes/DecisionKeys.h"
#include "passes/DecisionPoint.h"
#include "passes/DriverObservations.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace optgym {
namespace {

/// The verifier's first complaint, enough to tell what broke.
std::string firstLine(StringRef Text) {
  StringRef Line = Text.trim().split('\n').first;
  constexpr size_t MaxChars = 400;
  return Line.size() > MaxChars ? (Line.take_front(MaxChars) + "...").str()
                                : Line.str();
}

} // namespace

PreservedAnalyses PassChoiceDriverPass::run(Module &M,
                                            ModuleAnalysisManager &MAM) {
  if (!shouldQuery(DecisionKind::PassChoice, M, NamedInPipeline))
    return PreservedAnalyses::all();
  Session &S = Session::get();
  std::string Label = DecisionKeys::moduleLabel(M);
  DriverObservations Observations(M, *PB);
  PreservedAnalyses Kept = PreservedAnalyses::all();
  unsigned Step = 0;
  bool LastChanged = false;
  std::string LastAction, Problem;

  while (true) {
    if (Problem.empty() && Step >= S.maxPasses())
      Problem = "pass limit: " + std::to_string(S.maxPasses()) +
                " passes have run (OPTGYM_MAX_PASSES)";
    Query Q(DecisionKind::PassChoice, Label + ":step#" + std::to_string(Step));
    Q.Default = choice::Stop;
    // Counting instructions walks the module: only for oracles that read
    // features (or a recording), as at every other decision point.
    if (S.needsFeatures(DecisionKind::PassChoice)) {
      Q.initFeatures();
      Q.set(FeatureId::PassChoice_Step, Step);
      Q.set(FeatureId::PassChoice_LastChanged, LastChanged);
      Q.set(FeatureId::PassChoice_IRInstructions,
            int64_t(Observations.instructionCount()));
      Q.set(FeatureId::PassChoice_LastAction, LastAction);
      Q.set(FeatureId::PassChoice_Error, Problem);
    }
    Q.Services = &Observations;
    unsigned Choice = S.decide(Q);
    if (Choice == choice::Stop || !Problem.empty())
      break;

    // A replay-only action (after the offered ones) runs like any other;
    // one with no pipeline runs nothing.
    const Action &A = allActions()[Choice - choice::FirstAction];
    LastChanged = false;
    if (!A.Pipeline.empty()) {
      ModulePassManager Pass;
      if (Error E = PB->parsePassPipeline(Pass, A.Pipeline)) {
        Problem = "cannot build " + A.Name + ": " + toString(std::move(E));
        continue;
      }
      PreservedAnalyses PA = Pass.run(M, MAM);
      LastChanged = !PA.areAllPreserved();
      Kept.intersect(std::move(PA));
    }
    LastAction = A.Name;
    ++Step;
    if (!LastChanged)
      continue;
    Observations.invalidate();
    std::string Complaint;
    raw_string_ostream OS(Complaint);
    if (verifyModule(M, &OS)) {
      Problem = "verifier: after " + A.Name + ": " + firstLine(Complaint);
      // The agent hears of it in the next query; the compile must not go on
      // with broken IR.
      M.getContext().emitError("optgym: pass-choice step " + Twine(Step - 1) +
                               ": " + Problem);
    }
  }
  return Kept;
}

} // namespace optgym
