"""The driver's processes and sockets.

How a root driver process is started (:class:`DriverLauncher`: opt with the
plugin, the environment it gets), the private directory its socket lives
in, accepting its connection while watching that it is still alive, and
killing a driver that is not our child (a forked episode) without ever
hitting a process that reused its pid. :mod:`optgym.gym.driver` speaks the
protocol over the connections these make.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import stat
import struct
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ..cache import file_sha256
from ..toolchain import Toolchain, tool_environment

__all__ = [
    "KIND",
    "DriverLauncher",
    "EXIT_GRACE_SECONDS",
    "MEMORY_LIMIT_VARIABLE",
    "accept",
    "describe_status",
    "exit_status",
    "kill_process",
    "listen",
    "memory_limit_from_environment",
    "next_serial",
    "open_pidfd",
    "fixed_address_space",
    "parent_death_signal",
    "parse_memory_limit",
    "peer_pid",
    "private_directory",
    "start_time",
    "remove_orphans",
    "process_gone",
    "signal_name",
    "stderr_tail",
    "wait_gone",
]

#: The decision kind a driver asks.
KIND = "pass-choice"
# SO_PEERCRED's struct ucred: pid, uid, gid.
_UCRED = struct.Struct("3i")
# How often a wait for a connection checks that the process is still alive.
_POLL_SECONDS = 0.05
#: How long closing waits for a root process to exit after its EOF.
EXIT_GRACE_SECONDS = 5.0
# The caller's OPTGYM_* settings a driver gets.
_PASSED_SETTINGS = ("OPTGYM_MAX_PASSES",)
#: The environment variable of the drivers' default memory limit.
MEMORY_LIMIT_VARIABLE = "OPTGYM_MEMORY_LIMIT"
# How long killing a driver that is not our child waits for it to die, so
# that its root reaps it at the next fork instead of keeping a zombie.
_KILL_WAIT_SECONDS = 1.0
# A line of LLVM's stack dump ("12 libLLVM.so.19.1 0x00007f... name + 14")
# and the banner around it: none says why the driver died, and 40 of them
# pushed "LLVM ERROR: out of memory" out of the tail.
_STACK_FRAME = re.compile(rb"^\s*#?\d+\s+\S+\s+0x[0-9a-fA-F]+(\s|$)")
_STACK_BANNERS = (b"PLEASE submit a bug report", b"Stack dump:", b"Stack dump without symbol")
# AF_UNIX paths are limited to 107 bytes; a longer temporary directory is
# replaced by /tmp.
_MAX_SOCKET_DIR = 80


def private_directory(prefix: str = "optgym-gym-") -> str:
    """A fresh directory only this user can enter (mode 0700), short enough
    to hold Unix socket paths, named after this process (PREFIX + PID-...).
    Directories of the same prefix whose process is gone (killed before it
    could clean up: a Ray worker, a SIGKILL) are removed first."""
    parent = tempfile.gettempdir()
    if len(parent) > _MAX_SOCKET_DIR:
        parent = "/tmp"
    remove_orphans(parent, prefix)
    path = tempfile.mkdtemp(prefix="%s%d-" % (prefix, os.getpid()), dir=parent)
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode != 0o700:
        os.rmdir(path)
        raise PermissionError("%s has mode %o, not 0700" % (path, mode))
    return path


def remove_orphans(parent: str, prefix: str) -> None:
    """Removes this user's PREFIX+PID-* directories under ``parent`` whose
    process no longer exists."""
    try:
        entries = os.listdir(parent)
    except OSError:
        return
    for name in entries:
        if not name.startswith(prefix):
            continue
        pid_text = name[len(prefix) :].split("-", 1)[0]
        if not pid_text.isdigit() or not process_gone(int(pid_text), None):
            continue
        path = os.path.join(parent, name)
        try:
            if os.lstat(path).st_uid != os.getuid():
                continue
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)


def listen(path: str) -> socket.socket:
    """A listening Unix socket at ``path`` (mode 0600, in a 0700 directory)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(path)
        os.chmod(path, 0o600)
        listener.listen(4)
    except BaseException:
        listener.close()
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    return listener


def stderr_tail(path: Optional[str], limit: int = 2000) -> str:
    """The last lines of a driver's stderr that say something, for error
    messages: LLVM's stack dumps (frame lines and their banners) are left
    out, so that the cause (``LLVM ERROR: out of memory``, an assertion,
    the pass that was running) survives. At most 8 lines and ``limit``
    characters."""
    if not path:
        return ""
    try:
        with open(path, "rb") as stream:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            # A stack dump is ~40 lines of ~100 bytes: read well past it.
            stream.seek(max(0, size - 32 * limit))
            data = stream.read()
    except OSError:
        return ""
    lines = [
        line
        for line in data.strip().splitlines()
        if line.strip()
        and not _STACK_FRAME.match(line)
        and not line.lstrip().startswith(_STACK_BANNERS)
    ]
    text = "\n".join(line.decode("utf-8", "replace") for line in lines[-8:])
    return text[-limit:]


