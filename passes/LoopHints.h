//===- LoopHints.h - Read and write llvm.loop hints -------------*- C++ -*-===//
//
// Loop decisions are carried out the way `#pragma clang loop` is: by loop
// metadata that LLVM's unroller and vectorizer already obey. That keeps
// OptGym out of LLVM's transforms and their legality checks.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_LOOPHINTS_H
#define OPTGYM_PASSES_LOOPHINTS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace llvm {
class Loop;
}

namespace optgym {

struct LoopHint {
  llvm::StringRef Name;
  /// No value: a bare `!{!"name"}` hint.
  std::optional<uint32_t> Value;
  /// Width of the value: i1 for enable flags, i32 for counts.
  unsigned Bits = 32;
};

/// The tag addLoopHints() adds, so OptGym's hints can be told from a user's.
constexpr llvm::StringLiteral HintedLoopTag = "optgym.hinted";

/// True if the loop already has a hint whose name starts with one of
/// Prefixes (a user pragma, or LLVM marking a loop it transformed).
bool hasLoopHint(const llvm::Loop &L, llvm::ArrayRef<llvm::StringRef> Prefixes);

/// Adds the hints, and HintedLoopTag, to the loop's llvm.loop metadata,
/// keeping what is there.
void addLoopHints(llvm::Loop &L, llvm::ArrayRef<LoopHint> Hints);

/// Removes the hints named Names from the loop's llvm.loop metadata.
void removeLoopHints(llvm::Loop &L, llvm::ArrayRef<llvm::StringRef> Names);

} // namespace optgym

#endif // OPTGYM_PASSES_LOOPHINTS_H
