//===- PassGate.h - The pass-gate decision point ----------------*- C++ -*-===//
//
// Asks, for every optional pass about to run on an IR unit (module, CGSCC,
// function or loop), whether it may run. Installed as a pass-instrumentation
// "should run optional pass" callback, so it sees every new-pass-manager
// pipeline, O1 to Oz, in opt and in clang. Required passes (pass managers,
// adaptors, passes LLVM marks required) are never asked about, nor are the
// loop canonicalization passes (loop-simplify, lcssa) that every loop pass
// relies on, nor functions marked optnone.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_PASSGATE_H
#define OPTGYM_PASSES_PASSGATE_H

namespace llvm {
class PassInstrumentationCallbacks;
}

namespace optgym {

void registerPassGate(llvm::PassInstrumentationCallbacks &PIC);

} // namespace optgym

#endif // OPTGYM_PASSES_PASSGATE_H
