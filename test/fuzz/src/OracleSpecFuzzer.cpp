//===- OracleSpecFuzzer.cpp - OPTGYM_ORACLE values ------------------------===//
//
// Input: an oracle spec. Specs that name a file or a socket only have their
// argument parsed (reading arbitrary paths or connecting is not parsing; the
// policy and trace fuzzers cover those files). Every oracle built answers in
// range, and its canonical spec builds the same oracle again.
//
//===----------------------------------------------------------------------===//

#include "test/fuzz/src/FuzzCheck.h"

#include "oracle/AgentSocket.h"
#include "oracle/OracleSpec.h"

using namespace llvm;
using namespace optgym;

namespace {

void checkEndpoint(StringRef Argument) {
  Expected<Endpoint> E = Endpoint::parse(Argument);
  if (!E) {
    fuzz::consume(E.takeError());
    return;
  }
  std::string Written = E->oracleSpec();
  StringRef Spec = Written;
  fuzz::check(Spec.consume_front("socket:"), "an endpoint's spec: " + Spec);
  Expected<Endpoint> Again = Endpoint::parse(Spec);
  if (!Again)
    fuzz::fail("the endpoint's own spec '" + Spec +
               "' does not parse: " + toString(Again.takeError()));
  fuzz::check(Again->IsTCP == E->IsTCP && Again->Path == E->Path &&
                  Again->Host == E->Host && Again->Port == E->Port,
              "the endpoint '" + Argument + "' reads back from '" + Spec +
                  "' as another");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  StringRef Spec = fuzz::asText(Data, Size);
  StringRef Name = Spec.trim().split(':').first;
  if (Name == "policy" || Name == "replay")
    return 0;
  if (Name == "socket") {
    checkEndpoint(Spec.trim().split(':').second);
    return 0;
  }
  Expected<std::unique_ptr<Oracle>> O = createOracle(Spec);
  if (!O) {
    fuzz::consume(O.takeError());
    return 0;
  }
  Expected<std::unique_ptr<Oracle>> Again = createOracle((*O)->spec());
  if (!Again)
    fuzz::fail("the canonical spec '" + (*O)->spec() +
               "' does not build: " + toString(Again.takeError()));
  fuzz::check((*Again)->spec() == (*O)->spec(),
              "the canonical spec is not a fixed point: " + (*O)->spec());
  for (DecisionKind Kind : allDecisionKinds()) {
    Query Q = fuzz::queryFor(Kind, "fuzz.c:f:loop#0", Size);
    unsigned Choice = (*O)->decide(Q);
    fuzz::checkChoice(Kind, Choice, "the oracle");
    fuzz::check((*Again)->decide(Q) == Choice,
                "the canonical spec decides otherwise");
  }
  return 0;
}
