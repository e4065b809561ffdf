//===- QueryServices.h - What a live agent may ask about a query -*- C++
//-*-===//
//
// A decision point can offer services beyond the query's features while the
// query waits for its answer: observations of the IR it is about (Autophase,
// the IR itself, the object code size...), computed only when an agent asks.
// The pass-choice driver offers them; a socket agent reaches them through
// observe requests (docs/protocol.md). No LLVM IR types here: the values are
// JSON.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_QUERYSERVICES_H
#define OPTGYM_ORACLE_QUERYSERVICES_H

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

namespace optgym {

class QueryServices {
public:
  virtual ~QueryServices();

  /// The observation Name of the IR as it is now, e.g. "Autophase", or
  /// "Bitcode=/path" to write it to a file. The error says why not.
  virtual llvm::Expected<llvm::json::Value> observe(llvm::StringRef Name) = 0;
};

} // namespace optgym

#endif // OPTGYM_ORACLE_QUERYSERVICES_H
