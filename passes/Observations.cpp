//===- Observations.cpp - Autophase and InstCount feature vectors ---------===//

#include "passes/Observations.h"

#include "llvm/Analysis/CFG.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace optgym {
namespace {

using AF = AutophaseFeature;

class AutophaseCounter {
public:
  std::vector<int64_t> count(const Module &M) {
    for (const Function &F : M) {
      ++at(AF::TotalFuncs);
      for (const BasicBlock &BB : F)
        countBlock(BB);
    }
    at(AF::TotalMemInst) = at(AF::NumGetElementPtrInst) + at(AF::NumLoadInst) +
                           at(AF::NumStoreInst) + at(AF::NumCallInst) +
                           NumInvokes + at(AF::NumAllocaInst);
    return std::move(Counts);
  }

private:
  int64_t &at(AF Feature) { return Counts[unsigned(Feature)]; }

  void countBlock(const BasicBlock &BB) {
    ++at(AF::TotalBlocks);
    unsigned Succs = 0;
    if (const Instruction *Term = BB.getTerminator()) {
      Succs = Term->getNumSuccessors();
      for (unsigned I = 0; I < Succs; ++I) {
        ++at(AF::NumEdges);
        if (isCriticalEdge(Term, I))
          ++at(AF::CriticalCount);
      }
    }
    unsigned Preds = pred_size(&BB);
    at(AF::oneSuccessor) += Succs == 1;
    at(AF::twoSuccessor) += Succs == 2;
    at(AF::onePred) += Preds == 1;
    at(AF::twoPred) += Preds == 2;
    at(AF::morePreds) += Preds > 2;
    at(AF::onePredOneSuc) += Preds == 1 && Succs == 1;
    at(AF::onePredTwoSuc) += Preds == 1 && Succs == 2;
    at(AF::twoPredOneSuc) += Preds == 2 && Succs == 1;
    at(AF::twoEach) += Preds == 2 && Succs == 2;

    unsigned Insts = 0, Phis = 0, PhiArgs = 0;
    for (const Instruction &I : BB) {
      if (Insts == 0 && isa<PHINode>(I))
        ++at(AF::BeginPhi);
      ++Insts;
      countInstruction(I);
      if (const auto *Phi = dyn_cast<PHINode>(&I)) {
        ++Phis;
        PhiArgs += Phi->getNumIncomingValues();
      }
    }
    at(AF::ArgsPhi) += PhiArgs;
    at(AF::BBNoPhi) += Phis == 0;
    at(AF::BB03Phi) += Phis >= 1 && Phis <= 3;
    at(AF::BBHiPhi) += Phis > 3;
    at(AF::BBNumArgsHi) += PhiArgs > 5;
    at(AF::BBNumArgsLo) += PhiArgs >= 1 && PhiArgs <= 5;
    at(AF::BlockLow) += Insts < 15;
    at(AF::BlockMid) += Insts >= 15 && Insts <= 500;
  }

  void countInstruction(const Instruction &I) {
    ++at(AF::TotalInsts);
    for (const Value *Op : I.operands())
      if (const auto *C = dyn_cast<ConstantInt>(Op)) {
        unsigned Width = C->getBitWidth();
        at(AF::const32Bit) += Width == 32;
        at(AF::const64Bit) += Width == 64;
        at(AF::numConstOnes) += C->isOne();
        at(AF::numConstZeroes) += C->isZero();
      }
    if (const auto *Br = dyn_cast<BranchInst>(&I)) {
      ++at(AF::BranchCount);
      at(AF::UncondBranches) += Br->isUnconditional();
    }
    if (isa<BinaryOperator>(I) &&
        (isa<Constant>(I.getOperand(0)) || isa<Constant>(I.getOperand(1))))
      ++at(AF::binaryConstArg);
    if (isa<UnaryInstruction>(I))
      ++at(AF::testUnary);
    if (const auto *Call = dyn_cast<CallInst>(&I)) {
      if (const Function *Callee = Call->getCalledFunction())
        at(AF::returnInt) += Callee->getReturnType()->isIntegerTy();
    }
    // clang-format off
    switch (I.getOpcode()) {
    case Instruction::AShr:          ++at(AF::NumAShrInst); break;
    case Instruction::Add:           ++at(AF::NumAddInst); break;
    case Instruction::Alloca:        ++at(AF::NumAllocaInst); break;
    case Instruction::And:           ++at(AF::NumAndInst); break;
    case Instruction::BitCast:       ++at(AF::NumBitCastInst); break;
    case Instruction::Br:            ++at(AF::NumBrInst); break;
    case Instruction::Call:          ++at(AF::NumCallInst); break;
    case Instruction::GetElementPtr: ++at(AF::NumGetElementPtrInst); break;
    case Instruction::ICmp:          ++at(AF::NumICmpInst); break;
    case Instruction::LShr:          ++at(AF::NumLShrInst); break;
    case Instruction::Load:          ++at(AF::NumLoadInst); break;
    case Instruction::Mul:           ++at(AF::NumMulInst); break;
    case Instruction::Or:            ++at(AF::NumOrInst); break;
    case Instruction::PHI:           ++at(AF::NumPHIInst); break;
    case Instruction::Ret:           ++at(AF::NumRetInst); break;
    case Instruction::SExt:          ++at(AF::NumSExtInst); break;
    case Instruction::Select:        ++at(AF::NumSelectInst); break;
    case Instruction::Shl:           ++at(AF::NumShlInst); break;
    case Instruction::Store:         ++at(AF::NumStoreInst); break;
    case Instruction::Sub:           ++at(AF::NumSubInst); break;
    case Instruction::Trunc:         ++at(AF::NumTruncInst); break;
    case Instruction::Xor:           ++at(AF::NumXorInst); break;
    case Instruction::ZExt:          ++at(AF::NumZExtInst); break;
    case Instruction::Invoke:        ++NumInvokes; break;
    // clang-format on
    default:
      break;
    }
  }

