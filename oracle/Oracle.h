//===- Oracle.h - The interface every decision backend implements -*- C++
//-*-===//
//
// An oracle answers queries. Backends check their inputs when they are built
// (a bad policy file is an error then, with file:line:column), so decide()
// itself cannot fail: whatever a backend does not know, it answers with the
// query's default.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_ORACLE_H
#define OPTGYM_ORACLE_ORACLE_H

#include "oracle/Query.h"

#include "llvm/Support/raw_ostream.h"

namespace optgym {

/// What the optimized IR of a module looks like, reported when its pipeline
/// ends.
struct ModuleStats {
  int64_t IRInstructions = 0;
  int64_t Functions = 0;
  int64_t BasicBlocks = 0;
};

/// A policy's regression guard (docs/policy-format.md): each unit is
/// compiled with whichever of the policy's Alternatives makes its .text
/// smallest, when that is at least MinSavingBytes smaller than with LLVM's
/// default; otherwise the unit is compiled as without OptGym.
struct UnitGuard {
  uint64_t MinSavingBytes = 1;
  /// The policy's decisions and its alternatives: at least 1.
  unsigned Alternatives = 1;
};

class Oracle {
public:
  virtual ~Oracle();

  /// Returns an index into the query kind's choice set.
  unsigned decide(const Query &Q) {
    unsigned Choice = decideImpl(Q);
    assert(Choice < getKindInfo(Q.Kind).Choices.size() &&
           "choice out of range");
    return Choice;
  }

  /// The spec this oracle was made from, e.g. "random:seed=7". Recorded with
  /// every decision.
  llvm::StringRef spec() const { return Spec; }

  /// True when the oracle always answers the default without looking at the
  /// query: decision points then need not build queries at all.
  virtual bool isPassive() const { return false; }

  /// True when decideImpl() reads Query::Features of this kind's queries:
  /// decision points compute features only for the kinds that need them.
  virtual bool readsFeatures(DecisionKind Kind) const { return false; }

  /// For a kind whose features it reads: true when decideImpl() may look at
  /// the kind's feature number Feature. Decision points then leave out the
  /// costly features nothing reads (a trip count, an inline cost).
  virtual bool readsFeature(DecisionKind Kind, unsigned Feature) const {
    return readsFeatures(Kind);
  }

  /// False when every query of this kind whose string feature Feature has
  /// the value Value is answered with the default, whatever else it holds:
  /// decision points then skip such queries (the pass gate, for the passes
  /// a policy never skips). True unless the oracle knows better.
  virtual bool mayDepartWhen(DecisionKind Kind, unsigned Feature,
                             llvm::StringRef Value) const {
    return true;
  }

  /// True when the oracle was given answers of its own for this kind (a
  /// policy with a table, model or fallback for it). Such a kind is active
  /// even when it is opt-in, unless OPTGYM_DECISIONS says otherwise: a
  /// deployed policy then needs no second setting.
  virtual bool answersKind(DecisionKind Kind) const { return false; }

  /// True when the oracle answers LLVM's default to every kind it does not
  /// answer itself (answersKind), without looking at the query. Unless
  /// OPTGYM_DECISIONS says otherwise, only the kinds it answers are then
  /// active: the others' decision points would cost compile time and change
  /// nothing.
  virtual bool defaultsOtherKinds() const { return false; }

  /// The oracle's regression guard, if it has one.
  virtual const UnitGuard *unitGuard() const { return nullptr; }

  /// Answers from now on come from alternative Index (< the guard's
  /// Alternatives), as the guard chose for the unit.
  virtual void selectAlternative(unsigned Index) {}

  /// True when the oracle wants beginModule() and endModule(): the plugin
  /// then tracks modules and measures their optimized IR.
  virtual bool wantsModuleEvents() const { return false; }

  /// Queries that follow belong to the module ModuleId.
  virtual void beginModule(llvm::StringRef ModuleId) {}

  /// The optimization pipeline of ModuleId is over.
  virtual void endModule(llvm::StringRef ModuleId, const ModuleStats &Stats) {}

  /// Writes out anything buffered (records, say). Called at the end of each
  /// module and before the process exits.
  virtual void flush() {}

  /// Writes what the oracle has seen so far (hits, misses, unused entries);
  /// nothing when there is nothing worth saying.
  virtual void printSummary(llvm::raw_ostream &OS) const {}

protected:
  explicit Oracle(std::string Spec) : Spec(std::move(Spec)) {}
  virtual unsigned decideImpl(const Query &Q) = 0;

private:
  std::string Spec;
};

} // namespace optgym

#endif // OPTGYM_ORACLE_ORACLE_H
