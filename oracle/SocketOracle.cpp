//===- SocketOracle.cpp - Ask a live agent over a socket ------------------===//
//
// One connection per compiler process, opened when first needed and kept for
// all its modules. Any failure of the agent (absent, closed, silent past the
// timeout, breaking the protocol) costs one warning: the decision at hand and
// every later one take LLVM's default without touching the socket again, so
// the compile completes exactly as it would without the agent.
//
// A query that offers services (QueryServices.h; the pass-choice driver's)
// is interactive: while it waits for its answer the agent may ask for
// observations, or ask the process to fork so that the child continues the
// same query on a new connection (the gym's copy-on-write fork).
//
//===----------------------------------------------------------------------===//

#include "oracle/OracleBackends.h"
#include "oracle/Protocol.h"
#include "oracle/QueryServices.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Process.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace llvm;

namespace optgym {
namespace {

class SocketOracle final : public Oracle {
public:
  SocketOracle(Endpoint Agent, unsigned TimeoutMs, std::string Token)
      : Oracle(Agent.oracleSpec()), Agent(std::move(Agent)),
        TimeoutMs(TimeoutMs), Token(std::move(Token)) {}

  bool readsFeatures(DecisionKind) const override { return true; }
  bool wantsModuleEvents() const override { return true; }

  void beginModule(StringRef ModuleId) override {
    Counts = protocol::ModuleCounts();
    if (connected())
      sendMessage(protocol::encodeModuleBegin(ModuleId), "module " + ModuleId);
  }

  void endModule(StringRef ModuleId, const ModuleStats &Stats) override {
    if (!Socket.isOpen())
      return;
    // An agent may well leave once it has answered all it wanted (the gym
    // does, after "stop"): that is worth a warning only if the process
    // asks it again.
    Frame.assign(protocol::FrameHeaderBytes, '\0');
    Frame += protocol::encodeModuleEnd(ModuleId, Stats, Counts);
    if (Error E = sendFrame()) {
      Socket.close();
      LeftAfter =
          ("module-end " + ModuleId + ": " + toString(std::move(E))).str();
    }
  }

  void printSummary(raw_ostream &OS) const override {
    OS << "optgym: agent " << spec() << ": " << NumAnswers << " answers";
    // What the compiler waited for each answer, from sending the query: the
    // latency an agent adds to a build, seen from the build.
    if (!WaitsUs.empty()) {
      std::vector<uint32_t> Sorted(WaitsUs);
      llvm::sort(Sorted);
      auto At = [&](double Fraction) {
        return Sorted[std::min(Sorted.size() - 1,
                               size_t(Fraction * Sorted.size()))];
      };
      OS << ", waits p50 " << At(0.5) << " us, p99 " << At(0.99) << " us, max "
         << Sorted.back() << " us";
    }
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
    if (!LeftAfter.empty())
      return fail(LeftAfter);
    return handshake(Agent);
  }

  bool handshake(const Endpoint &To) {
    Expected<FrameSocket> S = FrameSocket::connect(To, TimeoutMs);
    if (!S)
      return fail("cannot connect: " + toString(S.takeError()));
    Socket = std::move(*S);
    protocol::ClientInfo Info;
    Info.LLVMVersion = LLVM_VERSION_STRING;
    Info.OracleSpec = spec().str();
    Info.Pid = sys::Process::getProcessId();
    Info.Token = Token;
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
      if (Error E = protocol::checkHelloToken(*Reply, Token, "the agent"))
        return fail(toString(std::move(E)));
      Expected<std::vector<std::string>> Observe =
          protocol::parseObserveList(*Reply, "hello");
      if (!Observe)
        return fail(toString(Observe.takeError()));
      NextObservations = std::move(*Observe);
      return true;
    }
  }

