//===- PolicyOracle.cpp - Decisions from a policy file --------------------===//

#include "oracle/OracleBackends.h"

#include "llvm/ADT/DenseSet.h"

using namespace llvm;

namespace optgym {
namespace {

class PolicyOracle final : public Oracle {
public:
  PolicyOracle(Policy P, std::string Spec)
      : Oracle(std::move(Spec)), P(std::move(P)) {}

  bool readsFeatures(DecisionKind Kind) const override {
    return anyAlternative(
        [&](unsigned A) { return bool(P.get(Kind, A).Model); });
  }

  bool readsFeature(DecisionKind Kind, unsigned Feature) const override {
    return anyAlternative([&](unsigned A) {
      const std::unique_ptr<DecisionModel> &Model = P.get(Kind, A).Model;
      return Model && Model->reads(Feature);
    });
  }

  bool mayDepartWhen(DecisionKind Kind, unsigned Feature,
                     StringRef Value) const override {
    return anyAlternative([&](unsigned A) {
      const KindPolicy &K = P.get(Kind, A);
      if (!K.Table.empty() || K.Fallback)
        return true;
      return K.Model && K.Model->mayDepartWhen(Feature, Value);
    });
  }

  bool answersKind(DecisionKind Kind) const override {
    return anyAlternative([&](unsigned A) {
      const KindPolicy &K = P.get(Kind, A);
      return !K.Table.empty() || K.Model || K.Fallback;
    });
  }

  bool defaultsOtherKinds() const override { return true; }

  const UnitGuard *unitGuard() const override {
    return P.guard() ? &*P.guard() : nullptr;
  }

  void selectAlternative(unsigned Index) override {
    assert(Index < P.numAlternatives() && "no such alternative");
    Active = Index;
  }

  void printSummary(raw_ostream &OS) const override {
    OS << "optgym: " << spec() << ": " << Counts[0] << " table hits, "
       << Counts[1] << " model answers, " << Counts[2] << " fallbacks, "
       << Counts[3] << " defaults\n";
    for (unsigned A = 0; A < P.numAlternatives(); ++A)
      for (DecisionKind Kind : allDecisionKinds())
        printUnusedEntries(OS, P.get(Kind, A).Table, Kind);
  }

protected:
  unsigned decideImpl(const Query &Q) override {
    Policy::Answer A = P.decide(Q, Active);
    ++Counts[unsigned(A.From)];
    if (A.Entry)
      Used.insert(A.Entry);
    return A.Choice;
  }

private:
  template <typename PredicateT> bool anyAlternative(PredicateT Pred) const {
    for (unsigned A = 0; A < P.numAlternatives(); ++A)
      if (Pred(A))
        return true;
    return false;
  }

  void printUnusedEntries(raw_ostream &OS, const StringMap<unsigned> &Table,
                          DecisionKind Kind) const {
    size_t Unused = count_if(
        Table, [&](const auto &Entry) { return !Used.contains(&Entry); });
    if (!Unused)
      return;
    OS << "optgym: " << spec() << ": " << Unused << " of " << Table.size()
       << " " << kindName(Kind) << " table entries never matched";
    for (const auto &Entry : Table)
      if (!Used.contains(&Entry)) {
        OS << " (e.g. '" << Entry.getKey() << "')";
        break;
      }
    OS << "\n";
  }

  Policy P;
  /// The alternative that answers: the guard's choice for the unit.
  unsigned Active = 0;
  uint64_t Counts[4] = {};
  /// Table entries that answered at least once.
  DenseSet<const StringMapEntry<unsigned> *> Used;
};

} // namespace

std::unique_ptr<Oracle> createPolicyOracle(Policy P, std::string Spec) {
  return std::make_unique<PolicyOracle>(std::move(P), std::move(Spec));
}

} // namespace optgym
