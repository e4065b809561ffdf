//===- ProtocolTest.cpp - Frames and messages of the agent protocol -------===//

#include "oracle/Protocol.h"

#include "gtest/gtest.h"

using namespace optgym;
using namespace optgym::protocol;
using namespace llvm;

namespace {

Message parsed(StringRef JSON) {
  Expected<Message> M = parseMessage(JSON);
  EXPECT_TRUE(bool(M)) << toString(M.takeError());
  return M ? std::move(*M) : Message();
}

std::string errorOf(Error E) { return toString(std::move(E)); }

template <typename T> std::string errorOf(Expected<T> V) {
  if (V)
    return "(no error)";
  return toString(V.takeError());
}

ClientHello helloFromThisBuild() {
  ClientInfo Info;
  Info.LLVMVersion = "19.1.7";
  Info.Pid = 42;
  Expected<ClientHello> H = ClientHello::parse(parsed(encodeClientHello(Info)));
  EXPECT_TRUE(bool(H)) << toString(H.takeError());
  return std::move(*H);
}

TEST(ProtocolTest, FramesCarryTheirLength) {
  std::string Out;
  appendFrame(Out, "{\"type\":\"x\"}");
  ASSERT_EQ(Out.size(), 4u + 12u);
  EXPECT_EQ(Out.substr(0, 4), std::string("\0\0\0\x0c", 4));
  Expected<uint32_t> N =
      decodeFrameHeader(reinterpret_cast<const unsigned char *>(Out.data()));
  ASSERT_TRUE(bool(N));
  EXPECT_EQ(*N, 12u);
}

TEST(ProtocolTest, OversizedFramesAreRejectedBeforeReading) {
  const unsigned char Huge[4] = {0x7f, 0xff, 0xff, 0xff};
  EXPECT_EQ(errorOf(decodeFrameHeader(Huge)),
            "frame of 2147483647 bytes exceeds the limit of 1048576");
  const unsigned char AtLimit[4] = {0x00, 0x10, 0x00, 0x00};
  EXPECT_TRUE(bool(decodeFrameHeader(AtLimit)));
}

TEST(ProtocolTest, DeeplyNestedMessagesAreRejected) {
  // Framing allows a megabyte of '[': it must cost the agent its
  // connection, not the compiler its stack.
  std::string Deep = "{\"type\":\"answer\",\"x\":" + std::string(500000, '[') +
                     std::string(500000, ']') + "}";
  EXPECT_EQ(errorOf(parseMessage(Deep)),
            "message is not JSON: nested deeper than 512 levels");
  EXPECT_EQ(errorOf(readAnswer(Deep, 1, DecisionKind::Inline)),
            "message is not JSON: nested deeper than 512 levels");
}

TEST(ProtocolTest, MalformedMessagesSayWhatIsWrong) {
  EXPECT_NE(errorOf(parseMessage("{\"type\": \"answer\", \"id\": "))
                .find("message is not JSON"),
            std::string::npos);
  EXPECT_EQ(errorOf(parseMessage("[1, 2]")), "message is not a JSON object");
  EXPECT_EQ(errorOf(parseMessage("{\"id\": 1}")), "message: missing \"type\"");
  EXPECT_EQ(errorOf(parseMessage("{\"type\": 3}")),
            "message: \"type\" must be a string, not 3");
  EXPECT_NE(errorOf(parseMessage("\xff\xfe")).find("not JSON"),
            std::string::npos);
}

TEST(ProtocolTest, AnswersByIndexOrName) {
  Message ByIndex = parsed(R"({"type":"answer","id":7,"choice":3})");
  Expected<unsigned> C = parseAnswer(ByIndex, 7, DecisionKind::LoopUnroll);
  ASSERT_TRUE(bool(C));
  EXPECT_EQ(*C, 3u);
  Message ByName = parsed(R"({"type":"answer","id":7,"choice":"count:4"})");
  C = parseAnswer(ByName, 7, DecisionKind::LoopUnroll);
  ASSERT_TRUE(bool(C));
  EXPECT_EQ(*C, *findChoice(DecisionKind::LoopUnroll, "count:4"));
}

TEST(ProtocolTest, BadAnswersAreRejected) {
  auto Answer = [](StringRef JSON, uint64_t Id = 7) {
    return errorOf(parseAnswer(parsed(JSON), Id, DecisionKind::Inline));
  };
  EXPECT_EQ(Answer(R"({"type":"answer","id":6,"choice":0})"),
            "answer to query 7: it answers query 6");
  EXPECT_EQ(Answer(R"({"type":"answer","choice":0})"),
            "answer to query 7: missing \"id\"");
  EXPECT_EQ(Answer(R"({"type":"answer","id":"7","choice":0})"),
            "answer to query 7: \"id\" must be an integer, not \"7\"");
  EXPECT_EQ(Answer(R"({"type":"answer","id":7})"),
            "answer to query 7: missing \"choice\"");
  EXPECT_EQ(Answer(R"({"type":"answer","id":7,"choice":3})"),
            "answer to query 7: choice 3 is out of range for inline (0 to 2)");
  EXPECT_EQ(Answer(R"({"type":"answer","id":7,"choice":-1})"),
            "answer to query 7: choice -1 is out of range for inline (0 to 2)");
  EXPECT_EQ(Answer(R"({"type":"answer","id":7,"choice":"maybe"})"),
            "answer to query 7: \"maybe\" is not a inline choice (default, "
            "inline, no-inline)");
  EXPECT_EQ(Answer(R"({"type":"answer","id":7,"choice":[1]})"),
            "answer to query 7: \"choice\" must be an index or a choice name, "
            "not [1]");
}

TEST(ProtocolTest, UnknownMembersAreIgnored) {
  Message M = parsed(
      R"({"type":"answer","id":1,"choice":2,"confidence":0.9,"why":{}})");
  Expected<unsigned> C = parseAnswer(M, 1, DecisionKind::Inline);
  ASSERT_TRUE(bool(C));
  EXPECT_EQ(*C, 2u);
  EXPECT_FALSE(bool(checkAgentHello(
      parsed(R"({"type":"hello","protocol":1,"agent":"x","extra":[1]})"))));
}

TEST(ProtocolTest, AgentHelloVersions) {
  EXPECT_EQ(
      errorOf(checkAgentHello(parsed(R"({"type":"hello","protocol":2})"))),
      "the agent speaks protocol 2; this plugin speaks 1 to 1");
  EXPECT_EQ(errorOf(checkAgentHello(parsed(R"({"type":"hello"})"))),
            "hello: missing \"protocol\"");
  EXPECT_EQ(errorOf(checkAgentHello(parsed(R"({"type":"answer"})"))),
            "expected a hello, got a \"answer\" message");
}

TEST(ProtocolTest, QueriesRoundTrip) {
  ClientHello H = helloFromThisBuild();
  EXPECT_EQ(H.pid(), 42);
  EXPECT_EQ(H.llvmVersion(), "19.1.7");

  Query Q(DecisionKind::PassGate, "a.c:f:function:instcombine#2");
  Q.initFeatures();
  Q.set(FeatureId::PassGate_Pass, "instcombine");
  Q.set(FeatureId::PassGate_Unit, "function");
  Q.set(FeatureId::PassGate_UnitSize, 123);
  Q.set(FeatureId::PassGate_Ordinal, 2);
  std::string JSON;
  encodeQuery(JSON, 9, Q);
  uint64_t Id = 0;
  Expected<Query> Back = H.parseQuery(parsed(JSON), Id);
  ASSERT_TRUE(bool(Back)) << toString(Back.takeError());
  EXPECT_EQ(Id, 9u);
  EXPECT_EQ(Back->Kind, Q.Kind);
  EXPECT_EQ(Back->Key, Q.Key);
  EXPECT_EQ(Back->getString(0), "instcombine");
  EXPECT_EQ(Back->getInt(2), 123);
  EXPECT_EQ(Back->getInt(3), 2);
}

TEST(ProtocolTest, QueriesWithoutFeaturesSendZeros) {
  ClientHello H = helloFromThisBuild();
  std::string JSON;
  encodeQuery(JSON, 1, Query(DecisionKind::Inline, "a.c:f:call#0:g"));
  uint64_t Id;
  Expected<Query> Back = H.parseQuery(parsed(JSON), Id);
  ASSERT_TRUE(bool(Back)) << toString(Back.takeError());
  EXPECT_EQ(Back->getString(1), "");
  EXPECT_EQ(Back->getInt(0), 0);
}

TEST(ProtocolTest, BadQueriesAreRejected) {
  ClientHello H = helloFromThisBuild();
  auto Error = [&](StringRef JSON) {
    uint64_t Id;
    return errorOf(H.parseQuery(parsed(JSON), Id));
  };
  EXPECT_EQ(Error(R"({"type":"query","id":3,"kind":"fold","key":"k",
                      "default":0,"features":[]})"),
            "query 3: kind \"fold\" was not in the hello");
  EXPECT_EQ(Error(R"({"type":"query","id":3,"kind":"inline","key":"k",
                      "default":0,"features":[1]})"),
            "query 3: 1 features, the hello declared 12");
  EXPECT_EQ(Error(R"({"type":"query","id":3,"kind":"inline","key":"k",
                      "default":5,"features":[]})"),
            "query 3: default 5 is out of range");
  EXPECT_EQ(Error(R"({"type":"query","id":3,"kind":"inline","key":7,
                      "default":0,"features":[]})"),
            "query 3: \"key\" must be a string, not 7");
  EXPECT_EQ(
      Error(R"({"type":"query","id":3,"kind":"inline","key":"k","default":0,
               "features":[1,"always",0,0,0,0,0,0,0,0,0,"x"]})"),
      "query 3: features[11] must be an integer, not \"x\"");
  EXPECT_EQ(
      Error(R"({"type":"query","id":3,"kind":"inline","key":"k","default":0,
               "features":[1,2,0,0,0,0,0,0,0,0,0,0]})"),
      "query 3: features[1] must be a string, not 2");
}

