//===- OracleSpec.h - Build an oracle from its spec string ------*- C++ -*-===//
//
//   default                  LLVM's own decisions
//   random[:seed=N][,p=P]    seeded random departures from the default
//   policy:FILE              tables and models from a policy file
//   replay:FILE              the decisions of a recorded trace
//   socket:...               a live agent (not in this build yet)
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_ORACLESPEC_H
#define OPTGYM_ORACLE_ORACLESPEC_H

#include "plugin/oracle/Oracle.h"

#include "llvm/Support/Error.h"

#include <memory>

namespace optgym {

/// Parses Spec and builds the oracle, loading any file it names. Errors name
/// the setting and spec ("OPTGYM_ORACLE=..."), or the file with line:column.
llvm::Expected<std::unique_ptr<Oracle>>
createOracle(llvm::StringRef Spec, llvm::StringRef Setting = "OPTGYM_ORACLE");

/// A factory for a backend that another part of OptGym provides (the socket
/// oracle): it receives what follows "NAME:" in the spec.
/// Setting+Spec ("OPTGYM_ORACLE=socket:...") is for its error messages.
using OracleFactory = llvm::Expected<std::unique_ptr<Oracle>> (*)(
    llvm::StringRef Argument, llvm::StringRef Spec, llvm::StringRef Setting);

/// Makes createOracle() accept "Name:..." specs. Returns false if the name is
/// already taken.
bool registerOracleBackend(llvm::StringRef Name, OracleFactory Factory);

} // namespace optgym

#endif // OPTGYM_ORACLE_ORACLESPEC_H
