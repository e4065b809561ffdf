//===- optgym-policy.cpp - Make, check and describe OptGym policies -------===//
//
//   optgym-policy from-trace TRACE [-o POLICY] [--all] [--description TEXT]
//       Turns a recorded trace into a table policy that reproduces it.
//   optgym-policy check POLICY [--trace TRACE]
//       Validates a policy; with a trace, says which table entries it uses.
//   optgym-policy schema [--markdown]
//       Prints the decision kinds, their features and choices.
//
// Errors name the file and line:column and exit with status 1.
//
//===----------------------------------------------------------------------===//

#include "oracle/Policy.h"
#include "oracle/Trace.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

using namespace llvm;
using namespace optgym;

namespace {

constexpr const char *Usage =
    "usage: optgym-policy from-trace TRACE [-o POLICY] [--all] "
    "[--description TEXT]\n"
    "       optgym-policy check POLICY [--trace TRACE]\n"
    "       optgym-policy schema [--markdown]\n";

int fail(const Twine &Msg) {
  errs() << "optgym-policy: error: " << Msg << "\n";
  return 1;
}

int fail(Error E) { return fail(toString(std::move(E))); }

/// Flags of a subcommand: "--name value", "-o value", or bare switches.
struct Args {
  std::vector<std::string> Positional;
  StringMap<std::string> Values;
  StringSet<> Switches;
};

Expected<Args> parseArgs(ArrayRef<const char *> Argv,
                         ArrayRef<StringRef> ValueFlags,
                         ArrayRef<StringRef> SwitchFlags) {
  Args A;
  for (size_t I = 0; I < Argv.size(); ++I) {
    StringRef Arg = Argv[I];
    if (is_contained(ValueFlags, Arg)) {
      if (I + 1 == Argv.size())
        return createStringError(inconvertibleErrorCode(),
                                 Arg + " needs a value");
      A.Values[Arg] = Argv[++I];
    } else if (is_contained(SwitchFlags, Arg)) {
      A.Switches.insert(Arg);
    } else if (Arg.starts_with("-") && Arg != "-") {
      return createStringError(inconvertibleErrorCode(),
                               "unknown option '" + Arg + "'");
    } else {
      A.Positional.push_back(Arg.str());
    }
  }
  return A;
}

int writeJSON(const json::Value &V, StringRef Path) {
  std::error_code EC;
  raw_fd_ostream OS(Path.empty() ? "-" : Path, EC, sys::fs::OF_Text);
  if (EC)
    return fail(Path + ": cannot write: " + EC.message());
  OS << formatv("{0:2}", V) << "\n";
  return 0;
}

int fromTrace(ArrayRef<const char *> Argv) {
  Expected<Args> A = parseArgs(Argv, {"-o", "--description"}, {"--all"});
  if (!A)
    return fail(A.takeError());
  if (A->Positional.size() != 1)
    return fail("from-trace takes one trace file");
  StringRef TracePath = A->Positional[0];
  Expected<DecisionTables> T = readTrace(TracePath);
  if (!T)
    return fail(T.takeError());
  bool All = A->Switches.contains("--all");
  Policy P;
  size_t Kept = 0;
  for (DecisionKind Kind : allDecisionKinds())
    for (const auto &Entry : T->Kinds[unsigned(Kind)]) {
      // Default answers need no entry: a policy answers the default for
      // every key it does not list.
      if (!All && Entry.getValue().Chosen == Entry.getValue().Default)
        continue;
      P.get(Kind).Table[Entry.getKey()] = Entry.getValue().Chosen;
      ++Kept;
    }
  std::string Description = A->Values.lookup("--description");
  if (Description.empty())
    Description = ("decisions of trace " + TracePath).str();
  if (int RC = writeJSON(P.tablesToJSON(Description), A->Values.lookup("-o")))
    return RC;
  errs() << "optgym-policy: " << T->NumRecords << " records, " << Kept
         << " table entries"
         << (All ? ""
                 : " (decisions that depart from "
                   "the default)")
         << "\n";
  return 0;
}

int check(ArrayRef<const char *> Argv) {
  Expected<Args> A = parseArgs(Argv, {"--trace"}, {});
  if (!A)
    return fail(A.takeError());
  if (A->Positional.size() != 1)
    return fail("check takes one policy file");
  Expected<Policy> P = Policy::load(A->Positional[0]);
  if (!P)
    return fail(P.takeError());
  std::optional<DecisionTables> T;
  if (std::string TracePath = A->Values.lookup("--trace"); !TracePath.empty()) {
    Expected<DecisionTables> Read = readTrace(TracePath);
    if (!Read)
      return fail(Read.takeError());
    T = std::move(*Read);
  }
  outs() << A->Positional[0] << ": valid optgym-policy version " << P->version()
         << "\n";
  if (const std::optional<UnitGuard> &G = P->guard()) {
    outs() << "  guard: each unit compiled with the policy";
    if (G->Alternatives > 1)
      outs() << "'s smallest of " << G->Alternatives << " alternatives";
    outs() << " only when its .text is at least " << G->MinSavingBytes
           << " bytes smaller\n";
  }
  for (unsigned Alt = 0; Alt < P->numAlternatives(); ++Alt)
    for (DecisionKind Kind : allDecisionKinds()) {
      const KindPolicy &KP = P->get(Kind, Alt);
      if (KP.Table.empty() && !KP.Model && !KP.Fallback)
        continue;
      outs() << "  ";
      if (P->numAlternatives() > 1)
        outs() << "alternative " << Alt << ": ";
      outs() << kindName(Kind) << ": " << KP.Table.size() << " table entries"
             << (KP.Model ? ", a model" : "")
             << (KP.Fallback
                     ? ", fallback " + getKindInfo(Kind).Choices[*KP.Fallback]
                     : std::string());
      if (T) {
        const auto &Seen = T->Kinds[unsigned(Kind)];
        size_t Used = count_if(KP.Table, [&](const auto &Entry) {
          return Seen.count(Entry.getKey());
        });
        outs() << "; " << Used << " of them occur in the trace";
      }
      outs() << "\n";
    }
  return 0;
}

int schema(ArrayRef<const char *> Argv) {
  Expected<Args> A = parseArgs(Argv, {}, {"--markdown"});
  if (!A)
    return fail(A.takeError());
  if (!A->Switches.contains("--markdown")) {
    json::Array Kinds;
    for (DecisionKind Kind : allDecisionKinds()) {
      const DecisionKindInfo &Info = getKindInfo(Kind);
      json::Array Features, Choices;
      for (const FeatureInfo &F : Info.Features)
        Features.push_back(json::Object{
            {"name", F.Name},
            {"type", F.Type == FeatureType::Int ? "int" : "string"},
            {"doc", F.Doc}});
      for (const std::string &C : Info.Choices)
        Choices.push_back(C);
      Kinds.push_back(json::Object{{"kind", Info.Name},
                                   {"doc", Info.Doc},
                                   {"features", std::move(Features)},
                                   {"choices", std::move(Choices)},
                                   {"default", Info.Choices[DefaultChoice]}});
    }
    return writeJSON(json::Object{{"kinds", std::move(Kinds)}}, "");
  }
  for (DecisionKind Kind : allDecisionKinds()) {
    const DecisionKindInfo &Info = getKindInfo(Kind);
    outs() << "### `" << Info.Name << "`\n\n"
           << Info.Doc << "\n\nChoices: " << describeChoices(Kind)
           << " (default: `" << Info.Choices[DefaultChoice] << "`)\n\n"
           << "| # | feature | type | meaning |\n|---|---|---|---|\n";
    for (size_t I = 0; I < Info.Features.size(); ++I) {
      const FeatureInfo &F = Info.Features[I];
      outs() << "| " << I << " | `" << F.Name << "` | "
             << (F.Type == FeatureType::Int ? "int" : "string") << " | "
             << F.Doc << " |\n";
    }
    outs() << "\n";
  }
  return 0;
}

} // namespace

int main(int Argc, char **Argv) {
  if (Argc < 2) {
    errs() << Usage;
    return 1;
  }
  StringRef Command = Argv[1];
  ArrayRef<const char *> Rest(Argv + 2, Argv + Argc);
  if (Command == "from-trace")
    return fromTrace(Rest);
  if (Command == "check")
    return check(Rest);
  if (Command == "schema")
    return schema(Rest);
  if (Command == "-h" || Command == "--help" || Command == "help") {
    outs() << Usage;
    return 0;
  }
  errs() << Usage;
  return fail("unknown command '" + Command + "'");
}
