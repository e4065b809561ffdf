//===- AffineTile.h - The affine-tile decision point ------------*- C++ -*-===//
//
// optgym-affine-tile: MLIR's affine-loop-tile with the tile size of each loop
// of each band decided by the oracle (decision kind affine-tile). With the
// default answer a band is tiled exactly as affine-loop-tile with the same
// options tiles it, so the default oracle leaves the output identical to the
// upstream pass's.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_MLIR_PLUGIN_AFFINETILE_H
#define OPTGYM_MLIR_PLUGIN_AFFINETILE_H

#include <memory>

namespace mlir {
class Pass;
} // namespace mlir

namespace optgym {

std::unique_ptr<mlir::Pass> createAffineTilePass();

} // namespace optgym

#endif // OPTGYM_MLIR_PLUGIN_AFFINETILE_H
