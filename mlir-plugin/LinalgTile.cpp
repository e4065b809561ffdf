//===- LinalgTile.cpp - The linalg-tile decision point --------------------===//
//
// The pass walks the functions under the operation it runs on in order and,
// in each, tiles every Linalg operation (those the ops option names, or all)
// as transform.structured.tile_using_for with tile_sizes set to the
// tile-sizes option does: scf::tileUsingSCF, then the operation replaced by
// the tiled loops' results. Before an operation is tiled, the oracle decides
// each loop's size: default (the option's size for that loop, 0 when the
// list is shorter), none (0: the loop is not tiled) or size:N. An operation
// whose every size is 0 is left as it is.
//
// Keys are FILE:FUNC:OP#N:loop#D: N the operation's position among the
// function's Linalg operations in a preorder walk before the pass tiles
// anything, D the loop's position in its iteration domain.
//
//===----------------------------------------------------------------------===//

#include "mlir-plugin/LinalgTile.h"
#include "mlir-plugin/DecisionPoint.h"

#include "oracle/DecisionKind.h"
#include "oracle/Query.h"
#include "session/Session.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Pass/Pass.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"

using namespace mlir;

namespace optgym {
namespace {

void computeFeatures(Query &Q, linalg::LinalgOp Op, unsigned Loop,
                     int64_t DefaultSize) {
  Q.initFeatures();
  Q.set(FeatureId::LinalgTile_Op, Op->getName().getStringRef());
  Q.set(FeatureId::LinalgTile_Loops, Op.getNumLoops());
  Q.set(FeatureId::LinalgTile_LoopPosition, Loop + 1);
  Q.set(FeatureId::LinalgTile_Parallel,
        Op.getIteratorTypesArray()[Loop] == utils::IteratorType::parallel);
  int64_t Range = Op.getStaticLoopRanges()[Loop];
  Q.set(FeatureId::LinalgTile_Range, ShapedType::isDynamic(Range) ? 0 : Range);
  Type Element = Op->getNumOperands()
                     ? getElementTypeOrSelf(Op->getOperand(0).getType())
                     : Type();
  bool IsIntOrFloat = Element && Element.isIntOrFloat();
  Q.set(FeatureId::LinalgTile_ElementBits,
        IsIntOrFloat ? Element.getIntOrFloatBitWidth() : 0);
  Q.set(FeatureId::LinalgTile_Float, IsIntOrFloat && isa<FloatType>(Element));
  Q.set(FeatureId::LinalgTile_DefaultSize, DefaultSize);
}

class LinalgTilePass : public PassWrapper<LinalgTilePass, OperationPass<>> {
public:
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LinalgTilePass)

  LinalgTilePass() = default;
  LinalgTilePass(const LinalgTilePass &Other) : PassWrapper(Other) {}

  StringRef getArgument() const final { return "optgym-linalg-tile"; }
  StringRef getDescription() const final {
    return "tile Linalg operations with scf.for loops, each loop's tile size "
           "decided by OptGym's oracle (decision kind linalg-tile)";
  }
  void getDependentDialects(DialectRegistry &Registry) const override {
    Registry.insert<affine::AffineDialect, arith::ArithDialect,
                    linalg::LinalgDialect, memref::MemRefDialect,
                    scf::SCFDialect, tensor::TensorDialect>();
  }

  ListOption<int64_t> TileSizes{
      *this, "tile-sizes",
      llvm::cl::desc("Tile size of each loop, outermost first; 0 leaves a loop "
                     "untiled, and missing sizes are 0 (as "
                     "transform.structured.tile_using_for's tile_sizes)")};
  ListOption<std::string> OpNames{
      *this, "ops",
      llvm::cl::desc("Names of the operations to tile (default: every Linalg "
                     "operation)")};

  void runOnOperation() override {
    if (failed(reportConfigError(getOperation())))
      return signalPassFailure();
    for (func::FuncOp F : definedFunctions(getOperation()))
      runOnFunction(F);
  }

private:
  bool selected(Operation *Op) const {
    return OpNames.empty() ||
           llvm::is_contained(OpNames, Op->getName().getStringRef());
  }

  SmallVector<int64_t> optionSizes(unsigned NumLoops) const {
    SmallVector<int64_t> Sizes(TileSizes.begin(), TileSizes.end());
    Sizes.resize(NumLoops, 0);
    return Sizes;
  }

  void decide(StringRef Prefix, linalg::LinalgOp Op,
              MutableArrayRef<int64_t> Sizes) {
    Session &S = Session::get();
    bool WantsFeatures = S.needsFeatures(DecisionKind::LinalgTile);
    for (unsigned Loop = 0; Loop < Sizes.size(); ++Loop) {
      Query Q(DecisionKind::LinalgTile,
              (Prefix + ":loop#" + Twine(Loop)).str());
      if (WantsFeatures)
        computeFeatures(Q, Op, Loop, Sizes[Loop]);
      unsigned Choice = S.decide(Q);
      if (Choice == choice::TileNone)
        Sizes[Loop] = 0;
      else if (Choice != DefaultChoice)
        Sizes[Loop] = choice::tileSize(Choice);
    }
  }

  void runOnFunction(func::FuncOp F) {
    bool Querying = Session::get().shouldQuery(DecisionKind::LinalgTile);
    SmallVector<linalg::LinalgOp> Ops;
    F.walk<WalkOrder::PreOrder>([&](linalg::LinalgOp Op) {
      if (isa<TilingInterface>(Op.getOperation()))
        Ops.push_back(Op);
    });
    std::string FilePrefix = Querying ? keyPrefix(F) : "";

    IRRewriter Rewriter(F.getContext());
    for (auto [Position, Op] : llvm::enumerate(Ops)) {
      if (!selected(Op))
        continue;
      SmallVector<int64_t> Sizes = optionSizes(Op.getNumLoops());
      if (Querying)
        decide(
            (FilePrefix + Op->getName().getStringRef() + "#" + Twine(Position))
                .str(),
            Op, Sizes);
      if (llvm::all_of(Sizes, [](int64_t Size) { return Size == 0; }))
        continue;
      scf::SCFTilingOptions Options;
      Options.setTileSizes(getAsIndexOpFoldResult(F.getContext(), Sizes));
      Rewriter.setInsertionPoint(Op);
      FailureOr<scf::SCFTilingResult> Tiled = scf::tileUsingSCF(
          Rewriter, cast<TilingInterface>(Op.getOperation()), Options);
      if (failed(Tiled)) {
        Op->emitError("optgym-linalg-tile: tiling failed");
        return signalPassFailure();
      }
      Rewriter.replaceOp(Op, Tiled->replacements);
    }
  }
};

} // namespace

std::unique_ptr<Pass> createLinalgTilePass() {
  return std::make_unique<LinalgTilePass>();
}

} // namespace optgym
