"""One connection to one pass-choice driver process.

The driver is ``opt -load-pass-plugin=OptGym.so -passes=optgym-driver`` on a
benchmark's bitcode, with ``OPTGYM_ORACLE=socket:...`` naming a socket this
module listens on. It asks one ``pass-choice`` query per step and waits, as
long as it takes, for the answer; while a query is pending it also serves
``observe`` requests and ``fork`` requests (a POSIX fork whose child goes on
with the same query on a new connection). /work/gym-spec.md is the contract.

A :class:`DriverConnection` is the agent's end of one such connection: it
starts a root process (:meth:`DriverConnection.start`), answers the pending
query and reads the next (:meth:`~DriverConnection.answer`: one send and one
receive), asks for observations (:meth:`~DriverConnection.observe`), forks
(:meth:`~DriverConnection.fork`) and closes. Every failure of the peer is a
:class:`DriverError` whose ``error_type`` the environment reports; after one,
the connection is dead and its process abandoned.

Sockets live in private directories (mode 0700) that the caller owns; the
socket files exist only while a connection is being accepted.
"""

from __future__ import annotations

import contextlib
import operator
import os
import secrets
import shutil
import socket
import struct
import subprocess
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from .._version import __version__
from ..deprecation import renamed
from ..protocol import (
    PROTOCOL_VERSION,
    ClientHello,
    FrameReader,
    KindSpec,
    ProtocolError,
    encode_frame,
    validate_client_hello,
    validate_query,
)
from .process import (
    EXIT_GRACE_SECONDS,
    KIND,
    DriverLauncher,
    accept,
    describe_status,
    exit_status,
    fixed_address_space,
    kill_process,
    listen,
    next_serial,
    open_pidfd,
    parent_death_signal,
    peer_pid,
    process_gone,
    signal_name,
    start_time,
    stderr_tail,
    wait_gone,
)

__all__ = [
    "AGENT_NAME",
    "KIND",
    "DriverConnection",
    "DriverCrashed",
    "DriverError",
    "DriverProtocolError",
    "DriverStartError",
    "DriverTimeout",
    "PendingChoice",
]

__getattr__ = renamed(
    __name__,
    {
        "Query": "optgym.gym.driver:PendingChoice",
        "private_directory": "optgym.gym.process:private_directory",
    },
)

#: What the environment calls itself in its hello.
AGENT_NAME = "optgym-gym " + __version__
#: The features of a pass-choice query this module reads, by name.
FEATURES = ("step", "last_changed", "ir_instructions", "last_action", "error")

_LENGTH = struct.Struct(">I")
# struct timeval, for SO_RCVTIMEO and SO_SNDTIMEO.
_TIMEVAL = struct.Struct("@ll")


class DriverError(Exception):
    """The driver failed: the connection and its process are gone.

    Attributes:
        error_type: what the environment reports in ``info["error_type"]``.
    """

    error_type = "driver-error"


class DriverCrashed(DriverError):
    """The driver closed its connection or died."""

    error_type = "crashed"


class DriverTimeout(DriverError):
    """The driver did not reply within the timeout (it is abandoned)."""

    error_type = "timeout"


class DriverProtocolError(DriverError):
    """The driver sent something that breaks the protocol."""

    error_type = "protocol-error"


class DriverStartError(DriverError):
    """A root driver process did not start (opt missing, plugin without the
    driver, unreadable bitcode, ...)."""

    error_type = "start-failed"


class PendingChoice:
    """The pending pass-choice query of a connection.

    ``observations`` holds the values attached to the query and every value
    asked for since (the module does not change while the query is pending,
    so a value stays valid until the answer); ``errors`` the names that
    failed; ``extra`` the values the environment derives in Python.
    """

    __slots__ = (
        "id",
        "key",
        "step",
        "last_changed",
        "ir_instructions",
        "last_action",
        "error",
        "observations",
        "errors",
        "extra",
    )

    def __init__(
        self,
        query_id: int,
        key: str,
        values: Tuple[Any, ...],
        observations: Dict[str, Any],
        errors: Dict[str, str],
    ) -> None:
        """``values``: the query's FEATURES, in that order."""
        self.id = query_id
        self.key = key
        (self.step, self.last_changed, self.ir_instructions, self.last_action, self.error) = values
        self.observations = observations
        self.errors = errors
        self.extra: Dict[str, Any] = {}

    def __repr__(self) -> str:
        return "PendingChoice(id=%d, key=%r, step=%d, ir_instructions=%d)" % (
            self.id,
            self.key,
            self.step,
            self.ir_instructions,
        )


