//===- AffineUnroll.cpp - The affine-unroll decision point ----------------===//
//
// The pass walks the functions under the operation it runs on in order and,
// for each, does what affine-loop-unroll does: with unroll-full and
// unroll-full-threshold, fully unroll the loops of a small constant trip
// count; otherwise, unroll-num-reps times, unroll every innermost loop. Before
// a loop is first acted on, the oracle decides how: default (the upstream
// action with this pass's options), none, full, or factor:N. A forced choice
// is carried out once; a loop left alone (none) stays so.
//
// Keys are FILE:FUNC:affine.for#N, N the loop's position in a preorder walk
// of the function when the pass first sees it; loops the pass creates
// (cleanup loops) continue the count in the order they are first met.
//
//===----------------------------------------------------------------------===//

#include "mlir-plugin/AffineUnroll.h"
#include "mlir-plugin/DecisionPoint.h"
#include "mlir-plugin/LoopFeatures.h"

#include "oracle/DecisionKind.h"
#include "oracle/Query.h"
#include "session/Session.h"

#include "mlir/Dialect/Affine/Analysis/LoopAnalysis.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/LoopUtils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Config/llvm-config.h"

using namespace mlir;
using affine::AffineForOp;

namespace optgym {
namespace {

bool isInnermost(AffineForOp Loop) {
  return !Loop.getBody()
              ->walk([](AffineForOp) { return WalkResult::interrupt(); })
              .wasInterrupted();
}

/// The loops affine-loop-unroll gathers, in its order (postorder).
SmallVector<AffineForOp> innermostLoops(func::FuncOp F) {
  SmallVector<AffineForOp> Loops;
  F.walk([&](AffineForOp Loop) {
    if (isInnermost(Loop))
      Loops.push_back(Loop);
  });
  return Loops;
}

void computeFeatures(Query &Q, AffineForOp Loop) {
  Q.initFeatures();
  Q.set(FeatureId::AffineUnroll_Depth, depthOf(Loop));
  Q.set(FeatureId::AffineUnroll_Innermost, isInnermost(Loop) ? 1 : 0);
  std::optional<uint64_t> Trip = affine::getConstantTripCount(Loop);
  Q.set(FeatureId::AffineUnroll_TripCount, Trip ? int64_t(*Trip) : 0);
  int64_t Ops = 0, Arith = 0, Memory = 0, Calls = 0;
  Loop.getBody()->walk([&](Operation *Op) {
    ++Ops;
    StringRef Dialect = Op->getName().getDialectNamespace();
    if (Dialect == "arith" || Dialect == "math")
      ++Arith;
    else if (isMemoryOp(Op))
      ++Memory;
    else if (isa<CallOpInterface>(Op))
      ++Calls;
  });
  Q.set(FeatureId::AffineUnroll_BodyOps, Ops);
  Q.set(FeatureId::AffineUnroll_ArithOps, Arith);
  Q.set(FeatureId::AffineUnroll_MemoryOps, Memory);
  Q.set(FeatureId::AffineUnroll_Calls, Calls);
  Operation *Outermost = Loop;
  for (Operation *Op = Loop->getParentOp(); Op; Op = Op->getParentOp())
    if (isa<AffineForOp>(Op))
      Outermost = Op;
  int64_t Nest = 0;
  Outermost->walk([&](AffineForOp) { ++Nest; });
  Q.set(FeatureId::AffineUnroll_NestSize, Nest);
}

class AffineUnrollPass : public PassWrapper<AffineUnrollPass, OperationPass<>> {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(AffineUnrollPass)

  AffineUnrollPass() = default;
  AffineUnrollPass(const AffineUnrollPass &Other) : PassWrapper(Other) {}

  StringRef getArgument() const final { return "optgym-affine-unroll"; }
  StringRef getDescription() const final {
    return "affine-loop-unroll with each loop's unrolling decided by "
           "OptGym's oracle (decision kind affine-unroll)";
  }
  void getDependentDialects(DialectRegistry &Registry) const override {
    Registry.insert<affine::AffineDialect, arith::ArithDialect>();
  }

  // affine-loop-unroll's options, with its names and defaults.
#if LLVM_VERSION_MAJOR >= 22
  Option<int64_t> UnrollFactor{
      *this, "unroll-factor",
      llvm::cl::desc("Use this unroll factor for all loops being unrolled, "
                     "-1 to unroll fully"),
      llvm::cl::init(4)};
#else
  Option<unsigned> UnrollFactor{
      *this, "unroll-factor",
      llvm::cl::desc("Use this unroll factor for all loops being unrolled"),
      llvm::cl::init(4)};
  Option<bool> UnrollFull{*this, "unroll-full",
                          llvm::cl::desc("Fully unroll loops"),
                          llvm::cl::init(false)};
#endif
  Option<bool> UnrollUpToFactor{
      *this, "unroll-up-to-factor",
      llvm::cl::desc("Allow unrolling up to the factor specified"),
      llvm::cl::init(false)};
  Option<unsigned> NumRepetitions{
      *this, "unroll-num-reps",
      llvm::cl::desc("Unroll innermost loops repeatedly this many times"),
      llvm::cl::init(1)};
  Option<unsigned> UnrollFullThreshold{
      *this, "unroll-full-threshold",
      llvm::cl::desc("Unroll all loops with trip count less than or equal to "
                     "this")};
  Option<bool> CleanUpUnroll{
      *this, "cleanup-unroll",
      llvm::cl::desc("Fully unroll the cleanup loop when possible."),
      llvm::cl::init(false)};

