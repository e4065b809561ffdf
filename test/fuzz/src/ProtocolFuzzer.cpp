//===- ProtocolFuzzer.cpp - Frames and messages of the agent protocol -----===//
//
// Input: the bytes one end of an agent connection receives, read through a
// real socket by FrameSocket. The first message, when it is a hello, is the
// client's (else this build's hello stands in); every later one is read as
// a query, as an answer to the last query read, and as the other messages an
// agent sends. Each fast reader must agree with the full parser it shortcuts.
//
//===----------------------------------------------------------------------===//

#include "test/fuzz/src/FuzzCheck.h"

#include "oracle/AgentSocket.h"
#include "oracle/Protocol.h"

#include <sys/socket.h>
#include <unistd.h>

using namespace llvm;
using namespace optgym;
using namespace optgym::protocol;

namespace {

/// What a reader made of a payload, to compare two readers.
template <typename T> std::string outcome(Expected<std::optional<T>> R) {
  if (!R)
    return "error: " + toString(R.takeError());
  return *R ? "value" : "other message";
}

bool sameQuery(const Query &A, const Query &B) {
  if (A.Kind != B.Kind || A.Key != B.Key || A.Default != B.Default ||
      A.Features.size() != B.Features.size())
    return false;
  for (size_t I = 0; I < A.Features.size(); ++I)
    if (A.Features[I].Int != B.Features[I].Int ||
        A.Features[I].Str != B.Features[I].Str)
      return false;
  return true;
}

class Session {
public:
  explicit Session(ClientHello Hello) : Hello(std::move(Hello)) {}

  void receive(StringRef Payload) {
    checkQuery(Payload);
    checkAnswer(Payload);
    Expected<Message> M = parseMessage(Payload);
    if (!M) {
      fuzz::consume(M.takeError());
      return;
    }
    fuzz::consume(checkAgentHello(*M));
    fuzz::consume(checkHelloToken(*M, "s3cret", "the agent"));
    if (Expected<ForkRequest> F = parseForkRequest(*M, LastId); !F)
      fuzz::consume(F.takeError());
  }

private:
  void checkQuery(StringRef Payload) {
    uint64_t FastId = 0;
    Expected<std::optional<Query>> Fast = Hello.readQuery(Payload, FastId);
    uint64_t SlowId = 0;
    Expected<std::optional<Query>> Slow = slowQuery(Payload, SlowId);
    bool BothQueries = Fast && Slow && *Fast && *Slow;
    if (BothQueries) {
      fuzz::check(FastId == SlowId && sameQuery(**Fast, **Slow),
                  "readQuery and parseQuery read different queries");
      LastId = FastId;
      LastKind = (*Fast)->Kind;
      return;
    }
    std::string FastOutcome = outcome(std::move(Fast));
    std::string SlowOutcome = outcome(std::move(Slow));
    fuzz::check(FastOutcome == SlowOutcome,
                "readQuery: " + FastOutcome + "; parseQuery: " + SlowOutcome);
  }

  Expected<std::optional<Query>> slowQuery(StringRef Payload, uint64_t &Id) {
    Expected<Message> M = parseMessage(Payload);
    if (!M)
      return M.takeError();
    if (M->Type != "query")
      return std::nullopt;
    Expected<Query> Q = Hello.parseQuery(*M, Id);
    if (!Q)
      return Q.takeError();
    return std::move(*Q);
  }

  void checkAnswer(StringRef Payload) {
    Expected<std::optional<unsigned>> Slow = slowAnswer(Payload);
    std::vector<std::string> Observe;
    if (std::optional<unsigned> Scanned =
            scanInteractiveAnswer(Payload, LastId, LastKind, Observe)) {
      fuzz::checkChoice(LastKind, *Scanned, "scanInteractiveAnswer");
      fuzz::check(Slow && *Slow && **Slow == *Scanned,
                  "scanInteractiveAnswer read an answer parseAnswer does not");
      Expected<Message> M = parseMessage(Payload);
      Expected<std::vector<std::string>> Names = parseObserveList(*M, "answer");
      fuzz::check(Names && *Names == Observe,
                  "scanInteractiveAnswer and parseObserveList differ");
    }
    Expected<std::optional<unsigned>> Fast =
        readAnswer(Payload, LastId, LastKind);
    if (Fast && *Fast && Slow && *Slow) {
      fuzz::checkChoice(LastKind, **Fast, "readAnswer");
      fuzz::check(**Fast == **Slow, "readAnswer and parseAnswer differ");
      return;
    }
    std::string FastOutcome = outcome(std::move(Fast));
    std::string SlowOutcome = outcome(std::move(Slow));
    fuzz::check(FastOutcome == SlowOutcome,
                "readAnswer: " + FastOutcome + "; parseAnswer: " + SlowOutcome);
  }

  Expected<std::optional<unsigned>> slowAnswer(StringRef Payload) {
    Expected<Message> M = parseMessage(Payload);
    if (!M)
      return M.takeError();
    if (M->Type != "answer")
      return std::nullopt;
    Expected<unsigned> Choice = parseAnswer(*M, LastId, LastKind);
    if (!Choice)
      return Choice.takeError();
    return *Choice;
  }

  ClientHello Hello;
  uint64_t LastId = 0;
  DecisionKind LastKind = DecisionKind::LoopUnroll;
};

const ClientHello &ownHello() {
  static const ClientHello Own = [] {
    Expected<Message> M = parseMessage(encodeClientHello(ClientInfo()));
    Expected<ClientHello> H = ClientHello::parse(*M);
    fuzz::check(bool(H), "this build's hello does not parse");
    return std::move(*H);
  }();
  return Own;
}

ClientHello helloOf(StringRef Payload) {
  Expected<Message> M = parseMessage(Payload);
  if (M) {
    Expected<ClientHello> H = ClientHello::parse(*M);
    if (H)
      return std::move(*H);
    fuzz::consume(H.takeError());
  } else {
    fuzz::consume(M.takeError());
  }
  return ownHello();
}

/// The stream through a socket pair, so FrameSocket's buffering is what
/// cuts it into payloads.
FrameSocket receivingEnd(StringRef Stream) {
  int FDs[2];
  fuzz::check(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, FDs) == 0,
              "socketpair");
  // A socket buffer holds at least this much: the write cannot block.
  Stream = Stream.take_front(64 * 1024);
  while (!Stream.empty()) {
    ssize_t N = ::write(FDs[1], Stream.data(), Stream.size());
    fuzz::check(N > 0, "writing to the socket pair");
    Stream = Stream.drop_front(N);
  }
  ::close(FDs[1]);
  FrameSocket S(FDs[0]);
  cantFail(S.setTimeout(1000));
  return S;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  FrameSocket S = receivingEnd(fuzz::asText(Data, Size));
  std::string Payload;
  std::optional<Session> Messages;
  while (true) {
    Expected<bool> Got = S.receive(Payload);
    if (!Got) {
      fuzz::consume(Got.takeError());
      break;
    }
    if (!*Got)
      break;
    fuzz::check(Payload.size() <= MaxFrameBytes, "an oversized frame");
    if (!Messages)
      Messages.emplace(helloOf(Payload));
    else
      Messages->receive(Payload);
  }
  return 0;
}