TEST(ProtocolTest, HellosFromOtherVersionsMapByName) {
  // A client with a kind this build lacks, features in another order, one
  // unknown feature and unknown members everywhere.
  Message M = parsed(R"({"type":"hello","protocol":3,"future":true,
    "kinds":[{"name":"fold","features":[],"choices":["a"],"default":0},
             {"name":"inline","extra":1,"choices":["default","inline"],
              "features":[{"name":"callee_insts","type":"int"},
                          {"name":"mood","type":"string"},
                          {"name":"llvm_advice","type":"int"}]}]})");
  Expected<ClientHello> H = ClientHello::parse(M);
  ASSERT_TRUE(bool(H)) << toString(H.takeError());
  EXPECT_EQ(H->protocol(), 1u);
  uint64_t Id;
  Expected<Query> Q =
      H->parseQuery(parsed(R"({"type":"query","id":1,"kind":"inline","key":"k",
                 "default":0,"features":[40,"calm",1],"note":"x"})"),
                    Id);
  ASSERT_TRUE(bool(Q)) << toString(Q.takeError());
  EXPECT_EQ(Q->getInt(*findFeature(DecisionKind::Inline, "callee_insts")), 40);
  EXPECT_EQ(Q->getInt(*findFeature(DecisionKind::Inline, "llvm_advice")), 1);
  EXPECT_EQ(errorOf(H->parseQuery(
                parsed(R"({"type":"query","id":2,"kind":"fold","key":"k",
                     "default":0,"features":[]})"),
                Id)),
            "query 2: this agent does not know the kind \"fold\"");
}

