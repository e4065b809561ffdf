//===- FuzzCheck.h - Invariants a fuzzer checks beyond crashes --*- C++ -*-===//
//
// A fuzzer finds crashes and sanitizer reports by itself; the properties it
// cannot see (two parsers that must agree, a choice in range) are checked
// here, and a violation aborts like a crash, so libFuzzer saves the input.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_TEST_FUZZ_FUZZCHECK_H
#define OPTGYM_TEST_FUZZ_FUZZCHECK_H

#include "oracle/DecisionKind.h"
#include "oracle/Query.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>

namespace optgym {
namespace fuzz {

[[noreturn]] inline void fail(const llvm::Twine &What) {
  llvm::errs() << "optgym fuzz: invariant broken: " << What << "\n";
  std::abort();
}

inline void check(bool Holds, const llvm::Twine &What) {
  if (!Holds)
    fail(What);
}

inline llvm::StringRef asText(const uint8_t *Data, size_t Size) {
  return llvm::StringRef(reinterpret_cast<const char *>(Data), Size);
}

/// Errors are expected outcomes of bad input: their text must exist, and is
/// otherwise thrown away.
inline void consume(llvm::Error E) {
  if (E)
    check(!llvm::toString(std::move(E)).empty(), "an error without a message");
}

/// A query of Kind whose features are all set, from Seed (so a model's
/// tests see varied values).
inline Query queryFor(DecisionKind Kind, llvm::StringRef Key, uint64_t Seed) {
  Query Q(Kind, Key.str());
  Q.initFeatures();
  const DecisionKindInfo &Info = getKindInfo(Kind);
  for (size_t I = 0; I < Q.Features.size(); ++I) {
    Seed = Seed * 6364136223846793005ULL + 1442695040888963407ULL;
    if (Info.Features[I].Type == FeatureType::Int)
      Q.Features[I].Int = int64_t(Seed >> 33) - (int64_t(1) << 30);
    else
      Q.Features[I].Str = Key.take_front(Seed % 16).str();
  }
  return Q;
}

inline void checkChoice(DecisionKind Kind, unsigned Choice,
                        llvm::StringRef Who) {
  check(Choice < getKindInfo(Kind).Choices.size(),
        Who + " chose " + llvm::Twine(Choice) + " for " + kindName(Kind) +
            ", out of range");
}

} // namespace fuzz
} // namespace optgym

#endif // OPTGYM_TEST_FUZZ_FUZZCHECK_H
