//===- agent_roundtrip.cpp - Round trips of the plugin's agent socket -----===//
//
//   optgym-bench-agent echo-server PATH
//       A bare Unix socket server that echoes every byte (the floor).
//   optgym-bench-agent ping PATH N
//       N one-byte ping-pongs with the echo server.
//   optgym-bench-agent decide SPEC N [TIMEOUT_MS]
//       N decisions through the plugin's own socket oracle, as a compiler
//       makes them: realistic queries of every kind, features filled in.
//
// The clients print one JSON line: {"n", "p50_us", "p99_us", "mean_us"}.
// bench/agent_roundtrip.py runs them pinned to cores and tabulates.
//
//===----------------------------------------------------------------------===//

#include "oracle/AgentSocket.h"
#include "oracle/OracleSpec.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace llvm;
using namespace optgym;

namespace {

using Clock = std::chrono::steady_clock;

int fail(const Twine &Msg) {
  errs() << "optgym-bench-agent: " << Msg << "\n";
  return 1;
}

void printSummary(std::vector<double> &Micros) {
  std::sort(Micros.begin(), Micros.end());
  double Sum = 0;
  for (double M : Micros)
    Sum += M;
  auto At = [&](double Q) {
    return Micros[std::min(Micros.size() - 1, size_t(Q * Micros.size()))];
  };
  outs() << "{\"n\": " << Micros.size() << ", \"p50_us\": " << At(0.50)
         << ", \"p99_us\": " << At(0.99)
         << ", \"mean_us\": " << Sum / Micros.size() << "}\n";
}

int rawSocket(const std::string &Path, sockaddr_un &Addr) {
  int FD = ::socket(AF_UNIX, SOCK_STREAM, 0);
  Addr = {};
  Addr.sun_family = AF_UNIX;
  Path.copy(Addr.sun_path, sizeof(Addr.sun_path) - 1);
  return FD;
}

int echoServer(const std::string &Path) {
  sockaddr_un Addr;
  int FD = rawSocket(Path, Addr);
  ::unlink(Path.c_str());
  if (::bind(FD, reinterpret_cast<sockaddr *>(&Addr), sizeof(Addr)) < 0 ||
      ::listen(FD, 16) < 0)
    return fail("cannot listen on " + Path);
  outs() << "ready\n";
  outs().flush();
  while (true) {
    int Client = ::accept(FD, nullptr, nullptr);
    if (Client < 0)
      return fail("accept failed");
    std::thread([Client] {
      char Buf[4096];
      ssize_t N;
      while ((N = ::recv(Client, Buf, sizeof(Buf), 0)) > 0)
        if (::send(Client, Buf, N, MSG_NOSIGNAL) != N)
          break;
      ::close(Client);
    }).detach();
  }
}

int ping(const std::string &Path, unsigned N) {
  sockaddr_un Addr;
  int FD = rawSocket(Path, Addr);
  if (::connect(FD, reinterpret_cast<sockaddr *>(&Addr), sizeof(Addr)) < 0)
    return fail("cannot connect to " + Path);
  std::vector<double> Micros;
  char Byte = 'x';
  for (unsigned I = 0; I < N + N / 10; ++I) {
    auto Start = Clock::now();
    if (::send(FD, &Byte, 1, 0) != 1 || ::recv(FD, &Byte, 1, 0) != 1)
      return fail("echo failed");
    std::chrono::duration<double, std::micro> D = Clock::now() - Start;
    if (I >= N / 10) // The first tenth warms up.
      Micros.push_back(D.count());
  }
  printSummary(Micros);
  return 0;
}

/// The queries of a compile in miniature: mostly pass-gate, some loop and
/// inline decisions, each with the features a compiler fills in.
std::vector<Query> sampleQueries() {
  std::vector<Query> Qs;
  for (unsigned I = 0; I < 8; ++I) {
    Query G(DecisionKind::PassGate,
            "src/module.c:function_" + std::to_string(I) + ":instcombine#2");
    G.initFeatures();
    G.set(FeatureId::PassGate_Pass, "instcombine");
    G.set(FeatureId::PassGate_Unit, "function");
    G.set(FeatureId::PassGate_UnitSize, 120 + I);
    G.set(FeatureId::PassGate_Ordinal, 2);
    Qs.push_back(G);
  }
  Query U(DecisionKind::LoopUnroll, "src/module.c:kernel:loop#1");
  U.initFeatures();
  U.set(FeatureId::LoopUnroll_Depth, 2);
  U.set(FeatureId::LoopUnroll_TripCount, 64);
  U.set(FeatureId::LoopUnroll_BodyInsts, 23);
  Qs.push_back(U);
  Query C(DecisionKind::Inline, "src/module.c:main:call#3:helper");
  C.initFeatures();
  C.set(FeatureId::Inline_LLVMVerdict, "cost");
  C.set(FeatureId::Inline_LLVMCost, 45);
  C.set(FeatureId::Inline_LLVMThreshold, 225);
  Qs.push_back(C);
  return Qs;
}

int decide(StringRef Spec, unsigned N, unsigned TimeoutMs) {
  OracleOptions Options;
  Options.AgentTimeoutMs = TimeoutMs;
  Expected<std::unique_ptr<Oracle>> O = createOracle(Spec, "SPEC", Options);
  if (!O)
    return fail(toString(O.takeError()));
  std::vector<Query> Qs = sampleQueries();
  (*O)->beginModule("src/module.c");
  std::vector<double> Micros;
  for (unsigned I = 0; I < N + N / 10; ++I) {
    const Query &Q = Qs[I % Qs.size()];
    auto Start = Clock::now();
    (*O)->decide(Q);
    std::chrono::duration<double, std::micro> D = Clock::now() - Start;
    if (I >= N / 10)
      Micros.push_back(D.count());
  }
  (*O)->endModule("src/module.c", ModuleStats());
  printSummary(Micros);
  return 0;
}

} // namespace

int main(int Argc, char **Argv) {
  if (Argc >= 3 && StringRef(Argv[1]) == "echo-server")
    return echoServer(Argv[2]);
  unsigned N = 0, TimeoutMs = OracleOptions().AgentTimeoutMs;
  if ((Argc == 4 || Argc == 5) && !StringRef(Argv[3]).getAsInteger(10, N) &&
      N > 0 && (Argc == 4 || !StringRef(Argv[4]).getAsInteger(10, TimeoutMs))) {
    if (StringRef(Argv[1]) == "ping")
      return ping(Argv[2], N);
    if (StringRef(Argv[1]) == "decide")
      return decide(Argv[2], N, TimeoutMs);
  }
  return fail("usage: optgym-bench-agent echo-server PATH | ping PATH N | "
              "decide SPEC N [TIMEOUT_MS]");
}
