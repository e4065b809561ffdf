//===- DriverObservations.cpp - Observations for pass choices -------------===//

#include "passes/DriverObservations.h"
#include "oracle/ActionSpace.h"
#include "passes/ObjectSize.h"
#include "passes/ProgramGraph.h"
#include "session/Session.h"

#include "llvm/IR/PassInstrumentation.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace optgym {
namespace {

/// Ir and ProgramlJson inline must fit in one protocol frame with room to
/// spare.
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
  if (HasPath && Name != "Ir" && Name != "Bitcode" && Name != "ProgramlJson")
    return observationError(
        "'" + Request +
        "': only Ir, Bitcode and ProgramlJson are written to a file");

  if (Name == "IrInstructionCount")
    return int64_t(instructionCount());
  if (Name == "Autophase") {
    if (!Autophase)
      Autophase = toArray<int64_t>(computeAutophase(M));
    return *Autophase;
  }
  if (Name == "InstCount") {
    if (!InstCount)
      InstCount = toArray<int64_t>(computeInstCount(M));
    return *InstCount;
  }
  if (Name == "AutophaseNames")
    return toArray<StringRef>(autophaseNames());
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
    return writeFile(Path, [&](raw_ostream &OS) { writeBitcode(M, OS); });
  }
  if (Name == "ProgramlJson") {
    if (!GraphJson) {
      GraphJson.emplace();
      raw_string_ostream OS(*GraphJson);
      writeNodeLinkJSON(buildProgramGraph(M), OS);
    }
    if (HasPath)
      return writeFile(Path, [&](raw_ostream &OS) { OS << *GraphJson; });
    if (GraphJson->size() > MaxInlineIrBytes)
      return observationError("the graph has " + Twine(GraphJson->size()) +
                              " bytes of JSON, too many for one message: "
                              "ask for ProgramlJson=PATH");
    return json::parse(*GraphJson);
  }
  if (Name == "ObjectTextSizeBytes") {
    if (!TextBytes) {
      Expected<uint64_t> Bytes = objectTextBytes(M);
      if (!Bytes)
        return Bytes.takeError();
      TextBytes = *Bytes;
    }
    return int64_t(*TextBytes);
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
    return Reference[Level]->module();
  // The copy starts as opt would read the module's bitcode (ObjectSize.h
  // says why it is not a CloneModule), in a context of its own whose errors
  // fail the observation rather than end the process.
  Expected<ModuleCopy> Copy = ModuleCopy::make(M);
  if (!Copy)
    return Copy.takeError();
  // The pipeline comes from parsing its name, as for opt -passes='default<Oz>':
  // parsing first sets the PassBuilder's tuning options for the level (loop
  // and SLP vectorization: both off at Oz, both on at O3), which
  // buildPerModuleDefaultPipeline() alone does not. Built that way on the
  // host's PassBuilder, the baselines kept the host's tuning (opt's: loop
  // vectorization on, SLP off): loops were vectorized at Oz (raytrace:
  // 3,639 instructions instead of opt's 1,358, more than its 2,142 at -O0)
  // and O3 had no SLP vectorizer. The parse changes the tuning for good, so
  // it happens on a copy of the PassBuilder: the driver's own steps keep
  // the host's.
  PassBuilder ReferencePB = PB;
  StringRef Pipeline = Level == 0 ? "default<Oz>" : "default<O3>";
  {
    // The baseline pipeline is LLVM's alone: OptGym's extension points
    // stay out of it.
    Session::ReferenceRun Reference;
    ModulePassManager MPM;
    if (Error E = ReferencePB.parsePassPipeline(MPM, Pipeline))
      return observationError("cannot build " + Pipeline + ": " +
                              toString(std::move(E)));
    LoopAnalysisManager LAM;
    FunctionAnalysisManager FAM;
    CGSCCAnalysisManager CGAM;
    ModuleAnalysisManager MAM;
    ReferencePB.registerModuleAnalyses(MAM);
    ReferencePB.registerCGSCCAnalyses(CGAM);
    ReferencePB.registerFunctionAnalyses(FAM);
    ReferencePB.registerLoopAnalyses(LAM);
    ReferencePB.crossRegisterProxies(LAM, FAM, CGAM, MAM);
    MPM.run(Copy->module(), MAM);
  }
  if (Error E = Copy->takeError(Pipeline))
    return std::move(E);
  Reference[Level] = std::move(*Copy);
  return Reference[Level]->module();
}

Expected<json::Value> DriverObservations::actionPipelines() {
  PassInstrumentationCallbacks *PIC = PB.getPassInstrumentationCallbacks();
  auto PassName = [PIC](StringRef ClassName) {
    StringRef Name = PIC ? PIC->getPassNameForClassName(ClassName) : "";
    return Name.empty() ? ClassName : Name;
  };
  json::Array Texts{""};
  for (const Action &A : allActions()) {
    if (A.Pipeline.empty()) {
      Texts.push_back(""); // a replay-only action that runs nothing
      continue;
    }
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
