//===- AffineUnrollJam.h - The affine-unroll-jam decision point -*- C++ -*-===//
//
// optgym-affine-unroll-jam: MLIR's affine-loop-unroll-jam with each
// affine.for's unroll-and-jam factor decided by the oracle (decision kind
// affine-unroll-jam). With the default answer the pass does what
// affine-loop-unroll-jam with the same options does, so the default oracle
// leaves the output identical to the upstream pass's.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_MLIR_PLUGIN_AFFINEUNROLLJAM_H
#define OPTGYM_MLIR_PLUGIN_AFFINEUNROLLJAM_H

#include <memory>

namespace mlir {
class Pass;
} // namespace mlir

namespace optgym {

std::unique_ptr<mlir::Pass> createAffineUnrollJamPass();

} // namespace optgym

#endif // OPTGYM_MLIR_PLUGIN_AFFINEUNROLLJAM_H
