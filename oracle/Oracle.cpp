//===- Oracle.cpp - The interface every decision backend implements -------===//

#include "oracle/Oracle.h"
#include "oracle/QueryServices.h"

namespace optgym {

// Anchors the vtable.
Oracle::~Oracle() = default;
QueryServices::~QueryServices() = default;

} // namespace optgym
