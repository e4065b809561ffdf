//===- CodegenGate.cpp - Decide on the backend's optional passes ----------===//

#include "passes/CodegenGate.h"
#include "passes/Compat.h"
#include "passes/DecisionKeys.h"
#include "passes/DecisionPoint.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/OptBisect.h"
#include "llvm/Pass.h"
#include "llvm/PassInfo.h"
#include "llvm/PassRegistry.h"

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

using namespace llvm;

namespace optgym {
namespace {

/// Gates armed for code generation, and questions code generation asked.
std::atomic<unsigned> NumArmed{0}, NumAsked{0};

/// What a query says about its function, computed once per function.
struct FunctionFacts {
  int64_t Insts = 0, Blocks = 0, Loops = 0, MaxLoopDepth = 0, Calls = 0;
  bool MinSize = false, OptSize = false;
  /// Size and depth of each loop in the order the legacy loop pass manager
  /// visits them (inner loops first: a postorder of the loop forest), which
  /// is the order of a loop pass's queries.
  std::vector<std::pair<int64_t, int64_t>> LoopsInVisitOrder;
};

void addInVisitOrder(const Loop &L, FunctionFacts &Facts) {
  for (const Loop *Inner : L)
    addInVisitOrder(*Inner, Facts);
  int64_t Insts = 0;
  for (const BasicBlock *BB : L.blocks())
    Insts += BB->size();
  Facts.LoopsInVisitOrder.push_back({Insts, L.getLoopDepth()});
}

FunctionFacts describe(const Function &F) {
  FunctionFacts Facts;
  Facts.Blocks = F.size();
  Facts.MinSize = F.hasMinSize();
  Facts.OptSize = F.hasOptSize();
  for (const Instruction &I : instructions(F)) {
    ++Facts.Insts;
    if (const auto *CB = dyn_cast<CallBase>(&I))
      if (!isa<IntrinsicInst>(CB))
        ++Facts.Calls;
  }
  if (F.isDeclaration())
    return Facts;
  DominatorTree DT(const_cast<Function &>(F));
  LoopInfo LI(DT);
  for (const Loop *L : LI.getLoopsInPreorder()) {
    ++Facts.Loops;
    Facts.MaxLoopDepth =
        std::max<int64_t>(Facts.MaxLoopDepth, L->getLoopDepth());
  }
  for (const Loop *TopLevel : LI)
    addInVisitOrder(*TopLevel, Facts);
  return Facts;
}

/// Passes whose description is not registered with an argument (on LLVM 19
/// or 22): the name LLVM 22 gives them, or one in its style.
constexpr std::pair<StringRef, StringRef> UnregisteredNames[] = {
    {"CodeGen Prepare", "codegenprepare"},
    {"Early If-Conversion", "early-ifcvt"},
    {"Live Range Shrink", "lrshrink"},
    {"Shrink Wrapping analysis", "shrink-wrap"},
    {"X86 Avoid Store Forwarding Blocks", "x86-avoid-sfb"},
    {"X86 Execution Dependency Fix", "x86-execution-domain-fix"},
    {"X86 LEA Optimize", "x86-optimize-leas"},
    {"X86 Optimize Call Frame", "x86-cf-opt"},
    {"Local Dynamic TLS Access Clean-up", "x86-cleanup-local-dynamic-tls"},
    {"X86 Atom pad short functions", "x86-pad-short-functions"},
};

/// Passes whose skipping breaks code generation, so they are never asked
/// about: a skipped stack-coloring leaves lifetime markers in the machine
/// code, and if dead-mi-elimination is skipped too they reach the LLVM 22
/// assembly printer, which crashes (found by random decisions on
/// compress/huffman.c; -opt-bisect-limit can do the same).
constexpr StringRef NeverGated[] = {"stack-coloring"};

/// One name per pass on every LLVM version: the legacy pass argument in
/// lower case. LLVM 22 gives the argument already, LLVM 19 (and 22 for loop
/// passes) the description.
class StableNames : private PassRegistrationListener {
public:
  StringRef get(StringRef Name) {
    auto It = Names.find(Name);
    if (It != Names.end())
      return It->second;
    std::string Stable = Name.str();
    for (auto [Description, Argument] : UnregisteredNames)
      if (Name == Description)
        Stable = Argument.str();
    if (Stable == Name && !PassRegistry::getPassRegistry()->getPassInfo(Name)) {
      Wanted = Name;
      Found.clear();
      PassRegistry::getPassRegistry()->enumerateWith(this);
      if (!Found.empty())
        Stable = Found;
    }
    return Names.insert({Name, StringRef(Stable).lower()}).first->second;
  }

private:
  void passEnumerate(const PassInfo *Info) override {
    if (Found.empty() && Info->getPassName() == Wanted &&
        !Info->getPassArgument().empty())
      Found = Info->getPassArgument().str();
  }

