"""Building one variant of the program with its own build, in a directory of
its own, and finding what it made: the program, its sizes, and (for the
recording build) the decisions it recorded."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional

from ..benchmark_base import text_size
from ..errors import BenchmarkError
from ..jsonlines import JSONLinesError
from ..toolchain import Toolchain, tool_environment
from ..trace import read_trace
from .plan import BuildPlan, DeployError, Variant
from .results import VariantResult

__all__ = ["build_variant"]

# How many lines of a failed build's log an error shows.
_LOG_LINES = 15
# The environment settings of the user that reach the policy build; every
# other OPTGYM_* setting is dropped (the tool sets the oracle and the trace).
_PASSED_SETTINGS = ("OPTGYM_DECISIONS",)


def _is_elf_executable(path: Path) -> bool:
    try:
        if not path.is_file() or path.is_symlink() or not os.access(path, os.X_OK):
            return False
        with open(path, "rb") as stream:
            return stream.read(4) == b"\x7fELF"
    except OSError:
        return False


def _built_executables(directory: Path, since: float) -> List[Path]:
    """ELF executables under ``directory`` written at or after ``since``,
    leaving out shared libraries."""
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = [name for name in dirs if name != "CMakeFiles"]
        for name in files:
            path = Path(root) / name
            if ".so" in name or name.endswith((".o", ".a")):
                continue
            try:
                if path.stat().st_mtime < since - 1:
                    continue
            except OSError:
                continue
            if _is_elf_executable(path):
                found.append(path)
    return sorted(found)


def _pick_binary(directory: Path, since: float, target: Optional[str], program: Path) -> Path:
    if target:
        path = directory / target
        if not _is_elf_executable(path):
            raise DeployError("the build made no executable %s (in %s)" % (target, directory))
        return path
    candidates = _built_executables(directory, since)
    if len(candidates) == 1:
        return candidates[0]
    # Several: the one named after the program's directory (bzip2-1.0.8 ->
    # bzip2).
    stem = program.name.split("-")[0]
    named = [path for path in candidates if path.name in (program.name, stem)]
    if len(named) == 1:
        return named[0]
    if not candidates:
        raise DeployError("the build in %s made no executable; name it with --target" % directory)
    raise DeployError(
        "the build made several executables (%s); name the program with --target"
        % ", ".join(str(path.relative_to(directory)) for path in candidates)
    )


def _text_bytes(toolchain: Toolchain, binary: Path) -> int:
    try:
        return text_size(binary, toolchain)
    except BenchmarkError as error:
        problem = getattr(error, "output", "") or error.detail
        raise DeployError("llvm-size -A %s failed: %s" % (binary, problem.strip())) from None


def _count_decisions(trace: Path) -> Dict[str, List[int]]:
    """``{kind: [queries, departed]}`` of a trace: a query departed when
    the policy chose something else than LLVM's default. The trace of a
    parallel build may hold a line a compiler left unfinished: it is
    skipped with a warning, as the counts only show that the policy took
    effect."""
    counts: Dict[str, List[int]] = {}
    for decision in read_trace(trace, skip_damaged=True):
        entry = counts.setdefault(decision.kind, [0, 0])
        entry[0] += 1
        entry[1] += decision.departed
    return dict(sorted(counts.items()))


def _log_tail(log: Path) -> str:
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return "\n".join("  " + line for line in lines[-_LOG_LINES:])


def _flags(plan: BuildPlan, variant: Variant) -> str:
    flags = [variant.level] + plan.cflags
    if variant.policy:
        flags.append("-fpass-plugin=" + plan.plugin)
    return " ".join(shlex.quote(flag) for flag in flags)


def _commands(plan: BuildPlan, variant: Variant, directory: Path) -> List[List[str]]:
    clang = plan.toolchain.path("clang")
    flags = _flags(plan, variant)
    if plan.system == "make":
        command = ["make", "-j%d" % plan.jobs]
        if plan.always_make:
            # Objects left in the source tree must not stand in for ours.
            command.append("-B")
        command += [
            "CC=" + clang,
            "CXX=" + clang + "++",
            "CFLAGS=" + flags,
            "CXXFLAGS=" + flags,
        ]
        return [command + plan.make_args + plan.goals]
    configure = [
        "cmake",
        "-S",
        str(plan.program),
        "-B",
        str(directory),
        "-DCMAKE_C_COMPILER=" + clang,
        "-DCMAKE_CXX_COMPILER=" + clang + "++",
        "-DCMAKE_C_FLAGS=" + flags,
        "-DCMAKE_CXX_FLAGS=" + flags,
        # No build type: CMAKE_C_FLAGS is the whole optimization setting.
        "-DCMAKE_BUILD_TYPE=",
    ] + plan.cmake_args
    build = ["cmake", "--build", str(directory), "-j", str(plan.jobs)]
    for goal in plan.goals:
        build += ["--target", goal]
    return [configure, build]


def _environment(
    variant: Variant, trace: Optional[Path], decisions: Optional[str]
) -> Dict[str, str]:
    environment = tool_environment(keep_plugin=False)
    if variant.policy:
        for name in _PASSED_SETTINGS:
            if os.environ.get(name):
                environment[name] = os.environ[name]
        if decisions:
            environment["OPTGYM_DECISIONS"] = decisions
        environment["OPTGYM_ORACLE"] = "policy:" + variant.policy
        if trace is not None:
            environment["OPTGYM_RECORD"] = str(trace)
    return environment


def _shell_text(command: List[str], environment: Dict[str, str]) -> str:
    settings = [
        "%s=%s" % (name, shlex.quote(environment[name]))
        for name in sorted(environment)
        if name.startswith("OPTGYM_")
    ]
    return " ".join(settings + [shlex.quote(word) for word in command])


def build_variant(plan: BuildPlan, variant: Variant, decisions: Optional[str]) -> VariantResult:
    """Builds ``variant`` into ``plan.out/<its directory>`` (a copy of the
    program for make, a build tree for CMake), logging to
    ``<its directory>.build.log``; a recording variant records its
    decisions in ``<its directory>.trace.jsonl``. A failure is the
    result's ``error``."""
    directory = plan.out / variant.directory
    outcome = VariantResult(variant=variant, directory=directory)
    if directory.exists():
        shutil.rmtree(directory)
    if plan.system == "make":
        shutil.copytree(plan.program, directory, symlinks=True)
    else:
        directory.mkdir(parents=True)
    trace = None
    if variant.record:
        trace = plan.out / (variant.directory + ".trace.jsonl")
        if trace.exists():
            trace.unlink()
        outcome.trace = trace
    environment = _environment(variant, trace, decisions)
    log = plan.out / (variant.directory + ".build.log")
    started = time.time()
    start = time.monotonic()
    with open(log, "wb") as sink:
        for command in _commands(plan, variant, directory):
            outcome.command.append(_shell_text(command, environment))
            sink.write(("$ %s\n" % outcome.command[-1]).encode())
            sink.flush()
            try:
                completed = subprocess.run(
                    command,
                    cwd=directory,
                    env=environment,
                    stdin=subprocess.DEVNULL,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    timeout=plan.timeout,
                )
            except subprocess.TimeoutExpired:
                outcome.error = "build timed out after %g s (log: %s)" % (plan.timeout, log)
                return outcome
            except OSError as error:
                outcome.error = "cannot run %s: %s" % (command[0], error.strerror or error)
                return outcome
            if completed.returncode != 0:
                outcome.error = "build failed (exit %d); the end of %s:\n%s" % (
                    completed.returncode,
                    log,
                    _log_tail(log),
                )
                return outcome
    outcome.build_seconds = time.monotonic() - start
    try:
        if trace is not None:
            outcome.decisions = _count_decisions(trace)
        outcome.binary = _pick_binary(directory, started, plan.target, plan.program)
        outcome.file_bytes = outcome.binary.stat().st_size
        outcome.text_bytes = _text_bytes(plan.toolchain, outcome.binary)
    except (DeployError, JSONLinesError, OSError) as error:
        outcome.error = str(error)
    return outcome
