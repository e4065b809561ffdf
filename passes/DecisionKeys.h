//===- DecisionKeys.h - Stable, readable keys for decisions -----*- C++ -*-===//
//
// Replay and table policies match decisions by key, so a key must come out
// the same in every run on the same input: it is built from the module's
// source file name, the function's (mangled) name and a structural position,
// never from pointers, value names or timing.
//
//   loop        FILE:FUNCTION:loop#N      N: preorder index in the function's
//                                         loop forest when the decision point
//                                         first sees the function; loops that
//                                         appear later continue the count
//   call site   FILE:CALLER:call#N:CALLEE N: position of the call in the
//                                         caller at the first inline decision
//                                         there, later calls continue it
//   pass gate   UNIT:PASS#K               K-th query of PASS on that unit;
//                                         UNIT is FILE:module, FILE:scc(F),
//                                         FILE:F, or FILE:F:loop#N
//
// Each decision kind numbers loops on its own, so which kinds are active does
// not change another kind's keys. Positions are remembered per IR object for
// as long as it lives (ValueMap), which is also how a decision point knows it
// has already decided on a loop or call site when passes re-run.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_DECISIONKEYS_H
#define OPTGYM_PASSES_DECISIONKEYS_H

#include "llvm/ADT/StringMap.h"
#include "llvm/IR/ValueMap.h"

#include <string>

namespace llvm {
class BasicBlock;
class CallBase;
class Function;
class Loop;
class LoopInfo;
class Module;
} // namespace llvm

namespace optgym {

/// A map keyed by IR objects whose entries vanish with the object; an object
/// that replaces another (RAUW) is a new key, not the old one's heir.
template <typename KeyT> struct NoRAUWConfig : llvm::ValueMapConfig<KeyT> {
  enum { FollowRAUW = false };
};
template <typename KeyT, typename ValueT>
using IRMap = llvm::ValueMap<KeyT, ValueT, NoRAUWConfig<KeyT>>;

/// Each kind that decides on loops numbers them separately.
enum class LoopKeySpace { Gate, Unroll, Vectorize };
constexpr unsigned NumLoopKeySpaces = 3;

/// What a decision point remembers about a loop or call site.
struct DecisionRecord {
  unsigned Index = 0;
  bool Decided = false;
  unsigned Choice = 0;
};

/// Key bookkeeping for one thread (one module at a time in a compiler
/// process; one per thread for parallel LTO backends).
class DecisionKeys {
public:
  static DecisionKeys &get();

  /// The module's source file, relative to its project (SourceLabel.h), so
  /// that keys carry over between checkouts and build directories.
  static std::string moduleLabel(const llvm::Module &M);
  /// FILE:FUNCTION
  static std::string functionKey(const llvm::Function &F);

  /// The record of L in Space. When Space first sees L's function and LI is
  /// given, all of its loops are numbered in preorder.
  DecisionRecord &loop(LoopKeySpace Space, const llvm::Loop &L,
                       const llvm::LoopInfo *LI);
  std::string loopKey(const llvm::Loop &L, const DecisionRecord &R) const;

  DecisionRecord &callSite(const llvm::CallBase &CB);
  std::string callSiteKey(const llvm::CallBase &CB,
                          const DecisionRecord &R) const;

  /// Counts the queries of Pass on the unit and returns the ordinal (from 1).
  unsigned nextGateOrdinal(llvm::StringRef UnitKey, llvm::StringRef Pass);

private:
  struct Space {
    IRMap<const llvm::BasicBlock *, DecisionRecord> Loops;
    IRMap<const llvm::Function *, unsigned> NextLoop;
  };
  Space LoopSpaces[NumLoopKeySpaces];
  IRMap<const llvm::CallBase *, DecisionRecord> CallSites;
  IRMap<const llvm::Function *, unsigned> NextCallSite;
  llvm::StringMap<unsigned> GateOrdinals;
};

} // namespace optgym

#endif // OPTGYM_PASSES_DECISIONKEYS_H
