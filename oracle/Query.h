//===- Query.h - One decision asked of an oracle ----------------*- C++ -*-===//
//
// A query names its kind, a key that is stable across runs on the same input,
// and (when the oracle looks at them) the kind's feature vector. Answers are
// indices into the kind's choice set (DecisionKind.h).
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_QUERY_H
#define OPTGYM_ORACLE_QUERY_H

#include "oracle/DecisionKind.h"

#include "llvm/ADT/SmallVector.h"

#include <cassert>
#include <string>

namespace optgym {

class QueryServices;

/// An Int feature uses Int; a String feature uses Str.
struct FeatureValue {
  int64_t Int = 0;
  std::string Str;
};

struct Query {
  Query(DecisionKind Kind, std::string Key) : Kind(Kind), Key(std::move(Key)) {}

  DecisionKind Kind;
  std::string Key;
  /// The choice LLVM would make on its own.
  unsigned Default = DefaultChoice;
  /// Empty until the decision point fills it in (see withFeatures()).
  llvm::SmallVector<FeatureValue, 12> Features;
  /// Observations a live agent may ask for before it answers; null for
  /// most kinds (QueryServices.h).
  QueryServices *Services = nullptr;

  bool hasFeatures() const { return !Features.empty(); }

  /// Sizes the feature vector for this kind; every feature starts at 0 / "".
  void initFeatures() {
    Features.assign(getKindInfo(Kind).Features.size(), FeatureValue());
  }
  void set(FeatureId Id, int64_t Value) {
    assert(featureKind(Id) == Kind && "feature of another kind");
    Features[featureIndex(Id)].Int = Value;
  }
  void set(FeatureId Id, llvm::StringRef Value) {
    assert(featureKind(Id) == Kind && "feature of another kind");
    Features[featureIndex(Id)].Str = Value.str();
  }
  int64_t getInt(unsigned Index) const { return Features[Index].Int; }
  llvm::StringRef getString(unsigned Index) const {
    return Features[Index].Str;
  }
};

} // namespace optgym

#endif // OPTGYM_ORACLE_QUERY_H
