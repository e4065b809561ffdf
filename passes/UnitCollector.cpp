//===- UnitCollector.cpp - Collect translation units from real builds -----===//

#include "passes/UnitCollector.h"
#include "session/Session.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"
#include "llvm/TargetParser/Triple.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

using namespace llvm;

namespace optgym {
namespace {

/// The command line of this process: for clang's integrated cc1, the
/// driver's command (clang -O2 -c x.c -o x.o), which is what rebuilding the
/// unit needs. Linux only; empty elsewhere.
std::vector<std::string> commandLine() {
  std::vector<std::string> Argv;
  // As a stream: /proc files report a size of 0.
  ErrorOr<std::unique_ptr<MemoryBuffer>> Buf =
      MemoryBuffer::getFileAsStream("/proc/self/cmdline");
  if (!Buf)
    return Argv;
  SmallVector<StringRef, 32> Parts;
  (*Buf)->getBuffer().split(Parts, '\0', -1, /*KeepEmpty=*/true);
  // The buffer ends with a NUL, which leaves one empty part at the end.
  if (!Parts.empty() && Parts.back().empty())
    Parts.pop_back();
  for (StringRef P : Parts)
    Argv.push_back(P.str());
  return Argv;
}

/// The argument of the last -o, if any.
std::optional<std::string> outputOf(ArrayRef<std::string> Argv) {
  std::optional<std::string> Out;
  for (size_t I = 0; I < Argv.size(); ++I) {
    StringRef A = Argv[I];
    if (A == "-o" && I + 1 < Argv.size())
      Out = Argv[++I];
    else if (A.starts_with("-o") && A.size() > 2)
      Out = A.drop_front(2).str();
  }
  return Out;
}

/// Writes Bytes to Path through a temporary file in the same directory and
/// a rename, so that a reader never sees a half-written file.
Error writeThroughRename(StringRef Path, StringRef Bytes) {
  int FD;
  SmallString<256> Temp;
  if (std::error_code EC =
          sys::fs::createUniqueFile(Path + ".tmp-%%%%%%%%", FD, Temp))
    return createFileError(Path, EC);
  {
    raw_fd_ostream OS(FD, /*shouldClose=*/true);
    OS << Bytes;
    OS.close();
    if (OS.has_error()) {
      std::error_code EC = OS.error();
      OS.clear_error();
      sys::fs::remove(Temp);
      return createFileError(Path, EC);
    }
  }
  if (std::error_code EC = sys::fs::rename(Temp, Path)) {
    sys::fs::remove(Temp);
    return createFileError(Path, EC);
  }
  return Error::success();
}

/// Writes Bytes to Path so that a reader never sees a half-written file and
/// a process killed on the way leaves nothing behind: on Linux, an unnamed
/// file in the directory (O_TMPFILE), linked in place once it is whole. A
/// Path that exists already (a rebuild), or a file system without
/// O_TMPFILE, goes through a temporary name and a rename.
Error writeAtomically(StringRef Path, StringRef Bytes) {
#ifdef O_TMPFILE
  SmallString<256> Dir(Path);
  sys::path::remove_filename(Dir);
  if (Dir.empty())
    Dir = ".";
  int FD = ::open(Dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  if (FD >= 0) {
    raw_fd_ostream OS(FD, /*shouldClose=*/false);
    OS << Bytes;
    OS.flush();
    std::error_code EC = OS.error();
    OS.clear_error();
    if (!EC) {
      // Fails if Path exists (EEXIST), or without /proc: then by a rename.
      std::string Self = "/proc/self/fd/" + std::to_string(FD);
      SmallString<256> Target(Path);
      bool Linked = ::linkat(AT_FDCWD, Self.c_str(), AT_FDCWD, Target.c_str(),
                             AT_SYMLINK_FOLLOW) == 0;
      ::close(FD);
      if (Linked)
        return Error::success();
    } else {
      ::close(FD);
      return createFileError(Path, EC);
    }
  }
#endif
  return writeThroughRename(Path, Bytes);
}

/// The source's stem as a file name that stays in the collection directory
/// whatever the module says its source is ("../../x", "/abs", NUL and
/// control bytes): portable characters only, never a leading dot, at most
/// 64 bytes. The name's hash keeps units with equal stems apart.
std::string safeStem(StringRef Source) {
  std::string Stem;
  for (char C : sys::path::stem(Source).take_front(64))
    Stem +=
        isAlnum(C) || C == '_' || C == '-' || C == '+' || C == '.' ? C : '_';
  if (Stem.empty() || Stem.front() == '.')
    Stem.insert(0, "module");
  return Stem;
}

Error collect(const Module &M, StringRef Dir) {
  if (std::error_code EC = sys::fs::create_directories(Dir))
    return createFileError(Dir, EC);
  SmallString<256> Cwd;
  sys::fs::current_path(Cwd);
  std::vector<std::string> Argv = commandLine();
  std::optional<std::string> Output = outputOf(Argv);
  StringRef Source = M.getSourceFileName();

  // Stable across rebuilds of the same unit, distinct for equally named
  // sources in other directories or built into other objects.
  std::string Identity =
      (Cwd + "\n" + Source + "\n" + Output.value_or("")).str();
  std::string Stem = safeStem(Source);
  std::string Name;
  raw_string_ostream(Name) << Stem << "-"
                           << format_hex_no_prefix(xxh3_64bits(Identity), 16);

  std::string Bitcode;
  raw_string_ostream BC(Bitcode);
  WriteBitcodeToFile(M, BC);
  SmallString<256> BitcodePath(Dir);
  sys::path::append(BitcodePath, Name + ".bc");
  if (Error E = writeAtomically(BitcodePath, Bitcode))
    return E;

  json::Array Args;
  for (const std::string &A : Argv)
    Args.push_back(A);
  json::Object Unit{{"format", "optgym-unit"},
                    {"version", 1},
                    {"bitcode", Name + ".bc"},
                    {"source", Source},
                    {"module", M.getModuleIdentifier()},
                    {"cwd", Cwd.str()},
                    {"argv", std::move(Args)},
                    // A string in LLVM 19, a Triple in 22: Triple takes both.
                    {"target", Triple(M.getTargetTriple()).str()},
                    {"llvm", LLVM_VERSION_STRING}};
  if (Output)
    Unit["output"] = *Output;
  std::string Text;
  raw_string_ostream(Text) << formatv("{0:2}", json::Value(std::move(Unit)))
                           << "\n";
  SmallString<256> JSONPath(Dir);
  sys::path::append(JSONPath, Name + ".json");
  // The JSON last: a unit is complete once its JSON file exists.
  return writeAtomically(JSONPath, Text);
}

} // namespace

PreservedAnalyses UnitCollectorPass::run(Module &M, ModuleAnalysisManager &) {
  if (Session::inReferenceRun())
    return PreservedAnalyses::all();
  if (Error E = collect(M, Dir)) {
    // Collecting must never break the build it watches: warn once.
    static std::atomic<bool> Warned{false};
    std::string Message = toString(std::move(E));
    if (!Warned.exchange(true))
      std::fprintf(stderr,
                   "optgym: warning: OPTGYM_COLLECT: %s; this unit is not "
                   "collected\n",
                   Message.c_str());
  }
  return PreservedAnalyses::all();
}

} // namespace optgym
