//===- SocketOracle.cpp - Ask a live agent over a socket ------------------===//
//
// One connection per compiler process, opened when first needed and kept for
// all its modules. Any failure of the agent (absent, closed, silent past the
// timeout, breaking the protocol) costs one warning: the decision at hand and
// every later one take LLVM's default without touching the socket again, so
// the compile completes exactly as it would without the agent.
//
//===----------------------------------------------------------------------===//

#include "plugin/oracle/OracleBackends.h"
#include "plugin/oracle/Protocol.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Process.h"

#include <cstdio>

using namespace llvm;

namespace optgym {
namespace {

class SocketOracle final : public Oracle {
public:
  SocketOracle(Endpoint Agent, unsigned TimeoutMs)
      : Oracle(Agent.oracleSpec()), Agent(std::move(Agent)),
        TimeoutMs(TimeoutMs) {}

  bool readsFeatures(DecisionKind) const override { return true; }
  bool wantsModuleEvents() const override { return true; }

  void beginModule(StringRef ModuleId) override {
    Counts = protocol::ModuleCounts();
    if (connected())
      sendMessage(protocol::encodeModuleBegin(ModuleId), "module " + ModuleId);
  }

  void endModule(StringRef ModuleId, const ModuleStats &Stats) override {
    if (Socket.isOpen())
      sendMessage(protocol::encodeModuleEnd(ModuleId, Stats, Counts),
                  "module-end " + ModuleId);
  }

  void printSummary(raw_ostream &OS) const override {
    OS << "optgym: agent " << spec() << ": " << NumAnswers << " answers";
    if (!Failure.empty())
      OS << ", then LLVM's defaults (" << Failure << ")";
    OS << "\n";
  }

protected:
  unsigned decideImpl(const Query &Q) override {
    ++Counts.Queries;
    unsigned Choice = ask(Q);
    if (Choice != Q.Default)
      ++Counts.Departures;
    return Choice;
  }

private:
  /// Connects and shakes hands on first use; false once the agent failed.
  bool connected() {
    if (Socket.isOpen())
      return true;
    if (!Failure.empty())
      return false;
    Expected<FrameSocket> S = FrameSocket::connect(Agent, TimeoutMs);
    if (!S)
      return fail("cannot connect: " + toString(S.takeError()));
    Socket = std::move(*S);
    protocol::ClientInfo Info;
    Info.LLVMVersion = LLVM_VERSION_STRING;
    Info.OracleSpec = spec().str();
    Info.Pid = sys::Process::getProcessId();
    if (!sendMessage(protocol::encodeClientHello(Info), "hello"))
      return false;
    Deadline Until(TimeoutMs);
    while (true) {
      if (Error E = receivePayload(Until, "hello"))
        return fail("hello: " + toString(std::move(E)));
      Expected<protocol::Message> Reply = protocol::parseMessage(Payload);
      if (!Reply)
        return fail("hello: " + toString(Reply.takeError()));
      if (Reply->Type != "hello")
        continue;
      if (Error E = protocol::checkAgentHello(*Reply))
        return fail("hello: " + toString(std::move(E)));
      return true;
    }
  }

  unsigned ask(const Query &Q) {
    if (!connected())
      return Q.Default;
    uint64_t Id = ++LastQueryId;
    auto Context = [&] {
      return ("query " + Twine(Id) + " (" + kindName(Q.Kind) + " " + Q.Key +
              ")")
          .str();
    };
    // Encoded in place, after room for the header.
    Frame.assign(protocol::FrameHeaderBytes, '\0');
    protocol::encodeQuery(Frame, Id, Q);
    if (Error E = sendFrame()) {
      fail(Context() + ": " + toString(std::move(E)));
      return Q.Default;
    }
    Deadline Until(TimeoutMs);
    while (true) {
      if (Error E = receivePayload(Until, "answer")) {
        fail(Context() + ": " + toString(std::move(E)));
        return Q.Default;
      }
      Expected<std::optional<unsigned>> Choice =
          protocol::readAnswer(Payload, Id, Q.Kind);
      if (!Choice) {
        fail(Context() + ": " + toString(Choice.takeError()));
        return Q.Default;
      }
      if (*Choice) {
        ++NumAnswers;
        return **Choice;
      }
    }
  }

  bool sendMessage(StringRef Payload, const Twine &Context) {
    Frame.assign(protocol::FrameHeaderBytes, '\0');
    Frame += Payload;
    if (Error E = sendFrame())
      return fail(Context + ": " + toString(std::move(E)));
    return true;
  }

  /// Sends Frame: room for the header, then the payload.
  Error sendFrame() {
    size_t Size = Frame.size() - protocol::FrameHeaderBytes;
    if (Size > protocol::MaxFrameBytes)
      return createStringError(inconvertibleErrorCode(),
                               "message of " + Twine(Size) +
                                   " bytes exceeds the protocol's limit");
    protocol::writeFrameHeader(Frame);
    return Socket.send(Frame);
  }

  /// Reads the next message into Payload. Messages of types the caller
  /// skips (forward compatibility) all count against the one deadline.
  Error receivePayload(const Deadline &Until, StringRef Awaited) {
    if (Until.passed())
      return createStringError(inconvertibleErrorCode(),
                               "no " + Awaited + " within " + Twine(TimeoutMs) +
                                   " ms");
    Expected<bool> Got = Socket.receive(Payload);
    if (!Got)
      return Got.takeError();
    if (!*Got)
      return createStringError(inconvertibleErrorCode(),
                               "the agent closed the connection");
    return Error::success();
  }

  /// Stops using the agent for the rest of the process; returns false.
  bool fail(const Twine &Reason) {
    if (!Failure.empty())
      return false;
    Failure = Reason.str();
    Socket.close();
    // stderr, not a diagnostic: a warning diagnostic fails -Werror builds,
    // and an agent's failure must never fail a compile.
    std::string Message =
        ("optgym: warning: agent " + spec() + ": " + Failure +
         "; LLVM's defaults decide the rest of this process\n")
            .str();
    std::fputs(Message.c_str(), stderr);
    return false;
  }

  Endpoint Agent;
  unsigned TimeoutMs;
  FrameSocket Socket;
  std::string Failure;
  uint64_t LastQueryId = 0;
  uint64_t NumAnswers = 0;
  protocol::ModuleCounts Counts;
  std::string Frame, Payload;
};

} // namespace

std::unique_ptr<Oracle> createSocketOracle(Endpoint Agent, unsigned TimeoutMs) {
  return std::make_unique<SocketOracle>(std::move(Agent), TimeoutMs);
}

} // namespace optgym
