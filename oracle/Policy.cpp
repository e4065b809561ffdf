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
  if (Ver != Version) {
    Path.push_back(JSONStep::member("version"));
    return Src.error(Path, "unsupported policy version (this OptGym reads "
                           "version " +
                               Twine(Version) + ")");
  }

  Policy P;
  for (const auto &KV : *O) {
    StringRef Member = KV.first;
    if (Member == "format" || Member == "version" || Member == "description" ||
        Member == "metadata")
      continue;
    Path.push_back(JSONStep::member(Member));
    if (Member != "decisions") {
      Path.back().AtName = true;
      return Src.error(Path, "unknown member '" + Member +
                                 "' (expected format, version, description, "
                                 "metadata, decisions)");
    }
    const json::Object *D = KV.second.getAsObject();
    if (!D)
      return Src.error(Path, "\"decisions\" maps decision kinds to policies");
    for (const auto &KindKV : *D) {
      Path.push_back(JSONStep::member(KindKV.first));
      std::optional<DecisionKind> Kind = parseDecisionKind(KindKV.first);
      if (!Kind) {
        Path.back().AtName = true;
        return Src.error(Path, "unknown decision kind '" +
                                   StringRef(KindKV.first) + "' (expected " +
                                   describeKinds() + ")");
      }
      if (Error E =
              parseKindPolicy(KindKV.second, *Kind, P.get(*Kind), Src, Path))
        return std::move(E);
      Path.pop_back();
    }
    Path.pop_back();
  }
  return std::move(P);
}

Expected<Policy> Policy::load(StringRef Path) {
  Expected<std::string> Text = readInputFile(Path, "policy", MaxPolicyBytes);
  if (!Text)
    return Text.takeError();
  return parse(*Text, Path);
}

Policy::Answer Policy::decide(const Query &Q) const {
  const KindPolicy &P = get(Q.Kind);
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
                      {"version", Version},
                      {"description", Description},
                      {"decisions", std::move(Decisions)}};
}

} // namespace optgym
