//===- Registration.cpp - Everything OptGym adds to a PassBuilder ---------===//
//
// The one place that names every pipeline name, analysis and extension point
// OptGym uses.
//
//   pipeline names (opt -passes=...)
//     optgym-driver                 module pass: the pass-choice driver
//     optgym-loop-unroll            loop pass: the loop-unroll decision point
//     optgym-loop-vectorize         function pass: the loop-vectorize one
//     print<optgym-loop-features>   function pass: prints loop features
//     print<optgym-autophase>       module pass: prints the Autophase vector
//     print<optgym-instcount>       module pass: prints the InstCount vector
//
//   extension points (default pipelines, when an oracle is configured)
//     pipeline start                report configuration errors; collect the
//                                   unit (OPTGYM_COLLECT); the unit guard,
//                                   for a policy deciding in the optimizer;
//                                   pass-choice, when OPTGYM_DECISIONS
//                                   names it
//     late loop optimizations       loop-unroll
//     vectorizer start              loop-vectorize
//     optimizer last                end the module, flush the trace; arm
//                                   the codegen gate
//     optimizer last (again)        the unit guard, for a backend-only
//                                   policy; codegen-option (put back at the
//                                   next pipeline start); the guard's
//                                   rehearsals measure and end
//     LLVMContext's OptPassGate     codegen-gate (installed at pipeline
//                                   start, chained to the one it replaces)
//     PluginInlineAdvisorAnalysis   inline
//     should-run-optional-pass      pass-gate; transform-warning filter
//     after-pass (module passes)    measure the module, for a socket agent
//     after-pass (every pass)       forget the sizes of functions a pass
//                                   changed, when pass-gate or inline
//                                   features are read
//
//===----------------------------------------------------------------------===//

#include "plugin/Registration.h"
#include "passes/CodegenGate.h"
#include "passes/CodegenOptions.h"
#include "passes/DecisionPoint.h"
#include "passes/FunctionSizes.h"
#include "passes/GrowthBudget.h"
#include "passes/HintWarningFilter.h"
#include "passes/InlineDecision.h"
#include "passes/LoopFeatures.h"
#include "passes/LoopUnrollDecision.h"
#include "passes/LoopVectorizeDecision.h"
#include "passes/Observations.h"
#include "passes/PassChoiceDriver.h"
#include "passes/PassGate.h"
#include "passes/UnitCollector.h"
#include "passes/UnitGuard.h"

using namespace llvm;

