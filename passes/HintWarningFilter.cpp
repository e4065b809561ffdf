//===- HintWarningFilter.cpp - Keep OptGym's hints out of -Wpass-failed ---===//

#include "passes/HintWarningFilter.h"
#include "passes/LoopHints.h"

#include "llvm/IR/Function.h"
#include "llvm/IR/Metadata.h"
#include "llvm/IR/PassInstrumentation.h"

using namespace llvm;

namespace optgym {
namespace {

bool hasHintedLoop(const Function &F) {
  for (const BasicBlock &BB : F)
    if (const MDNode *ID = BB.getTerminator() ? BB.getTerminator()->getMetadata(
                                                    LLVMContext::MD_loop)
                                              : nullptr)
      for (const MDOperand &Op : drop_begin(ID->operands()))
        if (const auto *Node = dyn_cast<MDNode>(Op.get()))
          if (Node->getNumOperands() == 1)
            if (const auto *S = dyn_cast<MDString>(Node->getOperand(0)))
              if (S->getString() == HintedLoopTag)
                return true;
  return false;
}

} // namespace

void registerHintWarningFilter(PassInstrumentationCallbacks &PIC) {
  PIC.registerShouldRunOptionalPassCallback([](StringRef ClassName, Any IR) {
    if (ClassName != "WarnMissedTransformationsPass")
      return true;
    const auto *F = any_cast<const Function *>(&IR);
    return !F || !hasHintedLoop(**F);
  });
}

} // namespace optgym
