//===- DecisionKind.h - Decision kinds, features and choices ----*- C++ -*-===//
//
// What OptGym can be asked: each decision kind has a fixed feature schema and
// a fixed, ordered set of choices. Both are generated from DecisionKinds.def.
// Nothing here depends on LLVM IR, so the oracle layer tests on its own.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_DECISIONKIND_H
#define OPTGYM_ORACLE_DECISIONKIND_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace optgym {

enum class DecisionKind : uint8_t {
#define OPTGYM_KIND(Id, Name, Doc) Id,
#include "oracle/DecisionKinds.def"
};

constexpr unsigned NumDecisionKinds = 0
#define OPTGYM_KIND(Id, Name, Doc) +1
#include "oracle/DecisionKinds.def"
    ;

/// Every feature of every kind, named Kind_Feature.
enum class FeatureId : uint16_t {
#define OPTGYM_FEATURE(Kind, Id, Name, Type, Doc) Kind##_##Id,
#include "oracle/DecisionKinds.def"
};

constexpr unsigned NumFeatureIds = 0
#define OPTGYM_FEATURE(Kind, Id, Name, Type, Doc) +1
#include "oracle/DecisionKinds.def"
    ;

enum class FeatureType : uint8_t { Int, String };

struct FeatureInfo {
  llvm::StringRef Name;
  FeatureType Type;
  llvm::StringRef Doc;
};

struct DecisionKindInfo {
  DecisionKind Kind;
  llvm::StringRef Name;
  llvm::StringRef Doc;
  llvm::ArrayRef<FeatureInfo> Features;
  /// The ordered choice set. Index 0 is what LLVM does on its own.
  llvm::ArrayRef<std::string> Choices;
  /// The first NumOffered choices are those an oracle may pick on its own;
  /// the rest (pass-choice's replay-only actions) only replay a record.
  unsigned NumOffered;
};

const DecisionKindInfo &getKindInfo(DecisionKind Kind);
llvm::ArrayRef<DecisionKind> allDecisionKinds();
std::optional<DecisionKind> parseDecisionKind(llvm::StringRef Name);
llvm::StringRef kindName(DecisionKind Kind);

/// The kind a feature belongs to and its position in that kind's vector.
DecisionKind featureKind(FeatureId Id);
unsigned featureIndex(FeatureId Id);

std::optional<unsigned> findFeature(DecisionKind Kind, llvm::StringRef Name);
std::optional<unsigned> findChoice(DecisionKind Kind, llvm::StringRef Name);

/// "pass-gate, loop-unroll, ...": every kind name, for messages.
std::string describeKinds();

/// "a, b, c" or, for long sets, a summary such as "default, ..., count:64".
std::string describeChoices(DecisionKind Kind);

/// The choice index that keeps LLVM's own decision.
constexpr unsigned DefaultChoice = 0;

/// Choice indices of the kinds whose decision points interpret them.
namespace choice {
// pass-gate, codegen-gate
constexpr unsigned Run = 0, Skip = 1;
// loop-unroll: Default, Disable, Full, then count:N for N = 2..64.
constexpr unsigned UnrollDisable = 1, UnrollFull = 2, UnrollCountFirst = 3;
constexpr unsigned MinUnrollCount = 2, MaxUnrollCount = 64;
// loop-vectorize: Default, Off, then wWiI for W in 1..16, I in 1..8 (powers
// of two), W-major.
constexpr unsigned VectorizeOff = 1, VectorizeFirstWidth = 2;
constexpr unsigned NumWidths = 5, NumInterleaves = 4;
// inline
constexpr unsigned Inline = 1, NoInline = 2;
// codegen-option
constexpr unsigned SetOption = 1;
// affine-unroll and affine-unroll-jam: Default, None, Full, then factor:N for
// N = 2..32.
constexpr unsigned AffineUnrollNone = 1, AffineUnrollFull = 2;
constexpr unsigned AffineFactorFirst = 3;
constexpr unsigned MinAffineFactor = 2, MaxAffineFactor = 32;
// affine-tile and linalg-tile: Default, None, then size:N for N = 2, 4, ...,
// 512.
constexpr unsigned TileNone = 1, TileSizeFirst = 2;
constexpr unsigned NumTileSizes = 9;

// tune-knob: Default, then option:I for I = 0..31 (past a knob's options,
// the index wraps around).
constexpr unsigned KnobOptionFirst = 1, NumKnobOptions = 32;

inline unsigned unrollCount(unsigned Choice) {
  return Choice - UnrollCountFirst + MinUnrollCount;
}
inline unsigned affineFactor(unsigned Choice) {
  return Choice - AffineFactorFirst + MinAffineFactor;
}
inline unsigned tileSize(unsigned Choice) {
  return 2u << (Choice - TileSizeFirst);
}
inline unsigned knobOption(unsigned Choice) { return Choice - KnobOptionFirst; }
inline unsigned vectorWidth(unsigned Choice) {
  return 1u << ((Choice - VectorizeFirstWidth) / NumInterleaves);
}
inline unsigned interleaveCount(unsigned Choice) {
  return 1u << ((Choice - VectorizeFirstWidth) % NumInterleaves);
}
} // namespace choice

} // namespace optgym

#endif // OPTGYM_ORACLE_DECISIONKIND_H
