//===- AgentSocket.cpp - Framed sockets between plugin and agent ----------===//

#include "oracle/AgentSocket.h"
#include "oracle/Protocol.h"

#include "llvm/ADT/Twine.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace llvm;

namespace optgym {
namespace {

Error socketError(const Twine &What, int Errno = errno) {
  return createStringError(std::error_code(Errno, std::generic_category()),
                           What + ": " + std::strerror(Errno));
}

Error timedOut(const Twine &What) {
  return createStringError(std::make_error_code(std::errc::timed_out), What);
}

/// Waits until FD is ready for Events; false on timeout.
Expected<bool> waitFor(int FD, short Events, const Deadline &Until) {
  while (true) {
    pollfd P = {FD, Events, 0};
    int N = ::poll(&P, 1, Until.remainingMs());
    if (N > 0)
      return true;
    if (N == 0)
      return false;
    if (errno != EINTR)
      return socketError("poll");
  }
}

Error setNonBlocking(int FD, bool NonBlocking = true) {
  int Flags = ::fcntl(FD, F_GETFL);
  if (Flags < 0 ||
      ::fcntl(FD, F_SETFL,
              NonBlocking ? Flags | O_NONBLOCK : Flags & ~O_NONBLOCK) < 0)
    return socketError("fcntl");
  return Error::success();
}

Error setBlocking(int FD) { return setNonBlocking(FD, false); }

/// Small request/answer messages must not wait for Nagle's algorithm.
void setNoDelay(int FD) {
  int One = 1;
  ::setsockopt(FD, IPPROTO_TCP, TCP_NODELAY, &One, sizeof(One));
}

Expected<sockaddr_un> unixAddress(StringRef Path) {
  sockaddr_un Addr = {};
  Addr.sun_family = AF_UNIX;
  if (Path.size() >= sizeof(Addr.sun_path))
    return createStringError(inconvertibleErrorCode(),
                             "socket path is longer than " +
                                 Twine(sizeof(Addr.sun_path) - 1) +
                                 " bytes: " + Path);
  std::memcpy(Addr.sun_path, Path.data(), Path.size());
  return Addr;
}

/// Resolves a TCP endpoint; the caller frees the list.
Expected<addrinfo *> resolve(const Endpoint &E, bool Passive) {
  addrinfo Hints = {};
  Hints.ai_family = AF_UNSPEC;
  Hints.ai_socktype = SOCK_STREAM;
  Hints.ai_flags = Passive ? AI_PASSIVE : 0;
  addrinfo *List = nullptr;
  if (int RC = ::getaddrinfo(E.Host.c_str(), E.Port.c_str(), &Hints, &List))
    return createStringError(inconvertibleErrorCode(),
                             "cannot resolve " + E.Host + ":" + E.Port + ": " +
                                 ::gai_strerror(RC));
  return List;
}

/// Connects FD to Addr without blocking past the deadline.
Error connectWithin(int FD, const sockaddr *Addr, socklen_t Len,
                    const Deadline &Until) {
  if (Error E = setNonBlocking(FD))
    return E;
  if (::connect(FD, Addr, Len) == 0)
    return setBlocking(FD);
  if (errno != EINPROGRESS && errno != EAGAIN)
    return socketError("connect");
  Expected<bool> Ready = waitFor(FD, POLLOUT, Until);
  if (!Ready)
    return Ready.takeError();
  if (!*Ready)
    return socketError("connect", ETIMEDOUT);
  int SoError = 0;
  socklen_t SoLen = sizeof(SoError);
  ::getsockopt(FD, SOL_SOCKET, SO_ERROR, &SoError, &SoLen);
  if (SoError)
    return socketError("connect", SoError);
  return setBlocking(FD);
}

} // namespace

int Deadline::remainingMs() const {
  if (TimeoutMs == 0)
    return -1;
  auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  End - std::chrono::steady_clock::now())
                  .count();
  return Left > 0 ? int(Left) : 0;
}

//===-- Endpoint ----------------------------------------------------------===//

Expected<Endpoint> Endpoint::parse(StringRef Text) {
  Endpoint E;
  if (!Text.consume_front("tcp:")) {
    if (Text.empty())
      return createStringError(inconvertibleErrorCode(),
                               "expected a socket path or tcp:HOST:PORT");
    E.Path = Text.str();
    return E;
  }
  E.IsTCP = true;
  size_t Colon = Text.rfind(':');
  if (Colon == StringRef::npos)
    return createStringError(inconvertibleErrorCode(),
                             "expected tcp:HOST:PORT, not tcp:" + Text);
  StringRef Host = Text.take_front(Colon), Port = Text.drop_front(Colon + 1);
  if (Host.consume_front("["))
    Host.consume_back("]");
  unsigned PortNumber;
  // Brackets only around a whole IPv6 address: a host holding one could not
  // be written back as a spec (Endpoint::oracleSpec).
  if (Host.empty() || Host.find_first_of("[]") != StringRef::npos ||
      Port.getAsInteger(10, PortNumber) || PortNumber > 65535)
    return createStringError(inconvertibleErrorCode(),
                             "expected tcp:HOST:PORT with a port from 0 to "
                             "65535, not tcp:" +
                                 Text);
  E.Host = Host.str();
  E.Port = Port.str();
  return E;
}

