//===- PolicyTest.cpp - Policy files: tables, models, errors --------------===//

#include "oracle/Policy.h"
#include "oracle/InputFile.h"
#include "oracle/OracleBackends.h"

#include "gtest/gtest.h"

using namespace optgym;
using namespace llvm;

namespace {

Policy parseOK(StringRef Text) {
  Expected<Policy> P = Policy::parse(Text, "p.json");
  EXPECT_TRUE(bool(P)) << (P ? "" : toString(P.takeError()));
  return P ? std::move(*P) : Policy();
}

std::string errorOf(StringRef Text) {
  Expected<Policy> P = Policy::parse(Text, "p.json");
  if (P)
    return "(no error)";
  return toString(P.takeError());
}

Query unrollQuery(std::string Key, int64_t TripCount, int64_t BodyInsts) {
  Query Q(DecisionKind::LoopUnroll, std::move(Key));
  Q.initFeatures();
  Q.set(FeatureId::LoopUnroll_TripCount, TripCount);
  Q.set(FeatureId::LoopUnroll_BodyInsts, BodyInsts);
  return Q;
}

std::string choiceName(DecisionKind Kind, unsigned C) {
  return getKindInfo(Kind).Choices[C];
}

TEST(PolicyTest, TableThenModelThenFallbackThenDefault) {
  Policy P = parseOK(R"({
    "format": "optgym-policy", "version": 1,
    "decisions": {
      "loop-unroll": {
        "table": {"a.c:f:loop#0": "count:4"},
        "model": {"tree": {"feature": "trip_count", "le": 8,
                           "then": {"choice": "full"},
                           "else": {"choice": "disable"}}}
      },
      "inline": {"fallback": "no-inline"}
    }})");
  auto Unroll = [&](Query Q) {
    return choiceName(DecisionKind::LoopUnroll, P.decide(Q).Choice);
  };
  EXPECT_EQ(Unroll(unrollQuery("a.c:f:loop#0", 4, 10)), "count:4");
  EXPECT_EQ(Unroll(unrollQuery("a.c:f:loop#1", 4, 10)), "full");
  EXPECT_EQ(Unroll(unrollQuery("a.c:f:loop#1", 9, 10)), "disable");
  // Without features the model cannot answer.
  EXPECT_EQ(P.decide(Query(DecisionKind::LoopUnroll, "x")).From,
            Policy::Source::Default);
  EXPECT_EQ(P.decide(Query(DecisionKind::Inline, "x")).Choice,
            choice::NoInline);
  EXPECT_EQ(P.decide(Query(DecisionKind::PassGate, "x")).Choice, choice::Run);
  // Only kinds with a model need their queries' features.
  auto O = createPolicyOracle(std::move(P), "policy:p.json");
  EXPECT_TRUE(O->readsFeatures(DecisionKind::LoopUnroll));
  EXPECT_FALSE(O->readsFeatures(DecisionKind::Inline));
  EXPECT_FALSE(O->readsFeatures(DecisionKind::PassGate));
}

TEST(PolicyTest, TreeTestsOnStringsAndSets) {
  Policy P = parseOK(R"({"format": "optgym-policy", "version": 1,
    "decisions": {"pass-gate": {"model": {"tree":
      {"feature": "pass", "in": ["licm", "gvn"],
       "then": {"feature": "unit_size", "eq": 3,
                "then": {"choice": "run"}, "else": {"choice": "skip"}},
       "else": {"choice": "run"}}}}}})");
  auto Gate = [&](StringRef Pass, int64_t Size) {
    Query Q(DecisionKind::PassGate, "k");
    Q.initFeatures();
    Q.set(FeatureId::PassGate_Pass, Pass);
    Q.set(FeatureId::PassGate_UnitSize, Size);
    return choiceName(DecisionKind::PassGate, P.decide(Q).Choice);
  };
  EXPECT_EQ(Gate("licm", 5), "skip");
  EXPECT_EQ(Gate("gvn", 3), "run");
  EXPECT_EQ(Gate("sroa", 5), "run");
}

