"""An agent server: answers the OptGym plugin's queries with a Python function.

A compiler process with the plugin loaded and ``OPTGYM_ORACLE=socket:...``
connects to the server, announces its decision kinds, and asks one query at a
time; the server calls ``decide(query)`` and answers with the chosen choice.
A parallel build opens one connection per compiler process, all at once, so
the server runs one thread per connection and keeps their state apart.

    import optgym

    def decide(query):
        if query.kind == "loop-unroll" and query.features["trip_count"] == 4:
            return "full"
        return None  # LLVM's default

    with optgym.AgentServer(decide) as server:
        subprocess.run(["make", "CC=clang-19 -fpass-plugin=" + optgym.find_plugin()],
                       env=dict(os.environ, OPTGYM_ORACLE=server.oracle_spec))
    for unit in server.units():
        print(unit.module, unit.queries, unit.departures)

``decide`` returns a choice name (an element of ``query.choices``), an index
into ``query.choices``, or None for LLVM's default. A decide function that
raises or returns something else never fails the build: the query gets the
default, the first failure is printed with its traceback, and every failure is
listed in :attr:`AgentServer.errors`.

A client that breaks the protocol (oversized, truncated or malformed frames)
loses its own connection, with a one-line warning; the plugin then falls back
to LLVM's defaults for that compiler process, and every other connection is
served on.
"""

from __future__ import annotations

import array
import contextlib
import dataclasses
import errno
import hmac
import operator
import os
import select
import shutil
import signal
import socket
import stat
import sys
import tempfile
import threading
import time
import traceback
import types
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Set, Tuple, Union

from ._version import __version__
from .protocol import (
    ClientHello,
    KindSpec,
    ProtocolError,
    agent_hello,
    encode_answer,
    encode_frame,
    read_frame,
    validate_client_hello,
    validate_module,
    validate_module_end,
    validate_query,
)
from .query import Decision, Query, Unit

__all__ = ["AgentServer", "serve", "serve_tcp", "parse_tcp_address", "AGENT_NAME"]

#: What this server calls itself in its hello.
AGENT_NAME = "optgym-python " + __version__

_DEFAULT_ANSWERED = "answered LLVM's default"

#: How long close() waits for connection threads (busy in decide, say).
_CLOSE_GRACE_SECONDS = 5.0

DecideFunction = Callable[[Query], Any]
ModuleEndCallback = Callable[[Unit], None]
# A callable taking one line of text, or a text stream (anything with write).
LogTarget = Any


def parse_tcp_address(text: str, default_host: str = "127.0.0.1") -> Tuple[str, int]:
    """Parses ``[HOST:]PORT`` (``[ADDR]:PORT`` for IPv6) into (host, port)."""
    host, separator, port_text = text.rpartition(":")
    if not separator:
        host = default_host
    elif host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError("%r: write an IPv6 address in brackets, e.g. [::1]:8000" % text)
    if not port_text.isdigit() or int(port_text) > 65535:
        raise ValueError("%r: the port must be a number from 0 to 65535" % text)
    return host or default_host, int(port_text)


def _choice_index(result: Any, query: Query, default_index: int) -> int:
    """Maps what decide returned to an index into ``query.choices``.

    Raises ValueError explaining why the result is not an answer.
    """
    if result is None:
        return default_index
    if isinstance(result, str):
        try:
            return query.choices.index(result)
        except ValueError:
            shown = ", ".join(query.choices[:8]) + (", ..." if len(query.choices) > 8 else "")
            raise ValueError(
                "decide returned %r, which is not a choice of %s (%s)" % (result, query.kind, shown)
            ) from None
    if isinstance(result, bool):
        raise ValueError("decide returned %r; return a choice name, an index or None" % result)
    try:
        # operator.index accepts numpy integers, which a learned policy's
        # argmax typically returns.
        index = operator.index(result)
    except TypeError:
        raise ValueError(
            "decide returned %r (a %s); return a choice name, an index or None"
            % (result, type(result).__name__)
        ) from None
    if not 0 <= index < len(query.choices):
        raise ValueError(
            "decide returned index %d; %s has %d choices" % (index, query.kind, len(query.choices))
        )
    return index


