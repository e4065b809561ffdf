//===- Trace.h - Recorded decisions, one JSON object per line ---*- C++ -*-===//
//
// A trace is what OPTGYM_RECORD writes: one line per decision with its key,
// kind, features, choice set, default, the choice made and the oracle that
// made it (docs/trace-format.md). Replay and `optgym-policy from-trace` read
// it back; only key, kind and chosen are needed for that, other members are
// ignored so traces can grow.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_TRACE_H
#define OPTGYM_ORACLE_TRACE_H

#include "oracle/Query.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <array>

namespace optgym {

/// Appends one trace line (with its newline) for a decision to Out.
void appendTraceRecord(std::string &Out, const Query &Q, unsigned Chosen,
                       llvm::StringRef OracleSpec);

/// The decisions of a trace, per kind: key -> chosen choice.
struct DecisionTables {
  struct Entry {
    unsigned Chosen;
    unsigned Default;
    unsigned Line;
  };
  std::array<llvm::StringMap<Entry>, NumDecisionKinds> Kinds;
  size_t NumRecords = 0;
};

/// Reads a trace. Malformed lines, unknown kinds or choices, and a key
/// recorded twice with different choices are errors naming FILE:LINE:COLUMN.
/// The same decision recorded twice (two identical runs appended to one
/// file) is not an error.
llvm::Expected<DecisionTables> readTrace(llvm::StringRef Path);
llvm::Expected<DecisionTables> parseTrace(llvm::StringRef Text,
                                          llvm::StringRef FileName);

} // namespace optgym

#endif // OPTGYM_ORACLE_TRACE_H