  StringMap<std::string> Names;
  StringRef Wanted;
  std::string Found;
};

class OracleGate final : public compat::OptPassGate {
public:
  OracleGate(Module &M, llvm::OptPassGate &Previous)
      : M(&M), Previous(Previous), Label(DecisionKeys::moduleLabel(M)) {}

  bool isEnabled() const override { return true; }

  void arm(Module &Current) {
    M = &Current;
    Label = DecisionKeys::moduleLabel(Current);
    Armed = true;
    ++NumArmed;
  }

private:
  bool decide(StringRef PassName, StringRef IRDescription) override {
    if (Armed)
      ++NumAsked;
    // The replaced gate first, on every question it would have had.
    if (Previous.isEnabled() &&
        !Previous.shouldRunPass(PassName, IRDescription))
      return false;
    if (!Armed || !Session::get().shouldQuery(DecisionKind::CodegenGate))
      return true;

    bool IsLoop = IRDescription == "loop";
    const Function *F = nullptr;
    if (IRDescription.consume_front("function (") &&
        IRDescription.consume_back(")")) {
      LastFunction = IRDescription.str();
      F = M->getFunction(LastFunction);
    } else if (IsLoop) {
      F = functionAfter(LastFunction);
    } else {
      return true; // Modules, SCCs, regions: not asked.
    }
    if (!F || F->hasOptNone())
      return true;
    std::string Function = F->getName().str();

    StringRef Pass = Names.get(PassName);
    if (llvm::is_contained(NeverGated, Pass))
      return true;
    unsigned &Asked =
        Ordinals[Function + (IsLoop ? ":loop:" : ":") + Pass.str()];
    ++Asked;
    const FunctionFacts &Facts = facts(*F);
    // A loop query the function cannot account for: which function it is
    // about is not certain, so it gets the default unasked.
    if (IsLoop && int64_t(Asked) > Facts.Loops)
      return true;

    std::string Key = Label + ":" + Function + ":codegen:" + Pass.str();
    Key += IsLoop ? ":loop#" + std::to_string(Asked - 1)
                  : "#" + std::to_string(Asked);
    Query Q(DecisionKind::CodegenGate, std::move(Key));
    if (Session::get().needsFeatures(DecisionKind::CodegenGate)) {
      Q.initFeatures();
      Q.set(FeatureId::CodegenGate_Pass, Pass);
      Q.set(FeatureId::CodegenGate_Unit, IsLoop ? "loop" : "function");
      Q.set(FeatureId::CodegenGate_FunctionInsts, Facts.Insts);
      Q.set(FeatureId::CodegenGate_FunctionBlocks, Facts.Blocks);
      Q.set(FeatureId::CodegenGate_Loops, Facts.Loops);
      Q.set(FeatureId::CodegenGate_MaxLoopDepth, Facts.MaxLoopDepth);
      Q.set(FeatureId::CodegenGate_Calls, Facts.Calls);
      Q.set(FeatureId::CodegenGate_MinSize, Facts.MinSize);
      Q.set(FeatureId::CodegenGate_OptSize, Facts.OptSize);
      Q.set(FeatureId::CodegenGate_Ordinal, Asked);
      if (IsLoop) {
        auto [LoopInsts, LoopDepth] = Facts.LoopsInVisitOrder[Asked - 1];
        Q.set(FeatureId::CodegenGate_LoopInsts, LoopInsts);
        Q.set(FeatureId::CodegenGate_LoopDepth, LoopDepth);
      }
    }
    return Session::get().decide(Q) == choice::Run;
  }