def _readable(sock: socket.socket, timeout: float) -> bool:
    # poll, unlike select, has no limit on descriptor numbers, which a build
    # with many open connections can exceed.
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(timeout * 1000))


class _AnswerUndelivered(Exception):
    """The plugin closed its connection while its query was being decided.

    The plugin does that when an answer takes longer than its timeout; it
    has taken LLVM's default, so the decision is not recorded.
    """


# (kind name, key, chosen index, default index, feature values): what a
# decision costs to keep while queries arrive.
#
# A server holds every decision of a build, and each full collection of the
# garbage collector, which holds the GIL and so stops every connection, visits
# every object it tracks and every element of every list. Kept as plain
# lists of tuples holding a KindSpec, a build's decisions made those pauses
# grow with the build (60 ms at 100,000 decisions, 330 ms at 800,000 on a
# 2-core machine: bench/load/gc_pauses.py), until compilers would wait past
# OPTGYM_AGENT_TIMEOUT_MS and give up on the agent. So a decision holds only
# strings, ints and a tuple of them, which the collector stops tracking, and
# a unit's decisions are frozen into tuples of them (untracked as well)
# every _FREEZE_EVERY decisions and when the unit ends: what the collector
# visits no longer grows with the decisions held.
_RawDecision = Tuple[str, str, int, int, Tuple[Any, ...]]

_FREEZE_EVERY = 1024

# How many distinct hellos the server keeps one shared copy of; the
# compilers of a build all send the same one.
_SHARED_HELLOS = 16


class _UnitRecord:
    """The mutable record behind a Unit; guarded by the server's lock."""

    __slots__ = ("module", "pid", "connection", "kinds", "frozen", "recent", "stats")

    def __init__(
        self,
        module: Optional[str],
        pid: Optional[int],
        connection: int,
        kinds: Mapping[str, KindSpec],
    ) -> None:
        self.module = module
        self.pid = pid
        self.connection = connection
        # The connection's hello, to interpret the decisions with.
        self.kinds = kinds
        # The decisions: frozen chunks, then the latest ones.
        self.frozen: List[Tuple[_RawDecision, ...]] = []
        self.recent: List[_RawDecision] = []
        self.stats: Optional[Dict[str, Any]] = None

    def add(self, decision: _RawDecision) -> None:
        self.recent.append(decision)
        if len(self.recent) >= _FREEZE_EVERY:
            self.freeze()

    def freeze(self) -> None:
        if self.recent:
            self.frozen.append(tuple(self.recent))
            self.recent = []

    def decisions(self) -> Iterator[_RawDecision]:
        for chunk in self.frozen:
            yield from chunk
        yield from self.recent

    def snapshot(self) -> Unit:
        kinds = self.kinds
        return Unit(
            module=self.module,
            pid=self.pid,
            decisions=tuple(
                Decision(
                    kind=name,
                    key=key,
                    chosen=kinds[name].choices[index],
                    default=kinds[name].choices[default],
                    features=dict(zip(kinds[name].feature_names, features)),
                )
                for name, key, index, default, features in self.decisions()
            ),
            stats=None if self.stats is None else dict(self.stats),
            connection=self.connection,
        )


