//===- Observations.h - Autophase and InstCount feature vectors -*- C++ -*-===//
//
// The module-level observations CompilerGym defined, computed in-process:
//   Autophase  56 counts of CFG shapes, constants and opcodes (Autophase.def)
//   InstCount  TotalInsts, TotalBlocks, TotalFuncs, then one count per
//              opcode of the running LLVM (llvm/IR/Instruction.def order)
// and the instruction count the driver reports with every query. Each vector
// has a printer pass for FileCheck:
//   opt -passes='print<optgym-autophase>' -disable-output x.ll
//   opt -passes='print<optgym-instcount>' -disable-output x.ll
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_OBSERVATIONS_H
#define OPTGYM_PASSES_OBSERVATIONS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/PassManager.h"

#include <cstdint>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace optgym {

enum class AutophaseFeature : unsigned {
#define OPTGYM_AUTOPHASE(Name, Doc) Name,
#include "passes/Autophase.def"
  NumFeatures
};

llvm::ArrayRef<llvm::StringRef> autophaseNames();
std::vector<int64_t> computeAutophase(const llvm::Module &M);

/// What Module::getInstructionCount() counts (instructions that are not
/// debug intrinsics or pseudo probes), without the std::function that
/// LLVM's version calls for every instruction: the pass-choice driver
/// counts after every step that changed the module.
uint64_t countInstructions(const llvm::Module &M);

/// "TotalInsts", "TotalBlocks", "TotalFuncs", then "NumRetInst", ... for
/// every opcode this LLVM has.
llvm::ArrayRef<std::string> instCountNames();
std::vector<int64_t> computeInstCount(const llvm::Module &M);

class AutophasePrinterPass : public llvm::PassInfoMixin<AutophasePrinterPass> {
public:
  explicit AutophasePrinterPass(llvm::raw_ostream &OS) : OS(OS) {}
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }

private:
  llvm::raw_ostream &OS;
};

class InstCountPrinterPass : public llvm::PassInfoMixin<InstCountPrinterPass> {
public:
  explicit InstCountPrinterPass(llvm::raw_ostream &OS) : OS(OS) {}
  llvm::PreservedAnalyses run(llvm::Module &M, llvm::ModuleAnalysisManager &);
  static bool isRequired() { return true; }

private:
  llvm::raw_ostream &OS;
};

} // namespace optgym

#endif // OPTGYM_PASSES_OBSERVATIONS_H
