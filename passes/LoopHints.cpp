//===- LoopHints.cpp - Read and write llvm.loop transformation hints ------===//

#include "passes/LoopHints.h"

#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Metadata.h"

using namespace llvm;

namespace optgym {

bool hasLoopHint(const Loop &L, ArrayRef<StringRef> Prefixes) {
  MDNode *ID = L.getLoopID();
  if (!ID)
    return false;
  for (const MDOperand &Op : drop_begin(ID->operands())) {
    const auto *Node = dyn_cast<MDNode>(Op.get());
    if (!Node || Node->getNumOperands() == 0)
      continue;
    const auto *Name = dyn_cast<MDString>(Node->getOperand(0).get());
    if (Name && any_of(Prefixes, [&](StringRef P) {
          return Name->getString().starts_with(P);
        }))
      return true;
  }
  return false;
}

void addLoopHints(Loop &L, ArrayRef<LoopHint> Hints) {
  LLVMContext &Ctx = L.getHeader()->getContext();
  SmallVector<Metadata *, 8> Ops = {nullptr};
  if (MDNode *ID = L.getLoopID())
    for (const MDOperand &Op : drop_begin(ID->operands()))
      Ops.push_back(Op.get());
  for (const LoopHint &H : Hints) {
    SmallVector<Metadata *, 2> Node = {MDString::get(Ctx, H.Name)};
    if (H.Value)
      Node.push_back(ConstantAsMetadata::get(
          ConstantInt::get(IntegerType::get(Ctx, H.Bits), *H.Value)));
    Ops.push_back(MDNode::get(Ctx, Node));
  }
  if (!hasLoopHint(L, {HintedLoopTag}))
    Ops.push_back(MDNode::get(Ctx, MDString::get(Ctx, HintedLoopTag)));
  MDNode *NewID = MDNode::getDistinct(Ctx, Ops);
  NewID->replaceOperandWith(0, NewID);
  L.setLoopID(NewID);
}

} // namespace optgym
