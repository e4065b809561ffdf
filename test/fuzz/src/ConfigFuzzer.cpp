//===- ConfigFuzzer.cpp - OptGym's settings from the environment ----------===//
//
// Input: lines, one per setting in the order of Settings below, given to
// Config::load() through the environment. A configuration that loads keeps
// what it was given; one that does not says which setting is wrong.
//
//===----------------------------------------------------------------------===//

#include "test/fuzz/src/FuzzCheck.h"

#include "session/Config.h"

#include <cstdlib>

using namespace llvm;
using namespace optgym;

namespace {
const char *const Settings[] = {"OPTGYM_ORACLE",           "OPTGYM_DECISIONS",
                                "OPTGYM_AGENT_TIMEOUT_MS", "OPTGYM_MAX_PASSES",
                                "OPTGYM_VERBOSE",          "OPTGYM_RECORD",
                                "OPTGYM_COLLECT",          "OPTGYM_KEY_ROOT"};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  StringRef Rest = fuzz::asText(Data, Size);
  for (const char *Setting : Settings) {
    auto [Line, Next] = Rest.split('\n');
    Rest = Next;
    // The environment cannot hold NUL.
    std::string Value = Line.take_until([](char C) { return C == 0; }).str();
    ::setenv(Setting, Value.c_str(), 1);
  }
  Expected<Config> C = Config::load();
  if (!C) {
    std::string Message = toString(C.takeError());
    fuzz::check(StringRef(Message).starts_with("OPTGYM_"),
                "an error that names no setting: " + Message);
    return 0;
  }
  fuzz::check(C->OracleSpec == StringRef(std::getenv("OPTGYM_ORACLE")).trim(),
              "the oracle spec changed on loading");
  fuzz::check(C->RecordPath == std::getenv("OPTGYM_RECORD") &&
                  C->CollectDir == std::getenv("OPTGYM_COLLECT") &&
                  C->KeyRoot == std::getenv("OPTGYM_KEY_ROOT"),
              "a path changed on loading");
  fuzz::check(C->DecisionsGiven || C->Decisions.any(),
              "the default decision list is empty");
  return 0;
}
