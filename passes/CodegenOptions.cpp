//===- CodegenOptions.cpp - Per-unit code generation options --------------===//

#include "passes/CodegenOptions.h"
#include "passes/DecisionKeys.h"
#include "passes/DecisionPoint.h"

#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"

#include <mutex>
#include <optional>
#include <vector>

using namespace llvm;

namespace optgym {
namespace {

constexpr CodegenOption Options[] = {
    {"disable-lsr",
     "-Oz .text -2.75 % geomean over 82 real programs, but up to +9.9 % on "
     "some (design.md §9); gating loop-reduce alone keeps LSR's loop "
     "canonicalization"},
};

/// The boolean options changed for the current unit, with their values
/// before.
std::mutex ChangedLock;
std::vector<std::pair<cl::opt<bool> *, bool>> Changed;

/// Restores at process exit what the last unit changed.
struct RestoreAtExit {
  ~RestoreAtExit() { restoreCodegenOptions(); }
} AtExit;

cl::opt<bool> *findBoolOption(StringRef Name) {
  // A StringMap on LLVM 19, a DenseMap on 22.
  auto &Registered = cl::getRegisteredOptions();
  auto It = Registered.find(Name);
  if (It == Registered.end())
    return nullptr;
  return dynamic_cast<cl::opt<bool> *>(It->second);
}

struct ModuleFacts {
  int64_t Insts = 0, Functions = 0, Loops = 0, MinSize = 0;
};

ModuleFacts describe(Module &M) {
  ModuleFacts Facts;
  for (Function &F : M) {
    if (F.isDeclaration())
      continue;
    ++Facts.Functions;
    Facts.Insts += F.getInstructionCount();
    Facts.MinSize += F.hasMinSize();
    DominatorTree DT(F);
    LoopInfo LI(DT);
    Facts.Loops += LI.getLoopsInPreorder().size();
  }
  Facts.MinSize = Facts.Functions && 2 * Facts.MinSize > Facts.Functions;
  return Facts;
}

} // namespace

ArrayRef<CodegenOption> codegenOptions() { return Options; }

void restoreCodegenOptions() {
  std::lock_guard<std::mutex> Guard(ChangedLock);
  for (auto &[Option, Before] : Changed)
    Option->setValue(Before);
  Changed.clear();
}

PreservedAnalyses CodegenOptionPass::run(Module &M, ModuleAnalysisManager &) {
  if (!shouldQuery(DecisionKind::CodegenOption, M))
    return PreservedAnalyses::all();
  Session &S = Session::get();
  std::optional<ModuleFacts> Facts;
  std::string Label = DecisionKeys::moduleLabel(M);
  for (const CodegenOption &Option : Options) {
    cl::opt<bool> *Opt = findBoolOption(Option.Name);
    if (!Opt)
      continue; // Not in this LLVM (the list is checked by the tests).
    Query Q(DecisionKind::CodegenOption,
            Label + ":codegen-option:" + Option.Name.str());
    if (S.needsFeatures(DecisionKind::CodegenOption)) {
      if (!Facts)
        Facts = describe(M);
      Q.initFeatures();
      Q.set(FeatureId::CodegenOption_Option, Option.Name);
      Q.set(FeatureId::CodegenOption_ModuleInsts, Facts->Insts);
      Q.set(FeatureId::CodegenOption_Functions, Facts->Functions);
      Q.set(FeatureId::CodegenOption_Loops, Facts->Loops);
      Q.set(FeatureId::CodegenOption_MinSize, Facts->MinSize);
    }
    if (S.decide(Q) != choice::SetOption)
      continue;
    std::lock_guard<std::mutex> Guard(ChangedLock);
    Changed.push_back({Opt, Opt->getValue()});
    Opt->setValue(true);
  }
  return PreservedAnalyses::all();
}

} // namespace optgym
