//===- ReplayOracle.cpp - Exact replay of a recorded trace ----------------===//

#include "oracle/OracleBackends.h"

using namespace llvm;

namespace optgym {
namespace {

class ReplayOracle final : public Oracle {
public:
  ReplayOracle(DecisionTables Trace, std::string Spec)
      : Oracle(std::move(Spec)), Trace(std::move(Trace)) {}

  void printSummary(raw_ostream &OS) const override {
    OS << "optgym: " << spec() << ": " << Hits << " decisions replayed, "
       << Misses << " not in the trace (default used)";
    if (!FirstMiss.empty())
      OS << ", first: '" << FirstMiss << "'";
    OS << "\n";
  }

protected:
  unsigned decideImpl(const Query &Q) override {
    const auto &Table = Trace.Kinds[unsigned(Q.Kind)];
    auto It = Table.find(Q.Key);
    if (It == Table.end()) {
      if (Misses++ == 0)
        FirstMiss = Q.Key;
      return Q.Default;
    }
    ++Hits;
    return It->second.Chosen;
  }

private:
  DecisionTables Trace;
  uint64_t Hits = 0, Misses = 0;
  std::string FirstMiss;
};

} // namespace

std::unique_ptr<Oracle> createReplayOracle(DecisionTables Trace,
                                           std::string Spec) {
  return std::make_unique<ReplayOracle>(std::move(Trace), std::move(Spec));
}

} // namespace optgym