  /// The function a loop query is about. Code generation runs every
  /// function pass on one function, in module order, before the next, and
  /// its loop passes (loop-reduce) come before any pass that names the
  /// function: so it is the first definition after the last function named.
  /// Null when there is none, or it has no loops (then the query cannot be
  /// about it).
  const Function *functionAfter(StringRef Named) const {
    bool Passed = Named.empty();
    for (const Function &Each : *M) {
      if (Each.isDeclaration())
        continue;
      if (Passed)
        return Each.empty() ? nullptr : &Each;
      Passed = Each.getName() == Named;
    }
    return nullptr;
  }

  const FunctionFacts &facts(const Function &F) {
    auto It = Facts.find(F.getName());
    if (It == Facts.end())
      It = Facts.insert({F.getName(), describe(F)}).first;
    return It->second;
  }

  Module *M;
  llvm::OptPassGate &Previous;
  std::string Label;
  bool Armed = false;
  std::string LastFunction;
  StringMap<unsigned> Ordinals;
  StringMap<FunctionFacts> Facts;
  StableNames Names;
};

/// With -flto (or -emit-llvm) no code generation follows the optimization
/// pipeline in this process: code is generated in the linker, where OptGym
/// is not loaded, so no codegen decision can be made. Say so once at exit
/// rather than let a policy silently do nothing.
struct WarnIfNeverAsked {
  ~WarnIfNeverAsked() {
    if (NumArmed && !NumAsked)
      std::fputs("optgym: warning: codegen-gate: no code generation ran in "
                 "this process after its optimization pipeline (with -flto "
                 "or -emit-llvm, code is generated elsewhere, e.g. in the "
                 "linker, without OptGym); no codegen decision was made\n",
                 stderr);
  }
} AtExit;

/// The gates, one per context that had one installed. A context that dies
/// leaves its gate here until another context gets its address.
std::mutex GatesLock;
std::map<const LLVMContext *, std::unique_ptr<OracleGate>> Gates;

OracleGate *installedGate(LLVMContext &Ctx) {
  std::lock_guard<std::mutex> Guard(GatesLock);
  auto It = Gates.find(&Ctx);
  if (It != Gates.end() && &Ctx.getOptPassGate() == It->second.get())
    return It->second.get();
  return nullptr;
}

} // namespace

PreservedAnalyses CodegenGateInstallPass::run(Module &M,
                                              ModuleAnalysisManager &) {
  // Whatever the unit guard will say (for a backend-only policy, at the
  // optimizer's end): the gate asks the session at every question.
  Session &S = Session::get();
  if (Session::inReferenceRun() || !S.mayQueryUnguarded() ||
      !S.isActive(DecisionKind::CodegenGate))
    return PreservedAnalyses::all();
  LLVMContext &Ctx = M.getContext();
  if (installedGate(Ctx))
    return PreservedAnalyses::all();
  auto Gate = std::make_unique<OracleGate>(M, Ctx.getOptPassGate());
  Ctx.setOptPassGate(*Gate);
  std::lock_guard<std::mutex> Guard(GatesLock);
  Gates[&Ctx] = std::move(Gate);
  return PreservedAnalyses::all();
}

PreservedAnalyses CodegenGateArmPass::run(Module &M, ModuleAnalysisManager &) {
  if (OracleGate *Gate = installedGate(M.getContext()))
    Gate->arm(M);
  return PreservedAnalyses::all();
}

} // namespace optgym
