//===- optgym-agent.cpp - A native agent that answers with any oracle -----===//
//
//   optgym-agent [--oracle SPEC] [--socket PATH | --tcp HOST:PORT] [--verbose]
//
// Serves the agent protocol (docs/protocol.md) and answers every query with
// an oracle built from SPEC, exactly as the plugin would build it in-process:
// "default" (the echo agent), "replay:TRACE", "policy:FILE", "random:seed=N".
// Without --socket it listens in a fresh private directory. It prints the
// OPTGYM_ORACLE value to use on its first line of output, then serves every
// connection on its own thread until SIGINT or SIGTERM. With
// OPTGYM_AGENT_TOKEN set, only compilers whose hello carries that secret are
// served (docs/security.md).
//
//===----------------------------------------------------------------------===//

#include "oracle/AgentSocket.h"
#include "oracle/OracleSpec.h"
#include "oracle/Protocol.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unistd.h>

using namespace llvm;
using namespace optgym;

namespace {

constexpr const char *Usage =
    "usage: optgym-agent [--oracle SPEC] [--socket PATH | --tcp HOST:PORT] "
    "[--verbose]\n"
    "  SPEC: default (answer what LLVM would do), replay:TRACE, "
    "policy:FILE,\n"
    "        random[:seed=N][,p=P]   (default: default)\n"
    "  Without --socket or --tcp: a socket in a new private directory.\n";

std::atomic<bool> StopRequested{false};

void requestStop(int) { StopRequested = true; }

/// SIGINT / SIGTERM interrupt accept() (no SA_RESTART) and stop the agent.
void installStopHandlers() {
  struct sigaction SA = {};
  SA.sa_handler = requestStop;
  sigemptyset(&SA.sa_mask);
  sigaction(SIGINT, &SA, nullptr);
  sigaction(SIGTERM, &SA, nullptr);
}

class Agent {
public:
  Agent(std::unique_ptr<Oracle> O, bool Verbose, std::string Token)
      : TheOracle(std::move(O)), Verbose(Verbose), Token(std::move(Token)) {}

  /// Serves one compiler process until it closes the connection or breaks
  /// the protocol; a broken connection never affects the others.
  void serve(FrameSocket Socket, unsigned Number) {
    Connection C;
    C.Socket = std::move(Socket);
    C.Number = Number;
    if (Error E = run(C))
      report(C, "closing it: " + toString(std::move(E)));
    else if (Verbose)
      report(C, "done, " + Twine(C.Queries) + " queries");
  }

private:
  struct Connection {
    FrameSocket Socket;
    unsigned Number = 0;
    int64_t Pid = 0;
    uint64_t Queries = 0;
    std::string Payload, Frame;
  };

  Error send(Connection &C, StringRef Message) {
    C.Frame.clear();
    protocol::appendFrame(C.Frame, Message);
    return C.Socket.send(C.Frame);
  }

  Error run(Connection &C) {
    Expected<bool> Got = C.Socket.receive(C.Payload);
    if (!Got)
      return Got.takeError();
    if (!*Got)
      return Error::success();
    Expected<protocol::Message> M = protocol::parseMessage(C.Payload);
    if (!M)
      return M.takeError();
    Expected<protocol::ClientHello> Hello = protocol::ClientHello::parse(*M);
    if (!Hello)
      return Hello.takeError();
    C.Pid = Hello->pid();
    if (Error E = protocol::checkHelloToken(*M, Token, "the compiler"))
      return E;
    if (Error E = send(C, protocol::encodeAgentHello(
                              "optgym-agent " OPTGYM_VERSION, Token)))
      return E;
    if (Verbose)
      report(C, "hello from LLVM " + Hello->llvmVersion());
    while (true) {
      Got = C.Socket.receive(C.Payload);
      if (!Got)
        return Got.takeError();
      if (!*Got)
        return Error::success();
      uint64_t Id = 0;
      Expected<std::optional<Query>> Q = Hello->readQuery(C.Payload, Id);
      if (!Q)
        return Q.takeError();
      if (!*Q) {
        // module, module-end, and types of later versions.
        if (Verbose)
          if (Expected<protocol::Message> Other =
                  protocol::parseMessage(C.Payload))
            report(C, Other->Type);
        continue;
      }
      unsigned Choice;
      {
        std::lock_guard<std::mutex> G(Lock);
        Choice = TheOracle->decide(**Q);
      }
      ++C.Queries;
      if (Error E = send(C, protocol::encodeAnswer(Id, Choice)))
        return E;
    }
  }