namespace optgym {
namespace {

void registerPipelineNames(PassBuilder &PB) {
  PB.registerPipelineParsingCallback(
      [&PB](StringRef Name, ModulePassManager &MPM,
            ArrayRef<PassBuilder::PipelineElement>) {
        if (Name == "optgym-driver") {
          MPM.addPass(PassChoiceDriverPass(PB, /*NamedInPipeline=*/true));
          return true;
        }
        if (Name == "print<optgym-autophase>") {
          MPM.addPass(AutophasePrinterPass(errs()));
          return true;
        }
        if (Name == "print<optgym-instcount>") {
          MPM.addPass(InstCountPrinterPass(errs()));
          return true;
        }
        return false;
      });
  PB.registerPipelineParsingCallback(
      [](StringRef Name, LoopPassManager &LPM,
         ArrayRef<PassBuilder::PipelineElement>) {
        if (Name != "optgym-loop-unroll")
          return false;
        LPM.addPass(LoopUnrollDecisionPass());
        return true;
      });
  PB.registerPipelineParsingCallback(
      [](StringRef Name, FunctionPassManager &FPM,
         ArrayRef<PassBuilder::PipelineElement>) {
        if (Name == "optgym-loop-vectorize") {
          FPM.addPass(LoopVectorizeDecisionPass());
          return true;
        }
        if (Name == "print<optgym-loop-features>") {
          FPM.addPass(LoopFeaturesPrinterPass(errs()));
          return true;
        }
        return false;
      });
}

/// The oracle may be asked before code generation: the unit guard must
/// then rehearse the optimizer too.
bool decidesInOptimizer(const Session &S) {
  for (DecisionKind Kind :
       {DecisionKind::PassGate, DecisionKind::Inline, DecisionKind::LoopUnroll,
        DecisionKind::LoopVectorize, DecisionKind::PassChoice})
    if (S.isActive(Kind))
      return true;
  return false;
}

} // namespace

void registerOptGym(PassBuilder &PB) {
  registerPipelineNames(PB);
  Session &S = Session::get();
  if (S.isInert())
    return;

  // The pipeline being built has its optimizer-last extension point, where
  // the guard's rehearsals measure (set while it is built).
  static MeasurePointFlag GuardCanMeasure;
  PB.registerPipelineStartEPCallback(
      [&PB](ModulePassManager &MPM, OptimizationLevel) {
        Session &S = Session::get();
        restoreCodegenOptions();
        MPM.addPass(SessionCheckPass());
        MPM.addPass(GrowthBudgetStartPass());
        if (!S.collectDir().empty())
          MPM.addPass(UnitCollectorPass(S.collectDir().str()));
        if (S.isActive(DecisionKind::CodegenGate))
          MPM.addPass(CodegenGateInstallPass());
        GuardCanMeasure = std::make_shared<bool>(false);
        if (S.unitGuard() && decidesInOptimizer(S))
          MPM.addPass(UnitGuardPass(GuardCanMeasure));
        if (S.isActive(DecisionKind::PassChoice))
          MPM.addPass(PassChoiceDriverPass(PB, /*NamedInPipeline=*/false));
      });
  compat::registerOptimizerLastEPCallback(
      PB, [](ModulePassManager &MPM, OptimizationLevel) {
        Session &S = Session::get();
        if (S.isActive(DecisionKind::CodegenGate))
          MPM.addPass(CodegenGateArmPass());
        if (S.unitGuard() && GuardCanMeasure) {
          *GuardCanMeasure = true;
          if (!decidesInOptimizer(S))
            MPM.addPass(UnitGuardPass(GuardCanMeasure));
        }
        if (S.isActive(DecisionKind::CodegenOption))
          MPM.addPass(CodegenOptionPass());
        if (S.unitGuard())
          MPM.addPass(UnitGuardMeasurePass());
        MPM.addPass(SessionFlushPass());
      });

  if (PassInstrumentationCallbacks *PIC =
          PB.getPassInstrumentationCallbacks()) {
    if (S.needsFeature(FeatureId::PassGate_UnitSize) ||
        S.needsFeature(FeatureId::Inline_CallerInsts) ||
        S.needsFeature(FeatureId::Inline_CalleeInsts))
      registerFunctionSizeTracking(*PIC);
    if (S.isActive(DecisionKind::PassGate))
      registerPassGate(*PIC);
    if (S.wantsModuleEvents())
      registerModuleTracking(*PIC);
    if (S.mayDepart() && (S.isActive(DecisionKind::LoopUnroll) ||
                          S.isActive(DecisionKind::LoopVectorize)))
      registerHintWarningFilter(*PIC);
  }

  if (S.isActive(DecisionKind::LoopUnroll)) {
    PB.registerLateLoopOptimizationsEPCallback(
        [](LoopPassManager &LPM, OptimizationLevel) {
          LPM.addPass(LoopUnrollDecisionPass());
        });
    // After the inliner, before the simplification that fully unrolls.
    PB.registerCGSCCOptimizerLateEPCallback([](CGSCCPassManager &CGPM,
                                               OptimizationLevel) {
      CGPM.addPass(createCGSCCToFunctionPassAdaptor(LoopUnrollRecheckPass()));
    });
  }

  if (S.isActive(DecisionKind::LoopUnroll) ||
      S.isActive(DecisionKind::LoopVectorize))
    PB.registerVectorizerStartEPCallback(
        [](FunctionPassManager &FPM, OptimizationLevel) {
          // Before the vectorizer and the unroller carry the hints out.
          if (Session::get().isActive(DecisionKind::LoopUnroll))
            FPM.addPass(LoopUnrollRecheckPass());
          if (Session::get().isActive(DecisionKind::LoopVectorize))
            FPM.addPass(LoopVectorizeDecisionPass());
        });
  if (S.isActive(DecisionKind::LoopVectorize) && S.mayDepart())
    forbidHintedFPReordering();

  if (S.isActive(DecisionKind::Inline))
    PB.registerAnalysisRegistrationCallback([](ModuleAnalysisManager &MAM) {
      MAM.registerPass([] {
        return PluginInlineAdvisorAnalysis(createOracleInlineAdvisor);
      });
    });
}

PassPluginLibraryInfo getOptGymPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "OptGym", OPTGYM_VERSION, registerOptGym};
}

} // namespace optgym
