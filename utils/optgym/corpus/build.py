"""Building one Debian source package into corpus units.

:func:`build_package` is a job for :func:`optgym.parallel.run_jobs` (a
worker process here or a Ray task elsewhere): it fetches the package's
source with the private apt configuration (:mod:`optgym.corpus.apt`,
Debian's patches applied), installs its build dependencies when it runs as
root, builds it with the packaging's own build (``dpkg-buildpackage -T
build-arch``: configure, make, CMake or Meson as the package does it) with
the compiler wrappers of :mod:`optgym.corpus.wrapper` first on ``PATH`` and
``OPTGYM_COLLECT`` set, and describes every collected unit: its bitcode,
content hash and features. It returns all of that (JSON-like, bitcode as
bytes), so the caller alone writes the store and the index, wherever the
job ran. A failure at any step is a result with a reason, never an
exception.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..toolchain import Toolchain
from .apt import AptError, PrivateApt
from .wrapper import ADDED_FLAGS, COMPILES_ENV, install_wrappers

__all__ = [
    "BUILD_TIMEOUT",
    "build_package",
    "canonical_hash",
    "failure_hint",
    "is_probe",
    "unit_features",
]

#: Seconds a package's build may take before it is stopped (one package).
BUILD_TIMEOUT = 3600.0
#: Below this share of its sources collected, a built package says why.
COVERAGE_TARGET = 0.9
#: Bytes of a build's log kept (its end: where failures are).
LOG_LIMIT = 4 << 20

_PROBE_PARTS = ("CMakeFiles/CMakeScratch", "CMakeFiles/CMakeTmp", "/CompilerIdC", "meson-private")


def is_probe(path: str) -> bool:
    """Whether a compiled file is a build system's probe of the compiler
    (autoconf's conftest.c, CMake's and Meson's try-compiles), not part of
    the package's code."""
    return os.path.basename(path).startswith("conftest") or any(p in path for p in _PROBE_PARTS)


def canonical_hash(ir_text: str) -> str:
    """sha256 of a module's textual IR without the lines that name its file,
    so that one source compiled in two places hashes the same."""
    lines = [
        line
        for line in ir_text.splitlines()
        if not line.startswith("; ModuleID = ") and not line.startswith("source_filename = ")
    ]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


_COUNT = re.compile(r"^\s+(TotalInsts|NumCallInst|NumInvokeInst|NumCallBrInst): (\d+)$", re.M)
_LOOP = re.compile(r":loop#\d+ loop-unroll: ", re.M)
_DEFINE = re.compile(r"^define ", re.M)


def unit_features(bitcode: Path, toolchain: Toolchain) -> Tuple[str, Dict[str, int]]:
    """(content hash, features) of a unit: IR instructions, defined
    functions, loops, calls. RuntimeError when opt cannot read it."""
    completed = subprocess.run(
        [
            toolchain.require("opt"),
            "-load-pass-plugin=" + toolchain.plugin(),
            "-passes=print<optgym-instcount>,function(print<optgym-loop-features>)",
            "-S",
            "-o",
            "-",
            str(bitcode),
        ],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=300,
    )
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr.strip().splitlines()[-1:] or ["opt failed"])
    counts = {name: int(value) for name, value in _COUNT.findall(completed.stderr)}
    features = {
        "instructions": counts.get("TotalInsts", 0),
        "functions": len(_DEFINE.findall(completed.stdout)),
        "loops": len(_LOOP.findall(completed.stderr)),
        "calls": sum(counts.get(n, 0) for n in ("NumCallInst", "NumInvokeInst", "NumCallBrInst")),
    }
    return canonical_hash(completed.stdout), features


_DROPPED_WITH_VALUE = {"-o", "-MF", "-MT", "-MQ"}
_DROPPED = {"-c", "-MD", "-MMD", "-MP"}


