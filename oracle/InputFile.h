//===- InputFile.h - Input files, read within a limit -----------*- C++ -*-===//
//
// Policies and traces are named by users and read inside every compile. A
// wrong name must not make the compiler read without end (a device, a pipe
// that never closes its end of a terabyte) or take all memory: input files are
// read up to a limit, regular files or not, and a larger one is an error that
// says which file and how large.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_INPUTFILE_H
#define OPTGYM_ORACLE_INPUTFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace optgym {

/// The largest policy file OptGym reads: tables of a large project's
/// decisions take a few MiB.
constexpr uint64_t MaxPolicyBytes = uint64_t(64) << 20;
/// The largest trace: a record is a few hundred bytes, so this is millions
/// of decisions.
constexpr uint64_t MaxTraceBytes = uint64_t(1) << 30;

/// The contents of Path, or an error "PATH: cannot read WHAT: reason" (What
/// names the kind of file, e.g. "policy"), also when it holds more than
/// MaxBytes.
llvm::Expected<std::string>
readInputFile(llvm::StringRef Path, llvm::StringRef What, uint64_t MaxBytes);

} // namespace optgym

#endif // OPTGYM_ORACLE_INPUTFILE_H
