//===- Session.h - The process-wide OptGym state ----------------*- C++ -*-===//
//
// One per compiler process: the configuration, the oracle (wrapped by the
// recorder when recording) and the counters for the exit summary. Decision
// points ask it whether to query and forward their queries to it. It holds
// no LLVM IR, so only the passes know about contexts and diagnostics.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_SESSION_SESSION_H
#define OPTGYM_SESSION_SESSION_H

#include "oracle/Oracle.h"
#include "session/Config.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace optgym {

class Session {
public:
  /// The process's session, configured on first use.
  static Session &get();

  ~Session();

  /// Neither OPTGYM_ORACLE nor OPTGYM_COLLECT is set: OptGym changes
  /// nothing and registers nothing.
  bool isInert() const { return Cfg.isInert() && !ConfigError; }

  /// OPTGYM_VERBOSE: say what was decided, at exit and along the way.
  bool isVerbose() const { return Cfg.Verbose; }

  /// The most passes the pass-choice driver runs on one module.
  unsigned maxPasses() const { return Cfg.MaxPasses; }

  /// Where to collect each unit's bitcode; empty when not collecting.
  llvm::StringRef collectDir() const { return Cfg.CollectDir; }
  /// The directory keys name source files relative to; empty: their
  /// repository's root.
  llvm::StringRef keyRoot() const { return Cfg.KeyRoot; }

  /// True when decision points of this kind must build and send queries.
  /// False for inactive kinds, for a passive oracle that is not recorded,
  /// after a configuration error, and in a reference run.
  bool shouldQuery(DecisionKind Kind) const {
    return mayQuery() && Cfg.Decisions.test(unsigned(Kind));
  }

  /// shouldQuery() for a decision point named explicitly in a pipeline
  /// (opt -passes=optgym-driver): the decision list does not apply.
  bool mayQuery() const {
    return mayQueryUnguarded() &&
           (!Guard || GuardKeptPolicy.load(std::memory_order_relaxed));
  }

  /// mayQuery(), whatever the unit guard said: whether the guard has
  /// anything to decide.
  bool mayQueryUnguarded() const {
    return !ConfigError && !Passive && !inReferenceRun();
  }

  /// While one lives on a thread, the pipelines it runs are references
  /// (-Oz on a copy of a module, for an observation): OptGym stays out of
  /// them entirely, no queries, no module events, no collection.
  class ReferenceRun {
  public:
    ReferenceRun() { ++Depth; }
    ~ReferenceRun() { --Depth; }
    ReferenceRun(const ReferenceRun &) = delete;
    ReferenceRun &operator=(const ReferenceRun &) = delete;

  private:
    friend class Session;
    static thread_local unsigned Depth;
  };
  static bool inReferenceRun() { return ReferenceRun::Depth != 0; }

  /// Whether decision points of this kind are installed at all.
  bool isActive(DecisionKind Kind) const {
    return (Cfg.hasOracle() || ConfigError) &&
           Cfg.Decisions.test(unsigned(Kind));
  }

  /// Queries of this kind must carry features (the oracle reads them, or
  /// they are recorded).
  bool needsFeatures(DecisionKind Kind) const {
    return NeedsFeatures[unsigned(Kind)];
  }

  /// Queries must carry this feature's value: the oracle may read it. A
  /// decision point may leave a costly feature that is not needed at 0 or "".
  bool needsFeature(FeatureId Id) const { return FeaturesRead[unsigned(Id)]; }

  /// The oracle may answer something other than the default (anything but
  /// the default oracle, recorded or not).
  bool mayDepart() const { return !ConfigError && !InnerPassive; }

  bool hasPendingConfigError() const {
    return ConfigError && !ConfigErrorReported;
  }

  /// A configuration error not yet reported; returns it once.
  std::optional<std::string> takeConfigError();

  /// False when the oracle answers the default to every query whose string
  /// feature Id has the value Value (Oracle::mayDepartWhen): such queries
  /// need not be asked.
  bool mayDepartWhen(FeatureId Id, llvm::StringRef Value) const {
    return TheOracle->mayDepartWhen(featureKind(Id), featureIndex(Id), Value);
  }

