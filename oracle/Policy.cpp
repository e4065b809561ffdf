//===- Policy.cpp - The policy file: tables and models per kind -----------===//

#include "oracle/Policy.h"
#include "oracle/InputFile.h"

using namespace llvm;

namespace optgym {
namespace {

Error parseKindPolicy(const json::Value &V, DecisionKind Kind, KindPolicy &P,
                      const JSONSource &Src, JSONPath &Path) {
  const json::Object *O = V.getAsObject();
  if (!O)
    return Src.error(Path, "expected an object with table, model and/or "
                           "fallback for " +
                               kindName(Kind));
  for (const auto &KV : *O) {
    StringRef Member = KV.first;
    JSONPathScope InMember(Path, JSONStep::member(Member));
    if (Member == "table") {
      const json::Object *T = KV.second.getAsObject();
      if (!T)
        return Src.error(Path, "a table maps decision keys to choices");
      for (const auto &Entry : *T) {
        JSONPathScope InEntry(Path, JSONStep::member(Entry.first));
        std::optional<StringRef> Name = Entry.second.getAsString();
        if (!Name)
          return Src.error(Path, "expected a choice name (a string)");
        std::optional<unsigned> C = findChoice(Kind, *Name);
        if (!C)
          return Src.error(Path, "unknown choice '" + *Name + "' for " +
                                     kindName(Kind) + " (expected one of " +
                                     describeChoices(Kind) + ")");
        P.Table[StringRef(Entry.first)] = *C;
      }
    } else if (Member == "model") {
      Expected<std::unique_ptr<DecisionModel>> M =
          DecisionModel::parse(KV.second, Kind, Src, Path);
      if (!M)
        return M.takeError();
      P.Model = std::move(*M);
    } else if (Member == "fallback") {
      std::optional<StringRef> Name = KV.second.getAsString();
      std::optional<unsigned> C = Name ? findChoice(Kind, *Name) : std::nullopt;
      if (!C)
        return Src.error(Path, "the fallback is a choice of " + kindName(Kind) +
                                   " (one of " + describeChoices(Kind) + ")");
      P.Fallback = *C;
    } else {
      Path.back().AtName = true;
      return Src.error(Path, "unknown member '" + Member + "' for " +
                                 kindName(Kind) +
                                 " (expected table, model, fallback)");
    }
  }
  return Error::success();
}

Error parseDecisions(const json::Value &V, DecisionSet &Set,
                     const JSONSource &Src, JSONPath &Path) {
  const json::Object *D = V.getAsObject();
  if (!D)
    return Src.error(Path, "\"decisions\" maps decision kinds to policies");
  for (const auto &KindKV : *D) {
    JSONPathScope InKind(Path, JSONStep::member(KindKV.first));
    std::optional<DecisionKind> Kind = parseDecisionKind(KindKV.first);
    if (!Kind) {
      Path.back().AtName = true;
      return Src.error(Path, "unknown decision kind '" +
                                 StringRef(KindKV.first) + "' (expected " +
                                 describeKinds() + ")");
    }
    if (Error E = parseKindPolicy(KindKV.second, *Kind, Set[unsigned(*Kind)],
                                  Src, Path))
      return E;
  }
  return Error::success();
}

Expected<UnitGuard> parseGuard(const json::Value &V, const JSONSource &Src,
                               JSONPath &Path) {
  const json::Object *O = V.getAsObject();
  if (!O)
    return Src.error(Path, "expected an object such as {\"scope\": \"unit\"}");
  UnitGuard G;
  bool HasScope = false;
  for (const auto &KV : *O) {
    StringRef Member = KV.first;
    JSONPathScope InMember(Path, JSONStep::member(Member));
    if (Member == "scope") {
      // Only whole units are guarded for now; the member leaves room for
      // finer scopes.
      if (KV.second.getAsString() != StringRef("unit"))
        return Src.error(Path, "the guard's scope is \"unit\"");
      HasScope = true;
    } else if (Member == "min_saving_bytes") {
      std::optional<int64_t> Bytes = KV.second.getAsInteger();
      if (!Bytes || *Bytes < 0)
        return Src.error(Path, "expected a number of bytes (an integer >= 0)");
      G.MinSavingBytes = *Bytes;
    } else {
      Path.back().AtName = true;
      return Src.error(Path, "unknown member '" + Member +
                                 "' for the guard (expected scope, "
                                 "min_saving_bytes)");
    }
  }
  if (!HasScope)
    return Src.error(Path, "the guard needs \"scope\": \"unit\"");
  return G;
}

} // namespace

Expected<Policy> Policy::parse(StringRef Text, StringRef FileName) {
  JSONSource Src(FileName, Text);
  Expected<json::Value> Root = Src.parse();
  if (!Root)
    return Root.takeError();
  JSONPath Path;
  const json::Object *O = Root->getAsObject();
  if (!O)
    return Src.error(Path, "a policy is a JSON object");

  std::optional<StringRef> Fmt =
      O->get("format") ? O->get("format")->getAsString() : std::nullopt;
  if (Fmt != Format) {
    Path.push_back(JSONStep::member("format"));
    return Src.error(Path, "expected \"format\": \"" + Format + "\"");
  }
  std::optional<int64_t> Ver =
      O->get("version") ? O->get("version")->getAsInteger() : std::nullopt;
  if (!Ver || *Ver < MinVersion || *Ver > Version) {
    Path.push_back(JSONStep::member("version"));
    return Src.error(Path, "unsupported policy version (this OptGym reads "
                           "versions " +
                               Twine(MinVersion) + " to " + Twine(Version) +
                               ")");
  }

  Policy P;
  P.FileVersion = *Ver;
  std::optional<JSONPath> AlternativesAt;
  for (const auto &KV : *O) {
    StringRef Member = KV.first;
    if (Member == "format" || Member == "version" || Member == "description" ||
        Member == "metadata")
      continue;
    JSONPathScope InMember(Path, JSONStep::member(Member));
    if (Member == "decisions") {
      if (Error E = parseDecisions(KV.second, P.Sets[0], Src, Path))
        return std::move(E);
      continue;
    }
    if (Member != "guard" && Member != "alternatives") {
      Path.back().AtName = true;
      return Src.error(Path, "unknown member '" + Member +
                                 "' (expected format, version, description, "
                                 "metadata, guard, alternatives, decisions)");
    }
    if (*Ver < 2) {
      Path.back().AtName = true;
      return Src.error(Path, "a policy with " + Twine(Member) +
                                 " needs \"version\": 2");
    }
    if (Member == "guard") {
      Expected<UnitGuard> G = parseGuard(KV.second, Src, Path);
      if (!G)
        return G.takeError();
      P.Guard = *G;
      continue;
    }
    AlternativesAt = Path;
    AlternativesAt->back().AtName = true;
    const json::Array *A = KV.second.getAsArray();
    if (!A)
      return Src.error(Path, "\"alternatives\" is a list of objects with "
                             "decisions");
    for (size_t I = 0; I < A->size(); ++I) {
      JSONPathScope InAlternative(Path, JSONStep::element(I));
      const json::Object *Alt = (*A)[I].getAsObject();
      if (!Alt)
        return Src.error(Path, "an alternative is an object with decisions");
      DecisionSet &Set = P.Sets.emplace_back();
      for (const auto &AltKV : *Alt) {
        JSONPathScope InAltMember(Path, JSONStep::member(AltKV.first));
        if (AltKV.first == "description")
          continue;
        if (AltKV.first != "decisions") {
          Path.back().AtName = true;
          return Src.error(Path, "unknown member '" + StringRef(AltKV.first) +
                                     "' for an alternative (expected "
                                     "description, decisions)");
        }
        if (Error E = parseDecisions(AltKV.second, Set, Src, Path))
          return std::move(E);
      }
    }
  }
  if (AlternativesAt && !P.Guard)
    return Src.error(*AlternativesAt,
                     "alternatives need a guard to choose among them");
  if (P.Guard)
    P.Guard->Alternatives = unsigned(P.Sets.size());
  return std::move(P);
}

Expected<Policy> Policy::load(StringRef Path) {
  Expected<std::string> Text = readInputFile(Path, "policy", MaxPolicyBytes);
  if (!Text)
    return Text.takeError();
  return parse(*Text, Path);
}

Policy::Answer Policy::decide(const Query &Q, unsigned Alternative) const {
  const KindPolicy &P = get(Q.Kind, Alternative);
  if (!P.Table.empty()) {
    auto It = P.Table.find(Q.Key);
    if (It != P.Table.end())
      return {It->second, Source::Table, &*It};
  }
  if (P.Model && Q.hasFeatures())
    return {P.Model->predict(Q), Source::Model};
  if (P.Fallback)
    return {*P.Fallback, Source::Fallback};
  return {Q.Default, Source::Default};
}

json::Value Policy::tablesToJSON(StringRef Description) const {
  json::Object Decisions;
  for (DecisionKind Kind : allDecisionKinds()) {
    const KindPolicy &P = get(Kind);
    if (P.Table.empty() && !P.Fallback)
      continue;
    ArrayRef<std::string> Choices = getKindInfo(Kind).Choices;
    json::Object Table;
    for (const auto &Entry : P.Table)
      Table[Entry.getKey()] = Choices[Entry.getValue()];
    json::Object KindObj;
    KindObj["table"] = std::move(Table);
    if (P.Fallback)
      KindObj["fallback"] = Choices[*P.Fallback];
    Decisions[kindName(Kind)] = std::move(KindObj);
  }
  return json::Object{{"format", Format},
                      {"version", MinVersion},
                      {"description", Description},
                      {"decisions", std::move(Decisions)}};
}

} // namespace optgym
