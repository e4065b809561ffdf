//===- PassGate.cpp - The pass-gate decision point ------------------------===//

#include "passes/PassGate.h"
#include "passes/DecisionKeys.h"
#include "passes/DecisionPoint.h"
#include "passes/FunctionSizes.h"
#include "passes/LoopFeatures.h"

#include "llvm/Analysis/CGSCCPassManager.h"
#include "llvm/Analysis/LazyCallGraph.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassInstrumentation.h"

using namespace llvm;

namespace optgym {
namespace {

/// What the gate knows about the unit a pass is about to run on.
struct Unit {
  LLVMContext *Ctx = nullptr;
  const Function *Fn = nullptr; ///< For function and loop units.
  StringRef Kind;
  std::string Key;
  int64_t Size = 0;
  int64_t LoopDepth = 0;
};

/// Identifies the unit and its key; its size only when Sizes is given.
std::optional<Unit> describeUnit(const Any &IR, FunctionSizes *Sizes) {
  Unit U;
  if (const auto *F = any_cast<const Function *>(&IR)) {
    U.Fn = *F;
    U.Ctx = &U.Fn->getContext();
    U.Kind = "function";
    U.Key = DecisionKeys::functionKey(*U.Fn);
    if (Sizes)
      U.Size = Sizes->of(*U.Fn);
  } else if (const auto *L = any_cast<const Loop *>(&IR)) {
    U.Fn = (*L)->getHeader()->getParent();
    U.Ctx = &U.Fn->getContext();
    U.Kind = "loop";
    DecisionKeys &Keys = DecisionKeys::get();
    U.Key = Keys.loopKey(**L, Keys.loop(LoopKeySpace::Gate, **L, nullptr));
    U.LoopDepth = (*L)->getLoopDepth();
    if (Sizes)
      U.Size = loopInstructionCount(**L);
  } else if (const auto *C = any_cast<const LazyCallGraph::SCC *>(&IR)) {
    const LazyCallGraph::SCC &SCC = **C;
    const Function &First = SCC.begin()->getFunction();
    U.Ctx = &First.getContext();
    U.Kind = "cgscc";
    U.Key = DecisionKeys::moduleLabel(*First.getParent()) + ":scc(" +
            First.getName().str() + ")";
    if (Sizes)
      for (const LazyCallGraph::Node &N : SCC)
        U.Size += Sizes->of(N.getFunction());
  } else if (const auto *M = any_cast<const Module *>(&IR)) {
    U.Ctx = &(*M)->getContext();
    U.Kind = "module";
    U.Key = DecisionKeys::moduleLabel(**M) + ":module";
    if (Sizes)
      U.Size = Sizes->of(**M);
  } else {
    return std::nullopt;
  }
  return U;
}

/// The module of any IR unit the gate may be asked about.
const Module *moduleOf(const Any &IR) {
  if (const auto *F = any_cast<const Function *>(&IR))
    return (*F)->getParent();
  if (const auto *L = any_cast<const Loop *>(&IR))
    return (*L)->getHeader()->getModule();
  if (const auto *C = any_cast<const LazyCallGraph::SCC *>(&IR))
    return (*C)->begin()->getFunction().getParent();
  if (const auto *M = any_cast<const Module *>(&IR))
    return *M;
  return nullptr;
}

/// Passes LLVM treats as optional but others rely on: the loop pass adaptor
/// runs them to put loops in the canonical form every loop pass assumes, and
/// skipping them crashes the passes that follow.
bool isCanonicalization(StringRef ClassName) {
  return ClassName == "LoopSimplifyPass" || ClassName == "LCSSAPass";
}

class PassGate {
public:
  explicit PassGate(PassInstrumentationCallbacks &PIC) : PIC(PIC) {}

  bool shouldRun(StringRef ClassName, const Any &IR) {
    Session &S = Session::get();
    if (!S.shouldQuery(DecisionKind::PassGate) && !S.hasPendingConfigError())
      return true;
    // In an opt pipeline of only custom passes this may be the one place a
    // configuration error can surface.
    const Module *M = moduleOf(IR);
    if (!M || !shouldQuery(DecisionKind::PassGate, *M) ||
        isCanonicalization(ClassName))
      return true;
    const GatedPass &GP = gatedPass(ClassName);
    // A trained policy skips few passes: for the others its answer is known
    // without the unit, and the query (key, features) is not worth making.
    if (!GP.MayDepart)
      return true;
    StringRef Pass = GP.Name;
    std::optional<Unit> U = describeUnit(
        IR, S.needsFeature(FeatureId::PassGate_UnitSize) ? &FunctionSizes::get()
                                                         : nullptr);
    if (!U || (U->Fn && U->Fn->hasOptNone()))
      return true;

    unsigned Ordinal = DecisionKeys::get().nextGateOrdinal(U->Key, Pass);
    Query Q(DecisionKind::PassGate,
            U->Key + ":" + Pass.str() + "#" + std::to_string(Ordinal));
    if (S.needsFeatures(DecisionKind::PassGate)) {
      Q.initFeatures();
      Q.set(FeatureId::PassGate_Pass, Pass);
      Q.set(FeatureId::PassGate_Unit, U->Kind);
      Q.set(FeatureId::PassGate_UnitSize, U->Size);
      Q.set(FeatureId::PassGate_Ordinal, Ordinal);
      Q.set(FeatureId::PassGate_LoopDepth, U->LoopDepth);
    }
    return S.decide(Q) == choice::Run;
  }

private:
  struct GatedPass {
    StringRef Name;
    /// The oracle may answer something other than "run" about this pass.
    bool MayDepart = true;
  };

  const GatedPass &gatedPass(StringRef ClassName) {
    auto [It, New] = Passes.try_emplace(ClassName);
    if (New) {
      GatedPass &GP = It->second;
      GP.Name = PIC.getPassNameForClassName(ClassName);
      if (GP.Name.empty())
        GP.Name = It->first();
      GP.MayDepart =
          Session::get().mayDepartWhen(FeatureId::PassGate_Pass, GP.Name);
    }
    return It->second;
  }

  PassInstrumentationCallbacks &PIC;
  StringMap<GatedPass> Passes;
};

} // namespace

void registerPassGate(PassInstrumentationCallbacks &PIC) {
  auto Gate = std::make_shared<PassGate>(PIC);
  PIC.registerShouldRunOptionalPassCallback(
      [Gate](StringRef ClassName, Any IR) {
        return Gate->shouldRun(ClassName, IR);
      });
}

} // namespace optgym
