//===- OracleBackends.h - Constructors of the oracle backends ---*- C++ -*-===//
//
// One function per backend; createOracle() (OracleSpec.h) picks one from a
// spec string. Each backend lives in its own source file.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_ORACLEBACKENDS_H
#define OPTGYM_ORACLE_ORACLEBACKENDS_H

#include "oracle/AgentSocket.h"
#include "oracle/Oracle.h"
#include "oracle/Policy.h"
#include "oracle/Trace.h"

#include <memory>

namespace optgym {

/// LLVM's own decisions. Passive: decision points skip it entirely.
std::unique_ptr<Oracle> createDefaultOracle();

/// Departs from the default with probability DepartRate, choosing uniformly
/// among the other choices; a pure function of (Seed, kind, key).
std::unique_ptr<Oracle> createRandomOracle(uint64_t Seed, double DepartRate,
                                           std::string Spec);

std::unique_ptr<Oracle> createPolicyOracle(Policy P, std::string Spec);

/// Answers recorded keys with their recorded choice, others with the default.
std::unique_ptr<Oracle> createReplayOracle(DecisionTables Trace,
                                           std::string Spec);

/// Asks the agent listening at Agent (docs/protocol.md). Connects on first
/// use; on any failure warns once and answers defaults from then on. A
/// non-empty Token is sent in the hello, and an agent that does not send it
/// back is a failure.
std::unique_ptr<Oracle> createSocketOracle(Endpoint Agent, unsigned TimeoutMs,
                                           std::string Token = "");

/// Forwards to Inner and appends every decision to the trace file at Path
/// (created if missing, appended to otherwise, so that the compilers of a
/// parallel build can share one file).
llvm::Expected<std::unique_ptr<Oracle>>
createRecordingOracle(std::unique_ptr<Oracle> Inner, llvm::StringRef Path);

} // namespace optgym

#endif // OPTGYM_ORACLE_ORACLEBACKENDS_H