_identities: Dict[Tuple[str, int, int], str] = {}


def file_identity(path: str) -> str:
    """sha256 of a file, memoized by (path, size, mtime)."""
    status = os.stat(path)
    key = (os.path.abspath(path), status.st_size, status.st_mtime_ns)
    found = _identities.get(key)
    if found is None:
        found = _identities[key] = file_sha256(path)
    return found


def open_pidfd(pid: int) -> Optional[int]:
    """A pidfd for ``pid`` (signals reach that process even if the pid is
    reused), or None where the kernel or Python has none."""
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        return opener(pid)
    except OSError:
        return None


# Names of sockets and files; next() on a count is atomic under the GIL.
_serial = itertools.count(1)


def next_serial() -> int:
    return next(_serial)


_setpriv: Optional[List[str]] = None


def parent_death_signal() -> List[str]:
    """A prefix that makes a root driver die with this process.

    A driver waiting for its agent exits when the agent's socket closes,
    however this process ends; one stuck before it connects (or in a pass)
    would not. ``setpriv --pdeathsig KILL`` (util-linux) has the kernel kill
    it when this process dies, even by SIGKILL. The signal follows the
    *thread* that started it: a root started by a thread that then exits
    dies, and the next reset starts it again. Forked episodes never carry
    it (fork clears it). Without setpriv there is no prefix."""
    global _setpriv
    if _setpriv is None:
        found = shutil.which("setpriv") if sys.platform.startswith("linux") else None
        _setpriv = [found, "--pdeathsig", "KILL", "--"] if found else []
    return _setpriv


_setarch: Optional[List[str]] = None


def fixed_address_space() -> List[str]:
    """A prefix that starts a driver without address space randomization.

    LLVM names values and orders some of its work by pointer (hash tables
    keyed by address), so the same actions on the same module gave IR that
    differed in value names between two driver processes (raytrace, 60
    random passes): the IR text, its hash and what validation compares
    then depended on the process. ``setarch -R`` (util-linux) turns
    randomization off for the driver (ADDR_NO_RANDOMIZE), which makes it the
    same in every process. Without setarch there is no prefix."""
    global _setarch
    if _setarch is None:
        found = shutil.which("setarch") if sys.platform.startswith("linux") else None
        _setarch = [found, "-R"] if found else []
    return _setarch


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "signal %d" % number


def accept(
    listener: socket.socket,
    deadline: Optional[float],
    gone: Callable[[], Optional[str]],
    awaited: str,
) -> socket.socket:
    """Accepts one connection, checking every _POLL_SECONDS that the
    process expected to connect is still there. TimeoutError past the
    deadline (``awaited`` says what was awaited); ChildProcessError with
    ``gone()``'s reason when the process is gone."""
    while True:
        wait = _POLL_SECONDS
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("timed out waiting for %s" % awaited)
            wait = min(wait, remaining)
        listener.settimeout(wait)
        try:
            sock, _ = listener.accept()
        except socket.timeout:
            reason = gone()
            if reason:
                raise ChildProcessError(reason) from None
            continue
        sock.settimeout(None)
        return sock


def peer_pid(sock: socket.socket) -> Optional[int]:
    """The pid of the process at the other end of a Unix socket (Linux's
    SO_PEERCRED), or None where it cannot be known."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    try:
        pid, uid, _ = _UCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, option, _UCRED.size))
    except OSError:
        return None
    if uid != os.getuid():
        return -1
    return pid


def process_gone(pid: int, pidfd: Optional[int]) -> bool:
    """Whether a process (not necessarily our child) has exited."""
    if pidfd is not None:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        return bool(poller.poll(0))
    try:
        with open("/proc/%d/stat" % pid, "rb") as stream:
            fields = stream.read().rsplit(b")", 1)[-1].split()
        return fields[0] in (b"Z", b"X")
    except OSError:
        return True


def kill_process(pid: int, pidfd: Optional[int]) -> None:
    """SIGKILLs a driver that is not our child: through its pidfd when there
    is one (never another process that reused the pid)."""
    sender = getattr(signal, "pidfd_send_signal", None)
    if pidfd is not None and sender is not None:
        with contextlib.suppress(OSError):
            sender(pidfd, signal.SIGKILL)
        return
    if not process_gone(pid, None):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def wait_gone(pid: int, pidfd: Optional[int], timeout: float = _KILL_WAIT_SECONDS) -> bool:
    """Waits up to ``timeout`` seconds for a process (not necessarily our
    child) to exit; whether it did."""
    if pidfd is not None:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        return bool(poller.poll(max(0, int(timeout * 1000))))
    deadline = time.monotonic() + timeout
    while not process_gone(pid, None):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)
    return True


def _stat_fields(pid: int) -> Optional[List[bytes]]:
    """/proc/PID/stat's fields from the state (field 3) on."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as stream:
            return stream.read().rsplit(b")", 1)[-1].split()
    except OSError:
        return None


