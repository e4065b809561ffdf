//===- DriverObservations.cpp - Observations for pass choices -------------===//

#include "passes/DriverObservations.h"
#include "passes/ObjectSize.h"
#include "passes/Observations.h"
#include "plugin/Session.h"
#include "plugin/oracle/ActionSpace.h"

#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/PassInstrumentation.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/Cloning.h"

using namespace llvm;

namespace optgym {
namespace {

/// Ir inline must fit in one protocol frame with room to spare.
constexpr size_t MaxInlineIrBytes = 900 * 1024;

Error observationError(const Twine &Message) {
  return createStringError(inconvertibleErrorCode(), Message);
}

template <typename T> json::Array toArray(ArrayRef<T> Values) {
  json::Array A;
  for (const T &V : Values)
    A.push_back(V);
  return A;
}

/// Writes what Write prints to Path; returns the bytes written.
Expected<json::Value> writeFile(StringRef Path,
                                function_ref<void(raw_ostream &)> Write) {
  std::error_code EC;
  raw_fd_ostream OS(Path, EC, sys::fs::OF_None);
  if (EC)
    return observationError("cannot write " + Path + ": " + EC.message());
  Write(OS);
  OS.close();
  if (OS.has_error())
    return observationError("cannot write " + Path + ": " +
                            OS.error().message());
  return int64_t(OS.tell());
}

} // namespace

Expected<json::Value> DriverObservations::observe(StringRef Request) {
  auto [Name, Path] = Request.split('=');
  bool HasPath = Request.contains('=');
  if (HasPath && Path.empty())
    return observationError("'" + Request + "': empty path");
  if (HasPath && Name != "Ir" && Name != "Bitcode")
    return observationError("'" + Request +
                            "': only Ir and Bitcode are written to a file");

  if (Name == "IrInstructionCount")
    return int64_t(M.getInstructionCount());
  if (Name == "Autophase")
    return toArray<int64_t>(computeAutophase(M));
  if (Name == "AutophaseNames")
    return toArray<StringRef>(autophaseNames());
  if (Name == "InstCount")
    return toArray<int64_t>(computeInstCount(M));
  if (Name == "InstCountNames")
    return toArray<std::string>(instCountNames());
  if (Name == "Ir") {
    if (HasPath)
      return writeFile(Path, [&](raw_ostream &OS) { M.print(OS, nullptr); });
    std::string Text;
    raw_string_ostream OS(Text);
    M.print(OS, nullptr);
    if (Text.size() > MaxInlineIrBytes)
      return observationError("the IR has " + Twine(Text.size()) +
                              " bytes, too many for one message: ask for "
                              "Ir=PATH");
    return Text;
  }
  if (Name == "Bitcode") {
    if (!HasPath)
      return observationError("ask for Bitcode=PATH");
    return writeFile(Path, [&](raw_ostream &OS) { WriteBitcodeToFile(M, OS); });
  }
  if (Name == "ObjectTextSizeBytes") {
    Expected<uint64_t> Bytes = objectTextBytes(M);
    if (!Bytes)
      return Bytes.takeError();
    return int64_t(*Bytes);
  }
  for (auto [Level, Suffix] : {std::pair(0u, "Oz"), std::pair(1u, "O3")}) {
    bool Count = Name == ("IrInstructionCount" + Twine(Suffix)).str();
    bool Text = Name == ("ObjectTextSize" + Twine(Suffix)).str();
    if (!Count && !Text)
      continue;
    Expected<const Module &> Ref = reference(Level);
    if (!Ref)
      return Ref.takeError();
    if (Count)
      return int64_t(Ref->getInstructionCount());
    Expected<uint64_t> Bytes = objectTextBytes(*Ref);
    if (!Bytes)
      return Bytes.takeError();
    return int64_t(*Bytes);
  }
  if (Name == "ActionPipelines")
    return actionPipelines();
  return observationError("unknown observation '" + Name + "'");
}

Expected<const Module &> DriverObservations::reference(unsigned Level) {
  if (Reference[Level])
    return *Reference[Level];
  std::unique_ptr<Module> Copy = CloneModule(M);
  {
    // The baseline pipeline is LLVM's alone: OptGym's extension points
    // stay out of it, and so does the module the driver works on.
    Session::ReferenceRun Reference;
    LoopAnalysisManager LAM;
    FunctionAnalysisManager FAM;
    CGSCCAnalysisManager CGAM;
    ModuleAnalysisManager MAM;
    PB.registerModuleAnalyses(MAM);
    PB.registerCGSCCAnalyses(CGAM);
    PB.registerFunctionAnalyses(FAM);
    PB.registerLoopAnalyses(LAM);
    PB.crossRegisterProxies(LAM, FAM, CGAM, MAM);
    ModulePassManager MPM = PB.buildPerModuleDefaultPipeline(
        Level == 0 ? OptimizationLevel::Oz : OptimizationLevel::O3);
    MPM.run(*Copy, MAM);
  }
  Reference[Level] = std::move(Copy);
  return *Reference[Level];
}

Expected<json::Value> DriverObservations::actionPipelines() {
  PassInstrumentationCallbacks *PIC = PB.getPassInstrumentationCallbacks();
  auto PassName = [PIC](StringRef ClassName) {
    StringRef Name = PIC ? PIC->getPassNameForClassName(ClassName) : "";
    return Name.empty() ? ClassName : Name;
  };
  json::Array Texts{""};
  for (const Action &A : actionSpace()) {
    ModulePassManager MPM;
    if (Error E = PB.parsePassPipeline(MPM, A.Pipeline))
      return observationError("action " + A.Name + ": " +
                              toString(std::move(E)));
    std::string Text;
    raw_string_ostream OS(Text);
    MPM.printPipeline(OS, PassName);
    Texts.push_back(std::move(Text));
  }
  return Texts;
}

} // namespace optgym
