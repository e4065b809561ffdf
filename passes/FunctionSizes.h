//===- FunctionSizes.h - Instruction counts kept between passes -*- C++ -*-===//
//
// Decision points read function and module sizes before every gated pass
// and at every call site the inliner considers. Counting walks the whole
// function, and most passes leave most functions alone, so counts are kept
// until pass instrumentation reports that a pass changed the function (or,
// inside the inliner, until a call is inlined into it).
//
// A count is every instruction in the function's blocks (BasicBlock::size);
// Function::getInstructionCount() also tests each one for a debug intrinsic,
// which LLVM 19 and later keep out of the instruction list, at five times the
// cost.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_FUNCTIONSIZES_H
#define OPTGYM_PASSES_FUNCTIONSIZES_H

#include "passes/DecisionKeys.h"

#include "llvm/ADT/Any.h"

namespace llvm {
class Function;
class Module;
class PassInstrumentationCallbacks;
class PreservedAnalyses;
} // namespace llvm

namespace optgym {

/// Instructions in F's blocks, counted now.
int64_t countInstructions(const llvm::Function &F);

/// Counts per function, one set per thread (like DecisionKeys). Counts are
/// kept only once registerFunctionSizeTracking() has hooked the pass
/// pipeline; before that every call counts afresh.
class FunctionSizes {
public:
  static FunctionSizes &get();

  int64_t of(const llvm::Function &F);
  /// The sum over M's defined functions.
  int64_t of(const llvm::Module &M);

  /// F has changed (or is about to) outside pass instrumentation's view.
  void changed(const llvm::Function &F) { Counts.erase(&F); }

  /// After a pass ran on IR (a function, loop, SCC or module) and returned
  /// PA: forgets the counts the pass may have changed.
  void passRan(const llvm::Any &IR, const llvm::PreservedAnalyses &PA);
  void clear() { Counts.clear(); }

private:
  friend void
  registerFunctionSizeTracking(llvm::PassInstrumentationCallbacks &);
  bool Tracked = false;
  // Entries vanish with their function, so a new function never inherits
  // the count of a deleted one.
  IRMap<const llvm::Function *, int64_t> Counts;
};

/// Keeps FunctionSizes::get() in step with the passes PIC runs.
void registerFunctionSizeTracking(llvm::PassInstrumentationCallbacks &PIC);

} // namespace optgym

#endif // OPTGYM_PASSES_FUNCTIONSIZES_H