def start_time(pid: int) -> Optional[int]:
    """When a process started (clock ticks since boot, /proc/PID/stat's
    field 22): with the pid, it names one process even after the pid is
    reused. None where /proc cannot tell."""
    fields = _stat_fields(pid)
    if fields is None or len(fields) < 20:
        return None
    return int(fields[19])


def exit_status(pid: int, started: Optional[int]) -> Optional[int]:
    """The wait status (as waitpid(2) gives it) of a process that exited
    and is not yet reaped, from /proc/PID/stat's field 52, for a process
    that is not our child (a forked episode, whose parent is its root).
    None unless the pid is still that process (same start time) and a
    zombie."""
    if started is None:
        return None
    fields = _stat_fields(pid)
    if fields is None or len(fields) < 50 or fields[0] != b"Z" or int(fields[19]) != started:
        return None
    return int(fields[49])


def describe_status(status: int) -> str:
    """``killed by SIGKILL`` or ``exit status 1``, for a wait status."""
    if os.WIFSIGNALED(status):
        return "killed by %s" % signal_name(os.WTERMSIG(status))
    if os.WIFEXITED(status):
        return "exit status %d" % os.WEXITSTATUS(status)
    return "wait status %d" % status


_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_memory_limit(value: Any, where: str = "memory_limit") -> Optional[int]:
    """A memory limit in bytes: a number, or a string with an optional
    K/M/G/T suffix (powers of 1024; ``"512M"``, ``"2G"``); None, ``""``,
    ``"0"``, ``0`` and ``"none"`` mean no limit. ValueError otherwise."""
    if value is None or value is False:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("%s: a number of bytes or a string like '2G', not %r" % (where, value))
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("", "none", "unlimited"):
            return None
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?", text)
        if match is None:
            raise ValueError("%s: %r is not a size such as 512M or 2G" % (where, value))
        number = float(match.group(1)) * _UNITS[match.group(2)]
    else:
        number = float(value)
    if number < 0 or number != number:
        raise ValueError("%s: %r is negative" % (where, value))
    return int(number) or None


def memory_limit_from_environment() -> Optional[int]:
    """$OPTGYM_MEMORY_LIMIT, parsed (:func:`parse_memory_limit`)."""
    return parse_memory_limit(os.environ.get(MEMORY_LIMIT_VARIABLE), MEMORY_LIMIT_VARIABLE)


_prlimit_path: Optional[str] = None


def _prlimit() -> str:
    """prlimit's path ("" where there is none)."""
    global _prlimit_path
    if _prlimit_path is None:
        found = shutil.which("prlimit") if sys.platform.startswith("linux") else None
        _prlimit_path = found or ""
    return _prlimit_path