std::string Endpoint::oracleSpec() const {
  if (!IsTCP)
    return "socket:" + Path;
  bool IPv6 = StringRef(Host).contains(':');
  return "socket:tcp:" + (IPv6 ? "[" + Host + "]" : Host) + ":" + Port;
}

//===-- FrameSocket -------------------------------------------------------===//

FrameSocket::FrameSocket(FrameSocket &&Other)
    : FD(Other.FD), TimeoutMs(Other.TimeoutMs),
      Pending(std::move(Other.Pending)), PendingStart(Other.PendingStart) {
  Other.FD = -1;
}

FrameSocket &FrameSocket::operator=(FrameSocket &&Other) {
  if (this != &Other) {
    close();
    FD = Other.FD;
    TimeoutMs = Other.TimeoutMs;
    Pending = std::move(Other.Pending);
    PendingStart = Other.PendingStart;
    Other.FD = -1;
  }
  return *this;
}

void FrameSocket::close() {
  if (FD >= 0)
    ::close(FD);
  FD = -1;
}

Expected<FrameSocket> FrameSocket::connect(const Endpoint &E,
                                           unsigned TimeoutMs) {
  Deadline Until(TimeoutMs);
  if (!E.IsTCP) {
    Expected<sockaddr_un> Addr = unixAddress(E.Path);
    if (!Addr)
      return Addr.takeError();
    FrameSocket S(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!S.isOpen())
      return socketError("socket");
    if (Error Err = connectWithin(S.FD, reinterpret_cast<sockaddr *>(&*Addr),
                                  sizeof(*Addr), Until))
      return std::move(Err);
    if (Error Err = S.setTimeout(TimeoutMs))
      return std::move(Err);
    return std::move(S);
  }
  Expected<addrinfo *> List = resolve(E, /*Passive=*/false);
  if (!List)
    return List.takeError();
  Error Last = Error::success();
  for (addrinfo *A = *List; A; A = A->ai_next) {
    FrameSocket S(
        ::socket(A->ai_family, A->ai_socktype | SOCK_CLOEXEC, A->ai_protocol));
    if (!S.isOpen())
      continue;
    if (Error Err = connectWithin(S.FD, A->ai_addr, A->ai_addrlen, Until)) {
      consumeError(std::move(Last));
      Last = std::move(Err);
      continue;
    }
    setNoDelay(S.FD);
    ::freeaddrinfo(*List);
    consumeError(std::move(Last));
    if (Error Err = S.setTimeout(TimeoutMs))
      return std::move(Err);
    return std::move(S);
  }
  ::freeaddrinfo(*List);
  if (Last)
    return std::move(Last);
  return socketError("socket");
}

Error FrameSocket::setTimeout(unsigned Ms) {
  TimeoutMs = Ms;
  timeval TV = {time_t(Ms / 1000), suseconds_t(Ms % 1000 * 1000)};
  if (::setsockopt(FD, SOL_SOCKET, SO_RCVTIMEO, &TV, sizeof(TV)) < 0 ||
      ::setsockopt(FD, SOL_SOCKET, SO_SNDTIMEO, &TV, sizeof(TV)) < 0)
    return socketError("setsockopt");
  return Error::success();
}

Error FrameSocket::send(StringRef Bytes) {
  Deadline Until(TimeoutMs);
  auto TimedOut = [&] {
    return timedOut("could not send within " + Twine(TimeoutMs) + " ms");
  };
  while (!Bytes.empty()) {
    // MSG_NOSIGNAL: a dead peer must give EPIPE, not kill the compiler.
    ssize_t N = ::send(FD, Bytes.data(), Bytes.size(), MSG_NOSIGNAL);
    if (N >= 0)
      Bytes = Bytes.drop_front(N);
    else if (errno == EAGAIN || errno == EWOULDBLOCK) // SO_SNDTIMEO expired.
      return TimedOut();
    else if (errno != EINTR)
      return socketError("send");
    // A slow reader that takes a few bytes at a time still meets it.
    if (!Bytes.empty() && Until.passed())
      return TimedOut();
  }
  return Error::success();
}