TEST(PolicyTest, LinearScoresPickTheBestChoice) {
  Policy P = parseOK(R"({"format": "optgym-policy", "version": 1,
    "decisions": {"inline": {"model": {"linear": {
      "bias": {"default": 0.5, "inline": 0},
      "weights": {"inline": {"llvm_cost": -0.01, "llvm_verdict=always": 10},
                  "no-inline": {"callee_insts": 0.1}}}}}}})");
  auto Inline = [&](int64_t Cost, StringRef Verdict, int64_t CalleeInsts) {
    Query Q(DecisionKind::Inline, "k");
    Q.initFeatures();
    Q.set(FeatureId::Inline_LLVMCost, Cost);
    Q.set(FeatureId::Inline_LLVMVerdict, Verdict);
    Q.set(FeatureId::Inline_CalleeInsts, CalleeInsts);
    return choiceName(DecisionKind::Inline, P.decide(Q).Choice);
  };
  EXPECT_EQ(Inline(-100, "cost", 0), "inline");     // 1.0 > 0.5
  EXPECT_EQ(Inline(100, "cost", 0), "default");     // -1.0 < 0.5
  EXPECT_EQ(Inline(100, "always", 0), "inline");    // 9.0
  EXPECT_EQ(Inline(100, "cost", 100), "no-inline"); // 10.0
}

TEST(PolicyTest, ModelsNameTheFeaturesTheyRead) {
  // Decision points leave out costly features that no model reads.
  auto Reads = [](const Oracle &O, FeatureId Id) {
    return O.readsFeature(featureKind(Id), featureIndex(Id));
  };
  auto O = createPolicyOracle(parseOK(R"({"format": "optgym-policy",
    "version": 1, "decisions": {
      "pass-gate": {"model": {"tree": {"feature": "pass", "in": ["licm"],
        "then": {"feature": "unit_size", "le": 100,
                 "then": {"choice": "skip"}, "else": {"choice": "run"}},
        "else": {"choice": "run"}}}},
      "inline": {"model": {"linear": {"bias": {"inline": 1},
        "weights": {"no-inline": {"callee_insts": 0.1,
                                  "llvm_verdict=never": 5}}}}},
      "loop-vectorize": {"table": {"a.c:f:loop#0": "off"}}}})"),
                              "policy:p.json");
  EXPECT_TRUE(Reads(*O, FeatureId::PassGate_Pass));
  EXPECT_TRUE(Reads(*O, FeatureId::PassGate_UnitSize));
  EXPECT_FALSE(Reads(*O, FeatureId::PassGate_Ordinal));
  EXPECT_TRUE(Reads(*O, FeatureId::Inline_CalleeInsts));
  EXPECT_TRUE(Reads(*O, FeatureId::Inline_LLVMVerdict));
  EXPECT_FALSE(Reads(*O, FeatureId::Inline_LLVMCost));
  EXPECT_FALSE(Reads(*O, FeatureId::Inline_CallLoopDepth));
  // A table reads keys only.
  EXPECT_FALSE(Reads(*O, FeatureId::LoopVectorize_TripCount));
}