TEST(ProtocolTest, BadHellosAreRejected) {
  auto Error = [](StringRef JSON) {
    return errorOf(ClientHello::parse(parsed(JSON)));
  };
  EXPECT_EQ(Error(R"({"type":"hello","protocol":1})"),
            "hello: \"kinds\" must be an array");
  EXPECT_EQ(Error(R"({"type":"hello","protocol":0,"kinds":[]})"),
            "hello: bad protocol version 0");
  EXPECT_EQ(Error(R"({"type":"hello","protocol":1,"kinds":[3]})"),
            "hello: kinds[0] must be an object");
  EXPECT_EQ(Error(R"({"type":"hello","protocol":1,"kinds":[{"name":"inline",
              "choices":[],"features":[{"name":"a","type":"float"}]}]})"),
            "hello: kinds[0].features[0]: type must be \"int\" or \"string\"");
}

/// The fast readers must accept exactly what the full parser accepts, with
/// the same result, whatever the shape of the message.
TEST(ProtocolTest, FastAndFullAnswerReadersAgree) {
  const char *Answers[] = {
      R"({"type":"answer","id":7,"choice":3})",
      R"( { "type" : "answer" , "id" : 7 , "choice" : "count:4" } )",
      R"({"type":"answer","id":7,"choice":3.0})",
      R"({"type":"answer","id":7,"choice":"count\u003a4"})",
      R"({"type":"answer","id":7,"choice":3,"why":{"a":[1,{"b":null}]}})",
      R"({"type":"answer","id":7,"choice":3,"choice":4})",
      R"({"type":"answer","id":07,"choice":3})",
      R"({"type":"answer","id":7,"choice":300})",
      R"({"type":"answer","id":8,"choice":3})",
      R"({"type":"answer","id":7,"choice":true})",
      R"({"type":"answer","id":7})",
      R"({"type":"note","id":7,"choice":3})",
      R"({"type":"answer","id":7,"choice":3} x)",
      R"({"type":"answer","id":7,"choice":-0})",
      R"({"type":"answer","id":99999999999999999999,"choice":3})",
      R"({"id":7,"choice":3})",
  };
  for (const char *A : Answers) {
    Expected<std::optional<unsigned>> Fast =
        readAnswer(A, 7, DecisionKind::LoopUnroll);
    Expected<Message> M = parseMessage(A);
    if (!M) {
      EXPECT_FALSE(bool(Fast)) << A;
      consumeError(M.takeError());
      if (!Fast)
        consumeError(Fast.takeError());
      continue;
    }
    if (M->Type != "answer") {
      ASSERT_TRUE(bool(Fast)) << A;
      EXPECT_FALSE(Fast->has_value()) << A;
      continue;
    }
    Expected<unsigned> Full = parseAnswer(*M, 7, DecisionKind::LoopUnroll);
    ASSERT_EQ(bool(Fast), bool(Full)) << A;
    if (Full)
      EXPECT_EQ(**Fast, *Full) << A;
    else
      EXPECT_EQ(toString(Fast.takeError()), toString(Full.takeError())) << A;
  }
}

