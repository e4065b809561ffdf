//===- AgentSocket.h - Framed sockets between plugin and agent --*- C++ -*-===//
//
// POSIX stream sockets (Unix domain and TCP) that carry the protocol's
// length-prefixed frames, with a deadline on every wait. LLVM's
// raw_socket_stream has no TCP and no write deadline, and a compiler must
// never hang on a stalled agent, so this wraps the system calls directly.
//
//===----------------------------------------------------------------------===//

#ifndef OPTGYM_ORACLE_AGENTSOCKET_H
#define OPTGYM_ORACLE_AGENTSOCKET_H

#include "llvm/Support/Error.h"

#include <chrono>
#include <string>

namespace optgym {

/// The end of a timeout that spans several system calls or messages; a
/// timeout of 0 ms never ends.
class Deadline {
public:
  explicit Deadline(unsigned TimeoutMs)
      : TimeoutMs(TimeoutMs), End(std::chrono::steady_clock::now() +
                                  std::chrono::milliseconds(TimeoutMs)) {}

  bool passed() const {
    return TimeoutMs && std::chrono::steady_clock::now() > End;
  }

  /// What is left, for poll(): -1 when the timeout never ends.
  int remainingMs() const;

private:
  unsigned TimeoutMs;
  std::chrono::steady_clock::time_point End;
};

/// Where an agent listens: "PATH" (Unix socket) or "tcp:HOST:PORT".
struct Endpoint {
  bool IsTCP = false;
  std::string Path;
  std::string Host;
  std::string Port;

  static llvm::Expected<Endpoint> parse(llvm::StringRef Text);
  /// "socket:PATH" or "socket:tcp:HOST:PORT": the OPTGYM_ORACLE value.
  std::string oracleSpec() const;
};

/// A connected stream socket that sends and receives whole frames. It
/// blocks, for at most its timeout per call (milliseconds; 0 waits forever):
/// one system call per message in the common case.
class FrameSocket {
public:
  FrameSocket() = default;
  explicit FrameSocket(int FD) : FD(FD) {}
  FrameSocket(FrameSocket &&Other);
  FrameSocket &operator=(FrameSocket &&Other);
  FrameSocket(const FrameSocket &) = delete;
  FrameSocket &operator=(const FrameSocket &) = delete;
  ~FrameSocket() { close(); }

  static llvm::Expected<FrameSocket> connect(const Endpoint &E,
                                             unsigned TimeoutMs);

  bool isOpen() const { return FD >= 0; }
  void close();

  llvm::Error setTimeout(unsigned TimeoutMs);

  /// Sends Bytes (whole frames, already encoded).
  llvm::Error send(llvm::StringRef Bytes);

  /// Receives the next frame's payload into Payload. Returns false when the
  /// peer closed the stream at a frame boundary; errors for a stream cut
  /// inside a frame, an oversized frame or the timeout.
  llvm::Expected<bool> receive(std::string &Payload);

private:
  int FD = -1;
  unsigned TimeoutMs = 0;
  /// Bytes read but not yet returned: the next frames, or parts of them.
  std::string Pending;
  size_t PendingStart = 0;
};

/// A listening socket for agents. A Unix socket file is created with mode
/// 0600 and removed again by the destructor.
class Listener {
public:
  Listener() = default;
  Listener(Listener &&Other);
  Listener(const Listener &) = delete;
  Listener &operator=(const Listener &) = delete;
  ~Listener();

  static llvm::Expected<Listener> listen(const Endpoint &E);

  /// The endpoint actually bound (a TCP port of 0 becomes the real one).
  const Endpoint &endpoint() const { return Bound; }

  /// Waits for the next client. Fails with EINTR when a signal arrives, so a
  /// signal handler can stop the agent.
  llvm::Expected<FrameSocket> accept();

private:
  int FD = -1;
  Endpoint Bound;
};

} // namespace optgym

#endif // OPTGYM_ORACLE_AGENTSOCKET_H
