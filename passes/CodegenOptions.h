//===- CodegenOptions.h - Per-unit code generation options ------*- C++ -*-===//
//
// The codegen-option decision point: code generation options that no pass
// gate reproduces, set in process for one translation unit. -disable-lsr is
// the example: it removes Loop Strength Reduction together with the loop
// canonicalization added for it, which gating the pass alone does not.
//
// At the end of the optimization pipeline (before clang builds its code
// generation pipeline, which reads the options) each option of the list is
// one query; "set" gives the option its value. Every option changed is put
// back when the next unit's pipeline starts and when the process exits, so
// nothing leaks into the next module of a clang that compiles several files
// in one process. Options are process-wide (cl::opt): two contexts
// generating code at the same time in one process are not supported.
//
// The list stays short: each option in it is one that bench/ shows to move
// .text size or speed on the bundled programs.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_CODEGENOPTIONS_H
#define OPTGYM_PASSES_CODEGENOPTIONS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/PassManager.h"

namespace optgym {

struct CodegenOption {
  /// The option's name, as -mllvm takes it.
  llvm::StringRef Name;
  /// Why it is on the list.
  llvm::StringRef Why;
};

llvm::ArrayRef<CodegenOption> codegenOptions();

/// At the end of the optimization pipeline: asks about each option.
class CodegenOptionPass : public llvm::PassInfoMixin<CodegenOptionPass> {
public:
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }
};

/// Puts back what the previous unit changed (pipeline start, process exit).
void restoreCodegenOptions();

} // namespace optgym

#endif // OPTGYM_PASSES_CODEGENOPTIONS_H
