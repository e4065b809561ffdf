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
    "accept",
    "kill_process",
    "listen",
    "next_serial",
    "open_pidfd",
    "fixed_address_space",
    "parent_death_signal",
    "peer_pid",
    "private_directory",
    "remove_orphans",
    "process_gone",
    "signal_name",
    "stderr_tail",
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
    """The last lines of a driver's stderr, for error messages."""
    if not path:
        return ""
    try:
        with open(path, "rb") as stream:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            stream.seek(max(0, size - limit))
            text = stream.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-8:])


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


class DriverLauncher:
    """How to start a root driver process on a bitcode file.

    ``argv(bitcode)`` is ``command + [bitcode]``. The environment the process
    gets is this process's without OPTGYM_* settings (as every optgym tool
    run) but ``OPTGYM_PLUGIN`` and ``OPTGYM_MAX_PASSES``, plus ``env``, plus
    what the driver needs: ``OPTGYM_ORACLE``, ``OPTGYM_AGENT_TIMEOUT_MS=0``
    and ``OPTGYM_DECISIONS=pass-choice``.

    Args:
        command: the driver command without the bitcode.
        files: files whose content identifies the driver (the plugin, opt):
            part of :attr:`identity`, which keys the on-disk baselines.
        env: extra environment variables.
    """

    def __init__(
        self,
        command: Sequence[str],
        files: Sequence[str] = (),
        env: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.command = [str(part) for part in command]
        self.files = [str(path) for path in files]
        self.env = dict(env or {})

    @classmethod
    def for_plugin(cls, plugin: Optional[str] = None, toolchain: Any = None) -> "DriverLauncher":
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
