//===- InlineDecision.cpp - The inline decision point ---------------------===//

#include "passes/InlineDecision.h"
#include "passes/DecisionKeys.h"
#include "passes/DecisionPoint.h"
#include "passes/GrowthBudget.h"

#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/BlockFrequencyInfo.h"
#include "llvm/Analysis/InlineCost.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/OptimizationRemarkEmitter.h"
#include "llvm/Analysis/ProfileSummaryInfo.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/IR/Module.h"

#include "llvm/Support/CommandLine.h"

using namespace llvm;

namespace optgym {
namespace {

// Inlining everything an oracle asks for can grow code exponentially (a call
// DAG flattened into its roots).
cl::opt<unsigned> MaxForcedInlineSize(
    "optgym-max-forced-inline-size", cl::init(64 * 1024), cl::Hidden,
    cl::desc("A forced inline is not carried out when caller and callee "
             "together exceed this many instructions"));

class OracleInlineAdvisor final : public InlineAdvisor {
public:
  OracleInlineAdvisor(Module &M, FunctionAnalysisManager &FAM,
                      InlineParams Params, InlineContext IC)
      : InlineAdvisor(M, FAM, IC), Params(Params), Default(M, FAM, Params, IC) {
  }

  void onPassEntry(LazyCallGraph::SCC *SCC) override {
    Default.onPassEntry(SCC);
  }
  void onPassExit(LazyCallGraph::SCC *SCC) override { Default.onPassExit(SCC); }

protected:
  std::unique_ptr<InlineAdvice> getAdviceImpl(CallBase &CB) override;

private:
  void computeFeatures(Query &Q, CallBase &CB, Function &Callee,
                       bool LLVMAdvice);
  bool isLegalToForce(CallBase &CB, Function &Callee);

  InlineParams Params;
  DefaultInlineAdvisor Default;
};

std::unique_ptr<InlineAdvice> OracleInlineAdvisor::getAdviceImpl(CallBase &CB) {
  std::unique_ptr<InlineAdvice> Advice =
      Default.getAdvice(CB, /*MandatoryOnly=*/false);
  Function &Caller = *CB.getCaller();
  Function *Callee = CB.getCalledFunction();
  if (!Callee || Caller.hasOptNone() ||
      !shouldQuery(DecisionKind::Inline, *Caller.getParent()))
    return Advice;

  DecisionKeys &Keys = DecisionKeys::get();
  DecisionRecord &R = Keys.callSite(CB);
  // The inliner asks again about calls it left alone on later visits; the
  // first answer stands ("default" keeps following LLVM's advice).
  if (!R.Decided) {
    Session &S = Session::get();
    Query Q(DecisionKind::Inline, Keys.callSiteKey(CB, R));
    if (S.needsFeatures(DecisionKind::Inline))
      computeFeatures(Q, CB, *Callee, Advice->isInliningRecommended());
    R.Choice = S.decide(Q);
    R.Decided = true;
  }
  if (R.Choice == DefaultChoice)
    return Advice;
  bool Inline = R.Choice == choice::Inline;
  if (Inline == Advice->isInliningRecommended() ||
      (Inline && !isLegalToForce(CB, *Callee)))
    return Advice;
  // Call sites that inlining brings into the caller are asked about afresh,
  // so without a budget per caller, forced inlines compound (a recursive
  // parser grew exponentially).
  if (Inline && (Caller.getInstructionCount() + Callee->getInstructionCount() >
                     MaxForcedInlineSize ||
                 !chargeForcedGrowth(Caller, Callee->getInstructionCount()))) {
    Session::get().noteRefused(DecisionKind::Inline);
    return Advice;
  }
  // LLVM's advice is overruled: resolve it, so it is not left dangling.
  Advice->recordUnattemptedInlining();
  return std::make_unique<InlineAdvice>(this, CB, getCallerORE(CB), Inline);
}

bool OracleInlineAdvisor::isLegalToForce(CallBase &CB, Function &Callee) {
  if (&Callee == CB.getCaller() || Callee.isDeclaration() ||
      Callee.isInterposable() ||
      getMandatoryKind(CB, FAM, getCallerORE(CB)) ==
          MandatoryInliningKind::Never)
    return false;
  auto GetTLI = [&](Function &F) -> const TargetLibraryInfo & {
    return FAM.getResult<TargetLibraryAnalysis>(F);
  };
  std::optional<InlineResult> ByAttributes = getAttributeBasedInliningDecision(
      CB, &Callee, FAM.getResult<TargetIRAnalysis>(Callee), GetTLI);
  if (ByAttributes && !ByAttributes->isSuccess())
    return false;
  return isInlineViable(Callee).isSuccess();
}

void OracleInlineAdvisor::computeFeatures(Query &Q, CallBase &CB,
                                          Function &Callee, bool LLVMAdvice) {
  Function &Caller = *CB.getCaller();
  auto GetAC = [&](Function &F) -> AssumptionCache & {
    return FAM.getResult<AssumptionAnalysis>(F);
  };
  auto GetTLI = [&](Function &F) -> const TargetLibraryInfo & {
    return FAM.getResult<TargetLibraryAnalysis>(F);
  };
  auto GetBFI = [&](Function &F) -> BlockFrequencyInfo & {
    return FAM.getResult<BlockFrequencyAnalysis>(F);
  };
  ProfileSummaryInfo *PSI =
      FAM.getResult<ModuleAnalysisManagerFunctionProxy>(Caller)
          .getCachedResult<ProfileSummaryAnalysis>(M);
  InlineCost Cost =
      getInlineCost(CB, Params, FAM.getResult<TargetIRAnalysis>(Callee), GetAC,
                    GetTLI, GetBFI, PSI, /*ORE=*/nullptr);

  int64_t CallSites = 0;
  for (const User *U : Callee.users())
    if (const auto *Call = dyn_cast<CallBase>(U))
      CallSites += Call->getCalledFunction() == &Callee;
  int64_t ConstArgs =
      count_if(CB.args(), [](const Use &A) { return isa<Constant>(A.get()); });

  Q.initFeatures();
  Q.set(FeatureId::Inline_LLVMAdvice, LLVMAdvice);
  Q.set(FeatureId::Inline_LLVMVerdict, Cost.isAlways()  ? "always"
                                       : Cost.isNever() ? "never"
                                                        : "cost");
  Q.set(FeatureId::Inline_LLVMCost, Cost.isVariable() ? Cost.getCost() : 0);
  Q.set(FeatureId::Inline_LLVMThreshold,
        Cost.isVariable() ? Cost.getThreshold() : 0);
  Q.set(FeatureId::Inline_CallerInsts, Caller.getInstructionCount());
  Q.set(FeatureId::Inline_CalleeInsts, Callee.getInstructionCount());
  Q.set(FeatureId::Inline_CalleeBlocks, Callee.size());
  Q.set(FeatureId::Inline_CalleeCallSites, CallSites);
  Q.set(FeatureId::Inline_CalleeLocal, Callee.hasLocalLinkage());
  Q.set(FeatureId::Inline_Args, CB.arg_size());
  Q.set(FeatureId::Inline_ConstArgs, ConstArgs);
  Q.set(FeatureId::Inline_CallLoopDepth,
        FAM.getResult<LoopAnalysis>(Caller).getLoopDepth(CB.getParent()));
}

} // namespace

InlineAdvisor *createOracleInlineAdvisor(Module &M,
                                         FunctionAnalysisManager &FAM,
                                         InlineParams Params,
                                         InlineContext IC) {
  return new OracleInlineAdvisor(M, FAM, Params, IC);
}

} // namespace optgym
