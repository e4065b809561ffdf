//===- LoopFeatures.h - Features of affine loops ----------------*- C++ -*-===//
//
// Measures of affine.for loops that more than one decision kind reports.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_MLIR_PLUGIN_LOOPFEATURES_H
#define OPTGYM_MLIR_PLUGIN_LOOPFEATURES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"

#include <cstdint>

namespace optgym {

/// The loop's nesting depth among affine.for loops, 1 = outermost.
unsigned depthOf(mlir::affine::AffineForOp Loop);

/// True for loads and stores of the affine, memref and vector dialects.
bool isMemoryOp(mlir::Operation *Op);

/// How the affine loads and stores under Root move with Loop.
struct AccessStrides {
  /// The fastest-varying subscript, and only it, moves.
  int64_t UnitStride = 0;
  /// Another subscript moves.
  int64_t Strided = 0;
  /// No subscript moves: the access is reused across Loop's iterations.
  int64_t Invariant = 0;
};
AccessStrides classifyAccesses(mlir::Operation *Root,
                               mlir::affine::AffineForOp Loop);

} // namespace optgym

#endif // OPTGYM_MLIR_PLUGIN_LOOPFEATURES_H
