//===- OracleSpec.cpp - Build an oracle from its spec string --------------===//

#include "oracle/OracleSpec.h"
#include "oracle/OracleBackends.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"

#include <mutex>

using namespace llvm;

namespace optgym {
namespace {

Error specError(StringRef Setting, StringRef Spec, const Twine &Msg) {
  return createStringError(inconvertibleErrorCode(),
                           Setting + "=" + Spec + ": " + Msg);
}

Expected<std::unique_ptr<Oracle>> makeDefault(StringRef Arg, StringRef Spec,
                                              StringRef Setting,
                                              const OracleOptions &) {
  if (!Arg.empty())
    return specError(Setting, Spec, "'default' takes no arguments");
  return createDefaultOracle();
}

Expected<std::unique_ptr<Oracle>> makeRandom(StringRef Arg, StringRef Spec,
                                             StringRef Setting,
                                             const OracleOptions &) {
  uint64_t Seed = 0;
  double Rate = 0.5;
  SmallVector<StringRef, 4> Options;
  if (!Arg.empty())
    Arg.split(Options, ',');
  for (StringRef Option : Options) {
    auto [Name, Value] = Option.split('=');
    Name = Name.trim();
    Value = Value.trim();
    if (Name == "seed") {
      if (Value.getAsInteger(10, Seed))
        return specError(Setting, Spec,
                         "seed must be a non-negative integer, not '" + Value +
                             "'");
    } else if (Name == "p") {
      if (Value.getAsDouble(Rate) || !(Rate >= 0 && Rate <= 1))
        return specError(Setting, Spec,
                         "p must be a number in [0, 1], not '" + Value + "'");
    } else {
      return specError(Setting, Spec,
                       "unknown random option '" + Name +
                           "' (expected seed=N, p=P)");
    }
  }
  // Canonical form, so a trace says exactly how to reproduce it.
  std::string Canonical = ("random:seed=" + Twine(Seed) + ",p=").str();
  raw_string_ostream(Canonical) << format("%g", Rate);
  return createRandomOracle(Seed, Rate, Canonical);
}

Expected<std::unique_ptr<Oracle>> makePolicy(StringRef Arg, StringRef Spec,
                                             StringRef Setting,
                                             const OracleOptions &) {
  if (Arg.empty())
    return specError(Setting, Spec, "expected policy:FILE");
  Expected<Policy> P = Policy::load(Arg);
  if (!P)
    return P.takeError();
  return createPolicyOracle(std::move(*P), Spec.str());
}

Expected<std::unique_ptr<Oracle>> makeReplay(StringRef Arg, StringRef Spec,
                                             StringRef Setting,
                                             const OracleOptions &) {
  if (Arg.empty())
    return specError(Setting, Spec, "expected replay:FILE");
  Expected<DecisionTables> T = readTrace(Arg);
  if (!T)
    return T.takeError();
  return createReplayOracle(std::move(*T), Spec.str());
}

Expected<std::unique_ptr<Oracle>> makeSocket(StringRef Arg, StringRef Spec,
                                             StringRef Setting,
                                             const OracleOptions &Options) {
  Expected<Endpoint> E = Endpoint::parse(Arg);
  if (!E)
    return specError(Setting, Spec, toString(E.takeError()));
  return createSocketOracle(std::move(*E), Options.AgentTimeoutMs,
                            Options.AgentToken);
}

struct BackendRegistry {
  std::mutex Lock;
  StringMap<OracleFactory> Factories = {{"default", makeDefault},
                                        {"random", makeRandom},
                                        {"policy", makePolicy},
                                        {"replay", makeReplay},
                                        {"socket", makeSocket}};
};

BackendRegistry &backends() {
  static BackendRegistry R;
  return R;
}

} // namespace

bool registerOracleBackend(StringRef Name, OracleFactory Factory) {
  BackendRegistry &R = backends();
  std::lock_guard<std::mutex> G(R.Lock);
  return R.Factories.try_emplace(Name, Factory).second;
}

Expected<std::unique_ptr<Oracle>>
createOracle(StringRef Spec, StringRef Setting, const OracleOptions &Options) {
  auto [Name, Arg] = Spec.trim().split(':');
  OracleFactory Factory = nullptr;
  std::string Known;
  {
    BackendRegistry &R = backends();
    std::lock_guard<std::mutex> G(R.Lock);
    auto It = R.Factories.find(Name);
    if (It != R.Factories.end())
      Factory = It->second;
    SmallVector<StringRef, 8> Names;
    for (const auto &E : R.Factories)
      Names.push_back(E.getKey());
    llvm::sort(Names);
    Known = join(Names, ", ");
  }
  if (Factory)
    return Factory(Arg, Spec, Setting, Options);
  return specError(Setting, Spec,
                   "unknown oracle '" + Name + "' (expected one of " + Known +
                       ")");
}

} // namespace optgym
