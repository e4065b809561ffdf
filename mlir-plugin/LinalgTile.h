//===- LinalgTile.h - The linalg-tile decision point ------------*- C++ -*-===//
//
// optgym-linalg-tile: tiles Linalg operations with scf.for loops as
// transform.structured.tile_using_for does (scf::tileUsingSCF), with the
// tile size of each loop of each operation decided by the oracle (decision
// kind linalg-tile). With the default answer a loop gets the size of the
// pass's tile-sizes option, so the default oracle leaves the output
// identical to that transform's with the same sizes.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_MLIR_PLUGIN_LINALGTILE_H
#define OPTGYM_MLIR_PLUGIN_LINALGTILE_H

#include <memory>

namespace mlir {
class Pass;
} // namespace mlir

namespace optgym {

std::unique_ptr<mlir::Pass> createLinalgTilePass();

} // namespace optgym

#endif // OPTGYM_MLIR_PLUGIN_LINALGTILE_H
