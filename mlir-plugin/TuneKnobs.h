//===- TuneKnobs.h - The tune-knob decision point ---------------*- C++ -*-===//
//
// optgym-tune-knobs (LLVM 22, whose transform dialect has the Tune
// extension): fills in the selection of each transform.tune.knob and
// transform.tune.alternatives of a transform schedule from the oracle
// (decision kind tune-knob), so that --transform-interpreter then runs the
// schedule the oracle chose. With the default answer an op is left as it is,
// so the default oracle leaves the schedule unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_MLIR_PLUGIN_TUNEKNOBS_H
#define OPTGYM_MLIR_PLUGIN_TUNEKNOBS_H

#include <memory>

namespace mlir {
class Pass;
} // namespace mlir

namespace optgym {

std::unique_ptr<mlir::Pass> createTuneKnobsPass();

} // namespace optgym

#endif // OPTGYM_MLIR_PLUGIN_TUNEKNOBS_H
