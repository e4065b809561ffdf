//===- OracleSpec.h - Build an oracle from its spec string ------*- C++ -*-===//
//
//   default                  LLVM's own decisions
//   random[:seed=N][,p=P]    seeded random departures from the default
//   policy:FILE              tables and models from a policy file
//   replay:FILE              the decisions of a recorded trace
//   socket:PATH              a live agent on a Unix socket (docs/protocol.md)
//   socket:tcp:HOST:PORT     a live agent over TCP
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_ORACLESPEC_H
#define OPTGYM_ORACLE_ORACLESPEC_H

#include "oracle/Oracle.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace optgym {

/// Settings of the backends that are not part of the spec string.
struct OracleOptions {
  /// How long the socket oracle waits for the agent (connect, hello, each
  /// answer); 0 waits forever.
  unsigned AgentTimeoutMs = 2000;
  /// The shared secret a socket agent must know (OPTGYM_AGENT_TOKEN): sent
  /// in the hello, and expected back in the agent's. Empty: none.
  std::string AgentToken;
};

/// Parses Spec and builds the oracle, loading any file it names. Errors name
/// the setting and spec ("OPTGYM_ORACLE=..."), or the file with line:column.
llvm::Expected<std::unique_ptr<Oracle>>
createOracle(llvm::StringRef Spec, llvm::StringRef Setting = "OPTGYM_ORACLE",
             const OracleOptions &Options = OracleOptions());

/// A factory for a backend that another part of OptGym (or a test) provides:
/// it receives what follows "NAME:" in the spec.
/// Setting+Spec ("OPTGYM_ORACLE=socket:...") is for its error messages.
using OracleFactory = llvm::Expected<std::unique_ptr<Oracle>> (*)(
    llvm::StringRef Argument, llvm::StringRef Spec, llvm::StringRef Setting,
    const OracleOptions &Options);

/// Makes createOracle() accept "Name:..." specs. Returns false if the name is
/// already taken.
bool registerOracleBackend(llvm::StringRef Name, OracleFactory Factory);

} // namespace optgym

#endif // OPTGYM_ORACLE_ORACLESPEC_H
