//===- FlatJSON.cpp - Writing and scanning the protocol's hot messages ----===//

#include "oracle/FlatJSON.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <charconv>
#include <cmath>

using namespace llvm;

namespace optgym {
namespace flatjson {
namespace {

class Scanner {
public:
  explicit Scanner(StringRef Text) : Text(Text) {}

  void skipSpace() {
    while (Pos < Text.size() && (Text[Pos] == ' ' || Text[Pos] == '\n' ||
                                 Text[Pos] == '\t' || Text[Pos] == '\r'))
      ++Pos;
  }

  bool consume(char C) {
    skipSpace();
    if (Pos < Text.size() && Text[Pos] == C) {
      ++Pos;
      return true;
    }
    return false;
  }

  bool peek(char C) {
    skipSpace();
    return Pos < Text.size() && Text[Pos] == C;
  }

  bool atEnd() {
    skipSpace();
    return Pos == Text.size();
  }

  /// A string without escapes or control characters, valid UTF-8.
  bool string(StringRef &Out) {
    if (!consume('"'))
      return false;
    size_t Start = Pos;
    while (Pos < Text.size() && Text[Pos] != '"') {
      unsigned char C = Text[Pos];
      if (C == '\\' || C < 0x20)
        return false;
      ++Pos;
    }
    if (Pos == Text.size())
      return false;
    Out = Text.slice(Start, Pos++);
    return json::isUTF8(Out);
  }

  /// An integer in JSON's syntax that fits int64_t; no fraction, no
  /// exponent.
  bool integer(int64_t &Out) {
    skipSpace();
    size_t Start = Pos;
    if (Pos < Text.size() && Text[Pos] == '-')
      ++Pos;
    size_t Digits = Pos;
    while (Pos < Text.size() && Text[Pos] >= '0' && Text[Pos] <= '9')
      ++Pos;
    if (Pos == Digits || (Text[Digits] == '0' && Pos - Digits > 1))
      return false;
    if (Pos < Text.size() &&
        (Text[Pos] == '.' || Text[Pos] == 'e' || Text[Pos] == 'E'))
      return false;
    auto [End, EC] =
        std::from_chars(Text.data() + Start, Text.data() + Pos, Out);
    return EC == std::errc() && End == Text.data() + Pos;
  }

  bool scalar(Value &V) {
    if (peek('"')) {
      V.K = Value::String;
      return string(V.Text);
    }
    V.K = Value::Integer;
    return integer(V.Int);
  }

  bool value(Value &V) {
    if (!peek('['))
      return scalar(V);
    size_t Start = Pos;
    ++Pos;
    V.K = Value::Array;
    if (!consume(']')) {
      do {
        Value Element;
        if (!scalar(Element))
          return false;
      } while (consume(','));
      if (!consume(']'))
        return false;
    }
    V.Text = Text.slice(Start, Pos);
    return true;
  }

private:
  StringRef Text;
  size_t Pos = 0;
};

} // namespace

void appendString(std::string &Out, StringRef S) {
  if (LLVM_UNLIKELY(!json::isUTF8(S))) {
    appendString(Out, json::fixUTF8(S));
    return;
  }
  static const char Hex[] = "0123456789abcdef";
  Out += '"';
  // Runs of characters that need no escape are appended whole: the Ir
  // observation is a string of up to 900 KiB.
  size_t Run = 0;
  for (size_t I = 0; I < S.size(); ++I) {
    unsigned char U = S[I];
    if (U != '"' && U != '\\' && U >= 0x20)
      continue;
    Out.append(S.data() + Run, I - Run);
    Run = I + 1;
    Out += '\\';
    // The escapes llvm::json writes: text is the same either way.
    switch (U) {
    case '"':
    case '\\':
      Out += char(U);
      break;
    case '\t':
      Out += 't';
      break;
    case '\n':
      Out += 'n';
      break;
    case '\r':
      Out += 'r';
      break;
    default:
      Out += "u00";
      Out += Hex[U >> 4];
      Out += Hex[U & 15];
      break;
    }
  }
  Out.append(S.data() + Run, S.size() - Run);
  Out += '"';
}

void appendInteger(std::string &Out, int64_t V) {
  char Buf[24];
  auto [End, EC] = std::to_chars(Buf, Buf + sizeof(Buf), V);
  Out.append(Buf, End);
}

void appendValue(std::string &Out, const json::Value &V) {
  switch (V.kind()) {
  case json::Value::Number: {
    // json::Value does not say whether it holds an integer or a double, and
    // getAsInteger() takes integral doubles too. Both print the same below
    // 1e17 in magnitude, except -0.0; beyond, a double prints as "1e+17"
    // (and 2^63 does not fit getAsInteger()'s int64_t).
    double D = *V.getAsNumber();
    if (std::abs(D) < 1e17 && !(D == 0 && std::signbit(D)))
      if (std::optional<int64_t> I = V.getAsInteger()) {
        appendInteger(Out, *I);
        return;
      }
    break; // The rest: llvm::json's formatting.
  }
  case json::Value::String:
    appendString(Out, *V.getAsString());
    return;
  case json::Value::Array: {
    Out += '[';
    bool First = true;
    for (const json::Value &E : *V.getAsArray()) {
      if (!First)
        Out += ',';
      First = false;
      appendValue(Out, E);
    }
    Out += ']';
    return;
  }
  default:
    break;
  }
  raw_string_ostream OS(Out);
  OS << V;
}

bool Object::scan(StringRef Text) {
  Members.clear();
  Scanner S(Text);
  if (!S.consume('{'))
    return false;
  if (!S.consume('}')) {
    do {
      StringRef Name;
      Value V;
      if (!S.string(Name) || !S.consume(':') || !S.value(V))
        return false;
      // Duplicate names: llvm::json keeps the last; leave that to it.
      if (get(Name))
        return false;
      Members.emplace_back(Name, V);
    } while (S.consume(','));
    if (!S.consume('}'))
      return false;
  }
  return S.atEnd();
}

const Value *Object::get(StringRef Name) const {
  for (const auto &[N, V] : Members)
    if (N == Name)
      return &V;
  return nullptr;
}

std::optional<int64_t> Object::getInteger(StringRef Name) const {
  const Value *V = get(Name);
  if (!V || V->K != Value::Integer)
    return std::nullopt;
  return V->Int;
}

std::optional<StringRef> Object::getString(StringRef Name) const {
  const Value *V = get(Name);
  if (!V || V->K != Value::String)
    return std::nullopt;
  return V->Text;
}

void Object::elements(const Value &Array, SmallVectorImpl<Value> &Out) {
  assert(Array.K == Value::Array && "not an array");
  Out.clear();
  Scanner S(Array.Text);
  S.consume('[');
  if (S.consume(']'))
    return;
  do {
    Value Element;
    S.scalar(Element);
    Out.push_back(Element);
  } while (S.consume(','));
}

} // namespace flatjson
} // namespace optgym
