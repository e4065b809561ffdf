//===- AffineUnrollJam.cpp - The affine-unroll-jam decision point ---------===//
//
// affine-loop-unroll-jam unrolls and jams one loop per function, the first
// operation of the function body when it is an affine.for, by its
// unroll-jam-factor, without asking whether that is legal. This pass does the
// same by default, and asks the oracle about every loop that can be unrolled
// and jammed without changing what the function computes: a loop that
// contains other loops, whose iterations are independent (no dependence
// between them through memory, no value carried from one to the next, so
// their copies may interleave inside the inner loops in any order) and whose
// inner loops' bounds do not depend on it. Answers: default (the upstream
// action on that loop, if it is the one the upstream pass takes), none, full
// (by the constant trip count) or factor:N. Inner loops' reductions
// (iter_args) stay exact: each jammed copy gets its own.
//
// Factors multiply down a nest (jamming three nested loops by 32 makes 32768
// copies of the innermost body), so a forced factor is carried out only while
// the loop's body, copies included, stays within max-jammed-ops operations;
// past that the loop is left alone, with a remark.
//
// All questions come before the first change, in a preorder walk, and the
// loops are then transformed in that order (outer loops first; unrolling and
// jamming keeps the inner loop operations, so later answers still apply).
// Keys are FILE:FUNC:affine.for#N, N the loop's position in that walk.
//
//===----------------------------------------------------------------------===//

#include "mlir-plugin/AffineUnrollJam.h"
#include "mlir-plugin/DecisionPoint.h"
#include "mlir-plugin/LoopFeatures.h"

#include "oracle/DecisionKind.h"
#include "oracle/Query.h"
#include "session/Session.h"

#include "mlir/Dialect/Affine/Analysis/AffineAnalysis.h"
#include "mlir/Dialect/Affine/Analysis/LoopAnalysis.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/LoopUtils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

#include "llvm/ADT/Twine.h"

using namespace mlir;
using affine::AffineForOp;

