"""The LLVM tools (and csmith) that benchmarks are built, measured and run with.

The LLVM major is ``$OPTGYM_LLVM_VERSION``; unset, the major the plugin named
by ``$OPTGYM_PLUGIN`` was built for (so that a build of LLVM 22's plugin
drives LLVM 22's clang); otherwise 19. The tools are Debian's:
``/usr/lib/llvm-V/bin/{clang,opt,llvm-link,llvm-as,llvm-dis,llvm-stress,llvm-size}``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Union

from .errors import BuildError, ToolchainError
from .plugin import PLUGIN_ENV, find_plugin, plugin_llvm_major

__all__ = [
    "LLVM_VERSION_ENV",
    "DEFAULT_LLVM_VERSION",
    "Toolchain",
    "RunResult",
    "run_program",
    "resolve_llvm_version",
    "plugin_llvm_major",
    "tool_environment",
]

#: The environment variable that picks the LLVM major.
LLVM_VERSION_ENV = "OPTGYM_LLVM_VERSION"
DEFAULT_LLVM_VERSION = "19"

# How much of a failing tool's stderr an error message carries.
_STDERR_LINES = 12


def resolve_llvm_version() -> str:
    """The LLVM major to use: $OPTGYM_LLVM_VERSION, else the one the plugin
    (``$OPTGYM_PLUGIN``, else the installed one) was built for, else 19."""
    explicit = os.environ.get(LLVM_VERSION_ENV, "").strip()
    if explicit:
        return explicit
    try:
        plugin = find_plugin()
    except FileNotFoundError:
        return DEFAULT_LLVM_VERSION
    return plugin_llvm_major(plugin) or DEFAULT_LLVM_VERSION


def _tail(text: str, lines: int = _STDERR_LINES) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()]
    if len(kept) > lines:
        kept = kept[:lines] + ["... (%d more lines)" % (len(kept) - lines)]
    return "\n".join(kept)


@dataclass
class RunResult:
    """One run of a program.

    Attributes:
        stdout: what it printed (bytes).
        returncode: its exit status; negative: killed by that signal.
        timed_out: it was killed after the timeout (returncode is then
            meaningless).
        walltime: seconds from start to exit (or to the kill).
    """

    stdout: bytes
    returncode: int
    timed_out: bool
    walltime: float
    stderr: bytes = b""

    @property
    def signal(self) -> Optional[int]:
        """The signal that killed it, or None."""
        if self.timed_out or self.returncode >= 0:
            return None
        return -self.returncode

    def describe(self) -> str:
        """``exit 0``, ``killed by SIGSEGV`` or ``timed out``."""
        if self.timed_out:
            return "timed out"
        if self.returncode < 0:
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = "signal %d" % -self.returncode
            return "killed by %s" % name
        return "exit %d" % self.returncode


def run_program(
    argv: Sequence[str],
    timeout: Optional[float],
    cwd: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    program_name: Optional[str] = None,
) -> RunResult:
    """Runs ``argv`` with no input, capturing stdout and stderr; past
    ``timeout`` seconds its whole process group is killed. ``program_name``,
    when given, is what the program sees as its argv[0] in place of the path
    it runs from."""
    start = time.monotonic()
    args = list(argv)
    executable = None
    if program_name is not None:
        executable, args[0] = args[0], program_name
    process = subprocess.Popen(
        args,
        executable=executable,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=None if env is None else dict(env),
        start_new_session=True,
    )
    timed_out = False
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            process.kill()
        stdout, stderr = process.communicate()
    walltime = time.monotonic() - start
    return RunResult(
        stdout=stdout or b"",
        returncode=process.returncode,
        timed_out=timed_out,
        walltime=walltime,
        stderr=stderr or b"",
    )


class Toolchain:
    """Where the tools are, and how to run them with clear errors.

    Args:
        llvm_version: the LLVM major (default: :func:`resolve_llvm_version`).
        bin_dir: the directory of clang, opt, ... (default
            ``/usr/lib/llvm-V/bin``).
        plugin: OptGym.so (default: ``find_plugin(llvm_version)``, which
            honours ``$OPTGYM_PLUGIN``).
        csmith: the csmith executable (default: ``csmith`` on PATH, else
            ``/usr/bin/csmith``).
        csmith_include: csmith's headers (default ``/usr/include/csmith``).
    """

    def __init__(
        self,
        llvm_version: Optional[Union[int, str]] = None,
        bin_dir: Optional[str] = None,
        plugin: Optional[str] = None,
        csmith: Optional[str] = None,
        csmith_include: Optional[str] = None,
    ) -> None:
        self.llvm_version = str(llvm_version) if llvm_version else resolve_llvm_version()
        self.bin_dir = bin_dir or "/usr/lib/llvm-%s/bin" % self.llvm_version
        self._plugin = plugin
        self.csmith = csmith or shutil.which("csmith") or "/usr/bin/csmith"
        self.csmith_include = csmith_include or "/usr/include/csmith"
        self._clang_version: Optional[str] = None
        self._csmith_version: Optional[str] = None

    _default: Optional["Toolchain"] = None
    _default_for: Optional[tuple] = None

    @classmethod
    def default(cls) -> "Toolchain":
        """The toolchain the environment selects (one per environment)."""
        selector = (os.environ.get(LLVM_VERSION_ENV), os.environ.get(PLUGIN_ENV))
        if cls._default is None or cls._default_for != selector:
            cls._default = cls()
            cls._default_for = selector
        return cls._default

    def __repr__(self) -> str:
        return "Toolchain(llvm_version=%r, bin_dir=%r)" % (self.llvm_version, self.bin_dir)

    # -- tools ------------------------------------------------------------------

    def path(self, tool: str) -> str:
        """The path of an LLVM tool (``clang``, ``opt``, ...)."""
        return os.path.join(self.bin_dir, tool)

    def require(self, tool: str, uri: Optional[str] = None) -> str:
        """The path of an LLVM tool; ToolchainError naming it (and the
        benchmark) when it is not there."""
        path = self.path(tool)
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise ToolchainError(
                "cannot build: %s not found (LLVM %s is not installed; run utils/setup.sh, "
                "or pick another major with %s)" % (path, self.llvm_version, LLVM_VERSION_ENV),
                uri,
            )
        return path

    def require_csmith(self, uri: Optional[str] = None) -> str:
        path = self.csmith
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise ToolchainError(
                "cannot generate: %s not found (install Debian's csmith and libcsmith-dev: "
                "run utils/setup.sh)" % path,
                uri,
            )
        if not os.path.isfile(os.path.join(self.csmith_include, "csmith.h")):
            raise ToolchainError(
                "cannot generate: %s/csmith.h not found (install libcsmith-dev: run "
                "utils/setup.sh)" % self.csmith_include,
                uri,
            )
        return path

    def plugin(self, uri: Optional[str] = None) -> str:
        """OptGym.so for this LLVM major; ToolchainError when there is none."""
        if self._plugin is None:
            try:
                self._plugin = find_plugin(self.llvm_version)
            except FileNotFoundError as error:
                raise ToolchainError("cannot build with an oracle: %s" % error, uri) from None
        if not os.path.isfile(self._plugin):
            raise ToolchainError(
                "cannot build with an oracle: plugin %s: no such file" % self._plugin, uri
            )
        # A plugin loaded into another LLVM crashes it; say so instead.
        major = plugin_llvm_major(self._plugin)
        if major is not None and major != self.llvm_version:
            raise ToolchainError(
                "cannot build with an oracle: %s is built for LLVM %s, the toolchain is LLVM %s "
                "(set %s=%s, or %s to a plugin for LLVM %s)"
                % (
                    self._plugin,
                    major,
                    self.llvm_version,
                    LLVM_VERSION_ENV,
                    major,
                    PLUGIN_ENV,
                    self.llvm_version,
                ),
                uri,
            )
        return self._plugin

    def clang_version(self, uri: Optional[str] = None) -> str:
        """The first line of ``clang --version`` (part of every cache key)."""
        if self._clang_version is None:
            clang = self.require("clang", uri)
            completed = subprocess.run(
                [clang, "--version"], capture_output=True, text=True, errors="replace"
            )
            if completed.returncode != 0 or not completed.stdout.strip():
                raise ToolchainError(
                    "cannot build: %s --version failed: %s" % (clang, _tail(completed.stderr)), uri
                )
            self._clang_version = completed.stdout.strip().splitlines()[0]
        return self._clang_version

    def csmith_version(self, uri: Optional[str] = None) -> str:
        """csmith's ``--version`` output (part of generated programs' keys)."""
        if self._csmith_version is None:
            csmith = self.require_csmith(uri)
            # csmith writes platform.info into its working directory.
            with tempfile.TemporaryDirectory(prefix="optgym-csmith-") as scratch:
                completed = subprocess.run(
                    [csmith, "--version"],
                    capture_output=True,
                    text=True,
                    errors="replace",
                    cwd=scratch,
                )
            self._csmith_version = " ".join(completed.stdout.split())
        return self._csmith_version

    # -- running tools ------------------------------------------------------------

    def check(
        self,
        argv: List[str],
        uri: Optional[str],
        what: str,
        stage: str,
        env: Optional[Dict[str, str]] = None,
        timeout: Optional[float] = None,
        stdout_path: Optional[str] = None,
        cwd: Optional[str] = None,
    ) -> "subprocess.CompletedProcess[bytes]":
        """Runs a tool; BuildError(stage) saying ``what`` failed, with the
        tool's stderr, when it exits non-zero, is killed or times out.
        ``env`` is the tool's whole environment (default: this process's);
        ``stdout_path`` receives the tool's stdout instead of a pipe; ``cwd``
        is the directory to run it in."""
        full_env = dict(env) if env is not None else None
        sink = None
        try:
            if stdout_path is not None:
                sink = open(stdout_path, "wb")
            completed = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=sink if sink is not None else subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=full_env,
                timeout=timeout,
                cwd=cwd,
            )
        except subprocess.TimeoutExpired:
            raise BuildError(
                "%s: timed out after %g s: %s" % (what, timeout, " ".join(argv)),
                uri,
                stage=stage,
                command=argv,
            ) from None
        except OSError as error:
            raise ToolchainError("%s: cannot run %s: %s" % (what, argv[0], error), uri) from None
        finally:
            if sink is not None:
                sink.close()
        if completed.returncode != 0:
            stderr = completed.stderr.decode("utf-8", "replace")
            if completed.returncode < 0:
                status = "killed by signal %d" % -completed.returncode
            else:
                status = "exit %d" % completed.returncode
            detail = _tail(stderr)
            raise BuildError(
                "%s failed (%s)%s" % (what, status, ":\n" + detail if detail else ""),
                uri,
                stage=stage,
                command=argv,
                output=detail,
            )
        return completed


def clang_level(level: Union[str, int]) -> str:
    """``-O2`` for ``"O2"``, ``"-O2"``, ``"2"`` or ``2``; ValueError for
    anything but 0, 1, 2, 3, s, z."""
    text = str(level).strip()
    if text.startswith("-"):
        text = text[1:]
    if text.startswith("O"):
        text = text[1:]
    if text not in ("0", "1", "2", "3", "s", "z"):
        raise ValueError("optimization level %r: expected one of O0 O1 O2 O3 Os Oz" % (level,))
    return "-O" + text


def is_executable(path: Union[str, Path]) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def tool_environment(keep_optgym: bool = False, keep_plugin: bool = True) -> Dict[str, str]:
    """The environment for our own tool runs: without CCC_OVERRIDE_OPTIONS
    (a surrounding ``optgym run-build`` must not load the plugin into cached
    builds) and, unless ``keep_optgym``, without OPTGYM_* settings but
    OPTGYM_PLUGIN (unless not ``keep_plugin``: a build that names the
    plugin in its flags, whose command is printed to be rerun)."""
    environment = dict(os.environ)
    environment.pop("CCC_OVERRIDE_OPTIONS", None)
    if not keep_optgym:
        for name in list(environment):
            if name.startswith("OPTGYM_") and (name != PLUGIN_ENV or not keep_plugin):
                del environment[name]
    return environment
