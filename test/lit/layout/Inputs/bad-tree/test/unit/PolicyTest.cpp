#include "oracle/Policy.h"
#include "gtest/gtest.h"
#include <llvm/IR/Function.h>