class _Connection:
    """One client connection, served by its own thread."""

    def __init__(self, server: AgentServer, sock: socket.socket, index: int, peer: Any) -> None:
        self.server = server
        self.sock = sock
        self.index = index
        self.peer = peer
        self.hello: Optional[ClientHello] = None
        self.module: Optional[str] = None
        self.unit: Optional[_UnitRecord] = None
        # When the message being handled was read (time.perf_counter()).
        self.received = 0.0
        # Serializes closing the socket (by this thread) with shutting it
        # down (by AgentServer.close), so neither touches a closed socket.
        self.socket_lock = threading.Lock()
        self.thread = threading.Thread(
            target=self.run, name="optgym-connection-%d" % index, daemon=True
        )

    def describe(self) -> str:
        text = "connection %d" % self.index
        if isinstance(self.peer, tuple) and len(self.peer) >= 2:
            host = self.peer[0]
            text += " from %s:%d" % ("[%s]" % host if ":" in host else host, self.peer[1])
        if self.hello is not None and self.hello.pid is not None:
            text += " (pid %d)" % self.hello.pid
        return text

    def run(self) -> None:
        reader = self.sock.makefile("rb")
        try:
            while True:
                message = read_frame(reader)
                if message is None:
                    return
                self.received = time.perf_counter()
                self.handle(message)
        except (ProtocolError, _AnswerUndelivered) as error:
            self.server._connection_failed(self, str(error))
        except OSError as error:
            self.server._connection_failed(self, "connection lost: %s" % error)
        except Exception:
            # A bug of this library: report it like a broken connection, so
            # the build goes on, with what a bug report needs.
            self.server._connection_failed(
                self, "internal error of the agent server:\n" + traceback.format_exc().rstrip()
            )
        finally:
            reader.close()
            with self.socket_lock:
                self.sock.close()
            self.server._connection_finished(self)

    def shutdown(self) -> None:
        """Ends the connection from another thread; wakes a blocked read."""
        with self.socket_lock:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)

    def send(self, message: Dict[str, Any]) -> None:
        self.sock.sendall(encode_frame(message))

    def handle(self, message: Dict[str, Any]) -> None:
        message_type = message["type"]
        if message_type == "hello":
            if self.hello is not None:
                raise ProtocolError("hello: sent twice on one connection")
            hello = validate_client_hello(message)
            token = self.server._token
            if token and not hmac.compare_digest(
                str(message.get("token", "")).encode("utf-8", "surrogatepass"),
                token.encode("utf-8", "surrogatepass"),
            ):
                raise ProtocolError(
                    "hello: the compiler sent %s token (OPTGYM_AGENT_TOKEN)"
                    % ("the wrong" if "token" in message else "no")
                )
            self.hello = dataclasses.replace(hello, kinds=self.server._shared_kinds(hello.kinds))
            reply = agent_hello(AGENT_NAME)
            if token:
                reply["token"] = token
            self.send(reply)
            return
        if message_type not in ("module", "query", "module-end"):
            # Later protocol versions may add messages; an agent ignores
            # what it does not know (docs/protocol.md).
            return
        if self.hello is None:
            raise ProtocolError("%s: arrived before the hello" % message_type)
        if message_type == "module":
            self.module = validate_module(message)
            self.unit = self.server._begin_unit(self.module, self.hello, self.index)
        elif message_type == "query":
            self.handle_query(message)
        else:
            self.handle_module_end(message)

    def handle_query(self, message: Dict[str, Any]) -> None:
        assert self.hello is not None
        checked = validate_query(message, self.hello.kinds)
        kind = checked.kind
        query = Query.from_checked(
            checked.id,
            kind.name,
            checked.key,
            types.MappingProxyType(dict(zip(kind.feature_names, checked.features))),
            kind.choices,
            kind.choices[checked.default],
            self.module,
            self.hello.pid,
        )
        index = self.server._choose(query, self, checked.default)
        try:
            self.sock.sendall(encode_answer(checked.id, index))
        except OSError as error:
            raise _AnswerUndelivered(
                "query %d: the plugin hung up before its answer (%s), perhaps because decide "
                "took longer than OPTGYM_AGENT_TIMEOUT_MS" % (checked.id, error.strerror or error)
            ) from error
        if self.unit is None:
            # The plugin asked before naming a module; keep the decisions
            # rather than drop them.
            self.unit = self.server._begin_unit(None, self.hello, self.index)
        # Kept raw; Decision objects are made when someone reads the units.
        self.server._record(
            self.unit,
            (kind.name, checked.key, index, checked.default, checked.features),
            time.perf_counter() - self.received,
        )

    def handle_module_end(self, message: Dict[str, Any]) -> None:
        assert self.hello is not None
        end = validate_module_end(message)
        unit = self.unit
        if unit is None or unit.module != end.module:
            # The statistics of a module the plugin never announced belong
            # to no unit seen so far; give them their own rather than attach
            # them to the wrong one.
            unit = self.server._begin_unit(end.module, self.hello, self.index)
        self.server._end_unit(unit, end.stats)


