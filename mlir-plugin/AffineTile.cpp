//===- AffineTile.cpp - The affine-tile decision point --------------------===//
//
// The pass walks the functions under the operation it runs on in order and,
// for each, does what affine-loop-tile does: every perfect band of affine.for
// loops at the top of the function body whose tiling is valid is tiled, with
// the sizes the upstream pass computes from its options (tile-size,
// tile-sizes, or the memory footprint against cache-size). Before a band is
// tiled, the oracle decides each of its loops' tile size: default (the
// upstream size), none (size 1: that loop is not split) or size:N. A band
// whose every loop is answered none is left as it is.
//
// Keys are FILE:FUNC:affine.for#N, N the loop's position in a preorder walk
// of the function before the pass tiles anything.
//
//===----------------------------------------------------------------------===//

#include "mlir-plugin/AffineTile.h"
#include "mlir-plugin/DecisionPoint.h"
#include "mlir-plugin/LoopFeatures.h"

#include "oracle/DecisionKind.h"
#include "oracle/Query.h"
#include "session/Session.h"

#include "mlir/Dialect/Affine/Analysis/AffineAnalysis.h"
#include "mlir/Dialect/Affine/Analysis/LoopAnalysis.h"
#include "mlir/Dialect/Affine/Analysis/Utils.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/LoopUtils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Threading.h"
#include "mlir/Pass/Pass.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using affine::AffineForOp;

namespace optgym {
namespace {

/// affine-loop-tile's size for a dimension it has no size for.
constexpr unsigned UpstreamDefaultTileSize = 4;

/// True if no dependence between the band's loads and stores runs backwards
/// along any of its loops: rectangular tiles of any size then keep the order
/// of every dependent pair. affine::isTilingValid lets a constant negative
/// distance through (it only rejects ranges of them), and tiling seidel-2d
/// with other sizes than the upstream pass's changes what it computes; forced
/// sizes are offered only where this stricter test holds.
bool isFullyPermutable(ArrayRef<AffineForOp> Band) {
  SmallVector<Operation *> Accesses;
  Band.front()->walk([&](Operation *Op) {
    if (isa<affine::AffineReadOpInterface, affine::AffineWriteOpInterface>(Op))
      Accesses.push_back(Op);
  });
  unsigned Depth = Band.size();
  for (Operation *Src : Accesses) {
    for (Operation *Dst : Accesses) {
      if (!isa<affine::AffineWriteOpInterface>(Src) &&
          !isa<affine::AffineWriteOpInterface>(Dst))
        continue;
      affine::MemRefAccess SrcAccess(Src), DstAccess(Dst);
      if (SrcAccess.memref != DstAccess.memref)
        continue;
      for (unsigned D = 1; D <= Depth; ++D) {
        SmallVector<affine::DependenceComponent, 2> Components;
        affine::DependenceResult Result = affine::checkMemrefAccessDependence(
            SrcAccess, DstAccess, D, /*dependenceConstraints=*/nullptr,
            &Components);
        if (Result.value == affine::DependenceResult::Failure)
          return false;
        if (!affine::hasDependence(Result))
          continue;
        for (unsigned I = 0, E = std::min<size_t>(Depth, Components.size());
             I < E; ++I)
          if (!Components[I].lb || *Components[I].lb < 0)
            return false;
      }
    }
  }
  return true;
}

/// Lowers each size to the largest divisor of its loop's constant trip count
/// no larger than half that count, as affine-loop-tile does to avoid min/max
/// bounds.
void adjustToDivisorsOfTripCounts(ArrayRef<AffineForOp> Band,
                                  MutableArrayRef<unsigned> Sizes) {
  for (auto [Loop, Size] : llvm::zip_equal(Band, Sizes)) {
    std::optional<uint64_t> Trip = affine::getConstantTripCount(Loop);
    if (!Trip)
      continue;
    if (*Trip > 1 && Size > *Trip / 2)
      Size = *Trip / 2;
    while (*Trip % Size != 0)
      --Size;
  }
}

class AffineTilePass : public PassWrapper<AffineTilePass, OperationPass<>> {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(AffineTilePass)

  AffineTilePass() = default;
  AffineTilePass(const AffineTilePass &Other) : PassWrapper(Other) {}

  StringRef getArgument() const final { return "optgym-affine-tile"; }
  StringRef getDescription() const final {
    return "affine-loop-tile with each loop's tile size decided by OptGym's "
           "oracle (decision kind affine-tile)";
  }
  void getDependentDialects(DialectRegistry &Registry) const override {
    Registry.insert<affine::AffineDialect>();
  }

