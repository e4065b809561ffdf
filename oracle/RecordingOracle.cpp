//===- RecordingOracle.cpp - Record every decision of any oracle ----------===//

#include "oracle/OracleBackends.h"

#include "llvm/Support/FileSystem.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;

namespace optgym {
namespace {

class RecordingOracle final : public Oracle {
public:
  RecordingOracle(std::unique_ptr<Oracle> Inner, std::string Path, int FD)
      : Oracle(Inner->spec().str()), Inner(std::move(Inner)),
        Path(std::move(Path)), FD(FD) {}

  ~RecordingOracle() override {
    flush();
    ::close(FD);
  }

  bool readsFeatures(DecisionKind) const override { return true; }
  bool answersKind(DecisionKind Kind) const override {
    return Inner->answersKind(Kind);
  }

  const UnitGuard *unitGuard() const override { return Inner->unitGuard(); }
  void selectAlternative(unsigned Index) override {
    Inner->selectAlternative(Index);
  }

  bool wantsModuleEvents() const override { return Inner->wantsModuleEvents(); }
  void beginModule(StringRef ModuleId) override {
    Inner->beginModule(ModuleId);
  }
  void endModule(StringRef ModuleId, const ModuleStats &Stats) override {
    Inner->endModule(ModuleId, Stats);
  }

  void flush() override {
    Inner->flush();
    if (Buffer.empty() || Failed)
      return;
    // One batch of whole lines per flush, appended under an exclusive lock
    // that every recorder of this trace takes, so the compilers of a
    // parallel build interleave lines, never bytes. A line cut short (a
    // full disk, or a writer killed in the middle of its write: the lock
    // is free, so it is nobody's write in progress) is cut off the end
    // before anyone appends after it.
    ::flock(FD, LOCK_EX);
    cutTornLine();
    size_t Written = 0;
    int Errno = 0;
    while (Written < Buffer.size()) {
      ssize_t N = ::write(FD, Buffer.data() + Written, Buffer.size() - Written);
      if (N < 0 && errno == EINTR)
        continue;
      if (N <= 0) {
        Errno = N < 0 ? errno : EIO;
        break;
      }
      Written += N;
    }
    if (Errno)
      cutTornLine();
    ::flock(FD, LOCK_UN);
    Buffer.clear();
    if (Errno) {
      errs() << "optgym: warning: " << Path << ": cannot write the trace ("
             << std::strerror(Errno) << "); recording stops\n";
      Failed = true;
    }
  }

  void printSummary(raw_ostream &OS) const override {
    Inner->printSummary(OS);
    OS << "optgym: recorded " << NumRecords << " decisions to " << Path << "\n";
  }

protected:
  unsigned decideImpl(const Query &Q) override {
    unsigned Chosen = Inner->decide(Q);
    appendTraceRecord(Buffer, Q, Chosen, spec());
    ++NumRecords;
    constexpr size_t FlushThreshold = 1 << 16;
    if (Buffer.size() >= FlushThreshold)
      flush();
    return Chosen;
  }

private:
  /// With the lock held: if the trace does not end with a newline, cuts it
  /// back to just after the last one.
  void cutTornLine() {
    struct stat St;
    if (::fstat(FD, &St) != 0 || !S_ISREG(St.st_mode) || St.st_size == 0)
      return;
    char Chunk[4096];
    off_t End = St.st_size;
    if (::pread(FD, Chunk, 1, End - 1) != 1 || Chunk[0] == '\n')
      return;
    for (off_t Pos = End; Pos > 0;) {
      size_t N = std::min<off_t>(Pos, sizeof(Chunk));
      Pos -= N;
      if (::pread(FD, Chunk, N, Pos) != ssize_t(N))
        return;
      if (const void *NL = ::memrchr(Chunk, '\n', N)) {
        End = Pos + (static_cast<const char *>(NL) - Chunk) + 1;
        break;
      }
      End = Pos;
    }
    (void)::ftruncate(FD, End); // a failure leaves the line as it was
  }

  std::unique_ptr<Oracle> Inner;
  std::string Path;
  int FD; // opened for reading (the torn-line check) and appending
  std::string Buffer;
  uint64_t NumRecords = 0;
  bool Failed = false;
};

} // namespace

Expected<std::unique_ptr<Oracle>>
createRecordingOracle(std::unique_ptr<Oracle> Inner, StringRef Path) {
  int FD;
  if (std::error_code EC = sys::fs::openFileForReadWrite(
          Path, FD, sys::fs::CD_OpenAlways, sys::fs::OF_Append)) {
    // Recording must never break the build it watches (OPTGYM_COLLECT
    // neither): warn, and decide without recording.
    errs() << "optgym: warning: OPTGYM_RECORD=" << Path
           << ": cannot open the trace for writing (" << EC.message()
           << "); nothing is recorded\n";
    return std::move(Inner);
  }
  return std::make_unique<RecordingOracle>(std::move(Inner), Path.str(), FD);
}

} // namespace optgym
