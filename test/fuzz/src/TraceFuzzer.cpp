//===- TraceFuzzer.cpp - Decision traces, one JSON object per line --------===//
//
// Input: the bytes of a trace. A trace that parses has as many records as
// its tables say, each on a line of the input, with choices of its kind.
//
//===----------------------------------------------------------------------===//

#include "test/fuzz/src/FuzzCheck.h"

#include "oracle/Trace.h"

using namespace llvm;
using namespace optgym;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  StringRef Text = fuzz::asText(Data, Size);
  Expected<DecisionTables> T = parseTrace(Text, "fuzz.jsonl");
  if (!T) {
    fuzz::consume(T.takeError());
    return 0;
  }
  size_t Lines = Text.count('\n') + 1;
  size_t Entries = 0;
  for (DecisionKind Kind : allDecisionKinds()) {
    for (const auto &E : T->Kinds[unsigned(Kind)]) {
      ++Entries;
      fuzz::checkChoice(Kind, E.second.Chosen, "a trace record");
      fuzz::checkChoice(Kind, E.second.Default, "a trace record's default");
      fuzz::check(E.second.Line >= 1 && E.second.Line <= Lines,
                  "a record on line " + Twine(E.second.Line) + " of " +
                      Twine(Lines));
    }
  }
  fuzz::check(Entries <= T->NumRecords && T->NumRecords <= Lines,
              "a trace of " + Twine(Lines) + " lines has " +
                  Twine(T->NumRecords) + " records and " + Twine(Entries) +
                  " keys");
  return 0;
}
