//===- DecisionModel.cpp - Trained models over a kind's features ----------===//
//
// Tree node:   {"choice": C}
//            | {"feature": F, "le": N | "eq": V | "in": [V...],
//               "then": NODE, "else": NODE}
// Linear:      {"bias": {C: w}, "weights": {C: {F: w, "F=value": w}}}
//
//===----------------------------------------------------------------------===//

#include "oracle/DecisionModel.h"

#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <map>

using namespace llvm;

namespace optgym {

DecisionModel::~DecisionModel() = default;

namespace {

Expected<unsigned> parseChoice(const json::Value &V, DecisionKind Kind,
                               const JSONSource &Src, const JSONPath &Path) {
  std::optional<StringRef> Name = V.getAsString();
  if (!Name)
    return Src.error(Path, "expected a choice name (a string)");
  if (std::optional<unsigned> C = findChoice(Kind, *Name))
    return *C;
  return Src.error(Path, "unknown choice '" + *Name + "' for " +
                             kindName(Kind) + " (expected one of " +
                             describeChoices(Kind) + ")");
}

class DecisionTree final : public DecisionModel {
public:
  unsigned predict(const Query &Q) const override {
    const Node *N = &Nodes[0];
    while (!N->IsLeaf)
      N = &Nodes[test(*N, Q) ? N->Then : N->Else];
    return N->Choice;
  }

  bool reads(unsigned Feature) const override {
    return any_of(Nodes, [&](const Node &N) {
      return !N.IsLeaf && N.Feature == Feature;
    });
  }

  bool mayDepartWhen(unsigned Feature, StringRef Value) const override {
    // The leaves reachable when Feature is Value: tests on other features
    // may go either way.
    SmallVector<unsigned, 16> Pending = {0};
    while (!Pending.empty()) {
      const Node &N = Nodes[Pending.pop_back_val()];
      if (N.IsLeaf) {
        if (N.Choice != DefaultChoice)
          return true;
      } else if (N.Feature == Feature && N.Op == Test::In) {
        Pending.push_back(N.StrSet.contains(Value) ? N.Then : N.Else);
      } else {
        Pending.push_back(N.Then);
        Pending.push_back(N.Else);
      }
    }
    return false;
  }

  /// Appends the node at V and its subtrees; returns its index.
  Expected<unsigned> parseNode(const json::Value &V, DecisionKind Kind,
                               const JSONSource &Src, JSONPath &Path,
                               unsigned Depth);

private:
  enum class Test { LessEqual, In };
  struct Node {
    bool IsLeaf = true;
    unsigned Choice = 0;
    unsigned Feature = 0;
    Test Op = Test::In;
    double Threshold = 0;
    std::vector<int64_t> IntSet;
    StringSet<> StrSet;
    unsigned Then = 0, Else = 0;
  };

  static bool test(const Node &N, const Query &Q) {
    const FeatureValue &F = Q.Features[N.Feature];
    if (N.Op == Test::LessEqual)
      return double(F.Int) <= N.Threshold;
    if (getKindInfo(Q.Kind).Features[N.Feature].Type == FeatureType::String)
      return N.StrSet.contains(F.Str);
    return llvm::is_contained(N.IntSet, F.Int);
  }