  std::vector<int64_t> Counts =
      std::vector<int64_t>(unsigned(AF::NumFeatures), 0);
  int64_t NumInvokes = 0;
};

/// The opcodes of this LLVM, in Instruction.def order.
ArrayRef<unsigned> allOpcodes() {
  static const unsigned Opcodes[] = {
#define HANDLE_INST(Num, Opcode, Class) Instruction::Opcode,
#include "llvm/IR/Instruction.def"
  };
  return Opcodes;
}

template <typename NameT>
void printVector(raw_ostream &OS, StringRef Title, const Module &M,
                 ArrayRef<NameT> Names, ArrayRef<int64_t> Values) {
  OS << Title << " of " << M.getModuleIdentifier() << ":\n";
  for (size_t I = 0; I < Names.size(); ++I)
    OS << "  " << Names[I] << ": " << Values[I] << "\n";
}

} // namespace

ArrayRef<StringRef> autophaseNames() {
  static const StringRef Names[] = {
#define OPTGYM_AUTOPHASE(Name, Doc) #Name,
#include "passes/Autophase.def"
  };
  return Names;
}

std::vector<int64_t> computeAutophase(const Module &M) {
  return AutophaseCounter().count(M);
}

uint64_t countInstructions(const Module &M) {
  uint64_t N = 0;
  for (const Function &F : M)
    for (const BasicBlock &BB : F)
      for (const Instruction &I : BB)
        // Debug intrinsics and pseudo probes are calls: the opcode rules
        // out the rest without a call into LLVM.
        N += !(isa<CallInst>(I) && I.isDebugOrPseudoInst());
  return N;
}

ArrayRef<std::string> instCountNames() {
  static const std::vector<std::string> Names = [] {
    // CompilerGym's names: the opcodes' enumerator names (Ret, Br, ...).
    return std::vector<std::string>{
        "TotalInsts",
        "TotalBlocks",
        "TotalFuncs",
#define HANDLE_INST(Num, Opcode, Class) "Num" #Opcode "Inst",
#include "llvm/IR/Instruction.def"
    };
  }();
  return Names;
}

std::vector<int64_t> computeInstCount(const Module &M) {
  ArrayRef<unsigned> Opcodes = allOpcodes();
  unsigned MaxOpcode = *std::max_element(Opcodes.begin(), Opcodes.end());
  std::vector<int64_t> ByOpcode(MaxOpcode + 1, 0);
  int64_t Insts = 0, Blocks = 0, Funcs = 0;
  for (const Function &F : M) {
    ++Funcs;
    for (const BasicBlock &BB : F) {
      ++Blocks;
      for (const Instruction &I : BB) {
        ++Insts;
        ++ByOpcode[I.getOpcode()];
      }
    }
  }
  std::vector<int64_t> Values = {Insts, Blocks, Funcs};
  for (unsigned Opcode : Opcodes)
    Values.push_back(ByOpcode[Opcode]);
  return Values;
}

PreservedAnalyses AutophasePrinterPass::run(Module &M,
                                            ModuleAnalysisManager &) {
  printVector(OS, "Autophase", M, autophaseNames(), computeAutophase(M));
  return PreservedAnalyses::all();
}

PreservedAnalyses InstCountPrinterPass::run(Module &M,
                                            ModuleAnalysisManager &) {
  printVector(OS, "InstCount", M, instCountNames(), computeInstCount(M));
  return PreservedAnalyses::all();
}

} // namespace optgym
