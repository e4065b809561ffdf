//===- ActionSpace.h - The pass-ordering actions ----------------*- C++ -*-===//
//
// The actions of the pass-choice decision kind, from ActionSpace.def with the
// excluded flags left out. An action is named by its CompilerGym flag
// ("-gvn"), or "-" + its pipeline text for a variant OptGym adds
// ("-gvn<no-pre>"); the names are the same on every LLVM version.
//
// The excluded flags are replay-only actions: choices after the actions, so
// that a recorded CompilerGym state naming one ("-prune-eh") can be replayed,
// but never offered to an agent (a random oracle never picks one, the gym
// never samples one) and never counted in the action space.
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
  /// The text the driver gives PassBuilder::parsePassPipeline(); empty for
  /// a replay-only action that runs nothing.
  llvm::StringRef Pipeline;
};

/// Every action, in ActionSpace.def's order.
llvm::ArrayRef<Action> actionSpace();

/// The replay-only actions, in ActionSpace.def's order: CompilerGym's
/// excluded flags, each with the pipeline that replays it.
llvm::ArrayRef<Action> replayOnlyActions();

/// actionSpace() then replayOnlyActions(): pass-choice's choices after stop.
llvm::ArrayRef<Action> allActions();

namespace choice {
// pass-choice: Stop, then action I at choice I + 1; the replay-only actions
// follow, at FirstAction + actionSpace().size() and on.
constexpr unsigned Stop = 0, FirstAction = 1;
} // namespace choice

} // namespace optgym

#endif // OPTGYM_ORACLE_ACTIONSPACE_H
