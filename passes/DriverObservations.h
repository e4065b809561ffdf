//===- DriverObservations.h - Observations for pass choices ----*- C++ -*-===//
//
// The observations the pass-choice driver offers with each query
// (QueryServices.h), computed in process on the module as it is when asked:
//
//   IrInstructionCount        instructions
//   Autophase, InstCount      Observations.h; AutophaseNames, InstCountNames
//   Ir                        textual IR (Ir=PATH writes it to PATH)
//   Bitcode=PATH              writes bitcode to PATH, as opt -o does (with
//                             the use-list order)
//   ObjectTextSizeBytes       .text bytes of its object code (ObjectSize.h)
//   ProgramlJson              its ProGraML graph, node-link JSON
//                             (ProgramGraph.h; ProgramlJson=PATH writes it
//                             to PATH)
//   IrInstructionCountOz/O3   the same after default<Oz> / default<O3> on a
//   ObjectTextSizeOz/O3       copy (the baselines, when asked at step 0):
//                             what opt -passes='default<Oz>' gives
//   ActionPipelines           per pass-choice choice, the module-level
//                             pipeline text the driver runs for it
//
// Everything but ActionPipelines is forgotten when the module changes; until
// then the counts (IrInstructionCount, Autophase, InstCount), the program
// graph and ObjectTextSizeBytes are kept: each is a walk over the whole
// module (the size a whole code generation), and a step whose pass changed
// nothing, common late in an episode, needs none.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_DRIVEROBSERVATIONS_H
#define OPTGYM_PASSES_DRIVEROBSERVATIONS_H

#include "oracle/QueryServices.h"
#include "passes/ObjectSize.h"
#include "passes/Observations.h"

#include "llvm/IR/Module.h"

#include <optional>

namespace llvm {
class PassBuilder;
} // namespace llvm

namespace optgym {

class DriverObservations final : public QueryServices {
public:
  DriverObservations(llvm::Module &M, llvm::PassBuilder &PB) : M(M), PB(PB) {}

  llvm::Expected<llvm::json::Value> observe(llvm::StringRef Name) override;

  /// The module's instruction count (Module::getInstructionCount()).
  uint64_t instructionCount() {
    if (!Instructions)
      Instructions = countInstructions(M);
    return *Instructions;
  }

  /// The module changed.
  void invalidate() {
    Instructions.reset();
    Autophase.reset();
    InstCount.reset();
    TextBytes.reset();
    GraphJson.reset();
    for (std::optional<ModuleCopy> &R : Reference)
      R.reset();
  }

  /// The module-level pipeline text of each choice ("" for stop): joined
  /// with commas they reproduce the driver's steps in opt -passes=.
  llvm::Expected<llvm::json::Value> actionPipelines();

private:
  /// The module after default<Oz> (Level 0) or default<O3> (1), on a copy
  /// in a context of its own.
  llvm::Expected<const llvm::Module &> reference(unsigned Level);

  llvm::Module &M;
  llvm::PassBuilder &PB;
  /// What is known of the module as it is: kept until invalidate().
  std::optional<uint64_t> Instructions;
  std::optional<llvm::json::Value> Autophase, InstCount;
  /// ProgramlJson's text: the graph is asked for inline first and, when
  /// too large for a message, again with a path.
  std::optional<std::string> GraphJson;
  /// ObjectTextSizeBytes: a code generation in a forked child.
  std::optional<uint64_t> TextBytes;
  std::optional<ModuleCopy> Reference[2];
};

} // namespace optgym

#endif // OPTGYM_PASSES_DRIVEROBSERVATIONS_H
