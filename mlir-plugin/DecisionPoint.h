//===- DecisionPoint.h - What MLIR decision points share --------*- C++ -*-===//
//
// The session's configuration error, reported once as an MLIR error (the
// pass then fails, as a bad policy fails a clang build), the functions a pass
// visits, and how keys start.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_MLIR_PLUGIN_DECISIONPOINT_H
#define OPTGYM_MLIR_PLUGIN_DECISIONPOINT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LogicalResult.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mlir {
class Operation;
} // namespace mlir

namespace optgym {

/// Emits the session's configuration error on Op, once per process (the
/// pipeline stops at the pass that failed); failure when it did.
mlir::LogicalResult reportConfigError(mlir::Operation *Op);

/// The functions with a body under Op, in order: what a decision point's
/// module-level pass visits one after another, so that its questions come in
/// the same order in every run (functions nested in functions are left to
/// their enclosing function).
llvm::SmallVector<mlir::func::FuncOp> definedFunctions(mlir::Operation *Op);

/// The base name of the file Op was parsed from ("-" for standard input or
/// when its location names no file).
llvm::StringRef sourceFileOf(mlir::Operation *Op);

/// "FILE:FUNC:", how the keys of F's decisions start.
std::string keyPrefix(mlir::func::FuncOp F);

} // namespace optgym

#endif // OPTGYM_MLIR_PLUGIN_DECISIONPOINT_H