Expected<bool> FrameSocket::receive(std::string &Payload) {
  Deadline Until(TimeoutMs);
  auto TimedOut = [&] {
    return timedOut("nothing within " + Twine(TimeoutMs) + " ms");
  };
  while (true) {
    size_t Have = Pending.size() - PendingStart;
    if (Have >= protocol::FrameHeaderBytes) {
      const auto *Header = reinterpret_cast<const unsigned char *>(
          Pending.data() + PendingStart);
      Expected<uint32_t> Size = protocol::decodeFrameHeader(Header);
      if (!Size)
        return Size.takeError();
      if (Have >= protocol::FrameHeaderBytes + *Size) {
        Payload.assign(Pending, PendingStart + protocol::FrameHeaderBytes,
                       *Size);
        PendingStart += protocol::FrameHeaderBytes + *Size;
        if (PendingStart == Pending.size()) {
          Pending.clear();
          PendingStart = 0;
        }
        return true;
      }
    }
    // Drop what was consumed before the buffer grows.
    if (PendingStart > 0) {
      Pending.erase(0, PendingStart);
      PendingStart = 0;
    }
    // A peer that trickles a frame byte by byte still meets the deadline.
    if (!Pending.empty() && Until.passed())
      return TimedOut();
    char Chunk[16384];
    ssize_t N = ::recv(FD, Chunk, sizeof(Chunk), 0);
    if (N > 0) {
      Pending.append(Chunk, N);
      continue;
    }
    if (N == 0) {
      if (Pending.empty())
        return false;
      return createStringError(inconvertibleErrorCode(),
                               "the stream ended inside a frame (" +
                                   Twine(Pending.size()) +
                                   " bytes of it arrived)");
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return TimedOut();
    if (errno != EINTR)
      return socketError("recv");
  }
}

//===-- Listener ----------------------------------------------------------===//

Listener::Listener(Listener &&Other)
    : FD(Other.FD), Bound(std::move(Other.Bound)) {
  Other.FD = -1;
  Other.Bound = Endpoint();
}

Listener::~Listener() {
  if (FD < 0)
    return;
  ::close(FD);
  if (!Bound.IsTCP && !Bound.Path.empty())
    ::unlink(Bound.Path.c_str());
}

Expected<Listener> Listener::listen(const Endpoint &E) {
  Listener L;
  if (!E.IsTCP) {
    Expected<sockaddr_un> Addr = unixAddress(E.Path);
    if (!Addr)
      return Addr.takeError();
    struct stat St;
    if (::lstat(E.Path.c_str(), &St) == 0) {
      if (!S_ISSOCK(St.st_mode))
        return createStringError(inconvertibleErrorCode(),
                                 E.Path + " exists and is not a socket");
      ::unlink(E.Path.c_str()); // A stale socket of an earlier agent.
    }
    L.FD = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (L.FD < 0)
      return socketError("socket");
    if (::bind(L.FD, reinterpret_cast<sockaddr *>(&*Addr), sizeof(*Addr)) < 0)
      return socketError("bind " + E.Path);
    L.Bound = E;
    // Before listen(): nobody can connect until only the owner may.
    if (::chmod(E.Path.c_str(), 0600) < 0)
      return socketError("chmod " + E.Path);
  } else {
    Expected<addrinfo *> List = resolve(E, /*Passive=*/true);
    if (!List)
      return List.takeError();
    addrinfo *A = *List;
    L.FD =
        ::socket(A->ai_family, A->ai_socktype | SOCK_CLOEXEC, A->ai_protocol);
    if (L.FD < 0) {
      ::freeaddrinfo(*List);
      return socketError("socket");
    }
    int One = 1;
    ::setsockopt(L.FD, SOL_SOCKET, SO_REUSEADDR, &One, sizeof(One));
    int RC = ::bind(L.FD, A->ai_addr, A->ai_addrlen);
    ::freeaddrinfo(*List);
    if (RC < 0)
      return socketError("bind " + E.Host + ":" + E.Port);
    sockaddr_storage Actual;
    socklen_t Len = sizeof(Actual);
    ::getsockname(L.FD, reinterpret_cast<sockaddr *>(&Actual), &Len);
    unsigned Port =
        Actual.ss_family == AF_INET6
            ? ntohs(reinterpret_cast<sockaddr_in6 &>(Actual).sin6_port)
            : ntohs(reinterpret_cast<sockaddr_in &>(Actual).sin_port);
    L.Bound = E;
    L.Bound.Port = std::to_string(Port);
  }
  if (::listen(L.FD, SOMAXCONN) < 0)
    return socketError("listen");
  return std::move(L);
}

Expected<FrameSocket> Listener::accept() {
  int Client = ::accept4(FD, nullptr, nullptr, SOCK_CLOEXEC);
  if (Client < 0)
    return socketError("accept");
  FrameSocket S(Client);
  if (Bound.IsTCP)
    setNoDelay(Client);
  return std::move(S);
}

} // namespace optgym