  std::vector<Node> Nodes;
};

Expected<unsigned> DecisionTree::parseNode(const json::Value &V,
                                           DecisionKind Kind,
                                           const JSONSource &Src,
                                           JSONPath &Path, unsigned Depth) {
  constexpr unsigned MaxDepth = 256;
  const json::Object *O = V.getAsObject();
  if (!O)
    return Src.error(Path, "expected a tree node (an object)");
  if (Depth > MaxDepth)
    return Src.error(Path, "tree deeper than " + Twine(MaxDepth) + " levels");
  unsigned Index = Nodes.size();
  Nodes.emplace_back();

  if (const json::Value *C = O->get("choice")) {
    if (O->size() != 1)
      return Src.error(Path, "a leaf has only a \"choice\" member");
    JSONPathScope S(Path, JSONStep::member("choice"));
    Expected<unsigned> Choice = parseChoice(*C, Kind, Src, Path);
    if (!Choice)
      return Choice.takeError();
    Nodes[Index].Choice = *Choice;
    return Index;
  }

  for (const auto &KV : *O) {
    StringRef K = KV.first;
    if (!is_contained(
            ArrayRef<StringRef>{"feature", "le", "eq", "in", "then", "else"},
            K)) {
      JSONPathScope S(Path, JSONStep::memberName(K));
      return Src.error(Path, "unknown member '" + K +
                                 "' in a tree node (expected choice, or "
                                 "feature, le/eq/in, then, else)");
    }
  }

  const json::Value *FeatureV = O->get("feature");
  std::optional<StringRef> FeatureName =
      FeatureV ? FeatureV->getAsString() : std::nullopt;
  if (!FeatureName)
    return Src.error(Path, "a tree node needs \"choice\", or \"feature\" with "
                           "a test, \"then\" and \"else\"");
  std::optional<unsigned> Feature = findFeature(Kind, *FeatureName);
  if (!Feature) {
    JSONPathScope S(Path, JSONStep::member("feature"));
    return Src.error(Path, "unknown feature '" + *FeatureName + "' for " +
                               kindName(Kind));
  }
  FeatureType Type = getKindInfo(Kind).Features[*Feature].Type;
  Node N;
  N.IsLeaf = false;
  N.Feature = *Feature;

  unsigned NumTests =
      bool(O->get("le")) + bool(O->get("eq")) + bool(O->get("in"));
  if (NumTests != 1)
    return Src.error(Path, "a tree node needs exactly one test: le, eq or in");
  auto AddValue = [&](const json::Value &X, const JSONPath &At) -> Error {
    if (Type == FeatureType::String) {
      std::optional<StringRef> S = X.getAsString();
      if (!S)
        return Src.error(At, "feature '" + *FeatureName + "' is a string");
      N.StrSet.insert(*S);
      return Error::success();
    }
    std::optional<int64_t> I = X.getAsInteger();
    if (!I)
      return Src.error(At, "feature '" + *FeatureName + "' is an integer");
    N.IntSet.push_back(*I);
    return Error::success();
  };
  if (const json::Value *Le = O->get("le")) {
    JSONPathScope S(Path, JSONStep::member("le"));
    std::optional<double> T = Le->getAsNumber();
    if (Type != FeatureType::Int)
      return Src.error(Path, "\"le\" needs an integer feature; '" +
                                 *FeatureName + "' is a string (use eq or in)");
    if (!T || !std::isfinite(*T))
      return Src.error(Path, "\"le\" needs a number");
    N.Op = Test::LessEqual;
    N.Threshold = *T;
  } else if (const json::Value *Eq = O->get("eq")) {
    JSONPathScope S(Path, JSONStep::member("eq"));
    if (Error E = AddValue(*Eq, Path))
      return std::move(E);
  } else {
    JSONPathScope S(Path, JSONStep::member("in"));
    const json::Array *A = O->get("in")->getAsArray();
    if (!A)
      return Src.error(Path, "\"in\" needs an array");
    for (size_t I = 0; I < A->size(); ++I) {
      JSONPathScope E(Path, JSONStep::element(I));
      if (Error Err = AddValue((*A)[I], Path))
        return std::move(Err);
    }
  }

  for (const char *Branch : {"then", "else"}) {
    const json::Value *B = O->get(Branch);
    if (!B)
      return Src.error(Path, "a tree node needs \"" + Twine(Branch) + "\"");
    JSONPathScope S(Path, JSONStep::member(Branch));
    Expected<unsigned> Child = parseNode(*B, Kind, Src, Path, Depth + 1);
    if (!Child)
      return Child.takeError();
    (StringRef(Branch) == "then" ? N.Then : N.Else) = *Child;
  }
  Nodes[Index] = std::move(N);
  return Index;
}

class LinearModel final : public DecisionModel {
public:
  unsigned predict(const Query &Q) const override {
    unsigned Best = 0;
    double BestScore = -HUGE_VAL;
    // Scores is ordered by choice index, so ties go to the earlier choice.
    for (const auto &[Choice, S] : Scores) {
      double Score = S.Bias;
      for (const Term &T : S.Terms) {
        const FeatureValue &F = Q.Features[T.Feature];
        Score += T.IsIndicator ? (F.Str == T.Value ? T.Weight : 0.0)
                               : T.Weight * double(F.Int);
      }
      if (Score > BestScore) {
        Best = Choice;
        BestScore = Score;
      }
    }
    return Best;
  }

  bool reads(unsigned Feature) const override {
    return any_of(Scores, [&](const auto &Entry) {
      return any_of(Entry.second.Terms,
                    [&](const Term &T) { return T.Feature == Feature; });
    });
  }

