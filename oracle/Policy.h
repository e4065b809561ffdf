//===- Policy.h - The policy file: tables and models per kind ---*- C++ -*-===//
//
// A policy is what a trained agent leaves behind and what a production build
// loads (docs/policy-format.md). Per decision kind it may hold an exact table
// (key -> choice), a model over the kind's features, and a fallback choice.
// A query is answered by the first that applies: table, model, fallback, and
// otherwise LLVM's default.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_POLICY_H
#define OPTGYM_ORACLE_POLICY_H

#include "oracle/DecisionModel.h"

#include "llvm/ADT/StringMap.h"

#include <array>
#include <memory>
#include <optional>

namespace optgym {

struct KindPolicy {
  llvm::StringMap<unsigned> Table;
  std::unique_ptr<DecisionModel> Model;
  std::optional<unsigned> Fallback;
};

class Policy {
public:
  static constexpr llvm::StringLiteral Format = "optgym-policy";
  static constexpr int64_t Version = 1;

  /// Which part of the policy produced an answer.
  enum class Source { Table, Model, Fallback, Default };
  struct Answer {
    unsigned Choice;
    Source From;
    /// The table entry that answered (Source::Table only).
    const llvm::StringMapEntry<unsigned> *Entry = nullptr;
  };

  static llvm::Expected<Policy> parse(llvm::StringRef Text,
                                      llvm::StringRef FileName);
  static llvm::Expected<Policy> load(llvm::StringRef Path);

  /// Model answers need Q.hasFeatures(); without features the model is
  /// skipped.
  Answer decide(const Query &Q) const;

  const KindPolicy &get(DecisionKind Kind) const {
    return Kinds[unsigned(Kind)];
  }
  KindPolicy &get(DecisionKind Kind) { return Kinds[unsigned(Kind)]; }

  /// The policy as JSON (tables and fallbacks; models are not re-serialized),
  /// keys sorted, for tools that write policies.
  llvm::json::Value tablesToJSON(llvm::StringRef Description) const;

private:
  std::array<KindPolicy, NumDecisionKinds> Kinds;
};

} // namespace optgym

#endif // OPTGYM_ORACLE_POLICY_H
