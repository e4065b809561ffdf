//===- DecisionModel.h - Trained models over a kind's features --*- C++ -*-===//
//
// A policy file may carry, per decision kind, a model that generalizes beyond
// the keys it was trained on: a decision tree (tests on features, choices at
// the leaves) or linear scores (one weight vector per choice, highest score
// wins). Models are data: parsing checks every feature name, test and choice
// against the kind's schema, and evaluation cannot fail.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_DECISIONMODEL_H
#define OPTGYM_ORACLE_DECISIONMODEL_H

#include "oracle/JSONSource.h"
#include "oracle/Query.h"

#include <memory>

namespace optgym {

class DecisionModel {
public:
  virtual ~DecisionModel();

  /// Requires Q.hasFeatures(); of those, only the features reads() names
  /// need to hold their values.
  virtual unsigned predict(const Query &Q) const = 0;

  /// True when predict() may look at the kind's feature number Feature.
  /// Decision points leave out the costly features no model reads.
  virtual bool reads(unsigned Feature) const = 0;

  /// False when predict() answers the default for every query whose string
  /// feature Feature is Value, whatever its other features.
  virtual bool mayDepartWhen(unsigned Feature, llvm::StringRef Value) const {
    return true;
  }

  /// Parses the "model" member of a kind's policy; Path leads to it in Src.
  static llvm::Expected<std::unique_ptr<DecisionModel>>
  parse(const llvm::json::Value &V, DecisionKind Kind, const JSONSource &Src,
        JSONPath &Path);
};

} // namespace optgym

#endif // OPTGYM_ORACLE_DECISIONMODEL_H
