//===- ActionSpace.h - The pass-ordering actions ----------------*- C++ -*-===//
//
// The actions of the pass-choice decision kind, from ActionSpace.def with the
// excluded flags left out. An action is named by its CompilerGym flag
// ("-gvn"), or "-" + its pipeline text for a variant OptGym adds
// ("-gvn<no-pre>"); the names are the same on every LLVM version.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_ACTIONSPACE_H
#define OPTGYM_ORACLE_ACTIONSPACE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace optgym {

struct Action {
  std::string Name;
  /// The text the driver gives PassBuilder::parsePassPipeline().
  llvm::StringRef Pipeline;
};

/// Every action, in ActionSpace.def's order.
llvm::ArrayRef<Action> actionSpace();

namespace choice {
// pass-choice: Stop, then action I at choice I + 1.
constexpr unsigned Stop = 0, FirstAction = 1;
} // namespace choice

} // namespace optgym

#endif // OPTGYM_ORACLE_ACTIONSPACE_H
