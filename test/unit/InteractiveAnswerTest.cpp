//===- InteractiveAnswerTest.cpp - The gym's answer fast path -------------===//
//
// SocketOracle reads an answer to an interactive query with
// protocol::scanInteractiveAnswer, and when that declines, with
// parseMessage + parseAnswer + parseObserveList. Whatever the payload, the
// two must not disagree: a choice from the scanner is the full path's
// choice with the full path's observe list, and anything the scanner
// declines is still decided (or rejected) by the full path.
//
//===----------------------------------------------------------------------===//

#include "oracle/Protocol.h"

#include "llvm/ADT/StringExtras.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

using namespace optgym;
using namespace optgym::protocol;
using namespace llvm;

namespace {

/// What reading one payload as the reply to a query gives, on both paths.
struct Reading {
  /// The scanner's choice (nullopt when it declined).
  std::optional<unsigned> Fast;
  /// The full path's choice and observe list, or its error; NotAnswer when
  /// the payload is a message of another type.
  std::optional<unsigned> Choice;
  std::vector<std::string> Observe;
  std::string Error;
  bool NotAnswer = false;
};

class InteractiveAnswerTest : public ::testing::Test {
protected:
  /// Reads Payload both ways as a reply to query Id of Kind and checks that
  /// they agree.
  static Reading read(StringRef Payload, uint64_t Id = 7,
                      DecisionKind Kind = DecisionKind::PassChoice) {
    SCOPED_TRACE(Payload.str());
    Reading R;
    // A declined payload must leave the caller's list alone: SocketOracle
    // keeps its pending observations across observe and fork requests.
    const std::vector<std::string> Sentinel = {"sentinel"};
    std::vector<std::string> FastObserve = Sentinel;
    R.Fast = scanInteractiveAnswer(Payload, Id, Kind, FastObserve);
    if (!R.Fast) {
      EXPECT_EQ(FastObserve, Sentinel);
    }

    // The full path, as SocketOracle::serve takes it.
    Expected<Message> M = parseMessage(Payload);
    if (!M) {
      R.Error = toString(M.takeError());
    } else if (M->Type != "answer") {
      R.NotAnswer = true;
    } else {
      Expected<unsigned> Choice = parseAnswer(*M, Id, Kind);
      Expected<std::vector<std::string>> Observe =
          parseObserveList(*M, "answer");
      if (!Choice) {
        R.Error = toString(Choice.takeError());
        consumeError(Observe.takeError());
      } else if (!Observe) {
        R.Error = toString(Observe.takeError());
      } else {
        R.Choice = *Choice;
        R.Observe = std::move(*Observe);
      }
    }

    if (R.Fast) {
      EXPECT_EQ(R.Fast, R.Choice) << R.Error;
      EXPECT_EQ(FastObserve, R.Observe);
    }
    // Exactly one outcome on the full path.
    EXPECT_EQ(int(R.Choice.has_value()) + int(!R.Error.empty()) +
                  int(R.NotAnswer),
              1);
    return R;
  }

  /// A payload the scanner takes: both paths give Choice and Observe.
  static void expectFast(StringRef Payload, unsigned Choice,
                         std::vector<std::string> Observe = {}, uint64_t Id = 7,
                         DecisionKind Kind = DecisionKind::PassChoice) {
    SCOPED_TRACE(Payload.str());
    Reading R = read(Payload, Id, Kind);
    EXPECT_EQ(R.Fast, Choice);
    EXPECT_EQ(R.Choice, Choice) << R.Error;
    EXPECT_EQ(R.Observe, Observe);
  }

  /// A payload the scanner declines and the full path accepts.
  static void expectFallback(StringRef Payload, unsigned Choice,
                             std::vector<std::string> Observe = {},
                             uint64_t Id = 7,
                             DecisionKind Kind = DecisionKind::PassChoice) {
    SCOPED_TRACE(Payload.str());
    Reading R = read(Payload, Id, Kind);
    EXPECT_FALSE(R.Fast);
    EXPECT_EQ(R.Choice, Choice) << R.Error;
    EXPECT_EQ(R.Observe, Observe);
  }