def build_flags(argv: List[str], source: str) -> List[str]:
    """The flags a unit was compiled with, as the build gave them: without
    the compiler, input, output, dependency-file options and what the
    wrapper added."""
    flags: List[str] = []
    skip = False
    for arg in argv[1:]:
        if skip:
            skip = False
        elif arg in _DROPPED_WITH_VALUE:
            skip = True
        elif arg in _DROPPED or arg == source or arg.startswith("-fpass-plugin="):
            continue
        elif arg in ADDED_FLAGS:
            continue
        else:
            flags.append(arg)
    return flags


def copyright_license(text: str) -> str:
    """The license of a package's main files, from its debian/copyright
    (the ``Files: *`` paragraph of the machine-readable format, else the
    first License field); '' when it names none."""
    first = ""
    for paragraph in re.split(r"\n\s*\n", text):
        files = re.search(r"^Files:\s*(.*)$", paragraph, re.M)
        license = re.search(r"^License:\s*(\S.*)$", paragraph, re.M)
        if license and not first:
            first = license.group(1).strip()
        if files and license and files.group(1).split()[:1] == ["*"]:
            return license.group(1).strip()
    return first


def _run_logged(
    argv: List[str], cwd: Path, env: Dict[str, str], log: Any, timeout: float
) -> Optional[str]:
    """Runs a build command into the log; None when it succeeded, else why not."""
    log.write("\n$ %s\n" % " ".join(argv))
    log.flush()
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        status = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return "the build took longer than %d s" % timeout
    except BaseException:
        # Ctrl-C or a killed job: the build runs in a session of its own,
        # so nothing else would stop it.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    return None if status == 0 else "`%s` failed with exit status %d" % (argv[0], status)


def _log_tail(path: Path) -> str:
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - LOG_LIMIT))
        return handle.read().decode("utf-8", "replace")


#: Verdicts that say why a build failed wherever they are in its log: the
#: configure script's, CMake's, Meson's.
_VERDICT_PATTERNS = (
    r"^configure: error: .*",
    r"^CMake Error.*",
    r"^meson\.build:\d+:\d+: ERROR: .*",
)
#: Errors, most telling first: the linker's, a compiler's, any tool's. A
#: compiler error the wrappers then got past (a lenient retry, GCC) is no
#: reason, so the one that counts is the last before make stopped.
_ERROR_PATTERNS = (
    r"^.*(?:: undefined reference to |can not be used when making |cannot find -l).*",
    r"^(?!conftest)\S+:\d+:\d+: (?:fatal )?error: .*",
    r"^(?!dpkg-buildpackage|dh_|make)(?:\S+: )?error: .*",
)
#: Where make stopped, and what it said when no error says more.
_MAKE_STOPPED = r"^make(?:\[\d+\])?: \*\*\* .*"
_MAKE_PATTERNS = (r"No rule to make target .*", _MAKE_STOPPED)


def failure_hint(log_text: str) -> str:
    """The line of a failed build's log most likely to say why: a
    configure/CMake/Meson verdict, else the last error of the most telling
    kind before make stopped, else where make stopped."""
    for pattern in _VERDICT_PATTERNS:
        match = re.search(pattern, log_text, re.M)
        if match:
            return match.group(0).strip()[:300]
    stop = re.search(_MAKE_STOPPED, log_text, re.M)
    before_stop = log_text[: stop.start()] if stop else log_text
    for pattern in _ERROR_PATTERNS:
        matches = re.findall(pattern, before_stop, re.M)
        if matches:
            return matches[-1].strip()[:300]
    for pattern in _MAKE_PATTERNS:
        match = re.search(pattern, log_text, re.M)
        if match:
            return match.group(0).strip()[:300]
    return ""


def _unpacked_source(directory: Path) -> Path:
    dirs = [p for p in directory.iterdir() if p.is_dir()]
    if len(dirs) != 1:
        raise RuntimeError("expected one unpacked source directory, found %d" % len(dirs))
    return dirs[0]


def _version(source: Path) -> str:
    completed = subprocess.run(
        ["dpkg-parsechangelog", "-S", "Version"], cwd=source, capture_output=True, text=True
    )
    return completed.stdout.strip()


