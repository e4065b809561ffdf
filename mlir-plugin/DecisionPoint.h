//===- DecisionPoint.h - What MLIR decision points share --------*- C++ -*-===//
//
// The session's configuration error, reported once as an MLIR error (the
// pass then fails, as a bad policy fails a clang build), and the file name
// keys start with.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_MLIR_PLUGIN_DECISIONPOINT_H
#define OPTGYM_MLIR_PLUGIN_DECISIONPOINT_H

#include "mlir/Support/LogicalResult.h"

#include "llvm/ADT/StringRef.h"

namespace mlir {
class Operation;
} // namespace mlir

namespace optgym {

/// Emits the session's configuration error on Op, once per process (the
/// pipeline stops at the pass that failed); failure when it did.
mlir::LogicalResult reportConfigError(mlir::Operation *Op);

/// The base name of the file Op was parsed from ("-" for standard input or
/// when its location names no file).
llvm::StringRef sourceFileOf(mlir::Operation *Op);

} // namespace optgym

#endif // OPTGYM_MLIR_PLUGIN_DECISIONPOINT_H
