//===- PolicyFuzzer.cpp - Policy files: tables, models, fallbacks ---------===//
//
// Input: the bytes of a policy file. A policy that parses must answer every
// kind's query with a choice of that kind, and write its tables back as a
// policy that parses again to the same tables.
//
//===----------------------------------------------------------------------===//

#include "test/fuzz/src/FuzzCheck.h"

#include "oracle/Policy.h"

using namespace llvm;
using namespace optgym;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  StringRef Text = fuzz::asText(Data, Size);
  Expected<Policy> P = Policy::parse(Text, "fuzz.json");
  if (!P) {
    fuzz::consume(P.takeError());
    return 0;
  }
  for (DecisionKind Kind : allDecisionKinds()) {
    const KindPolicy &KP = P->get(Kind);
    // The table's own keys, and one it does not hold.
    SmallVector<std::string, 4> Keys = {"fuzz.c:f:loop#0"};
    for (const auto &Entry : KP.Table) {
      Keys.push_back(Entry.getKey().str());
      if (Keys.size() == 4)
        break;
    }
    for (const std::string &Key : Keys) {
      Policy::Answer A = P->decide(fuzz::queryFor(Kind, Key, Size));
      fuzz::checkChoice(Kind, A.Choice, "the policy");
      // Without features a model cannot answer.
      Policy::Answer Bare = P->decide(Query(Kind, Key));
      fuzz::checkChoice(Kind, Bare.Choice, "the policy");
      fuzz::check(Bare.From != Policy::Source::Model,
                  "a model answered a query without features");
    }
  }

  std::string Written;
  raw_string_ostream(Written) << P->tablesToJSON("fuzz");
  Expected<Policy> Again = Policy::parse(Written, "written.json");
  if (!Again)
    fuzz::fail("a written policy does not parse: " +
               toString(Again.takeError()) + "\n" + Written);
  for (DecisionKind Kind : allDecisionKinds()) {
    const KindPolicy &Before = P->get(Kind), &After = Again->get(Kind);
    fuzz::check(Before.Table.size() == After.Table.size() &&
                    Before.Fallback == After.Fallback,
                "writing changed the policy for " + kindName(Kind));
    for (const auto &Entry : Before.Table) {
      auto It = After.Table.find(Entry.getKey());
      fuzz::check(It != After.Table.end() && It->second == Entry.second,
                  "writing changed table entry '" + Entry.getKey() + "'");
    }
  }
  return 0;
}
