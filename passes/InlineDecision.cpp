//===- InlineDecision.cpp - The inline decision point ---------------------===//

#include "passes/InlineDecision.h"
#include "passes/Compat.h"
#include "passes/DecisionKeys.h"
#include "passes/DecisionPoint.h"
#include "passes/FunctionSizes.h"
#include "passes/GrowthBudget.h"

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

/// Whether DefaultInlineAdvisor defers inlining into callers that are
/// candidates themselves: Params says, or -inline-deferral, off unless given.
/// std::nullopt when the option was given: its value cannot be read here.
std::optional<bool> inlineDeferral(const InlineParams &Params) {
  if (Params.EnableDeferral)
    return *Params.EnableDeferral;
  auto &Options = cl::getRegisteredOptions();
  auto It = Options.find("inline-deferral");
  if (It != Options.end() && It->second->getNumOccurrences())
    return std::nullopt;
  return false;
}

class OracleInlineAdvisor final : public InlineAdvisor {
public:
  OracleInlineAdvisor(Module &M, FunctionAnalysisManager &FAM,
                      InlineParams Params, InlineContext IC)
      : InlineAdvisor(M, FAM, IC), Params(Params), Default(M, FAM, Params, IC),
        Deferral(inlineDeferral(Params)) {}

  void onPassEntry(LazyCallGraph::SCC *SCC) override {
    Default.onPassEntry(SCC);
  }
  void onPassExit(LazyCallGraph::SCC *SCC) override { Default.onPassExit(SCC); }

protected:
  std::unique_ptr<InlineAdvice> getAdviceImpl(CallBase &CB) override;

private:
  std::unique_ptr<InlineAdvice> advise(CallBase &CB);
  std::unique_ptr<InlineAdvice> adviseLikeLLVM(CallBase &CB,
                                               std::optional<InlineCost> &Cost);
  void computeFeatures(Query &Q, CallBase &CB, Function &Callee,
                       bool LLVMAdvice, const std::optional<InlineCost> &Cost);
  bool isLegalToForce(CallBase &CB, Function &Callee);

  InlineParams Params;
  DefaultInlineAdvisor Default;
  std::optional<bool> Deferral;
};

std::unique_ptr<InlineAdvice> OracleInlineAdvisor::getAdviceImpl(CallBase &CB) {
  std::unique_ptr<InlineAdvice> Advice = advise(CB);
  // The inliner is about to change the caller, where no pass instrumentation
  // sees it.
  if (Advice->isInliningRecommended())
    FunctionSizes::get().changed(*CB.getCaller());
  return Advice;
}

std::unique_ptr<InlineAdvice> OracleInlineAdvisor::advise(CallBase &CB) {
  Function &Caller = *CB.getCaller();
  Function *Callee = CB.getCalledFunction();
  if (!Callee || Caller.hasOptNone() ||
      !shouldQuery(DecisionKind::Inline, *Caller.getParent()))
    return Default.getAdvice(CB, /*MandatoryOnly=*/false);

  DecisionKeys &Keys = DecisionKeys::get();
  DecisionRecord &R = Keys.callSite(CB);
  std::unique_ptr<InlineAdvice> Advice;
  // The inliner asks again about calls it left alone on later visits; the
  // first answer stands ("default" keeps following LLVM's advice).
  if (!R.Decided) {
    Session &S = Session::get();
    Query Q(DecisionKind::Inline, Keys.callSiteKey(CB, R));
    if (S.needsFeatures(DecisionKind::Inline)) {
      std::optional<InlineCost> Cost;
      if (S.needsFeature(FeatureId::Inline_LLVMVerdict) ||
          S.needsFeature(FeatureId::Inline_LLVMCost) ||
          S.needsFeature(FeatureId::Inline_LLVMThreshold))
        Advice = adviseLikeLLVM(CB, Cost);
      else
        Advice = Default.getAdvice(CB, /*MandatoryOnly=*/false);
      computeFeatures(Q, CB, *Callee, Advice->isInliningRecommended(), Cost);
    }
    R.Choice = S.decide(Q);
    R.Decided = true;
  }
  if (!Advice)
    Advice = Default.getAdvice(CB, /*MandatoryOnly=*/false);
  if (R.Choice == DefaultChoice)
    return Advice;
  bool Inline = R.Choice == choice::Inline;
  if (Inline == Advice->isInliningRecommended() ||
      (Inline && !isLegalToForce(CB, *Callee)))
    return Advice;
  // Call sites that inlining brings into the caller are asked about afresh,
  // so without a budget per caller, forced inlines compound (a recursive
  // parser grew exponentially).
  FunctionSizes &Sizes = FunctionSizes::get();
  if (Inline && (Sizes.of(Caller) + Sizes.of(*Callee) > MaxForcedInlineSize ||
                 !chargeForcedGrowth(Caller, Callee->getInstructionCount()))) {
    Session::get().noteRefused(DecisionKind::Inline);
    return Advice;
  }
  // LLVM's advice is overruled: resolve it, so it is not left dangling.
  Advice->recordUnattemptedInlining();
  return std::make_unique<InlineAdvice>(this, CB, getCallerORE(CB), Inline);
}

