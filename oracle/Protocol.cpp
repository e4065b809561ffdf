//===- Protocol.cpp - Messages between the plugin and an agent ------------===//

#include "oracle/Protocol.h"
#include "oracle/FlatJSON.h"
#include "oracle/JSONSource.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace optgym {
namespace protocol {
namespace {

Error messageError(const Twine &Msg) {
  return createStringError(inconvertibleErrorCode(), Msg);
}

StringRef featureTypeName(FeatureType T) {
  return T == FeatureType::Int ? "int" : "string";
}

std::string toJSONText(json::Value V) {
  std::string Text;
  raw_string_ostream(Text) << V;
  return Text;
}

/// The integer member Name of M, or an error naming Context.
Expected<int64_t> getInteger(const json::Object &M, StringRef Name,
                             const Twine &Context) {
  const json::Value *V = M.get(Name);
  if (!V)
    return messageError(Context + ": missing \"" + Name + "\"");
  if (std::optional<int64_t> I = V->getAsInteger())
    return *I;
  return messageError(Context + ": \"" + Name + "\" must be an integer, not " +
                      toJSONText(*V));
}

Expected<StringRef> getString(const json::Object &M, StringRef Name,
                              const Twine &Context) {
  const json::Value *V = M.get(Name);
  if (!V)
    return messageError(Context + ": missing \"" + Name + "\"");
  if (std::optional<StringRef> S = V->getAsString())
    return *S;
  return messageError(Context + ": \"" + Name + "\" must be a string, not " +
                      toJSONText(*V));
}

void encodeHeader(char *Header, size_t PayloadSize) {
  assert(PayloadSize <= MaxFrameBytes && "frame too large");
  uint32_t N = PayloadSize;
  Header[0] = char(N >> 24);
  Header[1] = char(N >> 16);
  Header[2] = char(N >> 8);
  Header[3] = char(N);
}

} // namespace

void appendFrame(std::string &Out, StringRef Payload) {
  size_t Start = Out.size();
  Out.append(FrameHeaderBytes, '\0');
  Out.append(Payload.data(), Payload.size());
  encodeHeader(&Out[Start], Payload.size());
}

void writeFrameHeader(std::string &Frame) {
  assert(Frame.size() >= FrameHeaderBytes && "no room for the header");
  encodeHeader(&Frame[0], Frame.size() - FrameHeaderBytes);
}

Expected<uint32_t> decodeFrameHeader(const unsigned char *Header) {
  uint32_t N = uint32_t(Header[0]) << 24 | uint32_t(Header[1]) << 16 |
               uint32_t(Header[2]) << 8 | uint32_t(Header[3]);
  if (N > MaxFrameBytes)
    return messageError("frame of " + Twine(N) +
                        " bytes exceeds the limit of " + Twine(MaxFrameBytes));
  return N;
}

Expected<Message> parseMessage(StringRef Payload) {
  if (findExcessiveNesting(Payload) != StringRef::npos)
    return messageError("message is not JSON: nested deeper than " +
                        Twine(MaxJSONNesting) + " levels");
  Expected<json::Value> V = json::parse(Payload);
  if (!V)
    return messageError("message is not JSON: " + toString(V.takeError()));
  json::Object *O = V->getAsObject();
  if (!O)
    return messageError("message is not a JSON object");
  Expected<StringRef> Type = getString(*O, "type", "message");
  if (!Type)
    return Type.takeError();
  Message M;
  M.Type = Type->str();
  M.Body = std::move(*O);
  return M;
}

std::string encodeClientHello(const ClientInfo &Info) {
  json::Array Kinds;
  for (DecisionKind Kind : allDecisionKinds()) {
    const DecisionKindInfo &KI = getKindInfo(Kind);
    json::Array Features;
    for (const FeatureInfo &F : KI.Features)
      Features.push_back(
          json::Object{{"name", F.Name}, {"type", featureTypeName(F.Type)}});
    json::Array Choices;
    for (const std::string &C : KI.Choices)
      Choices.push_back(C);
    Kinds.push_back(json::Object{{"name", KI.Name},
                                 {"features", std::move(Features)},
                                 {"choices", std::move(Choices)},
                                 {"default", int64_t(DefaultChoice)}});
  }
  json::Object Hello{{"type", "hello"},
                     {"protocol", int64_t(Version)},
                     {"client", "optgym " OPTGYM_VERSION},
                     {"llvm", Info.LLVMVersion},
                     {"pid", Info.Pid},
                     {"oracle", Info.OracleSpec},
                     {"kinds", std::move(Kinds)}};
  if (!Info.Token.empty())
    Hello["token"] = Info.Token;
  return toJSONText(std::move(Hello));
}

std::string encodeForkHello(int64_t Pid, StringRef Token) {
  return toJSONText(json::Object{{"type", "hello"},
                                 {"protocol", int64_t(Version)},
                                 {"pid", Pid},
                                 {"fork_token", Token}});
}

std::string encodeModuleBegin(StringRef ModuleId) {
  return toJSONText(json::Object{{"type", "module"}, {"module", ModuleId}});
}

void encodeQuery(std::string &Out, uint64_t Id, const Query &Q) {
  // Written directly, not through json::Value: this runs for every decision
  // of a build (FlatJSON.h).
  Out += R"({"type":"query","id":)";
  flatjson::appendInteger(Out, Id);
  Out += R"(,"kind":")";
  Out += kindName(Q.Kind); // Kind names need no escaping.
  Out += R"(","key":)";
  flatjson::appendString(Out, Q.Key);
  Out += R"(,"default":)";
  flatjson::appendInteger(Out, Q.Default);
  Out += R"(,"features":[)";
  ArrayRef<FeatureInfo> Infos = getKindInfo(Q.Kind).Features;
  for (unsigned I = 0; I < Infos.size(); ++I) {
    if (I)
      Out += ',';
    if (Infos[I].Type == FeatureType::Int)
      flatjson::appendInteger(Out, Q.hasFeatures() ? Q.getInt(I) : 0);
    else
      flatjson::appendString(Out, Q.hasFeatures() ? Q.getString(I) : "");
  }
  Out += "]}";
}

