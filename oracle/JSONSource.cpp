//===- JSONSource.cpp - JSON text that can point at its own errors --------===//

#include "oracle/JSONSource.h"

#include "llvm/Support/Regex.h"

using namespace llvm;

namespace optgym {
namespace {

/// A forward-only scanner over well-formed JSON (the text has already been
/// parsed by llvm::json, so it only needs to skip, never to validate).
class Scanner {
public:
  explicit Scanner(StringRef Text) : Text(Text) {}

  size_t Pos = 0;

  char peek() {
    skipSpace();
    return Pos < Text.size() ? Text[Pos] : '\0';
  }

  void skipSpace() {
    while (Pos < Text.size() && StringRef(" \t\r\n").contains(Text[Pos]))
      ++Pos;
  }

  /// Reads a string starting at Pos (on its opening quote), decoding the
  /// simple escapes that member names use in practice.
  std::string readString() {
    std::string Out;
    ++Pos;
    while (Pos < Text.size() && Text[Pos] != '"') {
      if (Text[Pos] == '\\' && Pos + 1 < Text.size()) {
        char E = Text[++Pos];
        Out += E == 'n' ? '\n' : E == 't' ? '\t' : E;
      } else {
        Out += Text[Pos];
      }
      ++Pos;
    }
    ++Pos;
    return Out;
  }

  void skipValue() {
    char C = peek();
    if (C == '"') {
      readString();
      return;
    }
    if (C == '{' || C == '[') {
      unsigned Depth = 0;
      while (Pos < Text.size()) {
        char D = Text[Pos];
        if (D == '"') {
          readString();
          continue;
        }
        ++Pos;
        if (D == '{' || D == '[')
          ++Depth;
        else if ((D == '}' || D == ']') && --Depth == 0)
          return;
      }
      return;
    }
    while (Pos < Text.size() && !StringRef(",}] \t\r\n").contains(Text[Pos]))
      ++Pos;
  }

  /// Moves into member Name of the object at Pos (onto its name if AtName);
  /// false if there is none.
  bool enterMember(StringRef Name, bool AtName) {
    if (peek() != '{')
      return false;
    ++Pos;
    while (peek() == '"') {
      size_t NameStart = Pos;
      std::string Key = readString();
      if (peek() != ':')
        return false;
      ++Pos;
      if (Key == Name) {
        skipSpace();
        if (AtName)
          Pos = NameStart;
        return true;
      }
      if (!skipItem())
        return false;
    }
    return false;
  }

  /// Moves into element Index of the array at Pos; false if there is none.
  bool enterElement(size_t Index) {
    if (peek() != '[')
      return false;
    ++Pos;
    for (size_t I = 0; peek() != ']' && Pos < Text.size(); ++I) {
      if (I == Index) {
        skipSpace();
        return true;
      }
      if (!skipItem())
        return false;
    }
    return false;
  }

private:
  /// Skips the member value or element at Pos and the comma after it; false
  /// after the last one of its object or array.
  bool skipItem() {
    skipValue();
    if (peek() != ',')
      return false;
    ++Pos;
    return true;
  }

  StringRef Text;
};

} // namespace

size_t findExcessiveNesting(StringRef Text, unsigned MaxNesting) {
  unsigned Depth = 0;
  bool InString = false;
  for (size_t I = 0; I < Text.size(); ++I) {
    char C = Text[I];
    if (InString) {
      if (C == '\\')
        ++I;
      else if (C == '"')
        InString = false;
    } else if (C == '"') {
      InString = true;
    } else if (C == '[' || C == '{') {
      if (++Depth > MaxNesting)
        return I;
    } else if ((C == ']' || C == '}') && Depth) {
      --Depth;
    }
  }
  return StringRef::npos;
}

Expected<json::Value> JSONSource::parse() const {
  size_t TooDeep = findExcessiveNesting(Text);
  if (TooDeep != StringRef::npos)
    return createStringError(inconvertibleErrorCode(),
                             locationAt(TooDeep) +
                                 ": invalid JSON: nested deeper than " +
                                 Twine(MaxJSONNesting) + " levels");
  Expected<json::Value> V = json::parse(Text);
  if (V)
    return V;
  // llvm::json reports "[LINE:COLUMN, byte=N]: message", counting the column
  // from 0 but only after consuming the offending character, so the number
  // is the 1-based column of that character. Reword it in the
  // FILE:LINE:COLUMN form compilers use.
  std::string Msg = toString(V.takeError());
  SmallVector<StringRef, 4> Groups;
  if (Regex("^\\[([0-9]+):([0-9]+), byte=[0-9]+\\]: (.*)$")
          .match(Msg, &Groups)) {
    unsigned Line = 0;
    Groups[1].getAsInteger(10, Line);
    return createStringError(inconvertibleErrorCode(),
                             FileName + ":" + Twine(Line + FirstLine - 1) +
                                 ":" + Groups[2] +
                                 ": invalid JSON: " + Groups[3]);
  }
  return createStringError(inconvertibleErrorCode(),
                           FileName + ":" + Twine(FirstLine) +
                               ": invalid JSON: " + Msg);
}

size_t JSONSource::offsetOf(ArrayRef<JSONStep> Path) const {
  Scanner S(Text);
  S.skipSpace();
  size_t Best = S.Pos;
  for (const JSONStep &Step : Path) {
    if (!(Step.IsIndex ? S.enterElement(Step.Index)
                       : S.enterMember(Step.Member, Step.AtName)))
      break;
    Best = S.Pos;
    if (Step.AtName)
      break;
  }
  return Best;
}

std::string JSONSource::locationAt(size_t Offset) const {
  StringRef Before = Text.take_front(Offset);
  unsigned Line = FirstLine + Before.count('\n');
  size_t LineStart = Before.rfind('\n');
  size_t Column =
      LineStart == StringRef::npos ? Offset + 1 : Offset - LineStart;
  return (FileName + ":" + Twine(Line) + ":" + Twine(Column)).str();
}

std::string JSONSource::location(ArrayRef<JSONStep> Path) const {
  return locationAt(offsetOf(Path));
}

Error JSONSource::error(ArrayRef<JSONStep> Path, const Twine &Msg) const {
  return createStringError(inconvertibleErrorCode(),
                           location(Path) + ": " + Msg);
}

} // namespace optgym
