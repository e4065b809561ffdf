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
    return bool(P.get(Kind).Model);
  }

  bool readsFeature(DecisionKind Kind, unsigned Feature) const override {
    const std::unique_ptr<DecisionModel> &Model = P.get(Kind).Model;
    return Model && Model->reads(Feature);
  }

  bool mayDepartWhen(DecisionKind Kind, unsigned Feature,
                     StringRef Value) const override {
    const KindPolicy &K = P.get(Kind);
    if (!K.Table.empty() || K.Fallback)
      return true;
    return K.Model && K.Model->mayDepartWhen(Feature, Value);
  }

  bool answersKind(DecisionKind Kind) const override {
    const KindPolicy &K = P.get(Kind);
    return !K.Table.empty() || K.Model || K.Fallback;
  }

  bool defaultsOtherKinds() const override { return true; }

  void printSummary(raw_ostream &OS) const override {
    OS << "optgym: " << spec() << ": " << Counts[0] << " table hits, "
       << Counts[1] << " model answers, " << Counts[2] << " fallbacks, "
       << Counts[3] << " defaults\n";
    for (DecisionKind Kind : allDecisionKinds()) {
      const StringMap<unsigned> &Table = P.get(Kind).Table;
      size_t Unused = count_if(
          Table, [&](const auto &Entry) { return !Used.contains(&Entry); });
      if (!Unused)
        continue;
      OS << "optgym: " << spec() << ": " << Unused << " of " << Table.size()
         << " " << kindName(Kind) << " table entries never matched";
      for (const auto &Entry : Table)
        if (!Used.contains(&Entry)) {
          OS << " (e.g. '" << Entry.getKey() << "')";
          break;
        }
      OS << "\n";
    }
  }

protected:
  unsigned decideImpl(const Query &Q) override {
    Policy::Answer A = P.decide(Q);
    ++Counts[unsigned(A.From)];
    if (A.Entry)
      Used.insert(A.Entry);
    return A.Choice;
  }

private:
  Policy P;
  uint64_t Counts[4] = {};
  /// Table entries that answered at least once.
  DenseSet<const StringMapEntry<unsigned> *> Used;
};

} // namespace

std::unique_ptr<Oracle> createPolicyOracle(Policy P, std::string Spec) {
  return std::make_unique<PolicyOracle>(std::move(P), std::move(Spec));
}

} // namespace optgym