TEST(ProtocolTest, FastAndFullQueryReadersAgree) {
  ClientHello H = helloFromThisBuild();
  const char *Queries[] = {
      R"({"type":"query","id":3,"kind":"pass-gate","key":"a.c:f:gvn#1",
          "default":0,"features":["gvn","function",40,1,0]})",
      R"({"type":"query","id":3,"kind":"pass-gate","key":"a\"c",
          "default":0,"features":["gvn","function",40,1,0]})",
      R"({"type":"query","id":3,"kind":"pass-gate","key":"k","extra":{},
          "default":0,"features":["g\u0076n","function",40,1,0]})",
      R"({"type":"query","id":3,"kind":"pass-gate","key":"k",
          "default":0,"features":["gvn","function",40,1]})",
      R"({"type":"query","id":3,"kind":"pass-gate","key":"k",
          "default":0,"features":["gvn","function","40",1,0]})",
      R"({"type":"query","id":3,"kind":"pass-gate","key":"k",
          "default":0,"features":["gvn","function",40.0,1,0]})",
      R"({"type":"module","module":"a.c"})",
      R"({"type":"query","id":3,"kind":"pass-gate","key":"k","default":0})",
  };
  for (const char *Text : Queries) {
    uint64_t FastId = 0, FullId = 0;
    Expected<std::optional<Query>> Fast = H.readQuery(Text, FastId);
    Expected<Message> M = parseMessage(Text);
    ASSERT_TRUE(bool(M)) << Text;
    if (M->Type != "query") {
      ASSERT_TRUE(bool(Fast)) << Text;
      EXPECT_FALSE(Fast->has_value());
      continue;
    }
    Expected<Query> Full = H.parseQuery(*M, FullId);
    ASSERT_EQ(bool(Fast), bool(Full)) << Text;
    if (!Full) {
      EXPECT_EQ(toString(Fast.takeError()), toString(Full.takeError()));
      continue;
    }
    const Query &F = **Fast;
    EXPECT_EQ(FastId, FullId);
    EXPECT_EQ(F.Key, Full->Key);
    EXPECT_EQ(F.Default, Full->Default);
    for (unsigned I = 0; I < F.Features.size(); ++I) {
      EXPECT_EQ(F.Features[I].Int, Full->Features[I].Int) << Text;
      EXPECT_EQ(F.Features[I].Str, Full->Features[I].Str) << Text;
    }
  }
}

