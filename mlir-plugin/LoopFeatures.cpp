//===- LoopFeatures.cpp - Features of affine loops ------------------------===//

#include "mlir-plugin/LoopFeatures.h"

#include "mlir/Dialect/Affine/Analysis/AffineAnalysis.h"
#include "mlir/Dialect/Affine/IR/AffineValueMap.h"

using namespace mlir;
using affine::AffineForOp;

namespace optgym {

unsigned depthOf(AffineForOp Loop) {
  unsigned Depth = 1;
  for (Operation *Op = Loop->getParentOp(); Op; Op = Op->getParentOp())
    if (isa<AffineForOp>(Op))
      ++Depth;
  return Depth;
}

bool isMemoryOp(Operation *Op) {
  StringRef Dialect = Op->getName().getDialectNamespace();
  if (Dialect != "affine" && Dialect != "memref" && Dialect != "vector")
    return false;
  StringRef Name = Op->getName().stripDialect();
  return Name.contains("load") || Name.contains("store") ||
         Name.starts_with("transfer_");
}

AccessStrides classifyAccesses(Operation *Root, AffineForOp Loop) {
  AccessStrides Strides;
  Value IV = Loop.getInductionVar();
  Root->walk([&](Operation *Op) {
    if (!isa<affine::AffineReadOpInterface, affine::AffineWriteOpInterface>(Op))
      return;
    affine::AffineValueMap Map;
    affine::MemRefAccess(Op).getAccessMap(&Map);
    unsigned NumResults = Map.getNumResults();
    unsigned Moving = 0;
    bool LastMoves = false;
    for (unsigned R = 0; R < NumResults; ++R) {
      if (!Map.isFunctionOf(R, IV))
        continue;
      ++Moving;
      LastMoves |= R + 1 == NumResults;
    }
    if (Moving == 0)
      ++Strides.Invariant;
    else if (Moving == 1 && LastMoves)
      ++Strides.UnitStride;
    else
      ++Strides.Strided;
  });
  return Strides;
}

} // namespace optgym
