//===- RecordingOracle.cpp - Record every decision of any oracle ----------===//

#include "oracle/OracleBackends.h"

#include "llvm/Support/FileSystem.h"

using namespace llvm;

namespace optgym {
namespace {

class RecordingOracle final : public Oracle {
public:
  RecordingOracle(std::unique_ptr<Oracle> Inner, std::string Path,
                  std::unique_ptr<raw_fd_ostream> Out)
      : Oracle(Inner->spec().str()), Inner(std::move(Inner)),
        Path(std::move(Path)), Out(std::move(Out)) {
    this->Out->SetUnbuffered();
  }

  ~RecordingOracle() override { flush(); }

  bool readsFeatures(DecisionKind) const override { return true; }
  bool answersKind(DecisionKind Kind) const override {
    return Inner->answersKind(Kind);
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
    // One write per flush, of whole lines, to a file opened for appending:
    // compilers running in parallel interleave lines, never bytes.
    Out->write(Buffer.data(), Buffer.size());
    Out->flush();
    Buffer.clear();
    if (Out->has_error()) {
      errs() << "optgym: warning: " << Path << ": cannot write the trace ("
             << Out->error().message() << "); recording stops\n";
      Out->clear_error();
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
  std::unique_ptr<Oracle> Inner;
  std::string Path;
  std::unique_ptr<raw_fd_ostream> Out;
  std::string Buffer;
  uint64_t NumRecords = 0;
  bool Failed = false;
};

} // namespace

Expected<std::unique_ptr<Oracle>>
createRecordingOracle(std::unique_ptr<Oracle> Inner, StringRef Path) {
  std::error_code EC;
  auto Out = std::make_unique<raw_fd_ostream>(Path, EC, sys::fs::OF_Append);
  if (EC)
    return createStringError(
        EC, "OPTGYM_RECORD=" + Path +
                ": cannot open the trace for writing: " + EC.message());
  return std::make_unique<RecordingOracle>(std::move(Inner), Path.str(),
                                           std::move(Out));
}

} // namespace optgym