  /// A payload both paths reject: the full path with an error containing
  /// Error.
  static void expectRejected(StringRef Payload, StringRef Error,
                             uint64_t Id = 7,
                             DecisionKind Kind = DecisionKind::PassChoice) {
    SCOPED_TRACE(Payload.str());
    Reading R = read(Payload, Id, Kind);
    EXPECT_FALSE(R.Fast);
    EXPECT_FALSE(R.Choice);
    EXPECT_NE(R.Error.find(Error.str()), std::string::npos) << R.Error;
  }

  static ArrayRef<std::string> choices(DecisionKind Kind) {
    return getKindInfo(Kind).Choices;
  }

  static std::string answer(StringRef Choice, StringRef Rest = "") {
    return (R"({"type":"answer","id":7,"choice":)" + Choice + Rest + "}").str();
  }
};

TEST_F(InteractiveAnswerTest, EveryChoiceByIndexAndByName) {
  for (DecisionKind Kind : {DecisionKind::PassChoice, DecisionKind::Inline}) {
    ArrayRef<std::string> Names = choices(Kind);
    ASSERT_GT(Names.size(), 1u);
    for (unsigned I = 0; I < Names.size(); ++I) {
      expectFast(answer(utostr(I)), I, {}, 7, Kind);
      expectFast(answer("\"" + Names[I] + "\""), I, {}, 7, Kind);
    }
  }
}

TEST_F(InteractiveAnswerTest, OutOfRangeAndNegativeChoicesAreErrors) {
  unsigned N = choices(DecisionKind::PassChoice).size();
  expectRejected(answer(utostr(N)), "out of range for pass-choice");
  expectRejected(answer(utostr(N + 1000)), "out of range");
  expectRejected(answer("-1"), "choice -1 is out of range");
  expectRejected(answer("-9223372036854775808"), "out of range");
  expectRejected(answer("9223372036854775807"), "out of range");
  // Beyond int64: llvm::json reads them as unsigned or double.
  expectRejected(answer("9223372036854775808"), "must be an index");
  expectRejected(answer("99999999999999999999"), "must be an index");
  expectRejected(answer("3"), "out of range for inline", 7,
                 DecisionKind::Inline);
  expectFast(answer("2"), 2, {}, 7, DecisionKind::Inline);
  // -0 is 0 on both paths.
  expectFast(answer("-0"), 0);
}

TEST_F(InteractiveAnswerTest, ChoiceNamesMustMatchExactly) {
  expectRejected(answer(R"("no-such-pass")"), "is not a pass-choice choice");
  expectRejected(answer(R"("")"), "is not a pass-choice choice");
  expectRejected(answer(R"("STOP")"), "is not a pass-choice choice");
  expectRejected(answer(R"(" stop")"), "is not a pass-choice choice");
  expectRejected(answer(R"("count:4")"), "is not a pass-choice choice");
  expectFast(answer(R"("count:4")"),
             *findChoice(DecisionKind::LoopUnroll, "count:4"), {}, 7,
             DecisionKind::LoopUnroll);
  expectRejected(answer(R"("inline")"), "is not a pass-choice choice");
}

TEST_F(InteractiveAnswerTest, ChoicesOfTheWrongTypeAreErrors) {
  for (const char *Bad :
       {"true", "false", "null", "[1]", "[]", R"({"i":1})", R"(["stop"])"})
    expectRejected(answer(Bad), "\"choice\" must be an index or a choice name");
}

TEST_F(InteractiveAnswerTest, NumbersWithAFractionOrExponentFallBack) {
  // llvm::json takes an integral double as an integer; the scanner leaves
  // such numbers to it.
  expectFallback(answer("1.0"), 1);
  expectFallback(answer("0.0"), 0);
  expectFallback(answer("-0.0"), 0);
  expectFallback(answer("1e0"), 1);
  expectFallback(answer("10E-1"), 1);
  expectRejected(answer("1.5"), "must be an index");
  expectFallback(R"({"type":"answer","id":7.0,"choice":1})", 1);
  expectFallback(R"({"type":"answer","id":7e0,"choice":1})", 1);
  expectRejected(R"({"type":"answer","id":7.5,"choice":1})",
                 "\"id\" must be an integer");
}

TEST_F(InteractiveAnswerTest, NumbersLLVMReadsLenientlyFallBack) {
  // llvm::json reads leading zeros, a plus sign and a bare trailing point,
  // which JSON does not allow; the scanner leaves them to it.
  expectFallback(R"({"type":"answer","id":07,"choice":1})", 1);
  expectFallback(R"({"type":"answer","id":+7,"choice":1})", 1);
  expectFallback(answer("01"), 1);
  expectFallback(answer("+1"), 1);
  expectFallback(answer("1."), 1);
}

TEST_F(InteractiveAnswerTest, EscapedChoiceNamesFallBack) {
  expectFallback(answer(R"("\u0073top")"), 0);
  expectFallback(answer(R"("st\u006fp")"), 0);
  std::string Last = choices(DecisionKind::PassChoice).back();
  ASSERT_FALSE(Last.empty());
  // The first character as an escape.
  std::string Escaped =
      "\"\\u00" + utohexstr(uint8_t(Last[0]), true, 2) + Last.substr(1) + "\"";
  expectFallback(answer(Escaped), choices(DecisionKind::PassChoice).size() - 1);
  expectRejected(answer(R"("stop\n")"), "is not a pass-choice choice");
}

TEST_F(InteractiveAnswerTest, TheIdMustBeThisQuerys) {
  expectRejected(R"({"type":"answer","id":8,"choice":1})",
                 "answer to query 7: it answers query 8");
  expectRejected(R"({"type":"answer","id":-7,"choice":1})",
                 "it answers query -7");
  expectRejected(R"({"type":"answer","choice":1})", "missing \"id\"");
  expectRejected(R"({"type":"answer","id":"7","choice":1})",
                 "\"id\" must be an integer, not \"7\"");
  expectRejected(R"({"type":"answer","id":null,"choice":1})",
                 "\"id\" must be an integer");
  expectRejected(R"({"type":"answer","id":[7],"choice":1})",
                 "\"id\" must be an integer");
  expectRejected(R"({"type":"answer","id":7})", "missing \"choice\"");
  expectFast(R"({"type":"answer","id":0,"choice":1})", 1, {}, 0);
}

TEST_F(InteractiveAnswerTest, HugeIds) {
  const uint64_t Max = std::numeric_limits<int64_t>::max();
  expectFast(R"({"type":"answer","id":9223372036854775807,"choice":1})", 1, {},
             Max);
  expectRejected(R"({"type":"answer","id":9223372036854775806,"choice":1})",
                 "it answers query", Max);
  // Beyond int64 no id is an integer to llvm::json: an error, not a match.
  expectRejected(R"({"type":"answer","id":9223372036854775808,"choice":1})",
                 "\"id\" must be an integer", Max + 1);
  expectRejected(R"({"type":"answer","id":18446744073709551615,"choice":1})",
                 "\"id\" must be an integer",
                 std::numeric_limits<uint64_t>::max());
  expectRejected(
      R"({"type":"answer","id":123456789012345678901234,"choice":1})",
      "\"id\" must be an integer");
  // Whatever either path makes of the ids they wrap to, they agree.
  read(R"({"type":"answer","id":-1,"choice":1})",
       std::numeric_limits<uint64_t>::max());
  read(R"({"type":"answer","id":-9223372036854775808,"choice":1})", Max + 1);
}

TEST_F(InteractiveAnswerTest, MessagesOfOtherTypesAreNotAnswers) {
  for (const char *Other : {R"({"type":"observe","id":7,"observe":["Ir"]})",
                            R"({"type":"fork","id":7,"endpoint":"/s"})",
                            R"({"type":"answers","id":7,"choice":1})",
                            R"({"type":"Answer","id":7,"choice":1})",
                            R"({"type":"","id":7,"choice":1})"}) {
    Reading R = read(Other);
    EXPECT_FALSE(R.Fast) << Other;
    EXPECT_TRUE(R.NotAnswer) << Other;
  }
  expectRejected(R"({"id":7,"choice":1})", "missing \"type\"");
  expectRejected(R"({"type":1,"id":7,"choice":1})",
                 "\"type\" must be a string");
  expectRejected(R"({"type":["answer"],"id":7,"choice":1})",
                 "\"type\" must be a string");
  expectFallback(R"({"type":"\u0061nswer","id":7,"choice":1})", 1);
}

TEST_F(InteractiveAnswerTest, ObserveLists) {
  expectFast(answer("1", R"(,"observe":[])"), 1, {});
  expectFast(answer("1", R"(,"observe":["Ir"])"), 1, {"Ir"});
  expectFast(answer("0", R"(,"observe":["Ir","Autophase","InstCount",)"
                         R"("IrInstructionCount","Bitcode=/tmp/x y.bc"])"),
             0,
             {"Ir", "Autophase", "InstCount", "IrInstructionCount",
              "Bitcode=/tmp/x y.bc"});
  expectFast(answer("1", R"(,"observe":["","Ir","Ir"])"), 1, {"", "Ir", "Ir"});
  expectFast(answer("1", ",\"observe\":[\"caf\xc3\xa9\",\"\xf0\x9f\x98\x80\"]"),
             1, {"caf\xc3\xa9", "\xf0\x9f\x98\x80"});
  expectFast(answer("1", R"(,"observe":[ "a" , "b" ])"), 1, {"a", "b"});
}

TEST_F(InteractiveAnswerTest, ObserveNamesWithEscapesFallBack) {
  expectFallback(answer("1", R"(,"observe":["I\u0072"])"), 1, {"Ir"});
  expectFallback(answer("1", R"(,"observe":["a\"b","c\\d"])"), 1,
                 {"a\"b", "c\\d"});
  expectFallback(answer("1", R"(,"observe":["Ir","tab\there","\/"])"), 1,
                 {"Ir", "tab\there", "/"});
  expectFallback(answer("1", R"(,"observe":["caf\u00e9","\ud83d\ude00"])"), 1,
                 {"caf\xc3\xa9", "\xf0\x9f\x98\x80"});
}