class AgentServer:
    """Serves ``decide`` to plugin clients from background threads.

    The server listens as soon as it is constructed and serves until
    :meth:`close` (or the end of a ``with`` block). Unix mode (the default)
    listens on ``path``; without one it creates a private directory (mode
    0700) holding ``agent.sock``. The socket file always has mode 0600, so
    only the same user can connect. TCP mode (``tcp=True``, or ``tcp`` an
    address ``"[HOST:]PORT"``) binds ``host`` and ``port``, by default the
    loopback address and any free port.

    Args:
        decide: called with a :class:`Query` for every query; returns a
            choice name, an index into ``query.choices``, or None.
        path: the Unix socket to create; an existing socket file nobody
            listens on is replaced, any other existing file is an error.
        tcp: serve TCP instead of a Unix socket.
        host, port: the TCP address to bind.
        serialize: call ``decide`` (and ``on_module_end``) from one thread at
            a time. Turn it off only for a thread-safe decide function.
        log: where warnings go: None for stderr, a callable taking one
            string, or a text stream.
        on_module_end: called with a :class:`Unit` snapshot whenever a
            module-end arrives.
        token: a shared secret the compilers must send in their hello, and
            that the server sends back in its own (docs/security.md); None
            (the default) takes ``$OPTGYM_AGENT_TOKEN``, "" requires none.
    """

    def __init__(
        self,
        decide: DecideFunction,
        path: Optional[Union[str, os.PathLike[str]]] = None,
        *,
        tcp: Optional[Union[bool, str]] = None,
        host: str = "127.0.0.1",
        port: int = 0,
        serialize: bool = True,
        log: LogTarget = None,
        on_module_end: Optional[ModuleEndCallback] = None,
        token: Optional[str] = None,
    ) -> None:
        if not callable(decide):
            raise TypeError("decide must be callable, not %r" % (decide,))
        if tcp and path is not None:
            raise ValueError("serve a Unix socket path or TCP, not both")
        self._decide = decide
        self._on_module_end = on_module_end
        self._token = os.environ.get("OPTGYM_AGENT_TOKEN", "") if token is None else token
        self._log_target = log
        self._log_lock = threading.Lock()
        self._callback_lock: Optional[threading.Lock] = threading.Lock() if serialize else None

        # _lock guards every member below that connection threads change;
        # _changed is notified when a connection opens or finishes.
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._closed = False
        self._connections: Dict[int, _Connection] = {}
        self._connection_count = 0
        self._peak_connections = 0
        # Seconds from reading each answered query to sending its answer,
        # in the order the answers went out: 8 bytes a query.
        self._latencies = array.array("d")
        self._units: List[_UnitRecord] = []
        # One copy of each distinct hello's kinds, which every unit keeps:
        # otherwise each compile's copy, some 180 objects that every full
        # collection visits, stays for the server's life (see _RawDecision).
        self._kinds: Dict[Tuple[KindSpec, ...], Mapping[str, KindSpec]] = {}
        self._errors: List[str] = []
        self._connection_errors: List[str] = []
        self._warned_callbacks: Set[str] = set()
        self._accept_failure_logged = False

        self._listener: Optional[socket.socket] = None
        self._private_dir: Optional[str] = None
        self._socket_path: Optional[str] = None
        # (st_dev, st_ino) of the socket file we bound, so that close()
        # removes only our own socket, not one another agent put there since.
        self._socket_identity: Optional[Tuple[int, int]] = None
        self._port: Optional[int] = None
        self._accept_thread: Optional[threading.Thread] = None
        # close() writes to this pair to wake the accept loop; closing a
        # listening socket does not reliably interrupt a blocked poll.
        self._wake_reader, self._wake_writer = socket.socketpair()
        try:
            if tcp:
                if isinstance(tcp, str):
                    host, port = parse_tcp_address(tcp, host)
                self._oracle_spec = self._listen_tcp(host, port)
            else:
                self._oracle_spec = self._listen_unix(path)
            self._accept_thread = threading.Thread(
                target=self._accept_loop, name="optgym-accept", daemon=True
            )
            self._accept_thread.start()
        except BaseException:
            self._release_resources()
            raise

    # -- Public interface ---------------------------------------------------

    @property
    def oracle_spec(self) -> str:
        """The OPTGYM_ORACLE value that reaches this server."""
        return self._oracle_spec

    @property
    def socket_path(self) -> Optional[str]:
        """The Unix socket's absolute path (None in TCP mode)."""
        return self._socket_path

    @property
    def port(self) -> Optional[int]:
        """The TCP port bound (None in Unix mode)."""
        return self._port

    @property
    def errors(self) -> List[str]:
        """Every failure of decide or on_module_end, one line each."""
        with self._lock:
            return list(self._errors)

    @property
    def connection_errors(self) -> List[str]:
        """Why each connection that ended early ended: a protocol violation,
        a plugin hanging up before its answer, a lost connection."""
        with self._lock:
            return list(self._connection_errors)

    @property
    def connection_count(self) -> int:
        """How many connections the server has accepted."""
        with self._lock:
            return self._connection_count

    @property
    def peak_connections(self) -> int:
        """The most connections that were open at once."""
        with self._lock:
            return self._peak_connections

    def answer_latencies(self) -> List[float]:
        """For every answered query, the seconds from reading it off its
        connection to sending its answer (decide included), in the order
        the answers went out.

        This is the server's share of a compiler's wait: what the query
        spent in the socket before the server read it is not included.
        """
        with self._lock:
            return self._latencies.tolist()

    def units(self) -> List[Unit]:
        """A snapshot of every unit so far, in the order they began."""
        with self._lock:
            return [record.snapshot() for record in self._units]

    def wait_idle(self, timeout: Optional[float] = None) -> bool:
        """Waits until every connection has ended and none is waiting.

        Returns False if ``timeout`` seconds passed first. After the last
        client process exits this returns once its final messages are read.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while not self._closed and (self._connections or self._accept_pending()):
                remaining = 0.05 if deadline is None else deadline - time.monotonic()
                if remaining <= 0:
                    return False
                # Short waits: a connection waiting in the listen backlog
                # notifies nobody until the accept loop takes it.
                self._changed.wait(min(remaining, 0.05))
            return True

    def close(self) -> None:
        """Stops serving: ends every connection, joins threads, removes files.

        Idempotent. Connections still open are cut; their plugins fall back
        to LLVM's defaults.
        """
        with self._changed:
            if self._closed:
                return
            self._closed = True
            self._changed.notify_all()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")
        if self._accept_thread is not None:
            self._accept_thread.join()
        # The accept loop is over, so this list is final.
        with self._lock:
            connections = list(self._connections.values())
        for connection in connections:
            connection.shutdown()
        deadline = time.monotonic() + _CLOSE_GRACE_SECONDS
        for connection in connections:
            # A callback may close the server from its own connection's thread.
            if connection.thread is not threading.current_thread():
                connection.thread.join(max(0.0, deadline - time.monotonic()))
        busy = [
            connection.describe()
            for connection in connections
            if connection.thread.is_alive() and connection.thread is not threading.current_thread()
        ]
        if busy:
            self.log(
                "optgym: warning: %s still busy in a callback after %g s; not waiting for them"
                % (", ".join(busy), _CLOSE_GRACE_SECONDS)
            )
        self._release_resources()
        errors = self.errors
        if len(errors) > 1:
            # Only the first failure of each callback was printed.
            self.log(
                "optgym: warning: %d callback failures in all (AgentServer.errors lists them)"
                % len(errors)
            )

    def __enter__(self) -> AgentServer:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "serving"
        return "<AgentServer %s %s>" % (state, self._oracle_spec)

    # -- Listening ----------------------------------------------------------

    def _listen_unix(self, path: Optional[Union[str, os.PathLike[str]]]) -> str:
        if path is None:
            # mkdtemp creates the directory with mode 0700.
            self._private_dir = tempfile.mkdtemp(prefix="optgym-")
            mode = stat.S_IMODE(os.stat(self._private_dir).st_mode)
            if mode != 0o700:
                raise PermissionError(
                    "%s has mode %o, not 0700; refusing to serve from it"
                    % (self._private_dir, mode)
                )
            socket_path = os.path.join(self._private_dir, "agent.sock")
        else:
            # The compiler processes may run in other directories.
            socket_path = os.path.abspath(os.fspath(path))
            _remove_stale_socket(socket_path)

        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)

        def bind() -> None:
            # The umask makes the socket 0600 from its creation on; the chmod
            # states the mode outright in case the platform ignores the umask
            # for sockets. The umask is process-wide, but in this window it
            # can only make another thread's new file more private.
            previous_umask = os.umask(0o177)
            try:
                listener.bind(socket_path)
            except OSError as error:
                # "AF_UNIX path too long" comes without an errno.
                reason = "cannot create the agent socket %s: %s" % (
                    socket_path,
                    error.strerror or error,
                )
                if error.errno is None:
                    raise OSError(reason) from error
                raise OSError(error.errno, reason) from error
            finally:
                os.umask(previous_umask)
            self._socket_path = socket_path
            status = os.lstat(socket_path)
            self._socket_identity = (status.st_dev, status.st_ino)
            os.chmod(socket_path, 0o600)
            mode = stat.S_IMODE(os.lstat(socket_path).st_mode)
            if mode != 0o600:
                raise PermissionError("%s has mode %o after chmod 0600" % (socket_path, mode))

        self._listener = _listening(listener, bind)
        return "socket:" + socket_path

    def _listen_tcp(self, host: str, port: int) -> str:
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        address_info = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
        family, socket_type, protocol, _, address = address_info[0]
        listener = socket.socket(family, socket_type, protocol)

        def bind() -> None:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(address)

        self._listener = _listening(listener, bind)
        bound_host, self._port = listener.getsockname()[:2]
        # A wildcard bind is reached through loopback from this machine.
        bound_host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(bound_host, bound_host)
        if ":" in bound_host:
            bound_host = "[%s]" % bound_host
        return "socket:tcp:%s:%d" % (bound_host, self._port)

    def _accept_pending(self) -> bool:
        # Called with _lock held, which the accept loop also holds from
        # accept() until the connection is registered: a connection is
        # always either pending here or in _connections.
        return self._listener is not None and _readable(self._listener, 0)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        poller = select.poll()
        poller.register(self._listener, select.POLLIN)
        poller.register(self._wake_reader, select.POLLIN)
        wake_fd = self._wake_reader.fileno()
        while True:
            try:
                events = poller.poll()
            except InterruptedError:
                continue
            if any(fd == wake_fd for fd, _ in events):
                return
            accept_error: Optional[OSError] = None
            with self._changed:
                if self._closed:
                    return
                try:
                    sock, peer = self._listener.accept()
                except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                    continue
                except OSError as error:
                    accept_error = error
                else:
                    self._register(sock, peer)
            if accept_error is not None:
                # Out of file descriptors, typically: say so once, and back
                # off instead of spinning on a listener that stays readable.
                if not self._accept_failure_logged:
                    self._accept_failure_logged = True
                    self.log("optgym: warning: cannot accept a connection: %s" % accept_error)
                time.sleep(0.1)

    def _register(self, sock: socket.socket, peer: Any) -> None:
        """Starts serving an accepted socket; called with _lock held."""
        sock.setblocking(True)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            # One small query, one small answer: Nagle's algorithm would hold
            # each answer back waiting for the client's delayed ACK.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = _Connection(self, sock, self._connection_count, peer)
        self._connection_count += 1
        try:
            connection.thread.start()
        except RuntimeError as error:
            # Out of threads: this one plugin falls back to LLVM's defaults,
            # and the server goes on with the connections it has.
            sock.close()
            entry = "%s: cannot start its thread: %s" % (connection.describe(), error)
            self._connection_errors.append(entry)
            self.log("optgym: warning: %s; closing that connection" % entry)
            return
        self._connections[connection.index] = connection
        self._peak_connections = max(self._peak_connections, len(self._connections))
        self._changed.notify_all()

    def _release_resources(self) -> None:
        for sock in (self._listener, self._wake_reader, self._wake_writer):
            if sock is not None:
                sock.close()
        if self._socket_path is not None and self._socket_identity is not None:
            with contextlib.suppress(OSError):
                status = os.lstat(self._socket_path)
                if (status.st_dev, status.st_ino) == self._socket_identity:
                    os.unlink(self._socket_path)
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)

    # -- Called by connection threads ----------------------------------------

    def log(self, text: str) -> None:
        """Writes one line to the server's log (its ``log`` argument), under
        a lock: connection threads and the build driving the server share
        it."""
        target = self._log_target
        with self._log_lock:
            if target is None:
                sys.stderr.write(text + "\n")
                sys.stderr.flush()
            elif hasattr(target, "write"):
                target.write(text + "\n")
            else:
                target(text)

    def _callbacks_serialized(self) -> Any:
        return self._callback_lock if self._callback_lock is not None else contextlib.nullcontext()

    def _callback_failed(
        self, callback: str, where: str, reason: str, consequence: str, details: Optional[str]
    ) -> None:
        entry = "%s: %s" % (where, reason)
        with self._lock:
            self._errors.append(entry)
            first = callback not in self._warned_callbacks
            self._warned_callbacks.add(callback)
        if first:
            # One warning per callback and server: a broken decide fails on
            # every query, and a thousand tracebacks would bury the build's
            # own output.
            text = (
                "optgym: warning: %s; %s. Later failures of %s are not printed "
                "(AgentServer.errors lists them)." % (entry, consequence, callback)
            )
            if details:
                text += "\n" + details.rstrip()
            self.log(text)

    def _choose(self, query: Query, connection: _Connection, default_index: int) -> int:
        def where() -> str:
            return "%s, query %d (%s %r)" % (
                connection.describe(),
                query.id,
                query.kind,
                query.key,
            )

        try:
            with self._callbacks_serialized():
                result = self._decide(query)
        except Exception as error:
            self._callback_failed(
                "decide",
                where(),
                "decide raised %s: %s" % (type(error).__name__, error),
                _DEFAULT_ANSWERED,
                traceback.format_exc(),
            )
            return default_index
        try:
            return _choice_index(result, query, default_index)
        except ValueError as error:
            self._callback_failed("decide", where(), str(error), _DEFAULT_ANSWERED, None)
            return default_index

    def _shared_kinds(self, kinds: Mapping[str, KindSpec]) -> Mapping[str, KindSpec]:
        """The copy of ``kinds`` that earlier connections with the same
        hello use, if any; ``kinds`` otherwise."""
        key = tuple(kinds.values())
        with self._lock:
            shared = self._kinds.get(key)
            if shared is None:
                shared = kinds
                if len(self._kinds) < _SHARED_HELLOS:
                    self._kinds[key] = kinds
        return shared

    def _begin_unit(
        self, module: Optional[str], hello: ClientHello, connection: int
    ) -> _UnitRecord:
        record = _UnitRecord(module, hello.pid, connection, hello.kinds)
        with self._lock:
            self._units.append(record)
        return record

    def _record(self, unit: _UnitRecord, decision: _RawDecision, latency: float) -> None:
        with self._lock:
            unit.add(decision)
            self._latencies.append(latency)

    def _end_unit(self, unit: _UnitRecord, stats: Dict[str, Any]) -> None:
        with self._lock:
            unit.stats = stats
            unit.freeze()
            if self._on_module_end is None:
                return
            snapshot = unit.snapshot()
        try:
            with self._callbacks_serialized():
                self._on_module_end(snapshot)
        except Exception as error:
            self._callback_failed(
                "on_module_end",
                "module %r" % unit.module,
                "on_module_end raised %s: %s" % (type(error).__name__, error),
                "serving goes on",
                traceback.format_exc(),
            )

    def _connection_failed(self, connection: _Connection, reason: str) -> None:
        entry = "%s: %s" % (connection.describe(), reason)
        with self._lock:
            closing = self._closed
            if not closing:
                self._connection_errors.append(entry)
        # close() cuts connections mid-message on purpose; that is no news.
        if not closing:
            self.log("optgym: warning: %s; closing that connection" % entry)

    def _connection_finished(self, connection: _Connection) -> None:
        with self._changed:
            if connection.unit is not None:
                connection.unit.freeze()
            self._connections.pop(connection.index, None)
            self._changed.notify_all()


def _listening(listener: socket.socket, bind: Callable[[], None]) -> socket.socket:
    """``listener`` bound by ``bind()``, listening and non-blocking (the
    accept loop polls it); closed if any of that fails."""
    try:
        bind()
        listener.listen(socket.SOMAXCONN)
        listener.setblocking(False)
    except BaseException:
        listener.close()
        raise
    return listener


def _remove_stale_socket(path: str) -> None:
    """Makes room for a socket at ``path`` without destroying anything live.

    A socket file nobody listens on is left over from an agent that died; it
    is removed. A live socket or a file of another type is an error.
    """
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(status.st_mode):
        raise FileExistsError(errno.EEXIST, "refusing to replace a file that is not a socket", path)
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except ConnectionRefusedError:
        os.unlink(path)
        return
    except FileNotFoundError:
        return
    finally:
        probe.close()
    raise OSError(errno.EADDRINUSE, "another agent is serving on this socket", path)


def _serve_until_stopped(make_server: Callable[[], AgentServer]) -> None:
    """Runs a server until Ctrl-C or SIGTERM, then closes it cleanly."""
    stop = threading.Event()
    # Signal handlers can only be installed from the main thread; elsewhere
    # the caller stops the process some other way.
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous_handler: Any = None
    if in_main_thread:
        previous_handler = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    server: Optional[AgentServer] = None
    try:
        server = make_server()
        spec = server.oracle_spec
        server.log("optgym: serving on %s; set OPTGYM_ORACLE=%s" % (spec, spec))
        # A timed wait, so that Ctrl-C is delivered promptly everywhere.
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.close()
            units = server.units()
            server.log(
                "optgym: stopped after %d connections, %d units, %d queries"
                % (server.connection_count, len(units), sum(unit.queries for unit in units))
            )
        if in_main_thread:
            signal.signal(
                signal.SIGTERM, previous_handler if previous_handler is not None else signal.SIG_DFL
            )


def serve(
    decide: DecideFunction, path: Optional[Union[str, os.PathLike[str]]] = None, **kwargs: Any
) -> None:
    """Serves ``decide`` on a Unix socket until Ctrl-C or SIGTERM.

    Prints the OPTGYM_ORACLE value to set at start, and returns normally
    after Ctrl-C. Keyword arguments are those of :class:`AgentServer`.

    A process started with SIGINT ignored (as a non-interactive shell starts
    its background jobs) keeps ignoring Ctrl-C, as POSIX intends; SIGTERM
    still stops it.
    """
    _serve_until_stopped(lambda: AgentServer(decide, path, **kwargs))


def serve_tcp(
    decide: DecideFunction, port: int = 0, host: str = "127.0.0.1", **kwargs: Any
) -> None:
    """Serves ``decide`` on TCP (loopback unless told otherwise) until stopped.

    Like :func:`serve`; port 0 picks a free port, printed at start.
    """
    _serve_until_stopped(lambda: AgentServer(decide, tcp=True, host=host, port=port, **kwargs))
