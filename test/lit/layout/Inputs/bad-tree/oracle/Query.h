// A layout that breaks each rule once, for include-directions.test.
#include "oracle/DecisionKind.h"
#include "passes/Compat.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/Module.h"
#include <vector>
