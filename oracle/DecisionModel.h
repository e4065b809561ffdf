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

  /// Requires Q.hasFeatures().
  virtual unsigned predict(const Query &Q) const = 0;

  /// Parses the "model" member of a kind's policy; Path leads to it in Src.
  static llvm::Expected<std::unique_ptr<DecisionModel>>
  parse(const llvm::json::Value &V, DecisionKind Kind, const JSONSource &Src,
        JSONPath &Path);
};

} // namespace optgym

#endif // OPTGYM_ORACLE_DECISIONMODEL_H
