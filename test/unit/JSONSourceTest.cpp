//===- JSONSourceTest.cpp - Locating values in JSON text ------------------===//

#include "oracle/JSONSource.h"

#include "gtest/gtest.h"

using namespace optgym;
using namespace llvm;

namespace {

TEST(JSONSourceTest, LocatesNestedValues) {
  StringRef Text = "{\n"
                   "  \"a\": {\"x\": 1, \"y\": [10, 20,\n"
                   "     30]},\n"
                   "  \"b\\\"q\": \"}\"\n"
                   "}\n";
  JSONSource Src("f.json", Text);
  ASSERT_TRUE(bool(Src.parse()));
  EXPECT_EQ(Src.location({}), "f.json:1:1");
  EXPECT_EQ(Src.location({JSONStep::member("a")}), "f.json:2:8");
  EXPECT_EQ(Src.location({JSONStep::member("a"), JSONStep::member("y")}),
            "f.json:2:22");
  EXPECT_EQ(Src.location({JSONStep::member("a"), JSONStep::member("y"),
                          JSONStep::element(2)}),
            "f.json:3:6");
  // An escaped quote in a member name, and a brace inside a string.
  EXPECT_EQ(Src.location({JSONStep::member("b\"q")}), "f.json:4:11");
  // A path that does not exist stops at the deepest value that does.
  EXPECT_EQ(Src.location({JSONStep::member("a"), JSONStep::member("zz")}),
            "f.json:2:8");
}

TEST(JSONSourceTest, SyntaxErrorsNameFileLineAndColumn) {
  JSONSource Src("p.json", "{\n  \"a\": 1,\n  \"b\" 2\n}\n");
  Expected<json::Value> V = Src.parse();
  ASSERT_FALSE(bool(V));
  std::string Msg = toString(V.takeError());
  EXPECT_EQ(Msg.rfind("p.json:3:", 0), 0u) << Msg;
  EXPECT_NE(Msg.find("invalid JSON"), std::string::npos) << Msg;
}

TEST(JSONSourceTest, LinesOfAFileKeepTheirNumbers) {
  JSONSource Src("t.jsonl", "{\"k\": [1, }", /*FirstLine=*/7);
  Expected<json::Value> V = Src.parse();
  ASSERT_FALSE(bool(V));
  EXPECT_EQ(toString(V.takeError()).rfind("t.jsonl:7:", 0), 0u);
}

TEST(JSONSourceTest, DeepNestingIsAnErrorNotAStackOverflow) {
  // llvm::json's parser recurses per level; a million levels would overflow
  // the stack. Found with a policy fuzzer input.
  std::string Deep =
      "{\"a\":\n" + std::string(1000000, '[') + std::string(1000000, ']') + "}";
  Expected<json::Value> V = JSONSource("deep.json", Deep).parse();
  ASSERT_FALSE(bool(V));
  // The 512th '[' is the 513th level.
  EXPECT_EQ(toString(V.takeError()),
            "deep.json:2:512: invalid JSON: nested deeper than 512 levels");
  // Brackets in strings do not count; 512 levels parse.
  std::string Fine =
      std::string(511, '[') + "\"[[[{{\\\"\"" + std::string(511, ']');
  EXPECT_TRUE(bool(JSONSource("fine.json", "[" + Fine + "]").parse()));
  EXPECT_EQ(findExcessiveNesting("[" + Fine + "]"), StringRef::npos);
}

} // namespace
