//===- ObjectSize.h - .text size of a module's object code ------*- C++ -*-===//
//
// CompilerGym's ObjectTextSizeBytes, computed by the plugin itself: what
// `clang -O2 -c -Xclang -disable-llvm-passes` and `llvm-size -A` give on the
// module's bitcode. A copy of the module goes through the target's code
// generator (-O2 codegen, PIC, the module's target triple or the host's, the
// target's data layout and library functions, the CPU and features its
// functions name or clang's default CPU) into an in-memory object file,
// whose .text sections are summed. No tool runs and no file is written.
//
// Copies are made through bitcode into an LLVMContext of their own
// (ModuleCopy), not with CloneModule: the use-list order steers instruction
// selection and register allocation, and only the bitcode, written as opt
// writes it, keeps it; and CloneModule of LLVM 19 and 20 points a
// blockaddress in a global initializer (a computed-goto table) at the
// original module's block, which code generation then cannot find
// ("Undefined temporary symbol").
//
// Code generation runs in a forked child process: a module the backend
// rejects (an error diagnosed in the copy's context, an MC error, a
// report_fatal_error, a crash) fails the observation with a message, never
// the compiler process that asked.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_PASSES_OBJECTSIZE_H
#define OPTGYM_PASSES_OBJECTSIZE_H

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>

#include <sys/types.h>

namespace optgym {

/// A module copied into an LLVMContext of its own, through bitcode with the
/// use-list order kept: exactly the module a tool reading the original's
/// bitcode (as opt writes it) starts from. Errors diagnosed in its context
/// (by passes, by code generation) are kept for takeError(), and neither
/// print nor end the process; other diagnostics of the copy are dropped.
class ModuleCopy {
public:
  static llvm::Expected<ModuleCopy> make(const llvm::Module &M);

  llvm::Module &module() { return *Mod; }
  const llvm::Module &module() const { return *Mod; }

  /// The first error diagnosed in the copy's context since the last call,
  /// prefixed by What; success if there was none.
  llvm::Error takeError(const llvm::Twine &What);

private:
  ModuleCopy() = default;

  struct Diagnosed {
    bool Failed = false;
    std::string Message;
  };
  // In the order of destruction, reversed: the module, then its context,
  // then what the context's diagnostic handler writes to.
  std::unique_ptr<Diagnosed> Errors;
  std::unique_ptr<llvm::LLVMContext> Context;
  std::unique_ptr<llvm::Module> Mod;
};

/// Writes M's bitcode as opt -o does (use-list order kept).
void writeBitcode(const llvm::Module &M, llvm::raw_ostream &OS);

/// Bytes in the .text sections of M's object code; M is left unchanged.
llvm::Expected<uint64_t> objectTextBytes(const llvm::Module &M);

/// objectTextBytes() of M itself, in this process, through M's own context
/// (its OptPassGate included: the codegen gate answers as in the real
/// build). M is changed and its context's diagnostics taken over, so this is
/// only for a process that throws M away: the unit guard's rehearsals.
llvm::Expected<uint64_t> objectTextBytesInPlace(llvm::Module &M);

/// How a forked child reports a size to the process that forked it.
/// In the child, first: its crashes and fatal errors are its own, and a
/// fatal error is reported on ReplyFd.
void beginMeasuringChild(int ReplyFd);
/// In the child, last: reports Bytes (or its error) and ends the child.
[[noreturn]] void replyTextBytes(int ReplyFd, llvm::Expected<uint64_t> Bytes);
/// In the parent: the child's report, read from ReadFd (then closed), once
/// the child has ended; an error when it failed or crashed.
llvm::Expected<uint64_t> awaitTextBytes(pid_t Child, int ReadFd);

} // namespace optgym

#endif // OPTGYM_PASSES_OBJECTSIZE_H