TEST_F(InteractiveAnswerTest, ObserveListsOfTheWrongShapeAreErrors) {
  expectRejected(answer("1", R"(,"observe":"Ir")"),
                 "answer: \"observe\" must be an array of names");
  expectRejected(answer("1", R"(,"observe":3)"), "must be an array of names");
  expectRejected(answer("1", R"(,"observe":null)"),
                 "must be an array of names");
  expectRejected(answer("1", R"(,"observe":{"Ir":1})"),
                 "must be an array of names");
  expectRejected(answer("1", R"(,"observe":["Ir",3])"),
                 "answer: observe[1] must be a string, not 3");
  expectRejected(answer("1", R"(,"observe":[1])"),
                 "observe[0] must be a string");
  expectRejected(answer("1", R"(,"observe":[1.5])"),
                 "observe[0] must be a string");
  expectRejected(answer("1", R"(,"observe":[null])"),
                 "observe[0] must be a string");
  expectRejected(answer("1", R"(,"observe":[["Ir"]])"),
                 "observe[0] must be a string");
  expectRejected(answer("1", R"(,"observe":["Ir",{}])"),
                 "observe[1] must be a string");
  // A good choice with a bad list is still an error, and a bad choice is
  // reported first.
  expectRejected(answer("999", R"(,"observe":["Ir"])"), "out of range");
  expectRejected(answer("999", R"(,"observe":"Ir")"), "out of range");
}

