//===- ObjectSize.cpp - .text size of a module's object code --------------===//

#include "passes/ObjectSize.h"
#include "passes/Compat.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/DiagnosticHandler.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/DiagnosticPrinter.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include <sys/wait.h>
#include <unistd.h>

using namespace llvm;

namespace optgym {
namespace {

Error sizeError(const Twine &Message) {
  return createStringError(inconvertibleErrorCode(), Message);
}

/// A copy's diagnostics: the first error is kept for ModuleCopy::takeError.
/// Every diagnostic is handled here: the default handler prints an error
/// and exits the process (an MC error in code generation did, for Lua).
class KeepFirstError final : public DiagnosticHandler {
public:
  KeepFirstError(bool &Failed, std::string &Message)
      : Failed(Failed), Message(Message) {}

  bool handleDiagnostics(const DiagnosticInfo &DI) override {
    if (DI.getSeverity() != DS_Error || Failed)
      return true;
    Failed = true;
    raw_string_ostream OS(Message);
    DiagnosticPrinterRawOStream Printer(OS);
    DI.print(Printer);
    return true;
  }

private:
  bool &Failed;
  std::string &Message;
};

/// The CPU clang's driver gives the target machine when it is given no
/// -march (clang/lib/Driver/ToolChains/Arch/X86.cpp): known here for the
/// x86-64 ELF targets the gym runs on; elsewhere the target's generic CPU.
StringRef clangDefaultCPU(const Triple &TT) {
  if (TT.getArch() == Triple::x86_64 && TT.isOSBinFormatELF() && !TT.isPS())
    return "x86-64";
  return "";
}

/// .text bytes of Code's object code, generated in this process. Code gets
/// the target's data layout and CPU; errors diagnosed in its context are
/// the caller's to collect.
Expected<uint64_t> emitTextBytes(Module &Code) {
  Triple TT = compat::targetTriple(Code);
  if (TT.getTriple().empty())
    TT = Triple(sys::getDefaultTargetTriple());
  std::string Problem;
  // By triple (no architecture name): the one form LLVM 19 and 22 share
  // that 22 does not deprecate.
  const Target *T = TargetRegistry::lookupTarget("", TT, Problem);
  if (!T)
    return sizeError("no code generator for " + TT.getTriple() + ": " +
                     Problem);
  std::unique_ptr<TargetMachine> TM(compat::createTargetMachine(
      *T, TT, TargetOptions(), CodeGenOptLevel::Default));
  if (!TM)
    return sizeError("cannot create a target machine for " + TT.getTriple());
  // What clang does to a module before code generation: the target's data
  // layout, and its default CPU for functions that name none (a module
  // without either, from llvm-stress, has the default layout and no
  // attributes).
  Code.setDataLayout(TM->createDataLayout());
  if (StringRef CPU = clangDefaultCPU(TT); !CPU.empty())
    for (Function &F : Code)
      if (!F.isDeclaration() && !F.hasFnAttribute("target-cpu"))
        F.addFnAttr("target-cpu", CPU);

  SmallVector<char, 0> Object;
  {
    raw_svector_ostream OS(Object);
    legacy::PassManager Codegen;
    // As llc and clang do: without it code generation knows no library
    // function of the target (a default TargetLibraryInfo has no triple), so
    // calls such as sqrt are not partially inlined and objects come out
    // smaller than clang's for every module that calls libm.
    Codegen.add(new TargetLibraryInfoWrapperPass(TT));
    if (TM->addPassesToEmitFile(Codegen, OS, nullptr,
                                CodeGenFileType::ObjectFile))
      return sizeError(TT.getTriple() + " cannot emit object files");
    Codegen.run(Code);
  }

  Expected<std::unique_ptr<object::ObjectFile>> File =
      object::ObjectFile::createObjectFile(
          MemoryBufferRef(StringRef(Object.data(), Object.size()), "object"));
  if (!File)
    return File.takeError();
  uint64_t Bytes = 0;
  for (const object::SectionRef &Section : (*File)->sections()) {
    Expected<StringRef> Name = Section.getName();
    if (!Name) {
      consumeError(Name.takeError());
      continue;
    }
    if (*Name == ".text" || Name->starts_with(".text."))
      Bytes += Section.getSize();
  }
  return Bytes;
}

/// .text bytes of M's object code, generated in this process.
Expected<uint64_t> generateTextBytes(const Module &M) {
  Expected<ModuleCopy> Copy = ModuleCopy::make(M);
  if (!Copy)
    return Copy.takeError();
  Expected<uint64_t> Bytes = emitTextBytes(Copy->module());
  if (Error E = Copy->takeError("code generation")) {
    consumeError(Bytes.takeError());
    return std::move(E);
  }
  return Bytes;
}

/// The forked child's end of the pipe, for its fatal error handler.
int ChildReplyFd = -1;

void writeAll(int Fd, StringRef Data) {
  while (!Data.empty()) {
    ssize_t Written = ::write(Fd, Data.data(), Data.size());
    if (Written < 0 && errno == EINTR)
      continue;
    if (Written <= 0)
      return;
    Data = Data.drop_front(Written);
  }
}

/// report_fatal_error in the child: the reason goes to the parent, and the
/// child ends without running the host's exit-time code (OptGym's session
/// would end its module on the agent's connection, which the child shares).
[[noreturn]] void replyFatalError(void *, const char *Reason, bool) {
  writeAll(ChildReplyFd, std::string("error: code generation: ") + Reason);
  ::_exit(1);
}

} // namespace

Expected<ModuleCopy> ModuleCopy::make(const Module &M) {
  SmallVector<char, 0> Bitcode;
  raw_svector_ostream OS(Bitcode);
  writeBitcode(M, OS);
  ModuleCopy Copy;
  Copy.Errors = std::make_unique<Diagnosed>();
  Copy.Context = std::make_unique<LLVMContext>();
  Copy.Context->setDiagnosticHandler(std::make_unique<KeepFirstError>(
      Copy.Errors->Failed, Copy.Errors->Message));
  Expected<std::unique_ptr<Module>> Read = parseBitcodeFile(
      MemoryBufferRef(StringRef(Bitcode.data(), Bitcode.size()),
                      M.getModuleIdentifier()),
      *Copy.Context);
  if (!Read)
    return sizeError("cannot copy the module: " + toString(Read.takeError()));
  Copy.Mod = std::move(*Read);
  return std::move(Copy);
}

Error ModuleCopy::takeError(const Twine &What) {
  if (!Errors->Failed)
    return Error::success();
  Errors->Failed = false;
  // The first line: an inline assembler's error goes on with the source
  // line and a caret.
  std::string Message = std::exchange(Errors->Message, "");
  return sizeError(What + ": " + StringRef(Message).split('\n').first);
}

void writeBitcode(const Module &M, raw_ostream &OS) {
  WriteBitcodeToFile(M, OS, /*ShouldPreserveUseListOrder=*/true);
}

Expected<uint64_t> objectTextBytesInPlace(Module &M) {
  // Static: the handler stays with M's context after the call.
  static bool Failed;
  static std::string Message;
  Failed = false;
  Message.clear();
  M.getContext().setDiagnosticHandler(
      std::make_unique<KeepFirstError>(Failed, Message));
  Expected<uint64_t> Bytes = emitTextBytes(M);
  if (Failed) {
    consumeError(Bytes.takeError());
    return sizeError("code generation: " +
                     StringRef(Message).split('\n').first);
  }
  return Bytes;
}

void beginMeasuringChild(int ReplyFd) {
  // A crash here is the child's alone: the host's handlers would print
  // its stack trace and remove the files it is writing.
  sys::unregisterHandlers();
  ChildReplyFd = ReplyFd;
  remove_fatal_error_handler();
  install_fatal_error_handler(replyFatalError);
}

void replyTextBytes(int ReplyFd, Expected<uint64_t> Bytes) {
  writeAll(ReplyFd, Bytes ? "ok " + std::to_string(*Bytes)
                          : "error: " + toString(Bytes.takeError()));
  ::_exit(0);
}

Expected<uint64_t> awaitTextBytes(pid_t Child, int ReadFd) {
  std::string Reply;
  char Buffer[4096];
  while (true) {
    ssize_t Read = ::read(ReadFd, Buffer, sizeof(Buffer));
    if (Read < 0 && errno == EINTR)
      continue;
    if (Read <= 0)
      break;
    Reply.append(Buffer, Read);
  }
  ::close(ReadFd);
  int Status = 0;
  while (::waitpid(Child, &Status, 0) < 0 && errno == EINTR) {
  }

  StringRef Text(Reply);
  uint64_t Bytes;
  if (Text.consume_front("ok ") && !Text.getAsInteger(10, Bytes))
    return Bytes;
  if (Text.consume_front("error: "))
    return sizeError(Text);
  if (WIFSIGNALED(Status))
    return sizeError("code generation crashed: " +
                     Twine(::strsignal(WTERMSIG(Status))));
  return sizeError("code generation ended without a result");
}

Expected<uint64_t> objectTextBytes(const Module &M) {
  int Pipe[2];
  if (::pipe(Pipe) != 0)
    return sizeError(Twine("cannot generate code: pipe: ") +
                     std::strerror(errno));
  pid_t Child = ::fork();
  if (Child < 0) {
    int Errno = errno;
    ::close(Pipe[0]);
    ::close(Pipe[1]);
    return sizeError(Twine("cannot generate code: fork: ") +
                     std::strerror(Errno));
  }
  if (Child == 0) {
    ::close(Pipe[0]);
    beginMeasuringChild(Pipe[1]);
    replyTextBytes(Pipe[1], generateTextBytes(M));
  }
  ::close(Pipe[1]);
  return awaitTextBytes(Child, Pipe[0]);
}

} // namespace optgym
