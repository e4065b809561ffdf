//===- CodegenGate.h - Decide on the backend's optional passes --*- C++ -*-===//
//
// The codegen-gate decision point. Code generation runs on the legacy pass
// manager, out of reach of the new pass manager's instrumentation, but its
// optional passes ask the LLVMContext's OptPassGate before they run on a
// function (skipFunction) or a loop (skipLoop). OptGym installs its own gate
// on the module's context at the start of the optimization pipeline; from
// the end of that pipeline on (code generation), each question becomes a
// codegen-gate query.
//
//   chaining   the gate it replaces (clang's: the OptBisect of
//              -opt-bisect-limit) is asked first, exactly as often as it
//              would have been, so bisection numbers and skips the same
//              passes with OptGym loaded
//   names      LLVM 19 names legacy passes by description ("Loop Strength
//              Reduction"), LLVM 22 mostly by argument ("machine-sink"):
//              queries carry the pass's argument on both (loop-reduce)
//   loops      loop queries say only "loop": codegen runs every function
//              pass on one function before the next, so they belong to the
//              function last named; a query that does not fit (no function
//              yet, or more loop queries than the function has loops) is
//              answered "run" without asking
//   state      one gate per LLVMContext, nothing shared between contexts
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_CODEGENGATE_H
#define OPTGYM_PASSES_CODEGENGATE_H

#include "llvm/IR/PassManager.h"

namespace optgym {

/// Installs the gate on the module's context (once per context) at the
/// start of an optimization pipeline.
class CodegenGateInstallPass
    : public llvm::PassInfoMixin<CodegenGateInstallPass> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }
};

/// At the end of the optimization pipeline: what the gate is asked from
/// now on comes from code generation.
class CodegenGateArmPass : public llvm::PassInfoMixin<CodegenGateArmPass> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }
};

} // namespace optgym

#endif // OPTGYM_PASSES_CODEGENGATE_H