TEST(ProtocolTest, EncodedQueriesAreValidJSONWhateverTheKey) {
  Query Q(DecisionKind::LoopUnroll, "dir \"x\"\\y\n\x01:f:loop#0\xff");
  std::string Text;
  encodeQuery(Text, 1, Q);
  Expected<Message> M = parseMessage(Text);
  ASSERT_TRUE(bool(M)) << toString(M.takeError());
  EXPECT_EQ(*M->Body.getString("key"),
            "dir \"x\"\\y\n\x01:f:loop#0\xef\xbf\xbd");
}

Message messageOf(StringRef JSON) {
  Expected<Message> M = parseMessage(JSON);
  EXPECT_TRUE(bool(M)) << toString(M.takeError());
  return M ? std::move(*M) : Message();
}

TEST(ProtocolTest, ObserveListsAreCheckedItemByItem) {
  Expected<std::vector<std::string>> None =
      parseObserveList(messageOf(R"({"type":"answer"})"), "answer");
  ASSERT_TRUE(bool(None));
  EXPECT_TRUE(None->empty());
  Expected<std::vector<std::string>> Two = parseObserveList(
      messageOf(R"({"type":"answer","observe":["Ir","Bitcode=/x.bc"]})"),
      "answer");
  ASSERT_TRUE(bool(Two));
  EXPECT_EQ(*Two, (std::vector<std::string>{"Ir", "Bitcode=/x.bc"}));
  Expected<std::vector<std::string>> Bad = parseObserveList(
      messageOf(R"({"type":"answer","observe":["Ir",3]})"), "answer");
  ASSERT_FALSE(bool(Bad));
  EXPECT_EQ(toString(Bad.takeError()),
            "answer: observe[1] must be a string, not 3");
  Expected<std::vector<std::string>> NotList = parseObserveList(
      messageOf(R"({"type":"answer","observe":"Ir"})"), "answer");
  ASSERT_FALSE(bool(NotList));
  EXPECT_EQ(toString(NotList.takeError()),
            "answer: \"observe\" must be an array of names");
}

TEST(ProtocolTest, ForkRequestsNameTheirQueryAndAnEndpoint) {
  Expected<ForkRequest> R = parseForkRequest(
      messageOf(R"({"type":"fork","id":4,"endpoint":"/s","token":"t"})"), 4);
  ASSERT_TRUE(bool(R));
  EXPECT_EQ(R->Endpoint, "/s");
  EXPECT_EQ(R->Token, "t");
  Expected<ForkRequest> Other = parseForkRequest(
      messageOf(R"({"type":"fork","id":3,"endpoint":"/s"})"), 4);
  ASSERT_FALSE(bool(Other));
  EXPECT_EQ(toString(Other.takeError()),
            "fork request for query 4: it names query 3");
  Expected<ForkRequest> NoEndpoint =
      parseForkRequest(messageOf(R"({"type":"fork","id":4})"), 4);
  ASSERT_FALSE(bool(NoEndpoint));
  EXPECT_EQ(toString(NoEndpoint.takeError()),
            "fork request for query 4: missing \"endpoint\"");
}

TEST(ProtocolTest, ObservationsJoinTheQueryTheyDescribe) {
  Query Q(DecisionKind::PassChoice, "a.c:step#0");
  Q.initFeatures();
  std::string Out;
  encodeQuery(Out, 7, Q);
  Observations O;
  O.Values["IrInstructionCount"] = 12;
  O.Errors["Nope"] = "unknown";
  appendObservations(Out, O);
  Message M = messageOf(Out);
  EXPECT_EQ(M.Type, "query");
  EXPECT_EQ(M.Body.getObject("observations")->getInteger("IrInstructionCount"),
            12);
  EXPECT_EQ(M.Body.getObject("observation_errors")->getString("Nope"),
            "unknown");
}

} // namespace