class DriverLauncher:
    """How to start a root driver process on a bitcode file.

    ``argv(bitcode)`` is ``command + [bitcode]``. The environment the process
    gets is this process's without OPTGYM_* settings (as every optgym tool
    run) but ``OPTGYM_PLUGIN`` and ``OPTGYM_MAX_PASSES``, plus ``env``, plus
    what the driver needs: ``OPTGYM_ORACLE``, ``OPTGYM_AGENT_TIMEOUT_MS=0``
    and ``OPTGYM_DECISIONS=pass-choice``.

    Every driver process runs with core dumps off (a soft RLIMIT_CORE of 0:
    a driver that aborts, out of memory say, would write a core of its size
    into the work directory) and, with a ``memory_limit``, a soft
    RLIMIT_AS of that many bytes, which the episodes forked from a root
    inherit: an allocation past it fails, and LLVM aborts with ``LLVM
    ERROR: out of memory``. Both are set by ``prlimit`` (util-linux) before
    the driver is executed, or, without it, on the started process.

    Args:
        command: the driver command without the bitcode.
        files: files whose content identifies the driver (the plugin, opt):
            part of :attr:`identity`, which keys the on-disk baselines.
        env: extra environment variables.
        memory_limit: the address space (bytes, or a string such as
            ``"2G"``) each driver process may use; default
            ``$OPTGYM_MEMORY_LIMIT``, else none.
    """

    def __init__(
        self,
        command: Sequence[str],
        files: Sequence[str] = (),
        env: Optional[Mapping[str, str]] = None,
        memory_limit: Any = None,
    ) -> None:
        self.command = [str(part) for part in command]
        self.files = [str(path) for path in files]
        self.env = dict(env or {})
        self.memory_limit: Optional[int] = (
            parse_memory_limit(memory_limit)
            if memory_limit is not None
            else memory_limit_from_environment()
        )

    def limits(self) -> List[Tuple[int, int]]:
        """The (resource, soft limit) pairs a driver process gets."""
        limits = [(resource.RLIMIT_CORE, 0)]
        if self.memory_limit:
            limits.append((resource.RLIMIT_AS, self.memory_limit))
        return limits

    def limit_prefix(self) -> List[str]:
        """``prlimit --core=0: [--as=N:] --``: a prefix that sets
        :meth:`limits` before the driver runs; empty without prlimit (then
        :meth:`apply_limits` sets them on the started process)."""
        found = _prlimit()
        if not found:
            return []
        names = {resource.RLIMIT_CORE: "--core", resource.RLIMIT_AS: "--as"}
        return [found] + ["%s=%d:" % (names[kind], value) for kind, value in self.limits()] + ["--"]

    def apply_limits(self, pid: int) -> None:
        """Sets :meth:`limits` on a started driver when there is no prlimit
        to set them before it ran (a moment late, but before its first
        query)."""
        if _prlimit():
            return
        for kind, value in self.limits():
            with contextlib.suppress(OSError, ValueError):
                _, hard = resource.prlimit(pid, kind)
                if hard != resource.RLIM_INFINITY:
                    value = min(value, hard)
                resource.prlimit(pid, kind, (value, hard))

    @classmethod
    def for_plugin(
        cls, plugin: Optional[str] = None, toolchain: Any = None, memory_limit: Any = None
    ) -> "DriverLauncher":
        """``opt -load-pass-plugin=PLUGIN -passes=optgym-driver
        -disable-output``, with opt from the plugin's LLVM (the toolchain's;
        default :meth:`Toolchain.default <optgym.toolchain.Toolchain.default>`)
        and the plugin :func:`~optgym.find_plugin` finds."""
        toolchain = toolchain if toolchain is not None else Toolchain.default()
        opt = toolchain.require("opt")
        plugin = os.path.abspath(plugin) if plugin else toolchain.plugin()
        return cls(
            [opt, "-load-pass-plugin=" + plugin, "-passes=optgym-driver", "-disable-output"],
            files=[opt, plugin],
            memory_limit=memory_limit,
        )

    def __repr__(self) -> str:
        return "DriverLauncher(%r)" % (self.command,)

    @property
    def identity(self) -> str:
        """A hash of the command and of the content of :attr:`files`: equal
        identities run the same driver code."""
        digest = hashlib.sha256()
        for part in self.command:
            digest.update(part.encode("utf-8") + b"\0")
        self._hash_files(digest)
        return digest.hexdigest()

    def _hash_files(self, digest: Any) -> None:
        """Adds the content hash of each of :attr:`files` to ``digest``."""
        for path in self.files:
            try:
                digest.update(file_identity(path).encode("ascii") + b"\0")
            except OSError:
                digest.update(b"missing:" + path.encode("utf-8") + b"\0")

    @property
    def result_identity(self) -> str:
        """A hash of what decides the driver's results: the content of
        :attr:`files`, the command with those files' paths left out, and
        the settings the driver gets. Equal on every machine and checkout
        with the same opt and plugin, unlike :attr:`identity`."""
        digest = hashlib.sha256()
        self._hash_files(digest)
        for part in self.command:
            for path in self.files:
                part = part.replace(path, "FILE")
            digest.update(part.encode("utf-8") + b"\0")
        settings = {name: os.environ.get(name, "") for name in _PASSED_SETTINGS}
        settings.update(self.env)
        digest.update(json.dumps(settings, sort_keys=True).encode("utf-8"))
        return digest.hexdigest()

    def argv(self, bitcode: str) -> List[str]:
        return self.command + [bitcode]

    def environment(self, oracle: str) -> Dict[str, str]:
        environment = tool_environment()
        # The one setting of the caller's that the driver honours.
        for name in _PASSED_SETTINGS:
            if os.environ.get(name):
                environment[name] = os.environ[name]
        environment.update(self.env)
        environment["OPTGYM_ORACLE"] = oracle
        environment["OPTGYM_AGENT_TIMEOUT_MS"] = "0"
        environment["OPTGYM_DECISIONS"] = KIND
        return environment
