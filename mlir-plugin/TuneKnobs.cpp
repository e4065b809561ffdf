//===- TuneKnobs.cpp - The tune-knob decision point -----------------------===//
//
// The pass walks every transform.tune.knob whose options are a list and
// every transform.tune.alternatives under the operation it runs on, in
// order, and asks the oracle about each: default leaves the op as it is (a
// selection the schedule makes stays; none stays none, and the interpreter
// then reports the unresolved choice, as without OptGym), option:I selects
// the I-th option or region, wrapping around past the last, so that every
// answer is valid for every op.
//
// Keys are FILE:NAME#N, NAME the op's name attribute and N its position
// among the file's ops of that name, so that a key stays when other knobs
// come and go.
//
//===----------------------------------------------------------------------===//

#include "mlir-plugin/TuneKnobs.h"
#include "mlir-plugin/DecisionPoint.h"

#include "oracle/DecisionKind.h"
#include "oracle/Query.h"
#include "session/Session.h"

#include "mlir/Dialect/Transform/TuneExtension/TuneExtensionOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Pass/Pass.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/Twine.h"

using namespace mlir;
namespace tune = mlir::transform::tune;

namespace optgym {
namespace {

int64_t integerValue(Attribute Option) {
  if (auto Integer = dyn_cast<IntegerAttr>(Option))
    return Integer.getValue().getSExtValue();
  return 0;
}

class TuneKnobsPass : public PassWrapper<TuneKnobsPass, OperationPass<>> {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(TuneKnobsPass)

  StringRef getArgument() const final { return "optgym-tune-knobs"; }
  StringRef getDescription() const final {
    return "select each transform.tune.knob option and "
           "transform.tune.alternatives region with OptGym's oracle "
           "(decision kind tune-knob)";
  }

  void runOnOperation() override {
    if (failed(reportConfigError(getOperation())))
      return signalPassFailure();
    Session &S = Session::get();
    if (!S.shouldQuery(DecisionKind::TuneKnob))
      return;
    bool WantsFeatures = S.needsFeatures(DecisionKind::TuneKnob);
    std::string File = sourceFileOf(getOperation()).str();
    llvm::StringMap<unsigned> Seen;
    unsigned Position = 0;
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *Op) {
      auto Knob = dyn_cast<tune::KnobOp>(Op);
      auto Alternatives = dyn_cast<tune::AlternativesOp>(Op);
      if (!Knob && !Alternatives)
        return;
      auto Options =
          Knob ? dyn_cast<ArrayAttr>(Knob.getOptions()) : ArrayAttr();
      if (Knob && (!Options || Options.empty()))
        return;
      // A selection given as a parameter is decided by the schedule itself.
      if (Alternatives && Alternatives.getSelectedRegionParam())
        return;
      unsigned NumOptions =
          Knob ? Options.size() : Alternatives->getNumRegions();
      StringRef Name = Knob ? Knob.getName() : Alternatives.getName();
      ++Position;
      Query Q(DecisionKind::TuneKnob,
              (File + ":" + Name + "#" + Twine(Seen[Name]++)).str());
      if (WantsFeatures)
        computeFeatures(Q, Knob, Alternatives, Options, NumOptions, Position);
      unsigned Choice = S.decide(Q);
      if (Choice == DefaultChoice)
        return;
      unsigned Index = choice::knobOption(Choice) % NumOptions;
      if (Knob) {
        Knob.setSelectedAttr(Options[Index]);
        return;
      }
      Alternatives.setSelectedRegionAttrAttr(
          IntegerAttr::get(IntegerType::get(Op->getContext(), 64), Index));
    });
  }

private:
  static void computeFeatures(Query &Q, tune::KnobOp Knob,
                              tune::AlternativesOp Alternatives,
                              ArrayAttr Options, unsigned NumOptions,
                              unsigned Position) {
    Q.initFeatures();
    Q.set(FeatureId::TuneKnob_Options, NumOptions);
    Q.set(FeatureId::TuneKnob_Alternatives, Alternatives ? 1 : 0);
    Q.set(FeatureId::TuneKnob_Position, Position);
    int64_t Selected = 0;
    if (Knob) {
      if (Attribute Chosen = Knob.getSelectedAttr())
        for (auto [Index, Option] : llvm::enumerate(Options))
          if (Option == Chosen)
            Selected = Index + 1;
      Q.set(FeatureId::TuneKnob_FirstOption, integerValue(Options[0]));
      Q.set(FeatureId::TuneKnob_LastOption,
            integerValue(Options[NumOptions - 1]));
    } else if (std::optional<APInt> Region =
                   Alternatives.getSelectedRegionAttr()) {
      Selected = Region->getSExtValue() + 1;
    }
    Q.set(FeatureId::TuneKnob_Selected, Selected);
  }
};

} // namespace

std::unique_ptr<Pass> createTuneKnobsPass() {
  return std::make_unique<TuneKnobsPass>();
}

} // namespace optgym
