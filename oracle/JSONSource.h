//===- JSONSource.h - JSON text that can point at its own errors -*- C++
//-*-===//
//
// llvm::json parses but forgets positions. Policy and trace files are written
// by hand as often as by tools, so a mistake deep inside one must be reported
// as FILE:LINE:COLUMN. JSONSource keeps the text and finds the position of the
// value a path (member names and array indices) leads to.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_JSONSOURCE_H
#define OPTGYM_ORACLE_JSONSOURCE_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <string>

namespace optgym {

/// One step from a JSON value into a member or an element.
struct JSONStep {
  std::string Member; ///< Used when !IsIndex.
  size_t Index = 0;   ///< Used when IsIndex.
  bool IsIndex = false;
  /// Points at the member's name rather than its value (for errors about
  /// the name itself); ends the path.
  bool AtName = false;

  static JSONStep member(llvm::StringRef Name) {
    return {Name.str(), 0, false, false};
  }
  static JSONStep memberName(llvm::StringRef Name) {
    return {Name.str(), 0, false, true};
  }
  static JSONStep element(size_t I) { return {"", I, true, false}; }
};

using JSONPath = llvm::SmallVector<JSONStep, 8>;

/// Extends a path by one step for the lifetime of a scope.
class JSONPathScope {
public:
  JSONPathScope(JSONPath &Path, JSONStep Step) : Path(Path) {
    Path.push_back(std::move(Step));
  }
  ~JSONPathScope() { Path.pop_back(); }
  JSONPathScope(const JSONPathScope &) = delete;
  JSONPathScope &operator=(const JSONPathScope &) = delete;

private:
  JSONPath &Path;
};

/// How deeply OptGym's JSON inputs may nest. llvm::json's parser recurses
/// once per level, so a policy or message of a million '[' would overflow the
/// compiler's stack; OptGym's own files nest a few hundred levels at most (a
/// decision tree is limited to 256).
constexpr unsigned MaxJSONNesting = 512;

/// The offset of the first '[' or '{' nested deeper than MaxNesting (outside
/// strings), or StringRef::npos. Linear, with no recursion.
size_t findExcessiveNesting(llvm::StringRef Text,
                            unsigned MaxNesting = MaxJSONNesting);

class JSONSource {
public:
  /// FirstLine is the line of the file on which Text starts (for JSON lines).
  JSONSource(llvm::StringRef FileName, llvm::StringRef Text,
             unsigned FirstLine = 1)
      : FileName(FileName), Text(Text), FirstLine(FirstLine) {}

  /// Parses the text; a syntax error reads "FILE:LINE:COLUMN: message", and
  /// so does nesting deeper than MaxJSONNesting.
  llvm::Expected<llvm::json::Value> parse() const;

  /// An error located at the value Path leads to (or as deep as it exists).
  llvm::Error error(llvm::ArrayRef<JSONStep> Path,
                    const llvm::Twine &Msg) const;

  /// "FILE:LINE:COLUMN" of the value Path leads to.
  std::string location(llvm::ArrayRef<JSONStep> Path) const;

  llvm::StringRef fileName() const { return FileName; }

private:
  size_t offsetOf(llvm::ArrayRef<JSONStep> Path) const;
  std::string locationAt(size_t Offset) const;

  std::string FileName;
  llvm::StringRef Text;
  unsigned FirstLine;
};

} // namespace optgym

#endif // OPTGYM_ORACLE_JSONSOURCE_H
