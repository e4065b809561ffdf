//===- ObjectSize.h - .text size of a module's object code ------*- C++ -*-===//
//
// CompilerGym's ObjectTextSizeBytes, computed in process: a copy of the
// module goes through the target's code generator (-O2 codegen, PIC, the
// module's target triple or the host's, the CPU and features its functions
// name) into an in-memory object file, whose .text sections are summed. No
// subprocess and no file.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_OBJECTSIZE_H
#define OPTGYM_PASSES_OBJECTSIZE_H

#include "llvm/Support/Error.h"

#include <cstdint>

namespace llvm {
class Module;
} // namespace llvm

namespace optgym {

/// Bytes in the .text sections of M's object code; M is left unchanged.
llvm::Expected<uint64_t> objectTextBytes(const llvm::Module &M);

} // namespace optgym

#endif // OPTGYM_PASSES_OBJECTSIZE_H
