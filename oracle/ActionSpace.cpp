//===- ActionSpace.cpp - The pass-ordering actions ------------------------===//

#include "oracle/ActionSpace.h"

#include <cassert>
#include <iterator>
#include <vector>

using namespace llvm;

namespace optgym {
namespace {

enum class Status { Same, Renamed, Parameterized, Excluded };

struct Row {
  StringRef Flag;
  StringRef Pipeline;
  Status S;
};

struct ReplayRow {
  StringRef Flag;
  StringRef Pipeline;
};

constexpr Row Rows[] = {
#define OPTGYM_ACTION(Flag, Pipeline, S, Note) {Flag, Pipeline, Status::S},
#include "oracle/ActionSpace.def"
};

constexpr ReplayRow ReplayRows[] = {
#define OPTGYM_ACTION(Flag, Pipeline, S, Note)
#define OPTGYM_REPLAY_ACTION(Flag, Pipeline, Note) {Flag, Pipeline},
#include "oracle/ActionSpace.def"
};

/// Whether ReplayRows names the Excluded flags, in their order.
[[maybe_unused]] bool replayRowsMatchExclusions() {
  const ReplayRow *Next = std::begin(ReplayRows);
  for (const Row &R : Rows) {
    if (R.S != Status::Excluded)
      continue;
    if (Next == std::end(ReplayRows) || Next->Flag != R.Flag)
      return false;
    ++Next;
  }
  return Next == std::end(ReplayRows);
}

/// The offered actions, then the replay-only ones.
struct Actions {
  std::vector<Action> All;
  size_t NumOffered = 0;

  Actions() {
    for (const Row &R : Rows) {
      if (R.S == Status::Excluded)
        continue;
      std::string Name = R.Flag.empty() ? "-" + R.Pipeline.str() : R.Flag.str();
      All.push_back({std::move(Name), R.Pipeline});
    }
    NumOffered = All.size();
    for (const ReplayRow &R : ReplayRows)
      All.push_back({R.Flag.str(), R.Pipeline});
    assert(replayRowsMatchExclusions() &&
           "ActionSpace.def: one replay row per Excluded flag, in order");
  }
};

const Actions &actions() {
  static const Actions A;
  return A;
}

} // namespace

ArrayRef<Action> actionSpace() {
  return ArrayRef(actions().All).take_front(actions().NumOffered);
}

ArrayRef<Action> replayOnlyActions() {
  return ArrayRef(actions().All).drop_front(actions().NumOffered);
}

ArrayRef<Action> allActions() { return actions().All; }

} // namespace optgym
