//===- FlatJSONTest.cpp - JSON written without llvm::json, byte for byte --===//
//
// flatjson::appendValue and appendString write the protocol's hot messages
// directly. Agents and golden files see their text, so it must be exactly
// what llvm::json prints for the same value, and parse back to that value.
//
//===----------------------------------------------------------------------===//

#include "oracle/FlatJSON.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace optgym;
using namespace llvm;

namespace {

/// Compares flatjson's text for values with what llvm::json prints.
class FlatJSONTest : public ::testing::Test {
protected:
  /// What llvm::json prints for V, both ways the code base prints it.
  static std::string slowText(const json::Value &V) {
    std::string Streamed;
    raw_string_ostream(Streamed) << V;
    EXPECT_EQ(Streamed, formatv("{0}", V).str());
    return Streamed;
  }

  /// appendValue's text for V, appended after a prefix that must survive.
  static std::string fastText(const json::Value &V) {
    std::string Out = "prefix:";
    flatjson::appendValue(Out, V);
    EXPECT_EQ(StringRef(Out).take_front(7), "prefix:");
    return Out.substr(7);
  }

  /// The fast text of V equals the slow one and parses back to V.
  static void expectSameText(const json::Value &V, bool ParsesBack = true) {
    std::string Slow = slowText(V);
    SCOPED_TRACE(Slow);
    std::string Fast = fastText(V);
    EXPECT_EQ(Fast, Slow);
    if (!ParsesBack)
      return;
    Expected<json::Value> Back = json::parse(Fast);
    ASSERT_TRUE(bool(Back)) << toString(Back.takeError());
    EXPECT_EQ(*Back, V);
  }