  void runOnOperation() override {
    if (failed(reportConfigError(getOperation())))
      return signalPassFailure();
    for (func::FuncOp F : definedFunctions(getOperation()))
      runOnFunction(F);
  }

private:
  /// What the pass has decided about one loop.
  struct LoopDecision {
    unsigned Choice = DefaultChoice;
    bool Applied = false;
  };

  /// The per-function state: positions and decisions by loop.
  struct FunctionState {
    /// The oracle is asked (else no state is kept).
    bool Querying = false;
    std::string Prefix;
    unsigned NextPosition = 0;
    llvm::DenseMap<Operation *, unsigned> Positions;
    llvm::DenseMap<Operation *, LoopDecision> Decisions;
  };

  bool unrollsFully() const {
#if LLVM_VERSION_MAJOR >= 22
    return UnrollFactor == -1;
#else
    return UnrollFull;
#endif
  }

  void number(FunctionState &State, func::FuncOp F) {
    F.walk<WalkOrder::PreOrder>([&](AffineForOp Loop) {
      if (State.Positions.try_emplace(Loop, State.NextPosition).second)
        ++State.NextPosition;
    });
  }

  LoopDecision &decide(FunctionState &State, func::FuncOp F, AffineForOp Loop) {
    auto [It, New] = State.Decisions.try_emplace(Loop);
    if (!New)
      return It->second;
    Session &S = Session::get();
    if (!State.Positions.count(Loop))
      number(State, F);
    Query Q(
        DecisionKind::AffineUnroll,
        (State.Prefix + "affine.for#" + Twine(State.Positions[Loop])).str());
    if (S.needsFeatures(DecisionKind::AffineUnroll))
      computeFeatures(Q, Loop);
    It->second.Choice = S.decide(Q);
    return It->second;
  }

  /// affine-loop-unroll's own action on a loop.
  LogicalResult unrollAsUpstream(AffineForOp Loop) {
    if (unrollsFully())
      return affine::loopUnrollFull(Loop);
    if (UnrollUpToFactor)
      return affine::loopUnrollUpToFactor(Loop, UnrollFactor);
    return affine::loopUnrollByFactor(Loop, UnrollFactor,
                                      /*annotateFn=*/nullptr, CleanUpUnroll);
  }

  /// A forced choice's action on a loop.
  LogicalResult carryOut(unsigned Choice, AffineForOp Loop) {
    if (Choice == choice::AffineUnrollFull)
      return affine::loopUnrollFull(Loop);
    return affine::loopUnrollByFactor(Loop, choice::affineFactor(Choice),
                                      /*annotateFn=*/nullptr, CleanUpUnroll);
  }

  /// Acts on one loop as decided; success if it was unrolled.
  LogicalResult act(FunctionState &State, func::FuncOp F, AffineForOp Loop,
                    function_ref<LogicalResult(AffineForOp)> Default) {
    // Without queries every loop gets the upstream action, and no
    // bookkeeping.
    if (!State.Querying)
      return Default(Loop);
    LoopDecision &D = decide(State, F, Loop);
    LogicalResult Result = failure();
    if (D.Choice == DefaultChoice) {
      Result = Default(Loop);
    } else if (D.Choice != choice::AffineUnrollNone && !D.Applied) {
      D.Applied = true;
      Result = carryOut(D.Choice, Loop);
    }
    // A transform that fails leaves the loop as it was.
    if (succeeded(Result))
      forgetIfErased(State, F, Loop.getOperation());
    return Result;
  }

  /// Unrolling may erase the loop (a full unroll, a single iteration left):
  /// its entries go, before a loop created later can take its address. The
  /// transforms erase last, so the address is not reused yet.
  void forgetIfErased(FunctionState &State, func::FuncOp F, Operation *Loop) {
    bool Live = F.walk([&](AffineForOp Other) {
                   return Other.getOperation() == Loop ? WalkResult::interrupt()
                                                       : WalkResult::advance();
                 }).wasInterrupted();
    if (!Live) {
      State.Positions.erase(Loop);
      State.Decisions.erase(Loop);
    }
  }

  void runOnFunction(func::FuncOp F) {
    FunctionState State;
    State.Querying = Session::get().shouldQuery(DecisionKind::AffineUnroll);
    if (State.Querying) {
      State.Prefix = keyPrefix(F);
      number(State, F);
    }

    if (unrollsFully() && UnrollFullThreshold.hasValue()) {
      // The loops of a short trip count, innermost first.
      SmallVector<AffineForOp> Loops;
      F.walk([&](AffineForOp Loop) {
        std::optional<uint64_t> Trip = affine::getConstantTripCount(Loop);
        if (Trip && *Trip <= UnrollFullThreshold)
          Loops.push_back(Loop);
      });
      for (AffineForOp Loop : Loops)
        (void)act(State, F, Loop,
                  [](AffineForOp L) { return affine::loopUnrollFull(L); });
      return;
    }
    for (unsigned Rep = 0; Rep < NumRepetitions; ++Rep) {
      SmallVector<AffineForOp> Loops = innermostLoops(F);
      if (Loops.empty())
        break;
      bool Unrolled = false;
      for (AffineForOp Loop : Loops)
        Unrolled |= succeeded(act(State, F, Loop, [&](AffineForOp L) {
          return unrollAsUpstream(L);
        }));
      if (!Unrolled)
        break;
    }
  }
};

} // namespace

std::unique_ptr<Pass> createAffineUnrollPass() {
  return std::make_unique<AffineUnrollPass>();
}

} // namespace optgym
