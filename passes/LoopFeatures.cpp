//===- LoopFeatures.cpp - Feature vectors of loop decisions ---------------===//

#include "passes/LoopFeatures.h"
#include "passes/DecisionKeys.h"

#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/IR/IntrinsicInst.h"

using namespace llvm;

namespace optgym {
namespace {

struct LoopBody {
  int64_t Insts = 0, Calls = 0, Loads = 0, Stores = 0, FPOps = 0;

  explicit LoopBody(const Loop &L) {
    for (const BasicBlock *BB : L.blocks())
      for (const Instruction &I : *BB) {
        if (I.isDebugOrPseudoInst())
          continue;
        ++Insts;
        if (isa<CallBase>(I) && !isa<IntrinsicInst>(I))
          ++Calls;
        else if (isa<LoadInst>(I))
          ++Loads;
        else if (isa<StoreInst>(I))
          ++Stores;
        else if (isa<BinaryOperator>(I) && I.getType()->isFPOrFPVectorTy())
          ++FPOps;
      }
  }
};

int64_t numExitingBlocks(const Loop &L) {
  SmallVector<BasicBlock *, 4> Exiting;
  L.getExitingBlocks(Exiting);
  return Exiting.size();
}

} // namespace

int64_t loopInstructionCount(const Loop &L) {
  int64_t Count = 0;
  for (const BasicBlock *BB : L.blocks())
    Count += BB->size();
  return Count;
}

void computeLoopUnrollFeatures(Query &Q, const Loop &L, ScalarEvolution &SE) {
  LoopBody Body(L);
  auto *Loop = const_cast<llvm::Loop *>(&L);
  int64_t Trip = SE.getSmallConstantTripCount(Loop);
  Q.initFeatures();
  Q.set(FeatureId::LoopUnroll_Depth, L.getLoopDepth());
  Q.set(FeatureId::LoopUnroll_Innermost, L.isInnermost());
  Q.set(FeatureId::LoopUnroll_TripCount, Trip);
  Q.set(FeatureId::LoopUnroll_MaxTripCount,
        SE.getSmallConstantMaxTripCount(Loop));
  Q.set(FeatureId::LoopUnroll_TripMultiple,
        SE.getSmallConstantTripMultiple(Loop));
  Q.set(FeatureId::LoopUnroll_BodyInsts, Body.Insts);
  Q.set(FeatureId::LoopUnroll_Blocks, L.getNumBlocks());
  Q.set(FeatureId::LoopUnroll_Exits, numExitingBlocks(L));
  Q.set(FeatureId::LoopUnroll_Calls, Body.Calls);
  Q.set(FeatureId::LoopUnroll_Subloops, L.getSubLoops().size());
  Q.set(FeatureId::LoopUnroll_EstUnrolledSize, Trip * Body.Insts);
}

void computeLoopVectorizeFeatures(Query &Q, const Loop &L,
                                  ScalarEvolution *SE) {
  LoopBody Body(L);
  auto *Loop = const_cast<llvm::Loop *>(&L);
  Q.initFeatures();
  Q.set(FeatureId::LoopVectorize_Depth, L.getLoopDepth());
  if (SE) {
    Q.set(FeatureId::LoopVectorize_TripCount,
          SE->getSmallConstantTripCount(Loop));
    Q.set(FeatureId::LoopVectorize_MaxTripCount,
          SE->getSmallConstantMaxTripCount(Loop));
  }
  Q.set(FeatureId::LoopVectorize_BodyInsts, Body.Insts);
  Q.set(FeatureId::LoopVectorize_Blocks, L.getNumBlocks());
  Q.set(FeatureId::LoopVectorize_Exits, numExitingBlocks(L));
  Q.set(FeatureId::LoopVectorize_Calls, Body.Calls);
  Q.set(FeatureId::LoopVectorize_Loads, Body.Loads);
  Q.set(FeatureId::LoopVectorize_Stores, Body.Stores);
  Q.set(FeatureId::LoopVectorize_FPOps, Body.FPOps);
  Q.set(FeatureId::LoopVectorize_HeaderPhis,
        std::distance(L.getHeader()->phis().begin(),
                      L.getHeader()->phis().end()));
}

void printFeatures(raw_ostream &OS, const Query &Q) {
  const DecisionKindInfo &Info = getKindInfo(Q.Kind);
  for (size_t I = 0; I < Q.Features.size(); ++I) {
    OS << (I ? " " : "") << Info.Features[I].Name << "=";
    if (Info.Features[I].Type == FeatureType::String)
      OS << Q.Features[I].Str;
    else
      OS << Q.Features[I].Int;
  }
}

PreservedAnalyses LoopFeaturesPrinterPass::run(Function &F,
                                               FunctionAnalysisManager &FAM) {
  LoopInfo &LI = FAM.getResult<LoopAnalysis>(F);
  ScalarEvolution &SE = FAM.getResult<ScalarEvolutionAnalysis>(F);
  std::string Prefix = DecisionKeys::functionKey(F);
  unsigned Index = 0;
  for (const Loop *L : LI.getLoopsInPreorder()) {
    Query Unroll(DecisionKind::LoopUnroll, "");
    computeLoopUnrollFeatures(Unroll, *L, SE);
    OS << Prefix << ":loop#" << Index++ << " loop-unroll: ";
    printFeatures(OS, Unroll);
    OS << "\n";
    if (!L->isInnermost())
      continue;
    Query Vectorize(DecisionKind::LoopVectorize, "");
    computeLoopVectorizeFeatures(Vectorize, *L, &SE);
    OS << "  loop-vectorize: ";
    printFeatures(OS, Vectorize);
    OS << "\n";
  }
  return PreservedAnalyses::all();
}

} // namespace optgym