std::string encodeModuleEnd(StringRef ModuleId, const ModuleStats &IR,
                            const ModuleCounts &Counts) {
  return toJSONText(json::Object{
      {"type", "module-end"},
      {"module", ModuleId},
      {"stats", json::Object{{"ir_instructions", IR.IRInstructions},
                             {"functions", IR.Functions},
                             {"basic_blocks", IR.BasicBlocks},
                             {"queries", int64_t(Counts.Queries)},
                             {"departures", int64_t(Counts.Departures)}}}});
}

namespace {

/// Appends an object of observations (or of their errors), written
/// directly: a gym step sends one (FlatJSON.h). Members in name order, as
/// llvm::json writes them.
void appendMembers(std::string &Out, const json::Object &Members) {
  SmallVector<const json::Object::value_type *, 8> Sorted;
  for (const json::Object::value_type &Member : Members)
    Sorted.push_back(&Member);
  llvm::sort(Sorted,
             [](const auto *L, const auto *R) { return L->first < R->first; });
  Out += '{';
  for (const json::Object::value_type *Member : Sorted) {
    if (Out.back() != '{')
      Out += ',';
    flatjson::appendString(Out, Member->first);
    Out += ':';
    flatjson::appendValue(Out, Member->second);
  }
  Out += '}';
}

void appendObservationMembers(std::string &Out, const Observations &O) {
  Out += R"(,"observations":)";
  appendMembers(Out, O.Values);
  if (!O.Errors.empty()) {
    Out += R"(,"observation_errors":)";
    appendMembers(Out, O.Errors);
  }
}

} // namespace

