//===- UnitCollector.h - Collect translation units from real builds -*- C++
//-*-===//
//
// With OPTGYM_COLLECT=DIR, every module that enters an optimization pipeline
// is written to DIR as bitcode, before any optimization, next to a JSON file
// with the compiler's command line, working directory, source and output:
// an ordinary build (make CC=clang CFLAGS="... -fpass-plugin=OptGym.so")
// becomes a dataset. docs/datasets.md describes the files.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_UNITCOLLECTOR_H
#define OPTGYM_PASSES_UNITCOLLECTOR_H

#include "llvm/IR/PassManager.h"

#include <string>

namespace optgym {

class UnitCollectorPass : public llvm::PassInfoMixin<UnitCollectorPass> {
public:
  explicit UnitCollectorPass(std::string Dir) : Dir(std::move(Dir)) {}
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }

private:
  std::string Dir;
};

} // namespace optgym

#endif // OPTGYM_PASSES_UNITCOLLECTOR_H