  /// The oracle's regression guard (a policy's "guard"), or null.
  const UnitGuard *unitGuard() const { return Guard; }

  /// The unit guard's verdict on the module Token (its address) with LLVM
  /// identifier Identifier: the policy's alternative that compiles it, or
  /// none for LLVM's default. Until the next verdict, decision points query
  /// only with an alternative chosen and only about that module: a guarded
  /// policy is not asked about a unit before its verdict (the passes that
  /// run before pipeline start), nor about a unit that keeps LLVM's
  /// default, which is then compiled exactly as without OptGym.
  void setGuardVerdict(const void *Token, llvm::StringRef Identifier,
                       std::optional<unsigned> Alternative);

  /// False for a module other than the one the guard's last verdict kept
  /// the policy for (always true without a guard).
  bool guardAllows(const void *Token, llvm::StringRef Identifier) const {
    return !Guard || (Token == GuardedUnit && Identifier == GuardedIdentifier);
  }

  /// In a process forked to rehearse a unit's compile for the guard: the
  /// oracle answers without being recorded or counted.
  void beginRehearsal() { Rehearsing = true; }
  bool isRehearsal() const { return Rehearsing; }

  /// Counts a unit the guard decided on: compiled with Alternative, or
  /// with LLVM's default.
  void noteGuardVerdict(std::optional<unsigned> Alternative);

  /// Thread-safe.
  unsigned decide(const Query &Q);

  /// A decision point did not carry out a forced choice (a size guard).
  void noteRefused(DecisionKind Kind);

  /// The oracle follows modules (a socket agent): decision points then call
  /// enterModule() and the pipeline reports the optimized module.
  bool wantsModuleEvents() const { return WantsModuleEvents; }

  /// Decisions from now on belong to the module Token (its address) with
  /// LLVM identifier Identifier; Label() names it for the oracle, and is
  /// called only when the module is new. Ends the previous module if it is
  /// still open.
  void enterModule(const void *Token, llvm::StringRef Identifier,
                   llvm::function_ref<std::string()> Label);

  /// After a module-level pass: remeasures the open module, with Measure(),
  /// if the pass Changed it or it was never measured. The module ends, with
  /// its last measure, when the next module starts or the process exits: in
  /// clang a few passes (and gate queries) still follow the last extension
  /// point.
  void noteModuleStats(const void *Token, bool Changed,
                       llvm::function_ref<ModuleStats()> Measure);

  /// Writes out buffered records (end of a module).
  void flush();

  void printSummary(llvm::raw_ostream &OS) const;

private:
  Session();

  Config Cfg;
  std::unique_ptr<Oracle> TheOracle;
  /// TheOracle without the recorder, for rehearsals.
  Oracle *Unrecorded = nullptr;
  const UnitGuard *Guard = nullptr;
  /// The guard's last verdict, and the module it was about.
  std::atomic<bool> GuardKeptPolicy{false};
  const void *GuardedUnit = nullptr;
  std::string GuardedIdentifier;
  bool Rehearsing = false;
  std::optional<std::string> ConfigError;
  std::atomic<bool> ConfigErrorReported{false};
  bool Passive = true;
  bool InnerPassive = true;
  std::bitset<NumDecisionKinds> NeedsFeatures;
  std::bitset<NumFeatureIds> FeaturesRead;
  bool WantsModuleEvents = false;

  /// The module decisions belong to, while its pipeline runs.
  struct OpenModule {
    const void *Token = nullptr;
    std::string Identifier;
    std::string Label;
    ModuleStats LastStats;
    bool Measured = false;
  };
  std::optional<OpenModule> Current;
  void closeCurrentModule();

  mutable std::mutex Lock;
  uint64_t NumQueries[NumDecisionKinds] = {};
  uint64_t NumDepartures[NumDecisionKinds] = {};
  uint64_t NumRefused[NumDecisionKinds] = {};
  uint64_t NumUnitsKeptDefault = 0;
  std::vector<uint64_t> NumUnitsPerAlternative;
};

} // namespace optgym

#endif // OPTGYM_SESSION_SESSION_H