void appendObservations(std::string &Query, const Observations &O) {
  assert(!Query.empty() && Query.back() == '}' && "not an encoded query");
  Query.pop_back();
  appendObservationMembers(Query, O);
  Query += '}';
}

std::string encodeObservation(uint64_t Id, const Observations &O) {
  std::string Out = R"({"type":"observation","id":)";
  flatjson::appendInteger(Out, Id);
  appendObservationMembers(Out, O);
  Out += '}';
  return Out;
}

std::string encodeForked(uint64_t Id, int64_t ChildPid, StringRef Error) {
  json::Object Reply{{"type", "forked"}, {"id", int64_t(Id)}};
  if (Error.empty())
    Reply["pid"] = ChildPid;
  else
    Reply["error"] = Error;
  return toJSONText(std::move(Reply));
}

std::string encodeAgentHello(StringRef AgentName, StringRef Token) {
  json::Object Hello{
      {"type", "hello"}, {"protocol", int64_t(Version)}, {"agent", AgentName}};
  if (!Token.empty())
    Hello["token"] = Token;
  return toJSONText(std::move(Hello));
}

Error checkHelloToken(const Message &Hello, StringRef Token, StringRef Who) {
  if (Token.empty())
    return Error::success();
  std::optional<StringRef> Sent = Hello.Body.getString("token");
  if (!Sent)
    return messageError("hello: " + Who +
                        " sent no token (OPTGYM_AGENT_TOKEN is set)");
  // Constant time in the secret's contents: a peer learns nothing from
  // how long a wrong guess takes.
  unsigned char Difference = Sent->size() != Token.size();
  for (size_t I = 0; I < Token.size(); ++I)
    Difference |= (I < Sent->size() ? (*Sent)[I] : 0) ^ Token[I];
  if (Difference)
    return messageError("hello: " + Who +
                        " sent the wrong token (OPTGYM_AGENT_TOKEN)");
  return Error::success();
}

std::string encodeAnswer(uint64_t Id, unsigned Choice) {
  std::string Out = R"({"type":"answer","id":)";
  flatjson::appendInteger(Out, Id);
  Out += R"(,"choice":)";
  flatjson::appendInteger(Out, Choice);
  Out += '}';
  return Out;
}

Error checkAgentHello(const Message &M) {
  if (M.Type != "hello")
    return messageError("expected a hello, got a \"" + M.Type + "\" message");
  Expected<int64_t> P = getInteger(M.Body, "protocol", "hello");
  if (!P)
    return P.takeError();
  if (*P < 1 || *P > int64_t(Version))
    return messageError("the agent speaks protocol " + Twine(*P) +
                        "; this plugin speaks 1 to " + Twine(Version));
  return Error::success();
}

Expected<std::vector<std::string>> parseObserveList(const Message &M,
                                                    StringRef Context) {
  std::vector<std::string> Names;
  const json::Value *List = M.Body.get("observe");
  if (!List)
    return Names;
  const json::Array *Items = List->getAsArray();
  if (!Items)
    return messageError(Context + ": \"observe\" must be an array of names");
  for (size_t I = 0; I < Items->size(); ++I) {
    std::optional<StringRef> Name = (*Items)[I].getAsString();
    if (!Name)
      return messageError(Context + ": observe[" + Twine(I) +
                          "] must be a string, not " + toJSONText((*Items)[I]));
    Names.push_back(Name->str());
  }
  return Names;
}

Expected<ForkRequest> parseForkRequest(const Message &M, uint64_t Id) {
  std::string Context = ("fork request for query " + Twine(Id)).str();
  Expected<int64_t> GotId = getInteger(M.Body, "id", Context);
  if (!GotId)
    return GotId.takeError();
  if (*GotId != int64_t(Id))
    return messageError(Context + ": it names query " + Twine(*GotId));
  Expected<StringRef> Endpoint = getString(M.Body, "endpoint", Context);
  if (!Endpoint)
    return Endpoint.takeError();
  ForkRequest R;
  R.Endpoint = Endpoint->str();
  if (std::optional<StringRef> Token = M.Body.getString("token"))
    R.Token = Token->str();
  return R;
}