TEST(PolicyTest, TreesTellWhichPassesTheyMaySkip) {
  unsigned PassFeature = featureIndex(FeatureId::PassGate_Pass);
  auto O = createPolicyOracle(parseOK(R"({"format": "optgym-policy",
    "version": 1, "decisions": {"pass-gate": {"model": {"tree":
      {"feature": "unit_size", "le": 10,
       "then": {"feature": "pass", "in": ["licm", "gvn"],
                "then": {"choice": "skip"}, "else": {"choice": "run"}},
       "else": {"feature": "pass", "eq": "sroa",
                "then": {"choice": "skip"}, "else": {"choice": "run"}}}}}}})"),
                              "policy:p.json");
  for (StringRef Pass : {"licm", "gvn", "sroa"})
    EXPECT_TRUE(O->mayDepartWhen(DecisionKind::PassGate, PassFeature, Pass))
        << Pass.str();
  EXPECT_FALSE(
      O->mayDepartWhen(DecisionKind::PassGate, PassFeature, "instcombine"));
  // A table or a fallback may answer anything about any pass.
  auto T = createPolicyOracle(parseOK(R"({"format": "optgym-policy",
    "version": 1, "decisions": {"pass-gate": {
      "table": {"a.c:f:licm#1": "skip"}}}})"),
                              "policy:t.json");
  EXPECT_TRUE(T->mayDepartWhen(DecisionKind::PassGate, PassFeature, "gvn"));
}

TEST(PolicyTest, ErrorsPointAtTheOffendingValue) {
  EXPECT_EQ(errorOf("{\"format\": \"optgym-policy\", \"version\": 1,\n"
                    " \"decisions\": {\"loop-unrol\": {}}}"),
            "p.json:2:16: unknown decision kind 'loop-unrol' (expected "
            "pass-gate, loop-unroll, loop-vectorize, inline, pass-choice, "
            "codegen-gate, codegen-option, affine-unroll, affine-unroll-jam, "
            "affine-tile, "
            "linalg-tile, tune-knob)");
  EXPECT_EQ(errorOf("{\"format\": \"optgym-policy\", \"version\": 1,\n"
                    " \"decisions\": {\"inline\": {\"table\": {\n"
                    "   \"a.c:f:call#0:g\": \"maybe\"}}}}"),
            "p.json:3:22: unknown choice 'maybe' for inline (expected one of "
            "default, inline, no-inline)");
  EXPECT_EQ(errorOf("{\"format\": \"optgym-policy\", \"version\": 3}"),
            "p.json:1:40: unsupported policy version (this OptGym reads "
            "versions 1 to 2)");
  EXPECT_EQ(errorOf("{\"version\": 1}"),
            "p.json:1:1: expected \"format\": \"optgym-policy\"");
  EXPECT_EQ(errorOf("[1, 2"), "p.json:1:5: invalid JSON: Expected , or ] "
                              "after array element");

  std::string Tree = errorOf(
      "{\"format\": \"optgym-policy\", \"version\": 1, \"decisions\": {\n"
      "\"loop-unroll\": {\"model\": {\"tree\": {\"feature\": \"trip\",\n"
      "  \"le\": 3, \"then\": {\"choice\": \"full\"}, \"else\": "
      "{\"choice\": \"full\"}}}}}}");
  EXPECT_EQ(Tree, "p.json:2:47: unknown feature 'trip' for loop-unroll");

  std::string Le = errorOf(
      "{\"format\": \"optgym-policy\", \"version\": 1, \"decisions\": {\n"
      "\"pass-gate\": {\"model\": {\"tree\": {\"feature\": \"pass\", \"le\": "
      "3,\n \"then\": {\"choice\": \"run\"}, \"else\": {\"choice\": "
      "\"skip\"}}}}}}");
  EXPECT_NE(Le.find("p.json:2:59: \"le\" needs an integer feature"),
            std::string::npos)
      << Le;

  std::string Member = errorOf(
      "{\"format\": \"optgym-policy\", \"version\": 1, \"decisions\": {\n"
      "\"inline\": {\"tabel\": {}}}}");
  EXPECT_EQ(Member, "p.json:2:12: unknown member 'tabel' for inline "
                    "(expected table, model, fallback)");

  std::string Weight = errorOf(
      "{\"format\": \"optgym-policy\", \"version\": 1, \"decisions\": {\n"
      "\"pass-gate\": {\"model\": {\"linear\": {\"weights\": {\"skip\": "
      "{\"pass\": 1}}}}}}}");
  EXPECT_NE(Weight.find("string feature 'pass' needs a value"),
            std::string::npos)
      << Weight;
}

