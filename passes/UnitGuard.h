//===- UnitGuard.h - The policy only where it is smaller --------*- C++ -*-===//
//
// A policy with a guard (docs/policy-format.md) compiles a unit with its
// decisions only when they make the unit's .text smaller than LLVM's own
// decisions do. Before the unit's first decision the compiler forks to
// rehearse the rest of the unit's optimization: once without OptGym, and
// once with each of the policy's alternatives (its decisions, and those of
// a portfolio's other members). Each rehearsal generates the unit's code in
// memory at the end of the optimizer, reports its .text bytes and ends. The
// compile itself then goes on with the smallest, so its object is the one
// that was measured (up to the rehearsals' target options, which are the
// gym's: PIC, -O2 code generation, the CPU the functions name).
//
//   where      at pipeline start when the policy may decide in the optimizer
//              (pass-gate, inline, loops, pass-choice); when it decides
//              only about code generation, at the end of the optimizer,
//              which then runs once
//   cost       per unit, one more optimizer run and code generation for
//              LLVM's default and one per alternative; only the code
//              generations for a backend-only policy
//   unsure     a rehearsal that fails or crashes, a pipeline without the
//              optimizer-last extension point, a process with other threads
//              (fork copies only the calling one): the unit keeps LLVM's
//              default, with one warning
//   records    rehearsals ask the policy without recording or counting; a
//              trace holds the compile's own decisions, none for a unit
//              that kept the default, so replaying it gives the same object
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_UNITGUARD_H
#define OPTGYM_PASSES_UNITGUARD_H

#include "llvm/IR/PassManager.h"

#include <memory>

namespace optgym {

/// Whether a pipeline under construction has the point where rehearsals
/// measure: set when its optimizer-last extension point is built.
using MeasurePointFlag = std::shared_ptr<bool>;

/// Rehearses the unit with each of the policy's alternatives and without
/// the policy, and tells the session which way to compile it.
class UnitGuardPass : public llvm::PassInfoMixin<UnitGuardPass> {
public:
  explicit UnitGuardPass(MeasurePointFlag CanMeasure)
      : CanMeasure(std::move(CanMeasure)) {}
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }

private:
  MeasurePointFlag CanMeasure;
};

/// At the end of the optimizer: in a rehearsal, generates the unit's code,
/// reports its .text bytes to the compile that forked it and ends the
/// process; elsewhere nothing.
class UnitGuardMeasurePass : public llvm::PassInfoMixin<UnitGuardMeasurePass> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }
};

} // namespace optgym

#endif // OPTGYM_PASSES_UNITGUARD_H