Expected<unsigned> parseAnswer(const Message &M, uint64_t Id,
                               DecisionKind Kind) {
  std::string Context = ("answer to query " + Twine(Id)).str();
  Expected<int64_t> GotId = getInteger(M.Body, "id", Context);
  if (!GotId)
    return GotId.takeError();
  if (*GotId != int64_t(Id))
    return messageError(Context + ": it answers query " + Twine(*GotId));
  const json::Value *C = M.Body.get("choice");
  if (!C)
    return messageError(Context + ": missing \"choice\"");
  size_t NumChoices = getKindInfo(Kind).Choices.size();
  if (std::optional<int64_t> I = C->getAsInteger()) {
    if (*I < 0 || *I >= int64_t(NumChoices))
      return messageError(Context + ": choice " + Twine(*I) +
                          " is out of range for " + kindName(Kind) + " (0 to " +
                          Twine(NumChoices - 1) + ")");
    return unsigned(*I);
  }
  if (std::optional<StringRef> S = C->getAsString()) {
    if (std::optional<unsigned> Index = findChoice(Kind, *S))
      return *Index;
    return messageError(Context + ": \"" + *S + "\" is not a " +
                        kindName(Kind) + " choice (" + describeChoices(Kind) +
                        ")");
  }
  return messageError(Context +
                      ": \"choice\" must be an index or a choice name, not " +
                      toJSONText(*C));
}

namespace {

/// The choice of a well-formed answer to query Id, from a scanned message.
std::optional<unsigned> scannedChoice(const flatjson::Object &F, uint64_t Id,
                                      DecisionKind Kind) {
  std::optional<int64_t> GotId = F.getInteger("id");
  const flatjson::Value *C = F.get("choice");
  if (!GotId || *GotId != int64_t(Id) || !C)
    return std::nullopt;
  size_t NumChoices = getKindInfo(Kind).Choices.size();
  if (C->K == flatjson::Value::Integer && C->Int >= 0 &&
      C->Int < int64_t(NumChoices))
    return unsigned(C->Int);
  if (C->K == flatjson::Value::String)
    return findChoice(Kind, C->Text);
  return std::nullopt;
}

} // namespace

std::optional<unsigned>
scanInteractiveAnswer(StringRef Payload, uint64_t Id, DecisionKind Kind,
                      std::vector<std::string> &Observe) {
  flatjson::Object F;
  if (!F.scan(Payload) || F.getString("type") != "answer")
    return std::nullopt;
  std::optional<unsigned> Choice = scannedChoice(F, Id, Kind);
  if (!Choice)
    return std::nullopt;
  SmallVector<flatjson::Value, 8> Names;
  if (const flatjson::Value *List = F.get("observe")) {
    if (List->K != flatjson::Value::Array)
      return std::nullopt;
    flatjson::Object::elements(*List, Names);
    for (const flatjson::Value &Name : Names)
      if (Name.K != flatjson::Value::String)
        return std::nullopt;
  }
  Observe.clear();
  for (const flatjson::Value &Name : Names)
    Observe.push_back(Name.Text.str());
  return Choice;
}

Expected<std::optional<unsigned>> readAnswer(StringRef Payload, uint64_t Id,
                                             DecisionKind Kind) {
  flatjson::Object F;
  if (F.scan(Payload)) {
    std::optional<StringRef> Type = F.getString("type");
    if (Type && *Type != "answer")
      return std::nullopt;
    if (Type)
      if (std::optional<unsigned> Choice = scannedChoice(F, Id, Kind))
        return *Choice;
  }
  // Anything unusual, errors included: the full parser decides.
  Expected<Message> M = parseMessage(Payload);
  if (!M)
    return M.takeError();
  if (M->Type != "answer")
    return std::nullopt;
  Expected<unsigned> Choice = parseAnswer(*M, Id, Kind);
  if (!Choice)
    return Choice.takeError();
  return *Choice;
}

