//===- DecisionKeys.cpp - Stable, readable keys for decisions -------------===//

#include "passes/DecisionKeys.h"
#include "session/Session.h"
#include "session/SourceLabel.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace optgym {

DecisionKeys &DecisionKeys::get() {
  static thread_local DecisionKeys Keys;
  return Keys;
}

std::string DecisionKeys::moduleLabel(const Module &M) {
  StringRef File = M.getSourceFileName();
  if (File.empty())
    return M.getModuleIdentifier();
  // Every key of a module starts with its label: look the file system up
  // once per file.
  static thread_local StringMap<std::string> Labels;
  auto [It, New] = Labels.try_emplace(File);
  if (New)
    It->second = sourceLabel(File, Session::get().keyRoot());
  return It->second;
}

std::string DecisionKeys::functionKey(const Function &F) {
  std::string Key = moduleLabel(*F.getParent());
  Key += ':';
  Key += F.hasName() ? F.getName() : StringRef("<unnamed>");
  return Key;
}

DecisionRecord &DecisionKeys::loop(LoopKeySpace SpaceId, const Loop &L,
                                   const LoopInfo *LI) {
  Space &S = LoopSpaces[unsigned(SpaceId)];
  const BasicBlock *Header = L.getHeader();
  auto It = S.Loops.find(Header);
  if (It != S.Loops.end())
    return It->second;
  const Function *F = Header->getParent();
  auto [Next, FirstSight] = S.NextLoop.insert({F, 0});
  if (FirstSight && LI)
    for (const Loop *Each : LI->getLoopsInPreorder())
      S.Loops[Each->getHeader()].Index = Next->second++;
  It = S.Loops.find(Header);
  if (It != S.Loops.end())
    return It->second;
  DecisionRecord &R = S.Loops[Header];
  R.Index = Next->second++;
  return R;
}

std::string DecisionKeys::loopKey(const Loop &L,
                                  const DecisionRecord &R) const {
  return functionKey(*L.getHeader()->getParent()) + ":loop#" +
         std::to_string(R.Index);
}

DecisionRecord &DecisionKeys::callSite(const CallBase &CB) {
  auto It = CallSites.find(&CB);
  if (It != CallSites.end())
    return It->second;
  const Function *Caller = CB.getCaller();
  auto [Next, FirstSight] = NextCallSite.insert({Caller, 0});
  // Intrinsics are left out of the count: they are never inlined, and debug
  // info must not shift the keys of real calls.
  if (FirstSight)
    for (const Instruction &I : instructions(*Caller))
      if (isa<CallBase>(I) && !isa<IntrinsicInst>(I))
        CallSites[cast<CallBase>(&I)].Index = Next->second++;
  It = CallSites.find(&CB);
  if (It != CallSites.end())
    return It->second;
  DecisionRecord &R = CallSites[&CB];
  R.Index = Next->second++;
  return R;
}

std::string DecisionKeys::callSiteKey(const CallBase &CB,
                                      const DecisionRecord &R) const {
  const Function *Callee = CB.getCalledFunction();
  return functionKey(*CB.getCaller()) + ":call#" + std::to_string(R.Index) +
         ":" +
         (Callee && Callee->hasName() ? Callee->getName() : "<indirect>").str();
}

unsigned DecisionKeys::nextGateOrdinal(StringRef UnitKey, StringRef Pass) {
  SmallString<128> Id(UnitKey);
  Id += '\0';
  Id += Pass;
  return ++GateOrdinals[Id];
}

} // namespace optgym
