//===- FlatJSONFuzzer.cpp - The protocol's fast JSON path against llvm::json =//
//
// Input: any bytes. FlatJSON scans and writes the protocol's hot messages
// without building llvm::json values; it must never accept what llvm::json
// rejects, must read the same members, and must write the same text.
//
//===----------------------------------------------------------------------===//

#include "test/fuzz/src/FuzzCheck.h"

#include "oracle/FlatJSON.h"

using namespace llvm;
using namespace optgym;

namespace {

std::string printed(const json::Value &V) {
  std::string Out;
  raw_string_ostream(Out) << V;
  return Out;
}

void checkScalar(const flatjson::Value &Fast, const json::Value &Slow,
                 StringRef Where) {
  if (Fast.K == flatjson::Value::String) {
    std::optional<StringRef> S = Slow.getAsString();
    fuzz::check(S && *S == Fast.Text, Where + ": strings differ");
    return;
  }
  fuzz::check(Fast.K == flatjson::Value::Integer, Where + ": not a scalar");
  // Integral doubles ("1.0") never scan as integers, so the kinds agree.
  std::optional<int64_t> I = Slow.getAsInteger();
  fuzz::check(I && *I == Fast.Int, Where + ": integers differ");
}

void checkScan(StringRef Text) {
  flatjson::Object Fast;
  bool Scanned = Fast.scan(Text);
  Expected<json::Value> Slow = json::parse(Text);
  if (!Scanned) {
    // The fast path may give up on anything; llvm::json then decides.
    if (!Slow)
      consumeError(Slow.takeError());
    return;
  }
  if (!Slow)
    fuzz::fail("FlatJSON scanned what llvm::json rejects: " +
               toString(Slow.takeError()));
  const json::Object *O = Slow->getAsObject();
  fuzz::check(O, "FlatJSON scanned an object that llvm::json does not see");
  for (const auto &[Name, SlowValue] : *O) {
    const flatjson::Value *FastValue = Fast.get(Name);
    fuzz::check(FastValue, "member '" + StringRef(Name) + "' not scanned");
    if (FastValue->K != flatjson::Value::Array) {
      checkScalar(*FastValue, SlowValue, Name);
      continue;
    }
    const json::Array *A = SlowValue.getAsArray();
    SmallVector<flatjson::Value, 8> Elements;
    flatjson::Object::elements(*FastValue, Elements);
    fuzz::check(A && A->size() == Elements.size(),
                "member '" + StringRef(Name) + "': arrays differ in length");
    for (size_t I = 0; I < Elements.size(); ++I)
      checkScalar(Elements[I], (*A)[I], StringRef(Name));
  }
}

void checkWriting(StringRef Text) {
  Expected<json::Value> V = json::parse(Text);
  if (V) {
    std::string Fast;
    flatjson::appendValue(Fast, *V);
    fuzz::check(Fast == printed(*V), "appendValue wrote '" + Fast +
                                         "', llvm::json '" + printed(*V) + "'");
  } else {
    consumeError(V.takeError());
  }
  // Any bytes as a string: invalid UTF-8 is repaired the same way.
  std::string Fast;
  flatjson::appendString(Fast, Text);
  json::Value Slow(json::isUTF8(Text) ? Text.str() : json::fixUTF8(Text));
  fuzz::check(Fast == printed(Slow), "appendString differs from llvm::json");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  StringRef Text = fuzz::asText(Data, Size);
  checkScan(Text);
  checkWriting(Text);
  return 0;
}