TEST(PolicyTest, GuardsNeedVersionTwo) {
  EXPECT_FALSE(parseOK(R"({"format": "optgym-policy", "version": 2})").guard());
  Policy P = parseOK(R"({"format": "optgym-policy", "version": 2,
                         "guard": {"scope": "unit"}})");
  ASSERT_TRUE(P.guard());
  EXPECT_EQ(P.guard()->MinSavingBytes, 1u);
  P = parseOK(R"({"format": "optgym-policy", "version": 2,
                  "guard": {"scope": "unit", "min_saving_bytes": 16}})");
  ASSERT_TRUE(P.guard());
  EXPECT_EQ(P.guard()->MinSavingBytes, 16u);
  std::unique_ptr<Oracle> O = createPolicyOracle(std::move(P), "policy:p");
  ASSERT_TRUE(O->unitGuard());
  EXPECT_EQ(O->unitGuard()->MinSavingBytes, 16u);

  EXPECT_EQ(errorOf("{\"format\": \"optgym-policy\", \"version\": 1,\n"
                    " \"guard\": {\"scope\": \"unit\"}}"),
            "p.json:2:2: a policy with guard needs \"version\": 2");
  EXPECT_EQ(errorOf("{\"format\": \"optgym-policy\", \"version\": 2,\n"
                    " \"guard\": {\"scope\": \"function\"}}"),
            "p.json:2:21: the guard's scope is \"unit\"");
  EXPECT_EQ(errorOf("{\"format\": \"optgym-policy\", \"version\": 2,\n"
                    " \"guard\": {}}"),
            "p.json:2:11: the guard needs \"scope\": \"unit\"");
  EXPECT_EQ(errorOf("{\"format\": \"optgym-policy\", \"version\": 2,\n"
                    " \"guard\": {\"scope\": \"unit\", \"min_saving_bytes\": "
                    "-1}}"),
            "p.json:2:49: expected a number of bytes (an integer >= 0)");
  EXPECT_EQ(errorOf("{\"format\": \"optgym-policy\", \"version\": 2,\n"
                    " \"guard\": {\"scope\": \"unit\", \"margin\": 1}}"),
            "p.json:2:29: unknown member 'margin' for the guard (expected "
            "scope, min_saving_bytes)");
}

TEST(PolicyTest, AlternativesAnswerWhenChosen) {
  Policy P = parseOK(R"({"format": "optgym-policy", "version": 2,
    "guard": {"scope": "unit"},
    "decisions": {"loop-unroll": {"fallback": "full"}},
    "alternatives": [
      {"description": "never", "decisions": {"loop-unroll": {"fallback": "disable"}}},
      {"decisions": {"inline": {"fallback": "no-inline"}}}]})");
  ASSERT_EQ(P.numAlternatives(), 3u);
  ASSERT_TRUE(P.guard());
  EXPECT_EQ(P.guard()->Alternatives, 3u);
  Query Q = unrollQuery("a.c:f:loop#0", 4, 10);
  EXPECT_EQ(choiceName(DecisionKind::LoopUnroll, P.decide(Q).Choice), "full");
  EXPECT_EQ(choiceName(DecisionKind::LoopUnroll, P.decide(Q, 1).Choice),
            "disable");
  EXPECT_EQ(P.decide(Q, 2).From, Policy::Source::Default);

  // The oracle answers from the alternative the guard selects, and is
  // active for every kind any alternative answers.
  std::unique_ptr<Oracle> O = createPolicyOracle(std::move(P), "policy:p");
  EXPECT_TRUE(O->answersKind(DecisionKind::Inline));
  EXPECT_EQ(choiceName(DecisionKind::LoopUnroll, O->decide(Q)), "full");
  O->selectAlternative(1);
  EXPECT_EQ(choiceName(DecisionKind::LoopUnroll, O->decide(Q)), "disable");
  O->selectAlternative(2);
  EXPECT_EQ(choiceName(DecisionKind::LoopUnroll, O->decide(Q)), "default");

  EXPECT_EQ(errorOf("{\"format\": \"optgym-policy\", \"version\": 2,\n"
                    " \"alternatives\": [{\"decisions\": {}}]}"),
            "p.json:2:2: alternatives need a guard to choose among them");
  EXPECT_EQ(errorOf("{\"format\": \"optgym-policy\", \"version\": 1,\n"
                    " \"alternatives\": []}"),
            "p.json:2:2: a policy with alternatives needs \"version\": 2");
  EXPECT_EQ(
      errorOf(
          "{\"format\": \"optgym-policy\", \"version\": 2,\n"
          " \"guard\": {\"scope\": \"unit\"}, \"alternatives\": [\n"
          "  {\"decisions\": {\"loop-unroll\": {\"fallback\": \"twice\"}}}]}"),
      "p.json:3:46: the fallback is a choice of loop-unroll (one of default, "
      "disable, full, count:2, ..., count:64)");
  EXPECT_EQ(errorOf("{\"format\": \"optgym-policy\", \"version\": 2,\n"
                    " \"guard\": {\"scope\": \"unit\"}, \"alternatives\": [\n"
                    "  {\"decision\": {}}]}"),
            "p.json:3:4: unknown member 'decision' for an alternative "
            "(expected description, decisions)");
}