  // affine-loop-tile's options, with its names and defaults.
  Option<uint64_t> CacheSizeInKiB{
      *this, "cache-size",
      llvm::cl::desc("Set size of cache to tile for in KiB (default: 512)"),
      llvm::cl::init(512)};
  Option<bool> Separate{
      *this, "separate",
      llvm::cl::desc("Separate full and partial tiles (default: false)"),
      llvm::cl::init(false)};
  Option<unsigned> TileSize{*this, "tile-size",
                            llvm::cl::desc("Use this tile size for all loops")};
  ListOption<unsigned> TileSizes{
      *this, "tile-sizes",
      llvm::cl::desc("List of tile sizes for each perfect nest (overridden by "
                     "-tile-size)")};

private:
  /// Whether the sizes affine-loop-tile gives depend on the band's memory
  /// footprint (no tile-size or tile-sizes, a cache size).
  bool sizesFromFootprint() const {
    return !TileSize && TileSizes.empty() && CacheSizeInKiB != 0;
  }

  /// The sizes affine-loop-tile gives a band with this pass's options;
  /// Footprint is the band's (when sizesFromFootprint()).
  SmallVector<unsigned, 6>
  upstreamSizes(ArrayRef<AffineForOp> Band,
                std::optional<int64_t> Footprint) const {
    unsigned Depth = Band.size();
    if (TileSize)
      return SmallVector<unsigned, 6>(Depth, TileSize);
    if (!TileSizes.empty()) {
      SmallVector<unsigned, 6> Sizes(TileSizes.begin(), TileSizes.end());
      Sizes.resize(Depth, UpstreamDefaultTileSize);
      return Sizes;
    }
    if (CacheSizeInKiB == 0)
      return SmallVector<unsigned, 6>(Depth, 1);
    if (!Footprint) {
      SmallVector<unsigned, 6> Sizes(Depth, UpstreamDefaultTileSize);
      adjustToDivisorsOfTripCounts(Band, Sizes);
      return Sizes;
    }
    uint64_t Excess = llvm::divideCeil(*Footprint, CacheSizeInKiB * 1024);
    if (Excess <= 1)
      return SmallVector<unsigned, 6>(Depth, 1);
    // The upstream model: the footprint shrinks by the same factor along
    // each loop, the last loop taking up the rounding.
    auto Even = static_cast<unsigned>(floorl(std::pow(Excess, 1.0 / Depth)));
    SmallVector<unsigned, 6> Sizes(Depth, Even);
    unsigned Product = 1;
    for (unsigned I = 0; I + 1 < Depth; ++I)
      Product *= Sizes[I];
    Sizes.back() = std::max(1U, static_cast<unsigned>(Excess / Product));
    adjustToDivisorsOfTripCounts(Band, Sizes);
    return Sizes;
  }

  void computeFeatures(Query &Q, ArrayRef<AffineForOp> Band, unsigned Index,
                       unsigned DefaultSize,
                       std::optional<int64_t> Footprint) const {
    Q.initFeatures();
    Q.set(FeatureId::AffineTile_BandDepth, Band.size());
    Q.set(FeatureId::AffineTile_BandPosition, Index + 1);
    std::optional<uint64_t> Trip = affine::getConstantTripCount(Band[Index]);
    Q.set(FeatureId::AffineTile_TripCount, Trip ? int64_t(*Trip) : 0);
    Q.set(FeatureId::AffineTile_FootprintBytes, Footprint.value_or(0));
    Q.set(FeatureId::AffineTile_DefaultSize, DefaultSize);
    AccessStrides Strides = classifyAccesses(Band.front(), Band[Index]);
    Q.set(FeatureId::AffineTile_UnitStrideAccesses, Strides.UnitStride);
    Q.set(FeatureId::AffineTile_StridedAccesses, Strides.Strided);
    Q.set(FeatureId::AffineTile_InvariantAccesses, Strides.Invariant);
  }