  /// appendString(S) equals llvm::json's string for S (which replaces
  /// invalid UTF-8 the same way), and so does appendValue of that string.
  static void expectSameString(StringRef S) {
    json::Value V = json::Value(S.str()); // Not {}: that is an array.
    std::string Slow = slowText(V);
    SCOPED_TRACE(Slow);
    std::string Out = "[";
    flatjson::appendString(Out, S);
    EXPECT_EQ(Out, "[" + Slow);
    expectSameText(V);
    Expected<json::Value> Back = json::parse(Out.substr(1));
    ASSERT_TRUE(bool(Back)) << toString(Back.takeError());
    if (json::isUTF8(S)) {
      EXPECT_EQ(Back->getAsString(), S);
    }
  }
};

TEST_F(FlatJSONTest, IntegersAsLLVMPrintsThem) {
  const int64_t Ints[] = {0,
                          1,
                          -1,
                          7,
                          -42,
                          1000000,
                          99999999999999999,
                          100000000000000000,
                          -100000000000000000,
                          std::numeric_limits<int32_t>::min(),
                          std::numeric_limits<int32_t>::max(),
                          std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::min() + 1,
                          std::numeric_limits<int64_t>::max()};
  for (int64_t I : Ints) {
    expectSameText(I);
    std::string Out;
    flatjson::appendInteger(Out, I);
    EXPECT_EQ(Out, slowText(I));
  }
  expectSameText(unsigned(7));
  expectSameText(uint64_t(12));
}

TEST_F(FlatJSONTest, LargeUnsignedAsLLVMPrintsThem) {
  const uint64_t Max = std::numeric_limits<uint64_t>::max();
  const uint64_t Big = uint64_t(std::numeric_limits<int64_t>::max());
  for (uint64_t U : {Big, Big + 1, Big + 2, Max - 1, Max})
    expectSameText(U);
}

TEST_F(FlatJSONTest, DoublesAsLLVMPrintsThem) {
  // Integral doubles are where a shortcut through getAsInteger() goes wrong:
  // -0.0 keeps its sign, and from 1e17 llvm::json prints an exponent.
  const double Doubles[] = {1.5,
                            -1.5,
                            0.1,
                            1e300,
                            -1e300,
                            1e-300,
                            std::numeric_limits<double>::denorm_min(),
                            std::numeric_limits<double>::max(),
                            std::numeric_limits<double>::lowest(),
                            0.0,
                            -0.0,
                            1.0,
                            -1.0,
                            3.0,
                            1e15,
                            9007199254740992.0,
                            99999999999999984.0,
                            1e17,
                            -1e17,
                            1e18,
                            0x1p62,
                            0x1p63,
                            -0x1p63,
                            0x1p64,
                            1e19};
  for (double D : Doubles)
    expectSameText(D);
  // Not JSON, but whatever llvm::json prints for them, flatjson prints too.
  expectSameText(std::numeric_limits<double>::infinity(), false);
  expectSameText(-std::numeric_limits<double>::infinity(), false);
  expectSameText(std::numeric_limits<double>::quiet_NaN(), false);
}

TEST_F(FlatJSONTest, LiteralsAsLLVMPrintsThem) {
  expectSameText(true);
  expectSameText(false);
  expectSameText(nullptr);
}

TEST_F(FlatJSONTest, EveryControlCharacterIsEscapedAsLLVMDoes) {
  std::string All;
  for (unsigned C = 0; C < 0x20; ++C) {
    std::string One(1, char(C));
    expectSameString(One);
    expectSameString("a" + One + "b");
    All += One;
  }
  expectSameString(All);
  expectSameString(All + All);
}

TEST_F(FlatJSONTest, QuotesBackslashesAndDEL) {
  expectSameString("\"");
  expectSameString("\\");
  expectSameString("\x7f");
  expectSameString("/");
  expectSameString(R"(say "hi" \ \\ \" \n "")");
  expectSameString("\"\\\x7f\"\\\x7f");
}

TEST_F(FlatJSONTest, UTF8TextIsCopied) {
  expectSameString("");
  expectSameString("plain");
  expectSameString("caf\xc3\xa9");                          // 2 bytes
  expectSameString("\xe6\x97\xa5\xe6\x9c\xac");             // 3 bytes
  expectSameString("\xf0\x9f\x98\x80 \xf0\x9f\x9a\x80");    // 4 bytes
  expectSameString("\xef\xbb\xbf\xe2\x80\xa8\xe2\x80\xa9"); // BOM, U+2028/9
  expectSameString("\xc3\xa9\n\xe6\x97\xa5\t\"\xf0\x9f\x98\x80\\");
}

TEST_F(FlatJSONTest, InvalidUTF8IsReplacedAsLLVMDoes) {
  expectSameString("\xff");
  expectSameString("a\xc3");
  expectSameString("\xc3(\n");
  expectSameString("\xed\xa0\x80"); // A surrogate.
  expectSameString("ok\x80\"\x01");
  // Every single byte, valid or not.
  for (unsigned C = 0; C < 256; ++C)
    expectSameString(std::string(1, char(C)));
}

TEST_F(FlatJSONTest, EmbeddedNulIsEscaped) {
  expectSameString(StringRef("a\0b", 3));
  expectSameString(StringRef("\0\0", 2));
}

TEST_F(FlatJSONTest, LongStringsWithEscapesAnywhere) {
  std::string Long(100000, 'x');
  expectSameString(Long);
  std::string Edges = "\n" + Long + "\"" + Long + "\x01";
  expectSameString(Edges);
  // Escapes at the very start and end only, and one in every run.
  expectSameString("\\" + Long + "\\");
  std::string Mixed;
  for (unsigned I = 0; I < 5000; ++I)
    Mixed += "ab\tcd\"\xc3\xa9\\\x1f";
  expectSameString(Mixed);
}

TEST_F(FlatJSONTest, ArraysAsLLVMPrintsThem) {
  expectSameText(json::Array{});
  expectSameText(json::Array{json::Array{}});
  expectSameText(json::Array{json::Array{json::Array{}}, json::Array{}});
  expectSameText(json::Array{1, 2, 3});
  expectSameText(json::Array{"a", "b\n", ""});
  std::vector<int64_t> Autophase(56);
  for (unsigned I = 0; I < Autophase.size(); ++I)
    Autophase[I] = int64_t(I) * 1234567 - 1000;
  expectSameText(json::Array(Autophase));
  expectSameText(json::Array{
      0, -1, std::numeric_limits<int64_t>::min(),
      std::numeric_limits<uint64_t>::max(), 1.5, -0.0, 1e17, true, false,
      nullptr, "s\"\\\x01", json::Array{1, json::Array{"x", json::Array{}}},
      json::Object{{"k", 1}, {"a", json::Array{"v", 2.5}}}, json::Object{}});
}

TEST_F(FlatJSONTest, ObjectsGoThroughLLVM) {
  expectSameText(json::Object{});
  expectSameText(json::Object{{"b", 1}, {"a", "x"}, {"c", nullptr}});
  expectSameText(
      json::Object{{"nested", json::Object{{"z", json::Array{1, "\t", -0.0}}}},
                   {"quote\"d", "\xc3\xa9"},
                   {"", json::Array{}}});
}

} // namespace