/// What DefaultInlineAdvisor::getAdviceImpl() does, keeping the cost that
/// its advice is based on (Cost): the features need it, and computing it a
/// second time would double the inliner's cost-model work.
std::unique_ptr<InlineAdvice>
OracleInlineAdvisor::adviseLikeLLVM(CallBase &CB,
                                    std::optional<InlineCost> &Cost) {
  Function &Caller = *CB.getCaller();
  ProfileSummaryInfo *PSI =
      FAM.getResult<ModuleAnalysisManagerFunctionProxy>(Caller)
          .getCachedResult<ProfileSummaryAnalysis>(M);
  OptimizationRemarkEmitter &ORE =
      FAM.getResult<OptimizationRemarkEmitterAnalysis>(Caller);
  bool Remarks =
      Caller.getContext().getDiagHandlerPtr()->isMissedOptRemarkEnabled(
          "inline");
  auto GetCost = [&](CallBase &Call) {
    InlineCost IC =
        compat::inlineCost(Call, Params, FAM, PSI, Remarks ? &ORE : nullptr);
    if (&Call == &CB)
      Cost = IC;
    return IC;
  };
  if (!Deferral) {
    // -inline-deferral was given: LLVM's advice decides, the cost is ours.
    std::unique_ptr<InlineAdvice> Advice =
        Default.getAdvice(CB, /*MandatoryOnly=*/false);
    GetCost(CB);
    return Advice;
  }
  std::optional<InlineCost> Advice =
      compat::shouldInline(CB, FAM, GetCost, ORE, *Deferral);
  return std::make_unique<DefaultInlineAdvice>(this, CB, Advice, ORE);
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

/// Features that no model reads and that cost a walk or an analysis are left
/// at 0 or "" (Session::needsFeature); Cost is there when LLVM's are read.
void OracleInlineAdvisor::computeFeatures(
    Query &Q, CallBase &CB, Function &Callee, bool LLVMAdvice,
    const std::optional<InlineCost> &Cost) {
  Session &S = Session::get();
  Function &Caller = *CB.getCaller();
  Q.initFeatures();
  Q.set(FeatureId::Inline_LLVMAdvice, LLVMAdvice);
  if (Cost) {
    Q.set(FeatureId::Inline_LLVMVerdict, Cost->isAlways()  ? "always"
                                         : Cost->isNever() ? "never"
                                                           : "cost");
    Q.set(FeatureId::Inline_LLVMCost, Cost->isVariable() ? Cost->getCost() : 0);
    Q.set(FeatureId::Inline_LLVMThreshold,
          Cost->isVariable() ? Cost->getThreshold() : 0);
  }
  FunctionSizes &Sizes = FunctionSizes::get();
  if (S.needsFeature(FeatureId::Inline_CallerInsts))
    Q.set(FeatureId::Inline_CallerInsts, Sizes.of(Caller));
  if (S.needsFeature(FeatureId::Inline_CalleeInsts))
    Q.set(FeatureId::Inline_CalleeInsts, Sizes.of(Callee));
  Q.set(FeatureId::Inline_CalleeBlocks, Callee.size());
  if (S.needsFeature(FeatureId::Inline_CalleeCallSites)) {
    int64_t CallSites = 0;
    for (const User *U : Callee.users())
      if (const auto *Call = dyn_cast<CallBase>(U))
        CallSites += Call->getCalledFunction() == &Callee;
    Q.set(FeatureId::Inline_CalleeCallSites, CallSites);
  }
  Q.set(FeatureId::Inline_CalleeLocal, Callee.hasLocalLinkage());
  Q.set(FeatureId::Inline_Args, CB.arg_size());
  Q.set(FeatureId::Inline_ConstArgs, count_if(CB.args(), [](const Use &A) {
          return isa<Constant>(A.get());
        }));
  if (S.needsFeature(FeatureId::Inline_CallLoopDepth))
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