def _install_build_dependencies(apt: PrivateApt, source: Path, log: Any) -> Optional[str]:
    """Installs what the package needs to build (as root), or says what is
    missing (otherwise); None when the build can go on."""
    if os.geteuid() == 0:
        try:
            with apt.locked("dpkg.lock"):
                apt.run(
                    ["apt-get", "-q", "-y", "--no-install-recommends", "-P", "nocheck,nodoc"]
                    + ["build-dep", "--arch-only", str(source)],
                    log=log,
                )
        except AptError as error:
            return "cannot install its build dependencies: %s" % error
        return None
    completed = subprocess.run(
        ["dpkg-checkbuilddeps", "-B", "-P", "nocheck,nodoc"],
        cwd=source,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        return (
            "missing build dependencies (not root, so not installed): %s"
            % (completed.stderr.strip().splitlines()[-1:] or [""])[0]
        )
    return None


@dataclass
class CompileLog:
    """What the wrappers logged (:data:`~optgym.corpus.wrapper.COMPILES_ENV`),
    probes left out: per (cwd, source), the status of its last compile and
    the build's command line."""

    status: Dict[Tuple[str, str], str] = field(default_factory=dict)
    argv: Dict[Tuple[str, str], List[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> "CompileLog":
        log = cls()
        if not path.exists():
            return log
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split("\t", 3)
            if len(parts) != 4:
                continue
            status, cwd, source, command = parts
            if is_probe(os.path.normpath(os.path.join(cwd, source))):
                continue
            log.status[(cwd, source)] = status
            log.argv[(cwd, source)] = command.split("\x1f")[:-1]
        return log

    def counts(self, units: List[Dict[str, Any]]) -> Tuple[int, int, int]:
        """(sources compiled, of them by GCC after clang failed, of them
        with a unit collected): a source compiled twice (static and shared)
        counts once."""
        collected = {(unit["cwd"], unit["compiled_as"]) for unit in units}
        return (
            len(self.status),
            sum(1 for status in self.status.values() if status == "fallback"),
            sum(1 for key in self.status if key in collected),
        )


def _collected_units(
    units_dir: Path, source_root: Path, compiles: CompileLog, toolchain: Toolchain, log: Any
) -> List[Dict[str, Any]]:
    units: List[Dict[str, Any]] = []
    for description_path in sorted(units_dir.glob("*.json")):
        try:
            description = json.loads(description_path.read_text(encoding="utf-8"))
            bitcode_path = units_dir / description["bitcode"]
        except (OSError, ValueError, KeyError) as error:
            log.write("optgym: skipped unit %s: %s\n" % (description_path.name, error))
            continue
        cwd, source = description.get("cwd", ""), description.get("source", "")
        full = os.path.normpath(os.path.join(cwd, source))
        if is_probe(full):
            continue
        try:
            content_hash, features = unit_features(bitcode_path, toolchain)
            bitcode = bitcode_path.read_bytes()
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
            log.write("optgym: skipped unit %s: %s\n" % (full, error))
            continue
        relative = os.path.relpath(full, source_root)
        if relative.startswith(".."):
            relative = "external/" + os.path.basename(full)
        units.append(
            {
                "hash": content_hash,
                "source": relative,
                "cwd": cwd,
                "compiled_as": source,
                "bitcode": bitcode,
                # The build's command line: the unit's own is cc1's when one
                # command compiled several sources.
                "flags": build_flags(
                    compiles.argv.get((cwd, source)) or description.get("argv") or [], source
                ),
                **features,
            }
        )
    return units


def _coverage_reason(result: Dict[str, Any]) -> str:
    """Why a built package's units were not all collected."""
    missing = result["compiles"] - result["covered"]
    return "%d of %d sources not collected: %d compiled by GCC after clang refused them%s" % (
        missing,
        result["compiles"],
        result["fallbacks"],
        ", the others compiled without the plugin collecting (see the log)"
        if missing > result["fallbacks"]
        else "",
    )


def _build_environment(work: Path, make_jobs: int) -> Dict[str, str]:
    """The build's environment: the wrappers first on PATH, collection on,
    Debian's tests and docs off, no OptGym oracle or compiler choice of the
    caller's leaking in (the corpus is collected with LLVM's own decisions)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OPTGYM_") and k not in ("CC", "CXX", "CFLAGS", "CXXFLAGS", "MAKEFLAGS")
    }
    env.update(
        PATH="%s:%s" % (work / "bin", os.environ.get("PATH", "/usr/bin:/bin")),
        HOME=str(work / "home"),
        LC_ALL="C.UTF-8",
        # GNU packages refuse to configure as root without it.
        FORCE_UNSAFE_CONFIGURE="1",
        OPTGYM_COLLECT=str(work / "units"),
        DEB_BUILD_OPTIONS="nocheck nodoc noautodbgsym parallel=%d" % max(1, make_jobs),
        DEB_BUILD_PROFILES="nocheck nodoc",
    )
    env[COMPILES_ENV] = str(work / "compiles.tsv")
    return env


def build_package(
    package: str,
    work_dir: str,
    apt_dir: str,
    make_jobs: int = 1,
    timeout: float = BUILD_TIMEOUT,
    keep_work: bool = False,
) -> Dict[str, Any]:
    """Fetches, builds and collects one source package (``NAME`` or
    ``NAME=VERSION``) in ``work_dir``/NAME; see the module's documentation.

    The result: package, version, status (``built`` or ``failed``),
    reason, seconds, compiles, fallbacks, units, license, copyright, log."""
    start = time.monotonic()
    name = package.split("=", 1)[0]
    work = Path(work_dir) / name
    shutil.rmtree(work, ignore_errors=True)
    for sub in ("src", "units", "bin", "home"):
        (work / sub).mkdir(parents=True)
    log_path = work / "build.log"
    result: Dict[str, Any] = {
        "package": name,
        "version": "",
        "status": "failed",
        "reason": "",
        "compiles": 0,
        "fallbacks": 0,
        "covered": 0,
        "units": [],
        "license": "",
        "copyright": "",
    }
    toolchain = Toolchain.default()
    apt = PrivateApt(Path(apt_dir))
    with open(log_path, "w", encoding="utf-8", errors="replace") as log:
        try:
            # On a Ray node other than the caller's, the lists are fetched
            # here; where they are fresh this only compares the sources.
            apt.setup()
            apt.fetch_source(package, work / "src", log=log)
            source = _unpacked_source(work / "src")
            result["version"] = _version(source)
            copyright_path = source / "debian" / "copyright"
            if copyright_path.is_file():
                result["copyright"] = copyright_path.read_text(encoding="utf-8", errors="replace")
                result["license"] = copyright_license(result["copyright"])
            reason = _install_build_dependencies(apt, source, log)
            if reason is None:
                install_wrappers(work / "bin", toolchain.require("clang"), toolchain.plugin())
                reason = _run_logged(
                    ["dpkg-buildpackage", "--no-sign", "-d", "-T", "build-arch"],
                    source,
                    _build_environment(work, make_jobs),
                    log,
                    timeout,
                )
                compiles = CompileLog.read(work / "compiles.tsv")
                result["units"] = _collected_units(work / "units", source, compiles, toolchain, log)
                counts = compiles.counts(result["units"])
                result["compiles"], result["fallbacks"], result["covered"] = counts
                if reason is not None:
                    hint = failure_hint(_log_tail(log_path))
                    reason += ": " + hint if hint else ""
                elif result["covered"] < COVERAGE_TARGET * result["compiles"]:
                    result["reason"] = _coverage_reason(result)
            result["reason"] = reason or result["reason"]
            result["status"] = "built" if reason is None else "failed"
        except (AptError, RuntimeError, OSError) as error:
            result["reason"] = str(error)
            log.write("optgym: %s\n" % error)
        log.write(
            "\noptgym: %s in %.0f s: %s\n"
            % (result["status"], time.monotonic() - start, result["reason"])
        )
    result["seconds"] = round(time.monotonic() - start, 1)
    result["log"] = _log_tail(log_path)
    if not keep_work:
        shutil.rmtree(work, ignore_errors=True)
    return result
