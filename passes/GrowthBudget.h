//===- GrowthBudget.h - How much forced decisions may grow a function -*- C++
//-*-===//
//
// LLVM carries out a forced unroll or vectorization whatever its cost, so the
// decision points that copy code (loop-unroll, loop-vectorize) draw on one
// budget per function: a forced choice whose estimated growth would exceed
// what is left keeps LLVM's default. Per-loop limits alone are not enough:
// many loops of one function, each just under its limit, unrolled and then
// vectorized, made a 0.5 s compile take more than 300 s (image_filter.c,
// random oracle).
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_GROWTHBUDGET_H
#define OPTGYM_PASSES_GROWTHBUDGET_H

#include <cstdint>

namespace llvm {
class Function;
} // namespace llvm

namespace optgym {

/// Charges Instructions of growth to F's budget; false (and no charge) when
/// they do not fit it, or would take F past the size limit.
bool chargeForcedGrowth(const llvm::Function &F, uint64_t Instructions);

} // namespace optgym

#endif // OPTGYM_PASSES_GROWTHBUDGET_H
