//===- UnitGuard.cpp - The policy only where it is smaller ----------------===//

#include "passes/UnitGuard.h"
#include "passes/ObjectSize.h"
#include "session/Session.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include <fcntl.h>
#include <unistd.h>

using namespace llvm;

namespace optgym {
namespace {

/// In a rehearsal: where to report the unit's .text bytes.
int RehearsalReplyFd = -1;

Error guardError(const Twine &Message) {
  return createStringError(inconvertibleErrorCode(), Message);
}

/// Threads of this process other than the caller: a forked child would
/// have none of them, and whatever they hold locked would stay locked.
bool hasOtherThreads() {
  std::error_code EC;
  unsigned Threads = 0;
  for (sys::fs::directory_iterator It("/proc/self/task", EC), End;
       It != End && !EC; It.increment(EC))
    ++Threads;
  return Threads > 1;
}

/// Forks a rehearsal of the rest of the unit's compile, with the policy's
/// Alternative or with LLVM's default. In the parent, returns the
/// rehearsal's .text bytes; in the rehearsal, returns nothing, and the
/// pipeline goes on until UnitGuardMeasurePass.
std::optional<Expected<uint64_t>>
rehearse(Session &S, Module &M, std::optional<unsigned> Alternative) {
  int Pipe[2];
  if (::pipe(Pipe) != 0)
    return Expected<uint64_t>(
        guardError(Twine("pipe: ") + std::strerror(errno)));
  // Nothing buffered may be written twice.
  outs().flush();
  errs().flush();
  std::fflush(nullptr);
  pid_t Child = ::fork();
  if (Child < 0) {
    int Errno = errno;
    ::close(Pipe[0]);
    ::close(Pipe[1]);
    return Expected<uint64_t>(
        guardError(Twine("fork: ") + std::strerror(Errno)));
  }
  if (Child == 0) {
    ::close(Pipe[0]);
    beginMeasuringChild(Pipe[1]);
    // The compile's diagnostics come from the compile itself, once.
    int Null = ::open("/dev/null", O_WRONLY);
    if (Null >= 0) {
      ::dup2(Null, STDOUT_FILENO);
      ::dup2(Null, STDERR_FILENO);
      ::close(Null);
    }
    RehearsalReplyFd = Pipe[1];
    S.beginRehearsal();
    S.setGuardVerdict(&M, M.getModuleIdentifier(), Alternative);
    return std::nullopt;
  }
  ::close(Pipe[1]);
  return awaitTextBytes(Child, Pipe[0]);
}

void warnOnce(StringRef Unit, StringRef Why) {
  static std::atomic<bool> Warned{false};
  if (Warned.exchange(true))
    return;
  std::string Message = ("optgym: warning: guard: " + Unit + ": " + Why +
                         "; such units keep LLVM's default\n")
                            .str();
  std::fputs(Message.c_str(), stderr);
}

void printVerdict(StringRef Unit, ArrayRef<uint64_t> PolicyBytes,
                  uint64_t DefaultBytes, std::optional<unsigned> Chosen) {
  raw_ostream &OS = errs();
  OS << "optgym: guard: " << Unit << ": .text ";
  interleave(PolicyBytes, OS, ", ");
  if (PolicyBytes.size() == 1)
    OS << " bytes with the policy, ";
  else
    OS << " bytes with the policy's alternatives, ";
  OS << DefaultBytes << " with LLVM's default: ";
  if (!Chosen)
    OS << "the default\n";
  else if (PolicyBytes.size() == 1)
    OS << "the policy\n";
  else
    OS << "alternative " << *Chosen << "\n";
}

} // namespace

PreservedAnalyses UnitGuardPass::run(Module &M, ModuleAnalysisManager &) {
  Session &S = Session::get();
  if (!S.unitGuard() || S.isRehearsal() || !S.mayQueryUnguarded())
    return PreservedAnalyses::all();

  StringRef Unit = M.getModuleIdentifier();
  std::string Unsure;
  if (!*CanMeasure)
    Unsure = "this pipeline has no optimizer-last extension point to "
             "measure at";
  else if (hasOtherThreads())
    Unsure = "the compiler runs other threads, so it cannot fork";
  if (!Unsure.empty()) {
    warnOnce(Unit, Unsure);
    S.setGuardVerdict(&M, Unit, std::nullopt);
    S.noteGuardVerdict(std::nullopt);
    return PreservedAnalyses::all();
  }

  // LLVM's default first, then each alternative of the policy.
  unsigned Alternatives = S.unitGuard()->Alternatives;
  uint64_t DefaultBytes = 0;
  SmallVector<uint64_t, 4> PolicyBytes;
  std::string Failure;
  for (unsigned I = 0; I <= Alternatives; ++I) {
    std::optional<unsigned> Alternative;
    if (I)
      Alternative = I - 1;
    std::optional<Expected<uint64_t>> Bytes = rehearse(S, M, Alternative);
    if (!Bytes)
      return PreservedAnalyses::all(); // The rehearsal goes on.
    if (!*Bytes) {
      Failure = toString(Bytes->takeError());
      break;
    }
    if (Alternative)
      PolicyBytes.push_back(**Bytes);
    else
      DefaultBytes = **Bytes;
  }

  std::optional<unsigned> Chosen;
  if (!Failure.empty()) {
    warnOnce(Unit, "a rehearsal failed: " + Failure);
  } else {
    unsigned Best = llvm::min_element(PolicyBytes) - PolicyBytes.begin();
    if (PolicyBytes[Best] + S.unitGuard()->MinSavingBytes <= DefaultBytes)
      Chosen = Best;
    if (S.isVerbose())
      printVerdict(Unit, PolicyBytes, DefaultBytes, Chosen);
  }
  S.setGuardVerdict(&M, Unit, Chosen);
  S.noteGuardVerdict(Chosen);
  return PreservedAnalyses::all();
}

PreservedAnalyses UnitGuardMeasurePass::run(Module &M,
                                            ModuleAnalysisManager &) {
  if (Session::get().isRehearsal() && !Session::inReferenceRun())
    replyTextBytes(RehearsalReplyFd, objectTextBytesInPlace(M));
  return PreservedAnalyses::all();
}

} // namespace optgym
