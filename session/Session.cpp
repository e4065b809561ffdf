//===- Session.cpp - The process-wide OptGym state ------------------------===//

#include "session/Session.h"
#include "oracle/OracleBackends.h"
#include "oracle/OracleSpec.h"

#include "llvm/ADT/Statistic.h"

#include <cstdio>

using namespace llvm;

#define DEBUG_TYPE "optgym"

STATISTIC(NumDecisions, "Number of OptGym decisions");
STATISTIC(NumNonDefault, "Number of OptGym decisions that depart from LLVM's");

namespace optgym {

thread_local unsigned Session::ReferenceRun::Depth = 0;

Session &Session::get() {
  static Session S;
  return S;
}

Session::Session() {
  // On a configuration error every decision point is installed so that the
  // first one to run reports it, whatever pipeline runs.
  Expected<Config> C = Config::load();
  if (!C) {
    ConfigError = toString(C.takeError());
    Cfg.Decisions.set();
    return;
  }
  Cfg = std::move(*C);
  if (!Cfg.hasOracle()) {
    if (!Cfg.RecordPath.empty())
      errs() << "optgym: warning: OPTGYM_RECORD is set but OPTGYM_ORACLE is "
                "not, so nothing is recorded (set OPTGYM_ORACLE=default to "
                "record LLVM's own decisions)\n";
    return;
  }
  Expected<std::unique_ptr<Oracle>> O =
      createOracle(Cfg.OracleSpec, Cfg.OracleSetting, Cfg.Oracle);
  if (!O) {
    ConfigError = toString(O.takeError());
    Cfg.Decisions.set();
    return;
  }
  InnerPassive = (*O)->isPassive();
  Oracle *Inner = O->get();
  if (!Cfg.RecordPath.empty()) {
    O = createRecordingOracle(std::move(*O), Cfg.RecordPath);
    if (!O) {
      ConfigError = toString(O.takeError());
      Cfg.Decisions.set();
      return;
    }
  }
  TheOracle = std::move(*O);
  Unrecorded = Inner;
  if (!InnerPassive)
    Guard = Unrecorded->unitGuard();
  if (Guard)
    NumUnitsPerAlternative.resize(Guard->Alternatives);
  Passive = TheOracle->isPassive();
  WantsModuleEvents = TheOracle->wantsModuleEvents();
  // A recording oracle does not default other kinds: a trace holds every
  // active kind's decisions, the default ones included.
  bool OnlyAnswered = !Cfg.DecisionsGiven && TheOracle->defaultsOtherKinds();
  for (DecisionKind Kind : allDecisionKinds()) {
    NeedsFeatures[unsigned(Kind)] = TheOracle->readsFeatures(Kind);
    if (OnlyAnswered)
      Cfg.Decisions.set(unsigned(Kind), TheOracle->answersKind(Kind));
    else if (!Cfg.DecisionsGiven && TheOracle->answersKind(Kind))
      Cfg.Decisions.set(unsigned(Kind));
  }
  for (unsigned Id = 0; Id < NumFeatureIds; ++Id) {
    DecisionKind Kind = featureKind(FeatureId(Id));
    FeaturesRead[Id] =
        NeedsFeatures[unsigned(Kind)] &&
        TheOracle->readsFeature(Kind, featureIndex(FeatureId(Id)));
  }
}

Session::~Session() {
  if (!TheOracle)
    return;
  closeCurrentModule();
  TheOracle->flush();
  if (!Cfg.Verbose)
    return;
  // stderr rather than errs(): this runs among static destructors, where
  // errs() may already be gone.
  std::string Summary;
  raw_string_ostream OS(Summary);
  printSummary(OS);
  std::fputs(Summary.c_str(), stderr);
}

std::optional<std::string> Session::takeConfigError() {
  if (!ConfigError || ConfigErrorReported.exchange(true))
    return std::nullopt;
  return ConfigError;
}

unsigned Session::decide(const Query &Q) {
  std::lock_guard<std::mutex> G(Lock);
  if (Rehearsing)
    return Unrecorded->decide(Q);
  unsigned Choice = TheOracle->decide(Q);
  ++NumQueries[unsigned(Q.Kind)];
  ++NumDecisions;
  if (Choice != Q.Default) {
    ++NumDepartures[unsigned(Q.Kind)];
    ++NumNonDefault;
  }
  return Choice;
}

void Session::noteRefused(DecisionKind Kind) {
  std::lock_guard<std::mutex> G(Lock);
  ++NumRefused[unsigned(Kind)];
}

void Session::setGuardVerdict(const void *Token, StringRef Identifier,
                              std::optional<unsigned> Alternative) {
  std::lock_guard<std::mutex> G(Lock);
  GuardedUnit = Token;
  GuardedIdentifier = Identifier.str();
  if (Alternative)
    TheOracle->selectAlternative(*Alternative);
  GuardKeptPolicy.store(Alternative.has_value(), std::memory_order_relaxed);
}

void Session::noteGuardVerdict(std::optional<unsigned> Alternative) {
  std::lock_guard<std::mutex> G(Lock);
  if (Alternative)
    ++NumUnitsPerAlternative[*Alternative];
  else
    ++NumUnitsKeptDefault;
}

void Session::enterModule(const void *Token, StringRef Identifier,
                          function_ref<std::string()> Label) {
  std::lock_guard<std::mutex> G(Lock);
  if (Current && Current->Token == Token && Current->Identifier == Identifier)
    return;
  closeCurrentModule();
  Current = OpenModule{Token, Identifier.str(), Label(), ModuleStats(), false};
  TheOracle->beginModule(Current->Label);
}

void Session::noteModuleStats(const void *Token, bool Changed,
                              function_ref<ModuleStats()> Measure) {
  std::lock_guard<std::mutex> G(Lock);
  if (!Current || Current->Token != Token || (!Changed && Current->Measured))
    return;
  Current->LastStats = Measure();
  Current->Measured = true;
}

void Session::closeCurrentModule() {
  if (!Current)
    return;
  TheOracle->endModule(Current->Label, Current->LastStats);
  Current.reset();
}

void Session::flush() {
  if (!TheOracle)
    return;
  std::lock_guard<std::mutex> G(Lock);
  TheOracle->flush();
}

void Session::printSummary(raw_ostream &OS) const {
  std::lock_guard<std::mutex> G(Lock);
  OS << "optgym: oracle " << TheOracle->spec() << ":";
  for (DecisionKind Kind : allDecisionKinds())
    if (Cfg.Decisions.test(unsigned(Kind))) {
      OS << " " << kindName(Kind) << " " << NumQueries[unsigned(Kind)] << " ("
         << NumDepartures[unsigned(Kind)] << " departed";
      if (NumRefused[unsigned(Kind)])
        OS << ", " << NumRefused[unsigned(Kind)] << " refused by size guards";
      OS << ")";
    }
  OS << "\n";
  if (Guard) {
    uint64_t WithPolicy = 0;
    for (uint64_t N : NumUnitsPerAlternative)
      WithPolicy += N;
    OS << "optgym: guard: " << WithPolicy << " units compiled with the policy";
    if (NumUnitsPerAlternative.size() > 1) {
      OS << " (alternatives:";
      for (uint64_t N : NumUnitsPerAlternative)
        OS << " " << N;
      OS << ")";
    }
    OS << ", " << NumUnitsKeptDefault << " with LLVM's default\n";
  }
  TheOracle->printSummary(OS);
}

} // namespace optgym
