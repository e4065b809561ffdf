//===- DecisionKind.cpp - Decision kinds, features and choices ------------===//

#include "oracle/DecisionKind.h"
#include "oracle/ActionSpace.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/Twine.h"

#include <vector>

using namespace llvm;

namespace optgym {
namespace {

constexpr DecisionKind FeatureKinds[] = {
#define OPTGYM_FEATURE(Kind, Id, Name, Type, Doc) DecisionKind::Kind,
#include "oracle/DecisionKinds.def"
};

constexpr FeatureInfo AllFeatures[] = {
#define OPTGYM_FEATURE(Kind, Id, Name, Type, Doc)                              \
  {Name, FeatureType::Type, Doc},
#include "oracle/DecisionKinds.def"
};

std::vector<std::string> makeChoices(DecisionKind Kind) {
  switch (Kind) {
  case DecisionKind::PassGate:
  case DecisionKind::CodegenGate:
    return {"run", "skip"};
  case DecisionKind::LoopUnroll: {
    std::vector<std::string> C = {"default", "disable", "full"};
    for (unsigned N = choice::MinUnrollCount; N <= choice::MaxUnrollCount; ++N)
      C.push_back(("count:" + Twine(N)).str());
    return C;
  }
  case DecisionKind::LoopVectorize: {
    std::vector<std::string> C = {"default", "off"};
    for (unsigned W = 0; W < choice::NumWidths; ++W)
      for (unsigned I = 0; I < choice::NumInterleaves; ++I)
        C.push_back(("w" + Twine(1u << W) + "i" + Twine(1u << I)).str());
    return C;
  }
  case DecisionKind::Inline:
    return {"default", "inline", "no-inline"};
  case DecisionKind::CodegenOption:
    return {"default", "set"};
  case DecisionKind::AffineUnroll:
  case DecisionKind::AffineUnrollJam: {
    std::vector<std::string> C = {"default", "none", "full"};
    for (unsigned N = choice::MinAffineFactor; N <= choice::MaxAffineFactor;
         ++N)
      C.push_back(("factor:" + Twine(N)).str());
    return C;
  }
  case DecisionKind::AffineTile:
  case DecisionKind::LinalgTile: {
    std::vector<std::string> C = {"default", "none"};
    for (unsigned I = 0; I < choice::NumTileSizes; ++I)
      C.push_back(("size:" + Twine(2u << I)).str());
    return C;
  }
  case DecisionKind::TuneKnob: {
    std::vector<std::string> C = {"default"};
    for (unsigned I = 0; I < choice::NumKnobOptions; ++I)
      C.push_back(("option:" + Twine(I)).str());
    return C;
  }
  case DecisionKind::PassChoice: {
    std::vector<std::string> C = {"stop"};
    for (const Action &A : allActions())
      C.push_back(A.Name);
    return C;
  }
  }
  return {};
}

/// Built once; everything else in this file reads it.
struct Registry {
  std::vector<std::string> Choices[NumDecisionKinds];
  StringMap<unsigned> ChoiceIndex[NumDecisionKinds];
  StringMap<unsigned> FeatureIndex[NumDecisionKinds];
  unsigned FirstFeature[NumDecisionKinds] = {};
  DecisionKindInfo Infos[NumDecisionKinds];
  DecisionKind Kinds[NumDecisionKinds];
  StringMap<DecisionKind> KindByName;

  Registry() {
    static constexpr const char *Names[] = {
#define OPTGYM_KIND(Id, Name, Doc) Name,
#include "oracle/DecisionKinds.def"
    };
    static constexpr const char *Docs[] = {
#define OPTGYM_KIND(Id, Name, Doc) Doc,
#include "oracle/DecisionKinds.def"
    };
    unsigned NumFeatures[NumDecisionKinds] = {};
    for (DecisionKind K : FeatureKinds)
      ++NumFeatures[unsigned(K)];
    unsigned First = 0;
    for (unsigned K = 0; K < NumDecisionKinds; ++K) {
      auto Kind = DecisionKind(K);
      Kinds[K] = Kind;
      FirstFeature[K] = First;
      Choices[K] = makeChoices(Kind);
      for (unsigned C = 0; C < Choices[K].size(); ++C)
        ChoiceIndex[K][Choices[K][C]] = C;
      ArrayRef<FeatureInfo> Features(AllFeatures + First, NumFeatures[K]);
      for (unsigned F = 0; F < Features.size(); ++F)
        FeatureIndex[K][Features[F].Name] = F;
      unsigned Offered = Choices[K].size();
      if (Kind == DecisionKind::PassChoice)
        Offered = choice::FirstAction + actionSpace().size();
      Infos[K] = {Kind, Names[K], Docs[K], Features, Choices[K], Offered};
      KindByName[Names[K]] = Kind;
      First += NumFeatures[K];
    }
  }
};

const Registry &registry() {
  static const Registry R;
  return R;
}

} // namespace

const DecisionKindInfo &getKindInfo(DecisionKind Kind) {
  return registry().Infos[unsigned(Kind)];
}

ArrayRef<DecisionKind> allDecisionKinds() { return registry().Kinds; }

StringRef kindName(DecisionKind Kind) { return getKindInfo(Kind).Name; }

std::optional<DecisionKind> parseDecisionKind(StringRef Name) {
  const auto &Map = registry().KindByName;
  auto It = Map.find(Name);
  if (It == Map.end())
    return std::nullopt;
  return It->second;
}

DecisionKind featureKind(FeatureId Id) { return FeatureKinds[unsigned(Id)]; }

unsigned featureIndex(FeatureId Id) {
  return unsigned(Id) - registry().FirstFeature[unsigned(featureKind(Id))];
}

std::optional<unsigned> findFeature(DecisionKind Kind, StringRef Name) {
  const auto &Map = registry().FeatureIndex[unsigned(Kind)];
  auto It = Map.find(Name);
  if (It == Map.end())
    return std::nullopt;
  return It->second;
}

std::optional<unsigned> findChoice(DecisionKind Kind, StringRef Name) {
  const auto &Map = registry().ChoiceIndex[unsigned(Kind)];
  auto It = Map.find(Name);
  if (It == Map.end())
    return std::nullopt;
  return It->second;
}

std::string describeKinds() {
  std::string Out;
  for (DecisionKind Kind : allDecisionKinds())
    Out += (Out.empty() ? "" : ", ") + kindName(Kind).str();
  return Out;
}

std::string describeChoices(DecisionKind Kind) {
  // The offered choices: pass-choice's replay-only actions are for records.
  const DecisionKindInfo &Info = getKindInfo(Kind);
  ArrayRef<std::string> Choices = Info.Choices.take_front(Info.NumOffered);
  std::string Out;
  constexpr size_t MaxListed = 8;
  for (size_t I = 0; I < Choices.size(); ++I) {
    if (Choices.size() > MaxListed && I == MaxListed - 4) {
      Out += ", ...";
      I = Choices.size() - 1;
    }
    if (!Out.empty())
      Out += ", ";
    Out += Choices[I];
  }
  return Out;
}

} // namespace optgym