  /// Asks the oracle about each loop of Band; false when every answer is
  /// none (the band stays untiled).
  bool decide(StringRef Prefix,
              const llvm::DenseMap<Operation *, unsigned> &Positions,
              ArrayRef<AffineForOp> Band, std::optional<int64_t> Footprint,
              MutableArrayRef<unsigned> Sizes) {
    Session &S = Session::get();
    bool WantsFeatures = S.needsFeatures(DecisionKind::AffineTile);
    bool AnyTiled = false;
    for (unsigned I = 0; I < Band.size(); ++I) {
      AffineForOp Loop = Band[I];
      Query Q(DecisionKind::AffineTile,
              (Prefix + "affine.for#" + Twine(Positions.lookup(Loop))).str());
      if (WantsFeatures)
        computeFeatures(Q, Band, I, Sizes[I], Footprint);
      unsigned Choice = S.decide(Q);
      if (Choice == choice::TileNone) {
        Sizes[I] = 1;
        continue;
      }
      AnyTiled = true;
      if (Choice != DefaultChoice)
        Sizes[I] = choice::tileSize(Choice);
    }
    return AnyTiled;
  }

  /// What the pass learns about a band before it changes anything.
  struct BandPlan {
    SmallVector<AffineForOp, 6> Loops;
    bool Valid = false;
    /// Forced sizes are offered (isFullyPermutable), when querying.
    bool Offered = false;
    /// Computed when the sizes or the features need it.
    std::optional<int64_t> Footprint;
    SmallVector<unsigned, 6> Sizes;
  };

  struct FunctionPlan {
    func::FuncOp F;
    std::vector<BandPlan> Bands;
  };

  /// The bands affine-loop-tile tiles (the maximal perfect nest under each
  /// loop at the top of the function body), their validity and sizes. Bands
  /// are disjoint and each analysis looks only at its own band, so the
  /// analyses of a function, done before any band is tiled, are those the
  /// upstream pass makes band by band.
  void analyze(FunctionPlan &Plan, bool Querying, bool WantsFeatures) const {
    for (AffineForOp Root : Plan.F.getOps<AffineForOp>()) {
      BandPlan Band;
      affine::getPerfectlyNestedLoops(Band.Loops, Root);
      Band.Valid = affine::isTilingValid(Band.Loops);
      if (Band.Valid) {
        Band.Offered = Querying && isFullyPermutable(Band.Loops);
        if (sizesFromFootprint() || (Band.Offered && WantsFeatures))
          Band.Footprint = affine::getMemoryFootprintBytes(Band.Loops.front(),
                                                           /*memorySpace=*/0);
        Band.Sizes = upstreamSizes(Band.Loops, Band.Footprint);
      }
      Plan.Bands.push_back(std::move(Band));
    }
  }

public:
  void runOnOperation() override {
    if (failed(reportConfigError(getOperation())))
      return signalPassFailure();
    std::vector<FunctionPlan> Plans;
    for (func::FuncOp F : definedFunctions(getOperation()))
      Plans.push_back({F, {}});
    Session &S = Session::get();
    bool Querying = S.shouldQuery(DecisionKind::AffineTile);
    bool WantsFeatures = Querying && S.needsFeatures(DecisionKind::AffineTile);
    // The dependence and footprint analyses are the pass's cost: they run on
    // the functions in parallel, as the upstream pass (a function pass)
    // does; questions and transformations follow in order.
    parallelForEach(&getContext(), Plans, [&](FunctionPlan &Plan) {
      analyze(Plan, Querying, WantsFeatures);
    });
    for (FunctionPlan &Plan : Plans)
      transform(Plan, Querying);
  }

private:
  void transform(FunctionPlan &Plan, bool Querying) {
    func::FuncOp F = Plan.F;
    std::string Prefix;
    llvm::DenseMap<Operation *, unsigned> Positions;
    if (Querying) {
      Prefix = keyPrefix(F);
      F.walk<WalkOrder::PreOrder>([&](AffineForOp Loop) {
        Positions.try_emplace(Loop, Positions.size());
      });
    }
    for (BandPlan &Band : Plan.Bands) {
      if (!Band.Valid) {
        Band.Loops.front().emitRemark(
            "tiling nest is invalid due to dependences");
        continue;
      }
      if (Band.Offered &&
          !decide(Prefix, Positions, Band.Loops, Band.Footprint, Band.Sizes))
        continue;
      SmallVector<AffineForOp, 6> Tiled;
      if (failed(affine::tilePerfectlyNested(Band.Loops, Band.Sizes, &Tiled)))
        continue;
      if (Separate) {
        auto IntraTileLoops =
            MutableArrayRef<AffineForOp>(Tiled).drop_front(Band.Loops.size());
        (void)affine::separateFullTiles(IntraTileLoops);
      }
    }
  }
};

} // namespace

std::unique_ptr<Pass> createAffineTilePass() {
  return std::make_unique<AffineTilePass>();
}

} // namespace optgym
