//===- Oracle.cpp - The interface every decision backend implements -------===//

#include "plugin/oracle/Oracle.h"
#include "plugin/oracle/QueryServices.h"

namespace optgym {

// Anchors the vtable.
Oracle::~Oracle() = default;
QueryServices::~QueryServices() = default;

} // namespace optgym