  unsigned ask(const Query &Q) {
    if (!connected())
      return Q.Default;
    uint64_t Id = ++LastQueryId;
    auto Sent = std::chrono::steady_clock::now();
    auto Context = [&] {
      return ("query " + Twine(Id) + " (" + kindName(Q.Kind) + " " + Q.Key +
              ")")
          .str();
    };
    // Encoded in place, after room for the header.
    Frame.assign(protocol::FrameHeaderBytes, '\0');
    protocol::encodeQuery(Frame, Id, Q);
    if (Q.Services) {
      if (!NextObservations.empty())
        protocol::appendObservations(Frame,
                                     observe(*Q.Services, NextObservations));
      NextObservations.clear();
    }
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
          Q.Services ? serve(Q, Id, Until)
                     : protocol::readAnswer(Payload, Id, Q.Kind);
      if (!Choice) {
        fail(Context() + ": " + toString(Choice.takeError()));
        return Q.Default;
      }
      if (*Choice) {
        ++NumAnswers;
        auto Waited = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - Sent);
        WaitsUs.push_back(
            uint32_t(std::min<int64_t>(Waited.count(), UINT32_MAX)));
        return **Choice;
      }
    }
  }

  /// Handles the message in Payload while interactive query Id waits: its
  /// answer, or a request to serve first (then std::nullopt).
  Expected<std::optional<unsigned>> serve(const Query &Q, uint64_t Id,
                                          Deadline &Until) {
    // A gym step: an answer, perhaps asking for observations, scanned
    // without building a JSON DOM.
    if (std::optional<unsigned> Choice = protocol::scanInteractiveAnswer(
            Payload, Id, Q.Kind, NextObservations))
      return *Choice;
    Expected<protocol::Message> M = protocol::parseMessage(Payload);
    if (!M)
      return M.takeError();
    if (M->Type == "answer") {
      Expected<unsigned> Choice = protocol::parseAnswer(*M, Id, Q.Kind);
      if (!Choice)
        return Choice.takeError();
      Expected<std::vector<std::string>> Observe =
          protocol::parseObserveList(*M, "answer");
      if (!Observe)
        return Observe.takeError();
      NextObservations = std::move(*Observe);
      return *Choice;
    }
    if (M->Type == "observe") {
      Expected<std::vector<std::string>> Names =
          protocol::parseObserveList(*M, "observe request");
      if (!Names)
        return Names.takeError();
      if (Error E = sendReply(
              protocol::encodeObservation(Id, observe(*Q.Services, *Names))))
        return std::move(E);
      Until = Deadline(TimeoutMs);
      return std::nullopt;
    }
    if (M->Type == "fork") {
      Expected<protocol::ForkRequest> Request =
          protocol::parseForkRequest(*M, Id);
      if (!Request)
        return Request.takeError();
      if (Error E = fork(*Request, Id, Q))
        return std::move(E);
      Until = Deadline(TimeoutMs);
      return std::nullopt;
    }
    return std::nullopt;
  }

  static protocol::Observations observe(QueryServices &Services,
                                        ArrayRef<std::string> Names) {
    protocol::Observations O;
    for (const std::string &Name : Names) {
      Expected<json::Value> V = Services.observe(Name);
      if (V)
        O.Values[Name] = std::move(*V);
      else
        O.Errors[Name] = toString(V.takeError());
    }
    return O;
  }

  /// Forks the process. The parent tells the agent the child's pid; the
  /// child drops the parent's connection without a word on it, connects to
  /// the requested endpoint, introduces itself with the agent's token (a
  /// short hello: the agent knows this process already, so it need not
  /// answer) and asks the pending query again there (same id and
  /// features, no observations).
  Error fork(const protocol::ForkRequest &Request, uint64_t Id,
             const Query &Q) {
    Expected<Endpoint> To = Endpoint::parse(Request.Endpoint);
    if (!To)
      return sendReply(protocol::encodeForked(
          Id, 0, "bad endpoint: " + toString(To.takeError())));
    reapChildren();
    std::fflush(nullptr);
    pid_t Child = ::fork();
    if (Child < 0)
      return sendReply(protocol::encodeForked(
          Id, 0, std::string("fork: ") + std::strerror(errno)));
    if (Child > 0) {
      Children.push_back(Child);
      return sendReply(protocol::encodeForked(Id, Child));
    }
    Children.clear();
    Socket.close();
    Expected<FrameSocket> S = FrameSocket::connect(*To, TimeoutMs);
    if (!S)
      return createStringError(inconvertibleErrorCode(),
                               "forked: cannot connect: " +
                                   toString(S.takeError()));
    Socket = std::move(*S);
    if (Error E = sendReply(protocol::encodeForkHello(
            sys::Process::getProcessId(), Request.Token)))
      return E;
    Frame.assign(protocol::FrameHeaderBytes, '\0');
    protocol::encodeQuery(Frame, Id, Q);
    return sendFrame();
  }

  /// Collects the exit status of forked children that have ended, so that
  /// a process forked thousands of times (the gym's reset) leaves no
  /// zombies. Only our own children: the host may have others.
  void reapChildren() {
    llvm::erase_if(Children, [](pid_t Pid) {
      int Status;
      return ::waitpid(Pid, &Status, WNOHANG) != 0;
    });
  }

  Error sendReply(StringRef Reply) {
    Frame.assign(protocol::FrameHeaderBytes, '\0');
    Frame += Reply;
    return sendFrame();
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
  std::string Token;
  FrameSocket Socket;
  std::string Failure;
  uint64_t LastQueryId = 0;
  uint64_t NumAnswers = 0;
  /// Microseconds from each query to its answer, for the summary.
  std::vector<uint32_t> WaitsUs;
  protocol::ModuleCounts Counts;
  std::string Frame, Payload;
  /// Interactive queries: the observations the next query carries.
  std::vector<std::string> NextObservations;
  std::vector<pid_t> Children;
  /// Why the agent could not be told a module ended.
  std::string LeftAfter;
};

} // namespace

std::unique_ptr<Oracle> createSocketOracle(Endpoint Agent, unsigned TimeoutMs,
                                           std::string Token) {
  return std::make_unique<SocketOracle>(std::move(Agent), TimeoutMs,
                                        std::move(Token));
}

} // namespace optgym
