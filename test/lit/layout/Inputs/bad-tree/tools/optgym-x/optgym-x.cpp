#include "oracle/Policy.h"
#include "passes/DecisionKeys.h"
#include "llvm/Support/raw_ostream.h"