  void report(const Connection &C, const Twine &Msg) {
    std::lock_guard<std::mutex> G(Lock);
    errs() << "optgym-agent: connection " << C.Number << " (pid " << C.Pid
           << "): " << Msg << "\n";
  }

  std::unique_ptr<Oracle> TheOracle;
  bool Verbose;
  std::string Token;
  /// Oracles are not thread-safe; one decision at a time.
  std::mutex Lock;
};

int fail(const Twine &Msg) {
  errs() << "optgym-agent: error: " << Msg << "\n";
  return 1;
}

} // namespace

int main(int Argc, char **Argv) {
  std::string Spec = "default", Where;
  bool Verbose = false;
  for (int I = 1; I < Argc; ++I) {
    StringRef Arg = Argv[I];
    auto Value = [&](std::string &Out) {
      if (I + 1 >= Argc)
        return false;
      Out = Argv[++I];
      return true;
    };
    if (Arg == "--oracle") {
      if (!Value(Spec))
        return fail("--oracle needs a value\n" + Twine(Usage));
    } else if (Arg == "--socket" || Arg == "--tcp") {
      std::string V;
      if (!Value(V))
        return fail(Arg + " needs a value\n" + Usage);
      Where = Arg == "--tcp" ? "tcp:" + V : V;
    } else if (Arg == "--verbose") {
      Verbose = true;
    } else if (Arg == "-h" || Arg == "--help") {
      outs() << Usage;
      return 0;
    } else {
      return fail("unknown argument '" + Arg + "'\n" + Usage);
    }
  }

  Expected<std::unique_ptr<Oracle>> O = createOracle(Spec, "--oracle");
  if (!O)
    return fail(toString(O.takeError()));

  SmallString<128> PrivateDir;
  if (Where.empty()) {
    // mkdtemp creates the directory with mode 0700.
    SmallString<128> Template;
    sys::path::system_temp_directory(/*ErasedOnReboot=*/true, Template);
    sys::path::append(Template, "optgym-agent-XXXXXX");
    if (!::mkdtemp(Template.data()))
      return fail("cannot create a private directory in " + Template);
    PrivateDir = Template;
    Where = (PrivateDir + "/agent.sock").str();
  }
  Expected<Endpoint> E = Endpoint::parse(Where);
  if (!E)
    return fail(toString(E.takeError()));
  int Status = 0;
  {
    Expected<Listener> L = Listener::listen(*E);
    if (!L)
      return fail(Where + ": " + toString(L.takeError()));
    outs() << "OPTGYM_ORACLE=" << L->endpoint().oracleSpec() << "\n";
    outs().flush();

    installStopHandlers();
    // Never destroyed: detached connection threads use it until _Exit.
    const char *Token = std::getenv("OPTGYM_AGENT_TOKEN");
    auto *TheAgent = new Agent(std::move(*O), Verbose, Token ? Token : "");
    unsigned Connections = 0;
    while (!StopRequested) {
      Expected<FrameSocket> Client = L->accept();
      if (!Client) {
        std::error_code EC = errorToErrorCode(Client.takeError());
        if (EC == std::errc::interrupted)
          continue;
        Status = fail("accept: " + EC.message());
        break;
      }
      // Detached: a compiler that never closes its connection must not keep
      // the agent from stopping. Exiting closes every socket.
      std::thread(&Agent::serve, TheAgent, std::move(*Client), ++Connections)
          .detach();
    }
  }
  if (!PrivateDir.empty())
    sys::fs::remove(PrivateDir);
  // Connection threads may still run: leave without destroying the agent
  // under them.
  std::_Exit(Status);
}