  Error parse(const json::Object &O, DecisionKind Kind, const JSONSource &Src,
              JSONPath &Path);

private:
  struct Term {
    unsigned Feature;
    bool IsIndicator; ///< String feature: Weight when it equals Value.
    std::string Value;
    double Weight;
  };
  struct ChoiceScore {
    double Bias = 0;
    std::vector<Term> Terms;
  };
  std::map<unsigned, ChoiceScore> Scores;
};

Error LinearModel::parse(const json::Object &O, DecisionKind Kind,
                         const JSONSource &Src, JSONPath &Path) {
  for (const auto &KV : O)
    if (KV.first != "bias" && KV.first != "weights") {
      JSONPathScope S(Path, JSONStep::memberName(KV.first));
      return Src.error(Path,
                       "unknown member '" + StringRef(KV.first) +
                           "' in a linear model (expected bias, weights)");
    }
  auto ChoiceOf = [&](StringRef Name) -> Expected<unsigned> {
    return parseChoice(json::Value(Name), Kind, Src, Path);
  };
  if (const json::Value *B = O.get("bias")) {
    JSONPathScope S(Path, JSONStep::member("bias"));
    const json::Object *BO = B->getAsObject();
    if (!BO)
      return Src.error(Path, "\"bias\" maps choices to numbers");
    for (const auto &KV : *BO) {
      JSONPathScope E(Path, JSONStep::member(KV.first));
      Expected<unsigned> C = ChoiceOf(KV.first);
      if (!C)
        return C.takeError();
      std::optional<double> W = KV.second.getAsNumber();
      if (!W)
        return Src.error(Path, "a bias is a number");
      Scores[*C].Bias = *W;
    }
  }
  if (const json::Value *Ws = O.get("weights")) {
    JSONPathScope S(Path, JSONStep::member("weights"));
    const json::Object *WO = Ws->getAsObject();
    if (!WO)
      return Src.error(Path, "\"weights\" maps choices to feature weights");
    for (const auto &KV : *WO) {
      JSONPathScope E(Path, JSONStep::member(KV.first));
      Expected<unsigned> C = ChoiceOf(KV.first);
      if (!C)
        return C.takeError();
      const json::Object *FO = KV.second.getAsObject();
      if (!FO)
        return Src.error(Path, "expected an object of feature weights");
      ChoiceScore &Score = Scores[*C];
      for (const auto &FW : *FO) {
        JSONPathScope F(Path, JSONStep::member(FW.first));
        auto [Name, Value] = StringRef(FW.first).split('=');
        bool IsIndicator = StringRef(FW.first).contains('=');
        std::optional<unsigned> Feature = findFeature(Kind, Name);
        if (!Feature)
          return Src.error(Path, "unknown feature '" + Name + "' for " +
                                     kindName(Kind));
        bool IsString =
            getKindInfo(Kind).Features[*Feature].Type == FeatureType::String;
        if (IsString != IsIndicator)
          return Src.error(Path, IsString ? "string feature '" + Name +
                                                "' needs a value: '" + Name +
                                                "=VALUE'"
                                          : "integer feature '" + Name +
                                                "' takes a plain weight");
        std::optional<double> W = FW.second.getAsNumber();
        if (!W)
          return Src.error(Path, "a weight is a number");
        Score.Terms.push_back({*Feature, IsIndicator, Value.str(), *W});
      }
    }
  }
  if (Scores.empty())
    return Src.error(Path, "a linear model needs at least one choice in "
                           "\"bias\" or \"weights\"");
  return Error::success();
}

} // namespace

Expected<std::unique_ptr<DecisionModel>>
DecisionModel::parse(const json::Value &V, DecisionKind Kind,
                     const JSONSource &Src, JSONPath &Path) {
  const json::Object *O = V.getAsObject();
  if (!O || O->size() != 1 || !(O->get("tree") || O->get("linear")))
    return Src.error(Path, "a model is {\"tree\": NODE} or "
                           "{\"linear\": {\"bias\": ..., \"weights\": ...}}");
  if (const json::Value *T = O->get("tree")) {
    JSONPathScope S(Path, JSONStep::member("tree"));
    auto Tree = std::make_unique<DecisionTree>();
    Expected<unsigned> Root = Tree->parseNode(*T, Kind, Src, Path, 0);
    if (!Root)
      return Root.takeError();
    return std::move(Tree);
  }
  JSONPathScope S(Path, JSONStep::member("linear"));
  const json::Object *L = O->get("linear")->getAsObject();
  if (!L)
    return Src.error(Path, "\"linear\" needs an object");
  auto Linear = std::make_unique<LinearModel>();
  if (Error E = Linear->parse(*L, Kind, Src, Path))
    return std::move(E);
  return std::move(Linear);
}

} // namespace optgym
