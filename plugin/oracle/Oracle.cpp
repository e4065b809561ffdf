//===- Oracle.cpp - The interface every decision backend implements -------===//

#include "plugin/oracle/Oracle.h"

namespace optgym {

// Anchors the vtable.
Oracle::~Oracle() = default;

} // namespace optgym
