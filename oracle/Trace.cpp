//===- Trace.cpp - Recorded decisions, one JSON object per line -----------===//

#include "oracle/Trace.h"
#include "oracle/InputFile.h"
#include "oracle/JSONSource.h"

#include "llvm/Support/JSON.h"

using namespace llvm;

namespace optgym {

void appendTraceRecord(std::string &Out, const Query &Q, unsigned Chosen,
                       StringRef OracleSpec) {
  const DecisionKindInfo &Info = getKindInfo(Q.Kind);
  raw_string_ostream OS(Out);
  json::OStream J(OS);
  J.object([&] {
    J.attribute("key", Q.Key);
    J.attribute("kind", Info.Name);
    J.attributeObject("features", [&] {
      for (size_t I = 0; I < Q.Features.size(); ++I) {
        if (Info.Features[I].Type == FeatureType::String)
          J.attribute(Info.Features[I].Name, Q.Features[I].Str);
        else
          J.attribute(Info.Features[I].Name, Q.Features[I].Int);
      }
    });
    J.attributeArray("choices", [&] {
      for (const std::string &C : Info.Choices)
        J.value(C);
    });
    J.attribute("default", Info.Choices[Q.Default]);
    J.attribute("chosen", Info.Choices[Chosen]);
    J.attribute("oracle", OracleSpec);
  });
  OS << '\n';
}

Expected<DecisionTables> parseTrace(StringRef Text, StringRef FileName) {
  DecisionTables Tables;
  unsigned LineNo = 0;
  while (!Text.empty()) {
    auto [Line, Rest] = Text.split('\n');
    Text = Rest;
    ++LineNo;
    if (Line.trim().empty())
      continue;
    JSONSource Src(FileName, Line, LineNo);
    Expected<json::Value> V = Src.parse();
    if (!V)
      return V.takeError();
    const json::Object *O = V->getAsObject();
    if (!O)
      return Src.error({}, "a trace line is a JSON object");

    auto Str = [&](StringRef Member) -> Expected<StringRef> {
      const json::Value *M = O->get(Member);
      if (std::optional<StringRef> S = M ? M->getAsString() : std::nullopt)
        return *S;
      return Src.error({JSONStep::member(Member)},
                       "expected a string member \"" + Member + "\"");
    };
    Expected<StringRef> KindName = Str("kind");
    if (!KindName)
      return KindName.takeError();
    std::optional<DecisionKind> Kind = parseDecisionKind(*KindName);
    if (!Kind)
      return Src.error({JSONStep::member("kind")},
                       "unknown decision kind '" + *KindName + "'");
    Expected<StringRef> Key = Str("key");
    if (!Key)
      return Key.takeError();
    auto ChoiceOf = [&](StringRef Member) -> Expected<unsigned> {
      Expected<StringRef> Name = Str(Member);
      if (!Name)
        return Name.takeError();
      if (std::optional<unsigned> C = findChoice(*Kind, *Name))
        return *C;
      return Src.error({JSONStep::member(Member)},
                       "unknown choice '" + *Name + "' for " + *KindName +
                           " (expected one of " + describeChoices(*Kind) + ")");
    };
    Expected<unsigned> Chosen = ChoiceOf("chosen");
    if (!Chosen)
      return Chosen.takeError();
    unsigned Default = DefaultChoice;
    if (O->get("default")) {
      Expected<unsigned> D = ChoiceOf("default");
      if (!D)
        return D.takeError();
      Default = *D;
    }

    auto [It, Inserted] = Tables.Kinds[unsigned(*Kind)].try_emplace(
        *Key, DecisionTables::Entry{*Chosen, Default, LineNo});
    if (!Inserted && It->second.Chosen != *Chosen) {
      ArrayRef<std::string> Choices = getKindInfo(*Kind).Choices;
      return Src.error({JSONStep::member("chosen")},
                       "key '" + *Key + "' was recorded as '" +
                           Choices[It->second.Chosen] + "' on line " +
                           Twine(It->second.Line) + " and as '" +
                           Choices[*Chosen] + "' here");
    }
    ++Tables.NumRecords;
  }
  return std::move(Tables);
}

Expected<DecisionTables> readTrace(StringRef Path) {
  Expected<std::string> Text = readInputFile(Path, "trace", MaxTraceBytes);
  if (!Text)
    return Text.takeError();
  return parseTrace(*Text, Path);
}

} // namespace optgym
