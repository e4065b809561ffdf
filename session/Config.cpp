//===- Config.cpp - How OptGym is configured ------------------------------===//

#include "session/Config.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"

#include <cstdlib>

using namespace llvm;

namespace optgym {
namespace {

cl::OptionCategory OptGymCategory("OptGym options");

cl::opt<std::string>
    OracleOpt("optgym-oracle", cl::cat(OptGymCategory),
              cl::desc("OptGym oracle spec: default, random[:seed=N][,p=P], "
                       "policy:FILE, replay:FILE, socket:PATH, "
                       "socket:tcp:HOST:PORT (overrides OPTGYM_ORACLE)"));
cl::opt<std::string>
    RecordOpt("optgym-record", cl::cat(OptGymCategory),
              cl::desc("Append every OptGym decision to this trace file "
                       "(overrides OPTGYM_RECORD)"));
cl::opt<std::string> DecisionsOpt(
    "optgym-decisions", cl::cat(OptGymCategory),
    cl::desc("Comma-separated OptGym decision kinds to activate, or 'all' "
             "(overrides OPTGYM_DECISIONS)"));
cl::opt<bool> VerboseOpt("optgym-verbose", cl::cat(OptGymCategory),
                         cl::desc("Print a summary of OptGym's decisions at "
                                  "exit (overrides OPTGYM_VERBOSE)"));

cl::opt<std::string>
    CollectOpt("optgym-collect", cl::cat(OptGymCategory),
               cl::desc("Write each translation unit's bitcode before "
                        "optimization, with its command line, into this "
                        "directory (overrides OPTGYM_COLLECT)"));

cl::opt<std::string> AgentTimeoutOpt(
    "optgym-agent-timeout-ms", cl::cat(OptGymCategory),
    cl::desc("Milliseconds to wait for each answer of a socket agent before "
             "falling back to LLVM's defaults; 0 waits forever (overrides "
             "OPTGYM_AGENT_TIMEOUT_MS, default 2000)"));

cl::opt<std::string> MaxPassesOpt(
    "optgym-max-passes", cl::cat(OptGymCategory),
    cl::desc("Most passes the pass-choice driver runs on one module "
             "(overrides OPTGYM_MAX_PASSES, default 1000)"));

cl::opt<std::string> KeyRootOpt(
    "optgym-key-root", cl::cat(OptGymCategory),
    cl::desc("Decision keys name source files under this directory relative "
             "to it (overrides OPTGYM_KEY_ROOT; default: relative to their "
             "repository)"));

/// The option's value when it was given, else the environment's.
std::string setting(const cl::opt<std::string> &Opt, const char *Env) {
  if (Opt.getNumOccurrences())
    return Opt;
  const char *V = std::getenv(Env);
  return V ? V : "";
}

} // namespace

Expected<std::bitset<NumDecisionKinds>>
parseDecisionList(StringRef List, StringRef SettingName) {
  std::bitset<NumDecisionKinds> Kinds;
  if (List.trim() == "all")
    return Kinds.set();
  if (List.trim().empty()) {
    // The pass-choice driver takes over the start of a pipeline, and the
    // codegen kinds reach into the backend: only on request.
    Kinds.set();
    Kinds.reset(unsigned(DecisionKind::PassChoice));
    Kinds.reset(unsigned(DecisionKind::CodegenGate));
    Kinds.reset(unsigned(DecisionKind::CodegenOption));
    return Kinds;
  }
  SmallVector<StringRef, 8> Items;
  List.split(Items, ',');
  for (size_t I = 0; I < Items.size(); ++I) {
    StringRef Item = Items[I].trim();
    std::optional<DecisionKind> Kind = parseDecisionKind(Item);
    if (!Kind)
      return createStringError(
          inconvertibleErrorCode(),
          SettingName + "=" + List + ": item " + Twine(I + 1) + " '" + Item +
              "' is not a decision kind (expected all, or a list of " +
              describeKinds() + ")");
    Kinds.set(unsigned(*Kind));
  }
  return Kinds;
}

Expected<Config> Config::load() {
  Config C;
  C.OracleSpec = StringRef(setting(OracleOpt, "OPTGYM_ORACLE")).trim().str();
  if (OracleOpt.getNumOccurrences())
    C.OracleSetting = "-optgym-oracle";
  C.RecordPath = setting(RecordOpt, "OPTGYM_RECORD");
  C.CollectDir = setting(CollectOpt, "OPTGYM_COLLECT");
  std::string Decisions = setting(DecisionsOpt, "OPTGYM_DECISIONS");
  auto Kinds = parseDecisionList(Decisions, DecisionsOpt.getNumOccurrences()
                                                ? "-optgym-decisions"
                                                : "OPTGYM_DECISIONS");
  if (!Kinds)
    return Kinds.takeError();
  C.Decisions = *Kinds;
  C.DecisionsGiven = !StringRef(Decisions).trim().empty();
  std::string Timeout = setting(AgentTimeoutOpt, "OPTGYM_AGENT_TIMEOUT_MS");
  if (!StringRef(Timeout).trim().empty() &&
      StringRef(Timeout).trim().getAsInteger(10, C.Oracle.AgentTimeoutMs))
    return createStringError(
        inconvertibleErrorCode(),
        (AgentTimeoutOpt.getNumOccurrences() ? "-optgym-agent-timeout-ms="
                                             : "OPTGYM_AGENT_TIMEOUT_MS=") +
            Timeout +
            ": expected a whole number of milliseconds (0 waits "
            "forever)");
  // From the environment only: a command line is visible to every user.
  if (const char *Token = std::getenv("OPTGYM_AGENT_TOKEN"))
    C.Oracle.AgentToken = Token;
  std::string MaxPasses = setting(MaxPassesOpt, "OPTGYM_MAX_PASSES");
  if (!StringRef(MaxPasses).trim().empty() &&
      StringRef(MaxPasses).trim().getAsInteger(10, C.MaxPasses))
    return createStringError(
        inconvertibleErrorCode(),
        (MaxPassesOpt.getNumOccurrences() ? "-optgym-max-passes="
                                          : "OPTGYM_MAX_PASSES=") +
            MaxPasses + ": expected a whole number of passes");
  C.KeyRoot = setting(KeyRootOpt, "OPTGYM_KEY_ROOT");
  if (!C.KeyRoot.empty() && !sys::fs::is_directory(C.KeyRoot))
    return createStringError(inconvertibleErrorCode(),
                             (KeyRootOpt.getNumOccurrences()
                                  ? "-optgym-key-root="
                                  : "OPTGYM_KEY_ROOT=") +
                                 C.KeyRoot + ": not a directory");
  if (VerboseOpt.getNumOccurrences()) {
    C.Verbose = VerboseOpt;
  } else if (const char *V = std::getenv("OPTGYM_VERBOSE")) {
    C.Verbose = !StringRef(V).empty() && StringRef(V) != "0";
  }
  return C;
}

} // namespace optgym