def _observation_members(
    message: Mapping[str, Any], where: str
) -> Tuple[Dict[str, Any], Dict[str, str]]:
    values = message.get("observations", {})
    errors = message.get("observation_errors", {})
    if not isinstance(values, dict):
        raise DriverProtocolError("%s: observations must be an object" % where)
    if not isinstance(errors, dict) or not all(isinstance(v, str) for v in errors.values()):
        raise DriverProtocolError("%s: observation_errors must map names to strings" % where)
    return values, errors


class DriverConnection:
    """The agent's end of one driver connection, with its pending query.

    Attributes:
        hello: the driver's checked hello.
        pid: the driver process's id.
        query: the pending query (None once the connection is closed).
        llvm: the LLVM version the driver reported.
        timeout: seconds a reply may take (None: forever); the environment
            sets it to its step timeout.
    """

    def __init__(
        self,
        sock: socket.socket,
        timeout: Optional[float],
        process: Optional["subprocess.Popen[bytes]"] = None,
        pid: Optional[int] = None,
        pidfd: Optional[int] = None,
        stderr_path: Optional[str] = None,
    ) -> None:
        self._sock = sock
        # Blocking, with the timeout in the kernel (SO_RCVTIMEO): one system
        # call per message each way, where a Python timeout adds a poll to
        # every send and receive.
        sock.settimeout(None)
        self._frames = FrameReader(sock)
        self._socket_timeout: Any = object()
        self.timeout = timeout
        self.process = process
        self.pid = pid
        self._pidfd = pidfd
        # Names the process of a forked driver (not our child) when its
        # exit status is read from /proc, whatever reused its pid since.
        self._started = start_time(pid) if process is None and pid is not None else None
        self.stderr_path = stderr_path
        self.hello: Optional[ClientHello] = None
        self.hello_message: Dict[str, Any] = {}
        self._kinds: Mapping[str, KindSpec] = {}
        self._indices: Tuple[int, ...] = ()
        # The per-query path: FEATURES out of a feature list, and the types
        # a well-formed pass-choice query's features have.
        self._pick: Any = None
        self._feature_types: List[type] = []
        self._choices = 0
        self.query: Optional[PendingChoice] = None
        self.module: Optional[str] = None
        self._closed = False
        self._owner = os.getpid()

    # -- properties ---------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def kind(self) -> KindSpec:
        assert self.hello is not None
        return self.hello.kinds[KIND]

    @property
    def choices(self) -> Tuple[str, ...]:
        """The pass-choice choices: ``stop``, then one per action."""
        return self.kind.choices

    @property
    def llvm(self) -> Optional[str]:
        return self.hello.llvm if self.hello is not None else None

    def describe(self) -> str:
        return "driver pid %s" % (self.pid if self.pid is not None else "?")

    def __repr__(self) -> str:
        state = "closed" if self._closed else repr(self.query)
        return "<DriverConnection %s %s>" % (self.describe(), state)

    # -- starting -------------------------------------------------------------

    @classmethod
    def start(
        cls,
        launcher: DriverLauncher,
        bitcode: str,
        workdir: str,
        timeout: Optional[float],
        observe: Sequence[str] = (),
        name: Optional[str] = None,
    ) -> "DriverConnection":
        """Starts a root driver process on ``bitcode`` and returns its
        connection with the first query (step 0) pending; ``observe`` names
        observations the first query carries."""
        if name is None:
            name = "root-%d" % next_serial()
        socket_path = os.path.join(workdir, "%s.sock" % name)
        stderr_path = os.path.join(workdir, "%s.stderr" % name)
        listener = listen(socket_path)
        process: Optional["subprocess.Popen[bytes]"] = None
        connection: Optional[DriverConnection] = None
        try:
            argv = launcher.argv(bitcode)
            if shutil.which(argv[0]) is None:
                raise DriverStartError("cannot run %s: no such executable" % argv[0])
            # Appended to: a root started again under its name (roots.py)
            # keeps one file.
            with open(stderr_path, "ab") as stderr:
                try:
                    process = subprocess.Popen(
                        launcher.limit_prefix()
                        + fixed_address_space()
                        + parent_death_signal()
                        + argv,
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=stderr,
                        env=launcher.environment("socket:" + socket_path),
                        cwd=workdir,
                        # Out of the terminal's process group: Ctrl-C stops the
                        # Python program, whose exit closes the connections,
                        # which ends the drivers cleanly.
                        start_new_session=True,
                    )
                except OSError as error:
                    raise DriverStartError("cannot run %s: %s" % (argv[0], error)) from None
            launcher.apply_limits(process.pid)
            started = process

            def exited() -> Optional[str]:
                status = started.poll()
                if status is None:
                    return None
                tail = stderr_tail(stderr_path)
                return "%s exited (status %d) before connecting%s" % (
                    " ".join(argv[:3]) + (" ..." if len(argv) > 3 else ""),
                    status,
                    ":\n" + tail if tail else "",
                )

            deadline = None if timeout is None else time.monotonic() + timeout
            sock = _accept_driver(listener, deadline, exited, "the driver to connect")
            connection = cls(
                sock, timeout, process=process, pid=process.pid, stderr_path=stderr_path
            )
            connection._handshake(deadline, observe=observe)
            connection._first_query(deadline)
            return connection
        except BaseException:
            if connection is not None:
                connection.close(kill=True)
            elif process is not None:
                with contextlib.suppress(OSError):
                    process.kill()
                with contextlib.suppress(Exception):
                    process.wait(EXIT_GRACE_SECONDS)
            raise
        finally:
            listener.close()
            with contextlib.suppress(OSError):
                os.unlink(socket_path)

    def _remaining(self, deadline: Optional[float]) -> Optional[float]:
        if deadline is None:
            return None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._fail(DriverTimeout("%s: no reply in time" % self.describe()))
        return remaining

    def _handshake(self, deadline: Optional[float], observe: Sequence[str] = ()) -> None:
        message = self._read(self._remaining(deadline), "hello")
        if message.get("type") != "hello":
            raise self._fail(
                DriverProtocolError(
                    "%s: expected a hello, got %r" % (self.describe(), message.get("type"))
                )
            )
        try:
            hello = validate_client_hello(message)
        except ProtocolError as error:
            raise self._fail(DriverProtocolError("%s: %s" % (self.describe(), error))) from None
        kind = hello.kinds.get(KIND)
        if kind is None:
            raise self._fail(
                DriverProtocolError(
                    "%s: its hello declares no %s kind (kinds: %s); is the plugin too old?"
                    % (self.describe(), KIND, ", ".join(hello.kinds) or "none")
                )
            )
        names = kind.feature_names
        missing = [feature for feature in FEATURES if feature not in names]
        if missing:
            raise self._fail(
                DriverProtocolError(
                    "%s: %s declares no feature %s" % (self.describe(), KIND, ", ".join(missing))
                )
            )
        if kind.choices[0] != "stop":
            raise self._fail(
                DriverProtocolError(
                    "%s: %s choice 0 is %r, not stop" % (self.describe(), KIND, kind.choices[0])
                )
            )
        self.hello = hello
        self.hello_message = message
        self._kinds = {KIND: kind}
        self._set_indices(tuple(names.index(feature) for feature in FEATURES))
        reply: Dict[str, Any] = {"type": "hello", "protocol": PROTOCOL_VERSION, "agent": AGENT_NAME}
        if observe:
            reply["observe"] = list(observe)
        self._send(encode_frame(reply))

    def _fork_handshake(
        self, deadline: Optional[float], token: str, pid: int, parent: "DriverConnection"
    ) -> None:
        """Reads a forked child's hello: a short one (``type``, ``protocol``,
        ``pid``, ``fork_token``) that needs no reply, since this side knows
        the process already; its kinds, if it declares them, must be the
        parent's."""
        message = self._read(self._remaining(deadline), "the forked driver's hello")
        if message.get("type") != "hello":
            raise self._fail(
                DriverProtocolError("forked driver: expected a hello, got %r" % message.get("type"))
            )
        if message.get("fork_token") != token:
            raise self._fail(
                DriverProtocolError(
                    "forked driver: its hello carries the wrong fork token; refusing the connection"
                )
            )
        if message.get("pid") != pid:
            raise self._fail(
                DriverProtocolError(
                    "forked driver: its hello says pid %r, the fork reply %r"
                    % (message.get("pid"), pid)
                )
            )
        assert parent.hello is not None
        if "kinds" in message:
            try:
                hello = validate_client_hello(message)
            except ProtocolError as error:
                raise self._fail(DriverProtocolError("forked driver: %s" % error)) from None
            if hello.kinds.get(KIND) != parent.kind:
                raise self._fail(
                    DriverProtocolError(
                        "forked driver: its %s kind differs from its parent's" % KIND
                    )
                )
        self.hello = parent.hello
        self.hello_message = parent.hello_message
        self._kinds = parent._kinds
        self._set_indices(parent._indices)

    def _set_indices(self, indices: Tuple[int, ...]) -> None:
        self._indices = indices
        self._pick = operator.itemgetter(*indices)
        kind = self._kinds[KIND]
        self._feature_types = kind.feature_types
        self._choices = len(kind.choices)

    def _first_query(
        self, deadline: Optional[float], expected_id: Optional[int] = None
    ) -> PendingChoice:
        while True:
            message = self._read(self._remaining(deadline), "the first query")
            if message["type"] == "query":
                return self._take_query(message, expected_id)
            self._other(message)

    # -- the per-step path --------------------------------------------------------

    def answer(self, choice: int, observe_suffix: bytes = b"") -> Optional[PendingChoice]:
        """Answers the pending query with ``choice`` and returns the next
        query (None after ``stop``, choice 0, which ends the driver).
        ``observe_suffix`` is ``b',"observe":[...]'`` or empty: the
        observations the next query carries."""
        query = self.query
        if query is None:
            raise DriverCrashed("%s: the connection is closed" % self.describe())
        payload = b'{"type":"answer","id":%d,"choice":%d%s}' % (query.id, choice, observe_suffix)
        self._send(_LENGTH.pack(len(payload)) + payload)
        if choice == 0:
            self.query = None
            return None
        timeout = self.timeout
        expected = query.id + 1
        while True:
            message = self._read(timeout, "the next query")
            if message["type"] == "query":
                return self._take_query(message, expected)
            self._other(message)

    def _take_query(self, message: Dict[str, Any], expected_id: Optional[int]) -> PendingChoice:
        # The common case in a few type tests (this runs every step); what
        # they do not accept goes through validate_query, which explains.
        try:
            query_id = message["id"]
            key = message["key"]
            default = message["default"]
            features = message["features"]
            fast = (
                type(query_id) is int
                and query_id == expected_id
                and message["kind"] == KIND
                and type(key) is str
                and type(default) is int
                and 0 <= default < self._choices
                and type(features) is list
                and list(map(type, features)) == self._feature_types
            )
        except (KeyError, TypeError):
            fast = False
        if fast:
            values = message.get("observations")
            errors = message.get("observation_errors")
            if (values is None or type(values) is dict) and errors is None:
                query = PendingChoice(
                    query_id, key, self._pick(features), {} if values is None else values, {}
                )
                self.query = query
                return query
        try:
            checked = validate_query(message, self._kinds)
        except ProtocolError as error:
            raise self._fail(DriverProtocolError("%s: %s" % (self.describe(), error))) from None
        if expected_id is not None and checked.id != expected_id:
            raise self._fail(
                DriverProtocolError(
                    "%s: query %d arrived, expected query %d"
                    % (self.describe(), checked.id, expected_id)
                )
            )
        if "observations" in message or "observation_errors" in message:
            values, errors = _observation_members(message, "query %d" % checked.id)
        else:
            values, errors = {}, {}
        query = PendingChoice(
            checked.id,
            checked.key,
            self._pick(checked.features),
            values,
            errors,
        )
        self.query = query
        return query

    def _other(self, message: Dict[str, Any]) -> None:
        """A message that is not the one awaited: module events are noted,
        anything else ignored (later protocol versions may add messages)."""
        if message["type"] == "module":
            module = message.get("module")
            self.module = module if isinstance(module, str) else None

    # -- while a query is pending -----------------------------------------------------

    def observe(self, names: Sequence[str]) -> Tuple[Dict[str, Any], Dict[str, str]]:
        """Asks for observations of the module as the pending query sees it;
        returns (values, errors by name). The values are also kept on the
        query."""
        query = self.query
        if query is None:
            raise DriverCrashed("%s: the connection is closed" % self.describe())
        self._send(encode_frame({"type": "observe", "id": query.id, "observe": list(names)}))
        while True:
            message = self._read(self.timeout, "an observation reply")
            kind = message["type"]
            if kind == "observation" and message.get("id") == query.id:
                values, errors = _observation_members(message, "observation reply")
                query.observations.update(values)
                query.errors.update(errors)
                return values, errors
            if kind == "query":
                raise self._fail(
                    DriverProtocolError(
                        "%s: sent a query while query %d was pending" % (self.describe(), query.id)
                    )
                )
            self._other(message)

    def fork(self, workdir: str, timeout: Optional[float] = None) -> "DriverConnection":
        """Forks the driver process: returns the child's connection, whose
        pending query is this one's (same id, same module state). This
        connection and its query are unchanged.

        The child connects to a fresh socket in ``workdir`` (a private
        directory) and must present the token sent with the request."""
        query = self.query
        if query is None:
            raise DriverCrashed("%s: the connection is closed" % self.describe())
        if timeout is None:
            timeout = self.timeout
        token = secrets.token_hex(16)
        path = os.path.join(workdir, "fork-%d-%d.sock" % (os.getpid(), next_serial()))
        listener = listen(path)
        child: Optional[DriverConnection] = None
        pid = 0
        pidfd: Optional[int] = None
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            self._send(
                encode_frame({"type": "fork", "id": query.id, "endpoint": path, "token": token})
            )
            while True:
                message = self._read(self._remaining(deadline), "the fork reply")
                if message["type"] == "forked" and message.get("id") == query.id:
                    break
                if message["type"] == "query":
                    raise self._fail(
                        DriverProtocolError(
                            "%s: sent a query instead of the fork reply" % self.describe()
                        )
                    )
                self._other(message)
            if "error" in message:
                # The parent is unchanged and its query still pending.
                raise DriverError("%s: fork failed: %s" % (self.describe(), message["error"]))
            pid = message.get("pid")
            if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
                raise self._fail(
                    DriverProtocolError("%s: fork reply without a pid" % self.describe())
                )
            pidfd = open_pidfd(pid)

            def exited() -> Optional[str]:
                if process_gone(pid, pidfd):
                    tail = stderr_tail(self.stderr_path)
                    return "the forked driver (pid %d) exited before connecting%s" % (
                        pid,
                        ":\n" + tail if tail else "",
                    )
                return None

            sock = _accept_driver(listener, deadline, exited, "the forked driver to connect")
            peer = peer_pid(sock)
            if peer is not None and peer != pid:
                sock.close()
                raise DriverProtocolError(
                    "a process (pid %d) other than the forked driver (pid %d) connected"
                    % (peer, pid)
                )
            child = DriverConnection(
                sock, self.timeout, pid=pid, pidfd=pidfd, stderr_path=self.stderr_path
            )
            pidfd = None  # the child connection owns it now
            child._fork_handshake(deadline, token, pid, self)
            again = child._first_query(deadline, expected_id=query.id)
            if again.key != query.key or again.step != query.step:
                raise child._fail(
                    DriverProtocolError(
                        "the forked driver re-sent query %d as %r step %d, not %r step %d"
                        % (query.id, again.key, again.step, query.key, query.step)
                    )
                )
            child.module = self.module
            return child
        except BaseException:
            if child is not None:
                child.close(kill=True)
            elif pid > 0:
                kill_process(pid, pidfd)
            if pidfd is not None:
                os.close(pidfd)
            raise
        finally:
            listener.close()
            with contextlib.suppress(OSError):
                os.unlink(path)

    # -- closing ---------------------------------------------------------------------

    def stop(self) -> None:
        """Answers the pending query with ``stop``: the driver finishes its
        module (it sends a module-end) and exits. The connection stays open
        until :meth:`close`, so that the driver's last message finds it: a
        driver that loses its agent, or cannot send, says so on stderr."""
        query = self.query
        self.query = None
        if query is None or self._closed or os.getpid() != self._owner:
            return
        payload = b'{"type":"answer","id":%d,"choice":0}' % query.id
        with contextlib.suppress(OSError):
            self._sock.sendall(_LENGTH.pack(len(payload)) + payload)

    def close(self, kill: bool = False, linger: float = 0.0) -> None:
        """Ends the driver and closes the connection. Without ``kill`` it is
        asked to stop (:meth:`stop`) and, for up to ``linger`` seconds, given
        time to say goodbye; a root process is waited for (killed if it does
        not exit). ``kill``: SIGKILL it (an abandoned driver may be stuck in
        a pass and never read again)."""
        if self._closed:
            return
        if os.getpid() != self._owner:
            # A copy in a forked Python process: the drivers are the
            # original's to end.
            self._closed = True
            with contextlib.suppress(OSError):
                self._sock.close()
            return
        if not kill:
            self.stop()
            if self.process is not None:
                # Its module-end must find the socket open.
                self._wait_process(kill_after=True)
            elif linger > 0:
                self._drain(linger)
        self._closed = True
        self.query = None
        with contextlib.suppress(OSError):
            self._sock.close()
        if kill and self.pid is not None:
            if self.process is not None:
                with contextlib.suppress(OSError):
                    self.process.kill()
            else:
                kill_process(self.pid, self._pidfd)
                # Dead before the root forks again, which reaps it: else
                # it stays a zombie until the fork after that.
                wait_gone(self.pid, self._pidfd)
        if self.process is not None:
            self._wait_process(kill_after=True)
        if self._pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self._pidfd)
            self._pidfd = None

    def _wait_process(self, kill_after: bool) -> None:
        assert self.process is not None
        try:
            self.process.wait(EXIT_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            if not kill_after:
                return
            with contextlib.suppress(OSError):
                self.process.kill()
            with contextlib.suppress(Exception):
                self.process.wait(EXIT_GRACE_SECONDS)

    def _drain(self, seconds: float) -> None:
        """Reads and drops messages until the driver closes its end."""
        deadline = time.monotonic() + seconds
        with contextlib.suppress(OSError, ProtocolError, ValueError):
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._set_timeout(remaining)
                if self._frames.read() is None:
                    return

    # -- framing ------------------------------------------------------------------------

    def _fail(self, error: DriverError) -> DriverError:
        """Closes the connection (killing the process: it can no longer be
        trusted or reached) and returns ``error`` to raise."""
        self.close(kill=True)
        return error

    def _send(self, frame: bytes) -> None:
        try:
            self._sock.sendall(frame)
        except OSError as error:
            reason = "cannot send (%s)" % (error.strerror or error)
            raise self._fail(self._crashed(reason)) from None

    def _read(self, timeout: Optional[float], awaited: str) -> Dict[str, Any]:
        if self._closed:
            raise DriverCrashed("%s: the connection is closed" % self.describe())
        if timeout != self._socket_timeout:
            self._set_timeout(timeout)
        try:
            message = self._frames.read()
        except (socket.timeout, BlockingIOError):
            raise self._fail(
                DriverTimeout(
                    "%s: no reply (waiting for %s) within %g s; the driver is killed"
                    % (self.describe(), awaited, timeout)
                )
            ) from None
        except ProtocolError as error:
            raise self._fail(
                DriverProtocolError("%s: %s (waiting for %s)" % (self.describe(), error, awaited))
            ) from None
        except (OSError, ValueError) as error:
            raise self._fail(self._crashed("connection lost: %s" % error)) from None
        if message is None:
            raise self._fail(self._crashed("closed the connection (waiting for %s)" % awaited))
        return message

    def _set_timeout(self, timeout: Optional[float]) -> None:
        """How long one send or receive may block (None: forever)."""
        self._socket_timeout = timeout
        if timeout is None:
            seconds, micros = 0, 0  # SO_RCVTIMEO's "forever"
        else:
            # At least a microsecond: zero would mean forever.
            total = max(int(timeout * 1e6), 1)
            seconds, micros = divmod(total, 1000000)
        value = _TIMEVAL.pack(seconds, micros)
        try:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)
        except (OSError, AttributeError):
            # No kernel timeouts here: Python's (a poll before each call).
            self._sock.settimeout(timeout)

    def _crashed(self, what: str) -> DriverCrashed:
        text = "%s %s" % (self.describe(), what)
        if self.process is not None:
            with contextlib.suppress(Exception):
                status = self.process.wait(0.5)
                if status < 0:
                    text += "; killed by %s" % signal_name(-status)
                else:
                    text += "; exit status %d" % status
        elif self.pid is not None:
            # A forked driver is its root's child: its status is in /proc
            # until the root reaps it.
            wait_gone(self.pid, self._pidfd, 0.5)
            found = exit_status(self.pid, self._started)
            if found is not None:
                text += "; " + describe_status(found)
        tail = stderr_tail(self.stderr_path)
        if tail:
            text += "; its stderr ends with:\n" + tail
        return DriverCrashed(text)


def _accept_driver(
    listener: socket.socket,
    deadline: Optional[float],
    gone: Callable[[], Optional[str]],
    awaited: str,
) -> socket.socket:
    """:func:`~optgym.gym.process.accept`, its failures as DriverErrors."""
    try:
        return accept(listener, deadline, gone, awaited)
    except TimeoutError as error:
        raise DriverTimeout(str(error)) from None
    except ChildProcessError as error:
        raise DriverStartError(str(error)) from None