Expected<ClientHello> ClientHello::parse(const Message &M) {
  if (M.Type != "hello")
    return messageError("expected a hello, got a \"" + M.Type + "\" message");
  ClientHello H;
  Expected<int64_t> P = getInteger(M.Body, "protocol", "hello");
  if (!P)
    return P.takeError();
  if (*P < 1)
    return messageError("hello: bad protocol version " + Twine(*P));
  // A newer client talks down to our version once it reads our hello.
  H.Protocol = std::min<int64_t>(*P, Version);
  if (std::optional<StringRef> L = M.Body.getString("llvm"))
    H.LLVMVersion = L->str();
  if (std::optional<int64_t> Pid = M.Body.getInteger("pid"))
    H.Pid = *Pid;
  const json::Array *Kinds = M.Body.getArray("kinds");
  if (!Kinds)
    return messageError("hello: \"kinds\" must be an array");
  for (size_t K = 0; K < Kinds->size(); ++K) {
    std::string Context = ("hello: kinds[" + Twine(K) + "]").str();
    const json::Object *KO = (*Kinds)[K].getAsObject();
    if (!KO)
      return messageError(Context + " must be an object");
    Expected<StringRef> Name = getString(*KO, "name", Context);
    if (!Name)
      return Name.takeError();
    KindMapping Map;
    Map.Name = Name->str();
    Map.Local = parseDecisionKind(*Name);
    const json::Array *Features = KO->getArray("features");
    const json::Array *Choices = KO->getArray("choices");
    if (!Features || !Choices)
      return messageError(Context +
                          ": \"features\" and \"choices\" must be arrays");
    Map.NumChoices = Choices->size();
    for (size_t F = 0; F < Features->size(); ++F) {
      std::string FContext = (Context + ".features[" + Twine(F) + "]").str();
      const json::Object *FO = (*Features)[F].getAsObject();
      if (!FO)
        return messageError(FContext + " must be an object");
      Expected<StringRef> FName = getString(*FO, "name", FContext);
      if (!FName)
        return FName.takeError();
      Expected<StringRef> FType = getString(*FO, "type", FContext);
      if (!FType)
        return FType.takeError();
      if (*FType != "int" && *FType != "string")
        return messageError(FContext + ": type must be \"int\" or \"string\"");
      Map.Types.push_back(*FType == "int" ? FeatureType::Int
                                          : FeatureType::String);
      std::optional<unsigned> Local;
      if (Map.Local) {
        Local = findFeature(*Map.Local, *FName);
        if (Local &&
            getKindInfo(*Map.Local).Features[*Local].Type != Map.Types.back())
          Local.reset();
      }
      Map.LocalFeature.push_back(Local);
    }
    H.Kinds.push_back(std::move(Map));
  }
  return H;
}

const ClientHello::KindMapping *ClientHello::findKind(StringRef Name) const {
  for (const KindMapping &K : Kinds)
    if (K.Name == Name)
      return &K;
  return nullptr;
}

