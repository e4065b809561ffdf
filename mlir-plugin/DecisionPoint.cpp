//===- DecisionPoint.cpp - What MLIR decision points share ----------------===//

#include "mlir-plugin/DecisionPoint.h"

#include "session/Session.h"

#include "mlir/IR/Location.h"
#include "mlir/IR/Operation.h"

#include "llvm/Support/Path.h"

using namespace mlir;

namespace optgym {

LogicalResult reportConfigError(Operation *Op) {
  if (std::optional<std::string> Error = Session::get().takeConfigError()) {
    emitError(Op->getLoc(), "optgym: " + *Error);
    return failure();
  }
  return success();
}

SmallVector<func::FuncOp> definedFunctions(Operation *Op) {
  SmallVector<func::FuncOp> Functions;
  Op->walk<WalkOrder::PreOrder>([&](func::FuncOp F) {
    if (!F.isExternal())
      Functions.push_back(F);
    return WalkResult::skip();
  });
  return Functions;
}

StringRef sourceFileOf(Operation *Op) {
  StringRef File;
  Op->getLoc()->walk([&](Location Loc) {
    if (auto FileLoc = dyn_cast<FileLineColLoc>(Loc)) {
      File = FileLoc.getFilename().getValue();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (File.empty() || File == "-" || File == "<stdin>")
    return "-";
  return llvm::sys::path::filename(File);
}

std::string keyPrefix(func::FuncOp F) {
  return (sourceFileOf(F) + ":" + F.getSymName() + ":").str();
}

} // namespace optgym
