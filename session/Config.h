//===- Config.h - How OptGym is configured ----------------------*- C++ -*-===//
//
// Each setting comes from a command-line option (opt, or clang -mllvm) or,
// when that is not given, from an environment variable (any build system,
// any clang). docs/configuration.md has the full story.
//
//   -optgym-oracle    OPTGYM_ORACLE     oracle spec; unset: the plugin is inert
//   -optgym-record    OPTGYM_RECORD     append every decision to this trace
//   -optgym-decisions OPTGYM_DECISIONS  active decision kinds (default: all
//                                       but the opt-in kinds, plus those
//                                       the oracle answers)
//   -optgym-verbose   OPTGYM_VERBOSE    summary of the decisions on exit
//   -optgym-agent-timeout-ms  OPTGYM_AGENT_TIMEOUT_MS
//                                       how long to wait for a socket agent
//   -optgym-collect   OPTGYM_COLLECT    write each unit's bitcode and command
//                                       line into this directory
//   -optgym-max-passes        OPTGYM_MAX_PASSES
//                                       most passes the pass-choice driver
//                                       runs on one module
//   -optgym-key-root  OPTGYM_KEY_ROOT   keys name source files relative to
//                                       this directory (SourceLabel.h)
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_SESSION_CONFIG_H
#define OPTGYM_SESSION_CONFIG_H

#include "oracle/DecisionKind.h"
#include "oracle/OracleSpec.h"

#include "llvm/Support/Error.h"

#include <bitset>
#include <string>

namespace optgym {

struct Config {
  std::string OracleSpec;
  /// Where OracleSpec came from, for messages: OPTGYM_ORACLE or
  /// -optgym-oracle.
  std::string OracleSetting = "OPTGYM_ORACLE";
  std::string RecordPath;
  std::bitset<NumDecisionKinds> Decisions;
  /// False when OPTGYM_DECISIONS is unset: the oracle may then activate the
  /// opt-in kinds it answers (Oracle::answersKind).
  bool DecisionsGiven = false;
  bool Verbose = false;
  OracleOptions Oracle;
  std::string CollectDir;
  unsigned MaxPasses = 1000;
  /// Empty: keys name files relative to their repository.
  std::string KeyRoot;

  bool hasOracle() const { return !OracleSpec.empty(); }
  /// Neither an oracle nor collection: the plugin registers nothing.
  bool isInert() const { return OracleSpec.empty() && CollectDir.empty(); }

  /// Reads options and environment. Errors name the setting and the
  /// offending part of its value.
  static llvm::Expected<Config> load();
};

/// Parses a comma-separated list of decision kinds ("all" for every kind).
llvm::Expected<std::bitset<NumDecisionKinds>>
parseDecisionList(llvm::StringRef List, llvm::StringRef SettingName);

} // namespace optgym

#endif // OPTGYM_SESSION_CONFIG_H