Expected<Query> ClientHello::parseQuery(const Message &M, uint64_t &Id) const {
  Expected<int64_t> GotId = getInteger(M.Body, "id", "query");
  if (!GotId)
    return GotId.takeError();
  Id = *GotId;
  std::string Context = ("query " + Twine(*GotId)).str();
  Expected<StringRef> KindName = getString(M.Body, "kind", Context);
  if (!KindName)
    return KindName.takeError();
  const KindMapping *Map = findKind(*KindName);
  if (!Map)
    return messageError(Context + ": kind \"" + *KindName +
                        "\" was not in the hello");
  if (!Map->Local)
    return messageError(Context + ": this agent does not know the kind \"" +
                        *KindName + "\"");
  Expected<StringRef> Key = getString(M.Body, "key", Context);
  if (!Key)
    return Key.takeError();
  Expected<int64_t> Default = getInteger(M.Body, "default", Context);
  if (!Default)
    return Default.takeError();
  size_t NumLocalChoices = getKindInfo(*Map->Local).Choices.size();
  if (*Default < 0 || *Default >= int64_t(NumLocalChoices))
    return messageError(Context + ": default " + Twine(*Default) +
                        " is out of range");
  const json::Array *Features = M.Body.getArray("features");
  if (!Features)
    return messageError(Context + ": \"features\" must be an array");
  if (Features->size() != Map->Types.size())
    return messageError(Context + ": " + Twine(Features->size()) +
                        " features, the hello declared " +
                        Twine(Map->Types.size()));

  Query Q(*Map->Local, Key->str());
  Q.Default = *Default;
  Q.initFeatures();
  for (size_t F = 0; F < Features->size(); ++F) {
    const json::Value &V = (*Features)[F];
    bool IsInt = Map->Types[F] == FeatureType::Int;
    std::optional<int64_t> I = V.getAsInteger();
    std::optional<StringRef> S = V.getAsString();
    if (IsInt ? !I : !S)
      return messageError(Context + ": features[" + Twine(F) + "] must be " +
                          (IsInt ? "an integer" : "a string") + ", not " +
                          toJSONText(V));
    if (!Map->LocalFeature[F])
      continue;
    if (IsInt)
      Q.Features[*Map->LocalFeature[F]].Int = *I;
    else
      Q.Features[*Map->LocalFeature[F]].Str = S->str();
  }
  return Q;
}

Expected<std::optional<Query>> ClientHello::readQuery(StringRef Payload,
                                                      uint64_t &Id) const {
  flatjson::Object F;
  if (F.scan(Payload)) {
    std::optional<StringRef> Type = F.getString("type");
    if (Type && *Type != "query")
      return std::nullopt;
    std::optional<int64_t> GotId = F.getInteger("id");
    std::optional<StringRef> KindName = F.getString("kind");
    std::optional<StringRef> Key = F.getString("key");
    std::optional<int64_t> Default = F.getInteger("default");
    const flatjson::Value *Features = F.get("features");
    const KindMapping *Map = KindName ? findKind(*KindName) : nullptr;
    if (Type && GotId && Key && Default && Map && Map->Local && Features &&
        Features->K == flatjson::Value::Array && *Default >= 0 &&
        *Default < int64_t(getKindInfo(*Map->Local).Choices.size())) {
      SmallVector<flatjson::Value, 16> Values;
      flatjson::Object::elements(*Features, Values);
      bool TypesMatch = Values.size() == Map->Types.size();
      for (size_t I = 0; TypesMatch && I < Values.size(); ++I)
        TypesMatch = (Values[I].K == flatjson::Value::Integer) ==
                     (Map->Types[I] == FeatureType::Int);
      if (TypesMatch) {
        Id = *GotId;
        Query Q(*Map->Local, Key->str());
        Q.Default = *Default;
        Q.initFeatures();
        for (size_t I = 0; I < Values.size(); ++I) {
          if (!Map->LocalFeature[I])
            continue;
          FeatureValue &V = Q.Features[*Map->LocalFeature[I]];
          if (Values[I].K == flatjson::Value::Integer)
            V.Int = Values[I].Int;
          else
            V.Str = Values[I].Text.str();
        }
        return Q;
      }
    }
  }
  Expected<Message> M = parseMessage(Payload);
  if (!M)
    return M.takeError();
  if (M->Type != "query")
    return std::nullopt;
  Expected<Query> Q = parseQuery(*M, Id);
  if (!Q)
    return Q.takeError();
  return std::move(*Q);
}

} // namespace protocol
} // namespace optgym
