//===- AffineUnroll.h - The affine-unroll decision point --------*- C++ -*-===//
//
// optgym-affine-unroll: MLIR's affine-loop-unroll with each affine.for's
// unrolling decided by the oracle (decision kind affine-unroll). With the
// default answer a loop is unrolled exactly as affine-loop-unroll with the
// same options unrolls it, so the default oracle leaves the output identical
// to the upstream pass's.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_MLIR_PLUGIN_AFFINEUNROLL_H
#define OPTGYM_MLIR_PLUGIN_AFFINEUNROLL_H

#include <memory>

namespace mlir {
class Pass;
} // namespace mlir

namespace optgym {

std::unique_ptr<mlir::Pass> createAffineUnrollPass();

} // namespace optgym

#endif // OPTGYM_MLIR_PLUGIN_AFFINEUNROLL_H
