//===- TraceTest.cpp - Trace records, replay and recording ----------------===//

#include "oracle/Trace.h"
#include "oracle/OracleBackends.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

using namespace optgym;
using namespace llvm;

namespace {

std::string recordOf(const Query &Q, StringRef Chosen) {
  std::string Line;
  appendTraceRecord(Line, Q, *findChoice(Q.Kind, Chosen),
                    "random:seed=1,p=0.5");
  return Line;
}

TEST(TraceTest, RecordsCarryEverything) {
  Query Q(DecisionKind::LoopUnroll, "a.c:f:loop#0");
  Q.initFeatures();
  Q.set(FeatureId::LoopUnroll_TripCount, 16);
  std::string Line = recordOf(Q, "count:4");
  ASSERT_EQ(Line.back(), '\n');
  Expected<json::Value> V = json::parse(Line);
  ASSERT_TRUE(bool(V));
  const json::Object &O = *V->getAsObject();
  EXPECT_EQ(O.getString("key"), "a.c:f:loop#0");
  EXPECT_EQ(O.getString("kind"), "loop-unroll");
  EXPECT_EQ(O.getString("default"), "default");
  EXPECT_EQ(O.getString("chosen"), "count:4");
  EXPECT_EQ(O.getString("oracle"), "random:seed=1,p=0.5");
  EXPECT_EQ(O.getObject("features")->getInteger("trip_count"), 16);
  EXPECT_EQ(O.getArray("choices")->size(),
            getKindInfo(DecisionKind::LoopUnroll).Choices.size());
}

TEST(TraceTest, ParsesAndReplays) {
  Query A(DecisionKind::Inline, "a.c:f:call#0:g");
  Query B(DecisionKind::PassGate, "a.c:f:licm#1");
  std::string Text = recordOf(A, "no-inline") + "\n" + recordOf(B, "skip") +
                     recordOf(B, "skip"); // a second identical run appended
  Expected<DecisionTables> T = parseTrace(Text, "t.jsonl");
  ASSERT_TRUE(bool(T)) << toString(T.takeError());
  EXPECT_EQ(T->NumRecords, 3u);
  auto O = createReplayOracle(std::move(*T), "replay:t.jsonl");
  EXPECT_EQ(O->decide(A), choice::NoInline);
  EXPECT_EQ(O->decide(B), choice::Skip);
  EXPECT_EQ(O->decide(Query(DecisionKind::PassGate, "unknown")), choice::Run);
}

TEST(TraceTest, ConflictsAndMalformedLinesAreErrors) {
  Query A(DecisionKind::Inline, "k");
  std::string Conflict = recordOf(A, "inline") + recordOf(A, "no-inline");
  Expected<DecisionTables> T = parseTrace(Conflict, "t.jsonl");
  ASSERT_FALSE(bool(T));
  std::string Msg = toString(T.takeError());
  EXPECT_EQ(Msg.rfind("t.jsonl:2:", 0), 0u) << Msg;
  EXPECT_NE(Msg.find("'k' was recorded as 'inline' on line 1 and as "
                     "'no-inline' here"),
            std::string::npos)
      << Msg;

  auto ErrorOf = [](StringRef Text) {
    Expected<DecisionTables> T = parseTrace(Text, "t.jsonl");
    return T ? std::string("(no error)") : toString(T.takeError());
  };
  EXPECT_EQ(ErrorOf("\n{\"key\": \"k\", \"kind\": \"inline\", \"chosen\": "
                    "\"yes\"}"),
            "t.jsonl:2:42: unknown choice 'yes' for inline (expected one of "
            "default, inline, no-inline)");
  EXPECT_EQ(
      ErrorOf("{\"key\": \"k\", \"kind\": \"unroll\", \"chosen\": \"x\"}"),
      "t.jsonl:1:22: unknown decision kind 'unroll'");
  EXPECT_EQ(ErrorOf("{\"kind\": \"inline\", \"chosen\": \"inline\"}"),
            "t.jsonl:1:1: expected a string member \"key\"");
  EXPECT_EQ(ErrorOf("{\"key\": 3"),
            "t.jsonl:1:9: invalid JSON: Expected , or } after object "
            "property");
}

TEST(TraceTest, RecorderAppendsWholeLines) {
  SmallString<128> Path;
  ASSERT_FALSE(sys::fs::createTemporaryFile("optgym-trace", "jsonl", Path));
  for (int Run = 0; Run < 2; ++Run) {
    Expected<std::unique_ptr<Oracle>> R = createRecordingOracle(
        createRandomOracle(5, 0.5, "random:seed=5"), Path);
    ASSERT_TRUE(bool(R)) << toString(R.takeError());
    for (int I = 0; I < 3000; ++I) // more than one flush
      (*R)->decide(Query(DecisionKind::LoopUnroll, "k" + std::to_string(I)));
  }
  Expected<DecisionTables> T = readTrace(Path);
  ASSERT_TRUE(bool(T)) << toString(T.takeError());
  EXPECT_EQ(T->NumRecords, 6000u);
  EXPECT_EQ(T->Kinds[unsigned(DecisionKind::LoopUnroll)].size(), 3000u);
  sys::fs::remove(Path);

  // A trace that cannot be opened must not fail the build: the inner
  // oracle decides, unrecorded.
  Expected<std::unique_ptr<Oracle>> Unrecorded =
      createRecordingOracle(createRandomOracle(5, 0.5, "r"), "/nonexistent/t");
  ASSERT_TRUE(bool(Unrecorded)) << toString(Unrecorded.takeError());
  EXPECT_EQ((*Unrecorded)->spec(), "r");
  EXPECT_FALSE(sys::fs::exists("/nonexistent/t"));
}

} // namespace
