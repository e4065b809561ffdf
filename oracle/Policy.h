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
#include "oracle/Oracle.h"

#include "llvm/ADT/StringMap.h"

#include <array>
#include <memory>
#include <optional>
#include <vector>

namespace optgym {

struct KindPolicy {
  llvm::StringMap<unsigned> Table;
  std::unique_ptr<DecisionModel> Model;
  std::optional<unsigned> Fallback;
};

/// What a policy (or one of its alternatives) answers for each kind.
using DecisionSet = std::array<KindPolicy, NumDecisionKinds>;

class Policy {
public:
  static constexpr llvm::StringLiteral Format = "optgym-policy";
  /// The versions this OptGym reads; a file says the lowest that holds
  /// what it uses (version 2 added the guard and alternatives).
  static constexpr int64_t MinVersion = 1;
  static constexpr int64_t Version = 2;

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

  Policy() : Sets(1) {}

  /// The answer of alternative Alternative (0: the policy's "decisions").
  /// Model answers need Q.hasFeatures(); without features the model is
  /// skipped.
  Answer decide(const Query &Q, unsigned Alternative = 0) const;

  const KindPolicy &get(DecisionKind Kind, unsigned Alternative = 0) const {
    return Sets[Alternative][unsigned(Kind)];
  }
  KindPolicy &get(DecisionKind Kind) { return Sets[0][unsigned(Kind)]; }

  /// The policy's decisions, then its alternatives (version 2), among which
  /// its guard chooses per unit.
  unsigned numAlternatives() const { return Sets.size(); }

  const std::optional<UnitGuard> &guard() const { return Guard; }

  /// The version the file said it is.
  int64_t version() const { return FileVersion; }

  /// The policy as JSON (tables and fallbacks; models are not re-serialized),
  /// keys sorted, for tools that write policies.
  llvm::json::Value tablesToJSON(llvm::StringRef Description) const;

private:
  std::vector<DecisionSet> Sets;
  std::optional<UnitGuard> Guard;
  int64_t FileVersion = MinVersion;
};

} // namespace optgym

#endif // OPTGYM_ORACLE_POLICY_H
