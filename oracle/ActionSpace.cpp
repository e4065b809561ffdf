//===- ActionSpace.cpp - The pass-ordering actions ------------------------===//

#include "oracle/ActionSpace.h"

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

constexpr Row Rows[] = {
#define OPTGYM_ACTION(Flag, Pipeline, S, Note) {Flag, Pipeline, Status::S},
#include "oracle/ActionSpace.def"
};

std::vector<Action> makeActions() {
  std::vector<Action> Actions;
  for (const Row &R : Rows) {
    if (R.S == Status::Excluded)
      continue;
    std::string Name = R.Flag.empty() ? "-" + R.Pipeline.str() : R.Flag.str();
    Actions.push_back({std::move(Name), R.Pipeline});
  }
  return Actions;
}

} // namespace

ArrayRef<Action> actionSpace() {
  static const std::vector<Action> Actions = makeActions();
  return Actions;
}

} // namespace optgym