TEST(PolicyTest, TablesRoundTripThroughJSON) {
  Policy P;
  P.get(DecisionKind::LoopUnroll).Table["a.c:f:loop#1"] =
      *findChoice(DecisionKind::LoopUnroll, "count:3");
  P.get(DecisionKind::PassGate).Table["a.c:f:licm#1"] = choice::Skip;
  std::string Text;
  raw_string_ostream(Text) << P.tablesToJSON("test");
  Policy Q = parseOK(Text);
  EXPECT_EQ(Q.get(DecisionKind::LoopUnroll).Table.lookup("a.c:f:loop#1"),
            *findChoice(DecisionKind::LoopUnroll, "count:3"));
  EXPECT_EQ(Q.get(DecisionKind::PassGate).Table.lookup("a.c:f:licm#1"),
            choice::Skip);
}

TEST(PolicyTest, OracleSummarizesUnusedEntries) {
  Policy P = parseOK(R"({"format": "optgym-policy", "version": 1,
    "decisions": {"inline": {"table": {"used": "inline", "stale": "inline"}}}})");
  auto O = createPolicyOracle(std::move(P), "policy:p.json");
  EXPECT_EQ(O->decide(Query(DecisionKind::Inline, "used")), choice::Inline);
  EXPECT_EQ(O->decide(Query(DecisionKind::Inline, "other")), DefaultChoice);
  std::string Summary;
  raw_string_ostream OS(Summary);
  O->printSummary(OS);
  EXPECT_NE(Summary.find("1 table hits"), std::string::npos) << Summary;
  EXPECT_NE(Summary.find("1 of 2 inline table entries never matched (e.g. "
                         "'stale')"),
            std::string::npos)
      << Summary;
}

TEST(PolicyTest, FilesAreReadWithinALimit) {
  // A device never ends: the read stops past the limit, with an error.
  Expected<Policy> P = Policy::load("/dev/zero");
  ASSERT_FALSE(bool(P));
  EXPECT_EQ(toString(P.takeError()),
            "/dev/zero: cannot read policy: larger than the limit of " +
                std::to_string(MaxPolicyBytes) + " bytes for a policy");
  P = Policy::load("/nonexistent/p.json");
  ASSERT_FALSE(bool(P));
  EXPECT_EQ(toString(P.takeError()),
            "/nonexistent/p.json: cannot read policy: No such file or "
            "directory");
}

} // namespace
