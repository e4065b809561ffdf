//===- LoopHints.cpp - Read and write llvm.loop transformation hints ------===//

#include "passes/LoopHints.h"

#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Metadata.h"

using namespace llvm;

namespace optgym {

/// The name of a hint node, or "" for other operands.
static StringRef hintName(const Metadata *Op) {
  const auto *Node = dyn_cast_or_null<MDNode>(Op);
  if (!Node || Node->getNumOperands() == 0)
    return "";
  const auto *Name = dyn_cast<MDString>(Node->getOperand(0).get());
  return Name ? Name->getString() : "";
}

bool hasLoopHint(const Loop &L, ArrayRef<StringRef> Prefixes) {
  MDNode *ID = L.getLoopID();
  if (!ID)
    return false;
  return any_of(drop_begin(ID->operands()), [&](const MDOperand &Op) {
    StringRef Name = hintName(Op.get());
    return !Name.empty() &&
           any_of(Prefixes, [&](StringRef P) { return Name.starts_with(P); });
  });
}

void removeLoopHints(Loop &L, ArrayRef<StringRef> Names) {
  MDNode *ID = L.getLoopID();
  if (!ID)
    return;
  SmallVector<Metadata *, 8> Ops = {nullptr};
  for (const MDOperand &Op : drop_begin(ID->operands()))
    if (!is_contained(Names, hintName(Op.get())))
      Ops.push_back(Op.get());
  MDNode *NewID = MDNode::getDistinct(L.getHeader()->getContext(), Ops);
  NewID->replaceOperandWith(0, NewID);
  L.setLoopID(NewID);
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
