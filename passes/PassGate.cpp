//===- PassGate.cpp - The pass-gate decision point ------------------------===//

#include "passes/PassGate.h"
#include "passes/DecisionKeys.h"
#include "passes/DecisionPoint.h"
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

/// Instruction counts of functions and of the module, kept until a pass
/// reports that it changed them. Counting a function walks all of it, and
/// the gate would otherwise count it again before every pass.
class UnitSizes {
public:
  int64_t of(const Function &F) {
    auto [It, Inserted] = Functions.insert({&F, 0});
    if (Inserted)
      It->second = F.getInstructionCount();
    return It->second;
  }
  int64_t of(const Module &M) {
    if (!ModuleSize)
      ModuleSize = M.getInstructionCount();
    return *ModuleSize;
  }

  /// After a pass ran on IR and returned PA.
  void passRan(const Any &IR, const PreservedAnalyses &PA) {
    if (PA.areAllPreserved())
      return;
    ModuleSize.reset();
    if (const auto *F = any_cast<const Function *>(&IR))
      Functions.erase(*F);
    else if (const auto *L = any_cast<const Loop *>(&IR))
      Functions.erase((*L)->getHeader()->getParent());
    else
      Functions.clear();
  }
  void clear() {
    Functions.clear();
    ModuleSize.reset();
  }

private:
  // Entries vanish with their function, so a new function never inherits
  // the count of a deleted one.
  IRMap<const Function *, int64_t> Functions;
  std::optional<int64_t> ModuleSize;
};

/// Identifies the unit and its key; its size only when Sizes is given.
std::optional<Unit> describeUnit(const Any &IR, UnitSizes *Sizes) {
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
    std::optional<Unit> U = describeUnit(
        IR, S.needsFeatures(DecisionKind::PassGate) ? &Sizes : nullptr);
    if (!U || (U->Fn && U->Fn->hasOptNone()))
      return true;

    StringRef Pass = PIC.getPassNameForClassName(ClassName);
    if (Pass.empty())
      Pass = ClassName;
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

  UnitSizes Sizes;

private:
  PassInstrumentationCallbacks &PIC;
};

} // namespace

void registerPassGate(PassInstrumentationCallbacks &PIC) {
  auto Gate = std::make_shared<PassGate>(PIC);
  PIC.registerShouldRunOptionalPassCallback(
      [Gate](StringRef ClassName, Any IR) {
        return Gate->shouldRun(ClassName, IR);
      });
  if (!Session::get().needsFeatures(DecisionKind::PassGate))
    return;
  PIC.registerAfterPassCallback(
      [Gate](StringRef, Any IR, const PreservedAnalyses &PA) {
        Gate->Sizes.passRan(IR, PA);
      });
  PIC.registerAfterPassInvalidatedCallback(
      [Gate](StringRef, const PreservedAnalyses &) { Gate->Sizes.clear(); });
}

} // namespace optgym