TEST_F(InteractiveAnswerTest, UnknownMembersAreIgnored) {
  expectFast(answer("1", R"(,"step":3,"note":"x","tags":["a",1],"e":[])"), 1);
  expectFallback(answer("1", R"(,"why":{"a":[1,{"b":null}]})"), 1);
  expectFallback(answer("1", R"(,"confidence":0.9)"), 1);
  expectFallback(answer("1", R"(,"ok":true,"no":false,"nil":null)"), 1);
  expectFallback(answer("1", R"(,"note":"line\n")"), 1);
  expectFallback(answer("1", R"(,"nested":[[1]])"), 1);
  expectFallback(answer("1", R"(,"big":99999999999999999999)"), 1);
}

TEST_F(InteractiveAnswerTest, WhitespaceAndMemberOrder) {
  expectFast(" \t\r\n{ \"type\" : \"answer\" ,\n\t\"id\" : 7 , \"choice\"\r\n"
             ": 2 , \"observe\" : [ \"Ir\" ,\"Autophase\" ] } \n\t\r ",
             2, {"Ir", "Autophase"});
  expectFast(R"({"choice":2,"id":7,"type":"answer"})", 2);
  expectFast(R"({"observe":["Ir"],"choice":"stop","type":"answer","id":7})", 0,
             {"Ir"});
  // Form feeds and vertical tabs are not JSON whitespace.
  expectRejected("\f" + answer("1"), "not JSON");
  expectRejected(answer("1") + "\v", "not JSON");
}

