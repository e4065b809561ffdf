//===- HintWarningFilter.h - OptGym's hints never warn ----------*- C++ -*-===//
//
// A forced unroll count or vector width that LLVM cannot honour makes the
// transform-warning pass warn "loop not unrolled/vectorized" — with -Werror,
// a failed build. Those hints are OptGym's, not the user's: addLoopHints()
// tags every loop it touches with !{!"optgym.hinted"}, a tag that follows
// the loop through inlining and cloning, and the pass is skipped in the
// functions that hold a tagged loop (it checks nothing else; user pragmas in
// other functions still warn).
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_HINTWARNINGFILTER_H
#define OPTGYM_PASSES_HINTWARNINGFILTER_H

namespace llvm {
class PassInstrumentationCallbacks;
} // namespace llvm

namespace optgym {

void registerHintWarningFilter(llvm::PassInstrumentationCallbacks &PIC);

} // namespace optgym

#endif // OPTGYM_PASSES_HINTWARNINGFILTER_H
