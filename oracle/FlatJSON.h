//===- FlatJSON.h - Writing and scanning the protocol's hot messages -*- C++
//-*-===//
//
// Queries and answers cross the socket once per decision, thousands of times
// per compile. Building them through llvm::json::Value costs microseconds
// (every string is copied and validated, every object is a hash map), which
// is as much as the socket round trip itself. These helpers write JSON text
// directly, and scan the common shape of a message (one object whose members
// are strings without escapes, integers, or arrays of those) without
// building a DOM. The scanner only accepts: anything else makes it fail, and
// the caller parses the message properly with llvm::json, which also gives
// the error messages. Both paths accept exactly the same messages.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_FLATJSON_H
#define OPTGYM_ORACLE_FLATJSON_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <string>

namespace optgym {
namespace flatjson {

/// Appends S as a JSON string literal.
void appendString(std::string &Out, llvm::StringRef S);
void appendInteger(std::string &Out, int64_t V);
/// Appends V as JSON text: what raw_ostream << V prints, with integers,
/// strings and arrays written directly (an observation such as Autophase,
/// 56 integers, in a tenth of the time) and anything else through
/// llvm::json.
void appendValue(std::string &Out, const llvm::json::Value &V);

/// One scanned value: a string (its text, no escapes in it), an integer, or
/// an array of those (its raw text, for elements()).
struct Value {
  enum Kind { String, Integer, Array } K;
  llvm::StringRef Text;
  int64_t Int = 0;
};

/// A flat object scanned in place; the text must outlive it.
class Object {
public:
  /// False when Text is not a flat object of the shape above (it may still
  /// be valid JSON).
  bool scan(llvm::StringRef Text);

  const Value *get(llvm::StringRef Name) const;
  std::optional<int64_t> getInteger(llvm::StringRef Name) const;
  std::optional<llvm::StringRef> getString(llvm::StringRef Name) const;

  /// The elements of an array value scanned by scan().
  static void elements(const Value &Array, llvm::SmallVectorImpl<Value> &Out);

private:
  llvm::SmallVector<std::pair<llvm::StringRef, Value>, 8> Members;
};

} // namespace flatjson
} // namespace optgym

#endif // OPTGYM_ORACLE_FLATJSON_H