TEST_F(InteractiveAnswerTest, DuplicateMembers) {
  // The scanner leaves duplicates to llvm::json, whatever it makes of them.
  for (const char *Dup :
       {R"({"type":"answer","id":7,"choice":1,"choice":2})",
        R"({"type":"answer","id":7,"choice":1,"choice":"stop"})",
        R"({"type":"answer","id":8,"id":7,"choice":1})",
        R"({"type":"note","type":"answer","id":7,"choice":1})",
        R"({"type":"answer","id":7,"choice":1,"observe":[],"observe":["Ir"]})",
        R"({"type":"answer","id":7,"choice":1,"observe":3,"observe":["Ir"]})"})
    EXPECT_FALSE(read(Dup).Fast) << Dup;
}

TEST_F(InteractiveAnswerTest, MalformedPayloadsAreErrors) {
  for (const char *Bad :
       {"",
        " ",
        "{",
        "}",
        "[]",
        "null",
        "7",
        R"("answer")",
        R"({"type":"answer","id":7,"choice":1,})",
        R"({"type":"answer","id":7,"choice":1} x)",
        R"({"type":"answer","id":7,"choice":1}})",
        R"({"type":"answer","id":7,"choice":1}{})",
        R"({"type":"answer","id":7,"choice":-})",
        R"({"type":"answer","id":7,"choice":0x1})",
        R"({"type":"answer","id":7,"choice":1,"observe":["Ir",]})",
        R"({"type":"answer","id":7,"choice":1,"observe":[,]})",
        R"({"type":"answer","id":7,"choice":1,"observe":["Ir"})",
        R"({"type":"answer","id":7,"choice":1,"observe":["Ir])",
        R"({'type':'answer','id':7,'choice':1})",
        R"({type:"answer","id":7,"choice":1})",
        "{\"type\":\"answer\",\"id\":7,\"choice\":\"st\xffp\"}",
        "{\"type\":\"answer\",\"id\":7,\"choice\":\"\xc3\"}",
        "{\"type\":\"answer\",\"id\":7,\"choice\":1,\"observe\":[\"a\tb\"]}",
        "{\"type\":\"answer\",\"id\":7,\"choice\":1,\"observe\":[\"a\nb\"]}",
        "{\"type\":\"answer\",\"id\":7,\"choice\":\"\x01\"}"}) {
    Reading R = read(Bad);
    EXPECT_FALSE(R.Fast) << Bad;
    EXPECT_FALSE(R.Choice) << Bad;
  }
  expectRejected(answer("1") + '\0', "not JSON");
}

TEST_F(InteractiveAnswerTest, TruncatedPayloadsAreErrors) {
  std::string Full = R"( {"type":"answer","id":7,"choice":"stop",)"
                     R"("observe":["Ir","Autophase"],"n":[1,"x"]} )";
  expectFast(Full, 0, {"Ir", "Autophase"});
  // No prefix that drops the closing brace is an answer.
  size_t Close = Full.rfind('}');
  for (size_t Len = 0; Len <= Close; ++Len) {
    Reading R = read(StringRef(Full).take_front(Len));
    EXPECT_FALSE(R.Fast) << Len;
    EXPECT_FALSE(R.Choice) << Len;
  }
}

TEST_F(InteractiveAnswerTest, EncodedAnswersTakeTheFastPath) {
  // What the C++ agent writes is the common shape.
  for (unsigned I : {0u, 1u, 5u})
    expectFast(encodeAnswer(7, I), I);
  expectFast(encodeAnswer(0, 1), 1, {}, 0);
}

} // namespace