namespace optgym {
namespace {

/// The loop affine-loop-unroll-jam acts on in F, if any.
AffineForOp upstreamTarget(func::FuncOp F) {
  return dyn_cast<AffineForOp>(F.getBody().front().front());
}

/// True if the bounds of every loop nested in Loop are defined outside it
/// (loopUnrollJamByFactor refuses the others).
bool innerBoundsInvariant(AffineForOp Loop) {
  return !Loop.walk([&](AffineForOp Inner) {
                for (Value Operand : Inner.getControlOperands())
                  if (!Loop.isDefinedOutsideOfLoop(Operand))
                    return WalkResult::interrupt();
                return WalkResult::advance();
              })
              .wasInterrupted();
}

/// True if unrolling and jamming Loop by any factor keeps the function's
/// results: see the file comment.
bool canUnrollJam(AffineForOp Loop) {
  bool HasInnerLoop =
      Loop.getBody()
          ->walk([](AffineForOp) { return WalkResult::interrupt(); })
          .wasInterrupted();
  return HasInnerLoop && innerBoundsInvariant(Loop) &&
         affine::isLoopParallel(Loop, /*parallelReductions=*/nullptr);
}

class AffineUnrollJamPass
    : public PassWrapper<AffineUnrollJamPass, OperationPass<>> {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(AffineUnrollJamPass)

  AffineUnrollJamPass() = default;
  AffineUnrollJamPass(const AffineUnrollJamPass &Other) : PassWrapper(Other) {}

  StringRef getArgument() const final { return "optgym-affine-unroll-jam"; }
  StringRef getDescription() const final {
    return "affine-loop-unroll-jam with each loop's factor decided by "
           "OptGym's oracle (decision kind affine-unroll-jam)";
  }
  void getDependentDialects(DialectRegistry &Registry) const override {
    Registry.insert<affine::AffineDialect>();
  }

  // affine-loop-unroll-jam's option, with its name and default.
  Option<unsigned> UnrollJamFactor{
      *this, "unroll-jam-factor",
      llvm::cl::desc("Use this unroll jam factor for all loops (default 4)"),
      llvm::cl::init(4)};
  Option<unsigned> MaxJammedOps{
      *this, "max-jammed-ops",
      llvm::cl::desc("Carry out a forced factor only if the loop body then "
                     "has at most this many operations"),
      llvm::cl::init(4096)};

  void runOnOperation() override {
    if (failed(reportConfigError(getOperation())))
      return signalPassFailure();
    bool Querying = Session::get().shouldQuery(DecisionKind::AffineUnrollJam);
    for (func::FuncOp F : definedFunctions(getOperation())) {
      if (Querying)
        runOnFunction(F);
      else if (AffineForOp Target = upstreamTarget(F))
        (void)affine::loopUnrollJamByFactor(Target, UnrollJamFactor);
    }
  }

private:
  void computeFeatures(Query &Q, AffineForOp Loop, bool IsTarget) const {
    Q.initFeatures();
    Q.set(FeatureId::AffineUnrollJam_Depth, depthOf(Loop));
    std::optional<uint64_t> Trip = affine::getConstantTripCount(Loop);
    Q.set(FeatureId::AffineUnrollJam_TripCount, Trip ? int64_t(*Trip) : 0);
    int64_t Inner = 0, Reductions = 0, Ops = 0, Memory = 0;
    Loop.getBody()->walk([&](Operation *Op) {
      ++Ops;
      if (auto InnerLoop = dyn_cast<AffineForOp>(Op)) {
        ++Inner;
        Reductions += InnerLoop.getNumIterOperands();
      } else if (isMemoryOp(Op)) {
        ++Memory;
      }
    });
    Q.set(FeatureId::AffineUnrollJam_InnerLoops, Inner);
    Q.set(FeatureId::AffineUnrollJam_InnerReductions, Reductions);
    Q.set(FeatureId::AffineUnrollJam_BodyOps, Ops);
    Q.set(FeatureId::AffineUnrollJam_MemoryOps, Memory);
    AccessStrides Strides = classifyAccesses(Loop, Loop);
    Q.set(FeatureId::AffineUnrollJam_UnitStrideAccesses, Strides.UnitStride);
    Q.set(FeatureId::AffineUnrollJam_InvariantAccesses, Strides.Invariant);
    Q.set(FeatureId::AffineUnrollJam_DefaultFactor,
          IsTarget ? int64_t(UnrollJamFactor) : 0);
  }

  void runOnFunction(func::FuncOp F) {
    Session &S = Session::get();
    bool WantsFeatures = S.needsFeatures(DecisionKind::AffineUnrollJam);
    std::string Prefix = keyPrefix(F);
    AffineForOp Target = upstreamTarget(F);
    SmallVector<std::pair<AffineForOp, unsigned>> Plan;
    unsigned Position = 0;
    F.walk<WalkOrder::PreOrder>([&](AffineForOp Loop) {
      unsigned Key = Position++;
      bool IsTarget = Loop == Target;
      if (!canUnrollJam(Loop)) {
        // The upstream pass's loop still gets its action; no other
        // choice is offered for it.
        if (IsTarget)
          Plan.push_back({Loop, DefaultChoice});
        return;
      }
      Query Q(DecisionKind::AffineUnrollJam,
              (Prefix + "affine.for#" + Twine(Key)).str());
      if (WantsFeatures)
        computeFeatures(Q, Loop, IsTarget);
      Plan.push_back({Loop, S.decide(Q)});
    });
    for (auto [Loop, Choice] : Plan)
      (void)carryOut(Loop, Choice, Loop == Target);
  }

  LogicalResult carryOut(AffineForOp Loop, unsigned Choice,
                         bool IsTarget) const {
    if (Choice == DefaultChoice)
      return IsTarget ? affine::loopUnrollJamByFactor(Loop, UnrollJamFactor)
                      : success();
    if (Choice == choice::AffineUnrollNone)
      return success();
    uint64_t Factor = choice::affineFactor(Choice);
    if (Choice == choice::AffineUnrollFull) {
      std::optional<uint64_t> Trip = affine::getConstantTripCount(Loop);
      if (!Trip || *Trip == 0)
        return failure();
      Factor = *Trip;
    }
    // Outer loops are transformed first: the count includes their copies.
    uint64_t BodyOps = 0;
    Loop.getBody()->walk([&](Operation *) { ++BodyOps; });
    if (BodyOps * Factor > MaxJammedOps) {
      Loop.emitRemark() << "not unrolled and jammed by " << Factor << ": "
                        << BodyOps * Factor
                        << " operations would exceed max-jammed-ops="
                        << unsigned(MaxJammedOps);
      return failure();
    }
    return affine::loopUnrollJamByFactor(Loop, Factor);
  }
};

} // namespace

std::unique_ptr<Pass> createAffineUnrollJamPass() {
  return std::make_unique<AffineUnrollJamPass>();
}

} // namespace optgym
