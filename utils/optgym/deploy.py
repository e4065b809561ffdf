"""Deploying a policy in a real build: ``python3 -m optgym deploy``.

A program's own build (a Makefile, or a CMakeLists.txt built out of tree) is
run three times, each into a directory of its own, with nothing changed but
the compiler, the flags and the environment:

* ``-Oz``: ``make CC=clang CFLAGS=-Oz``
* ``-O2``: ``make CC=clang CFLAGS=-O2``
* ``-Oz+policy``: ``make CC=clang CFLAGS="-Oz -fpass-plugin=OptGym.so"`` with
  ``OPTGYM_ORACLE=policy:FILE`` in the environment, recording its decisions.

Then the three binaries are compared (file size, ``.text`` size by
``llvm-size -A``, build time), run N times each in turns (median wall time),
and checked: every run exits 0 and prints what the ``-Oz`` build prints. The
decisions recorded in the policy build show that the policy took effect.

:func:`deploy` is the library entry; :func:`configure_parser` and :func:`run`
are the ``optgym deploy`` subcommand. See docs/deployment.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .plugin import find_plugin
from .resources import shipped_policy
from .toolchain import (
    LLVM_VERSION_ENV,
    RunResult,
    Toolchain,
    clang_level,
    plugin_llvm_major,
    run_program,
)

__all__ = [
    "DeployError",
    "Variant",
    "BuildOutcome",
    "DeployResult",
    "deploy",
    "default_policy",
    "default_program",
    "configure_parser",
    "run",
]

#: Runs of each build whose median is reported.
DEFAULT_RUNS = 5
#: Seconds one run of the program may take.
DEFAULT_RUN_TIMEOUT = 60.0
#: Seconds one build may take.
DEFAULT_BUILD_TIMEOUT = 1800.0
#: The bundled test-split program deployed when none is named.
DEFAULT_PROGRAM = "minilisp"

# How many lines of a failed build's log an error shows.
_LOG_LINES = 15
# The environment settings of the user that reach the policy build; every
# other OPTGYM_* setting is dropped (the tool sets the oracle and the trace).
_PASSED_SETTINGS = ("OPTGYM_DECISIONS",)


class DeployError(Exception):
    """The deployment cannot be set up or a build failed; the message says
    which and why."""


def default_program() -> Path:
    """``datasets/programs/minilisp`` (``$OPTGYM_PROGRAMS`` is honoured)."""
    from .benchmarks import programs_dir

    return programs_dir() / DEFAULT_PROGRAM


def default_policy() -> Path:
    """The shipped ``policies/codesize.json``."""
    return shipped_policy()


@dataclass(frozen=True)
class Variant:
    """One way to build the program.

    Attributes:
        name: how reports name it (``-Oz``, ``-O2``, ``-Oz+policy``).
        directory: its build directory's name under the output directory.
        level: the clang optimization flag (``-Oz``).
        policy: the policy file the plugin loads, or None (no plugin).
    """

    name: str
    directory: str
    level: str
    policy: Optional[str] = None


@dataclass
class BuildOutcome:
    """What one variant's build produced and how its runs went.

    Attributes:
        variant: the build.
        directory: where it was built (the copy, or the CMake build tree).
        command: the build command(s), as shell text to rerun by hand.
        build_seconds: wall time of the build.
        binary: the program, or None when the build failed.
        file_bytes, text_bytes: its size and its ``.text`` section's.
        runs: its runs, in order.
        decisions: for the policy build, ``{kind: [queries, departed]}``
            from its trace.
        error: why it failed (build, run or output), or None.
    """

    variant: Variant
    directory: Path
    command: List[str] = field(default_factory=list)
    build_seconds: float = 0.0
    binary: Optional[Path] = None
    file_bytes: int = 0
    text_bytes: int = 0
    runs: List[RunResult] = field(default_factory=list)
    decisions: Dict[str, List[int]] = field(default_factory=dict)
    trace: Optional[Path] = None
    error: Optional[str] = None

    @property
    def median_seconds(self) -> Optional[float]:
        if not self.runs:
            return None
        return statistics.median(result.walltime for result in self.runs)

    def to_json(self) -> Dict[str, Any]:
        return {
            "build": self.variant.name,
            "level": self.variant.level,
            "policy": self.variant.policy,
            "directory": str(self.directory),
            "command": self.command,
            "build_seconds": round(self.build_seconds, 3),
            "binary": str(self.binary) if self.binary else None,
            "file_bytes": self.file_bytes,
            "text_bytes": self.text_bytes,
            "run_seconds": [round(result.walltime, 6) for result in self.runs],
            "median_seconds": self.median_seconds,
            "decisions": self.decisions,
            "trace": str(self.trace) if self.trace else None,
            "error": self.error,
        }


@dataclass
class DeployResult:
    """The whole comparison; ``builds[0]`` is the reference (-Oz)."""

    program: Path
    system: str
    target: str
    run_command: str
    llvm_version: str
    clang: str
    plugin: str
    policy: str
    builds: List[BuildOutcome]
    policy_kinds: List[str]
    binary_differs: Optional[bool] = None

    @property
    def reference(self) -> BuildOutcome:
        return self.builds[0]

    @property
    def policy_build(self) -> BuildOutcome:
        return next(build for build in self.builds if build.variant.policy)

    @property
    def ok(self) -> bool:
        return all(build.error is None for build in self.builds)

    @property
    def departed(self) -> int:
        return sum(counts[1] for counts in self.policy_build.decisions.values())

    def to_json(self) -> Dict[str, Any]:
        return {
            "program": str(self.program),
            "build_system": self.system,
            "target": self.target,
            "run": self.run_command,
            "llvm_version": self.llvm_version,
            "clang": self.clang,
            "plugin": self.plugin,
            "policy": self.policy,
            "policy_kinds": self.policy_kinds,
            "binary_differs_from_Oz": self.binary_differs,
            "decisions_departed": self.departed,
            "ok": self.ok,
            "builds": [build.to_json() for build in self.builds],
        }


# -- setting up -------------------------------------------------------------------


def _read_policy(path: Path) -> List[str]:
    """The decision kinds a policy file names; DeployError for a file that
    is missing or not a policy at all (the plugin checks the rest and stops
    the first compile with file:line:column)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeployError("policy %s: no such file" % path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise DeployError("policy %s: cannot read it: %s" % (path, error)) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DeployError(
            "policy %s:%d:%d: not JSON: %s" % (path, error.lineno, error.colno, error.msg)
        ) from None
    if not isinstance(document, dict) or document.get("format") != "optgym-policy":
        raise DeployError('policy %s: not an OptGym policy (no "format": "optgym-policy")' % path)
    decisions = document.get("decisions", {})
    return sorted(decisions) if isinstance(decisions, dict) else []


def _build_system(source: Path) -> str:
    for name in ("GNUmakefile", "makefile", "Makefile"):
        if (source / name).is_file():
            return "make"
    if (source / "CMakeLists.txt").is_file():
        return "cmake"
    raise DeployError(
        "%s: no Makefile (or CMakeLists.txt): deploy builds a program with its own build" % source
    )


def _base_environment() -> Dict[str, str]:
    """This process's environment without OptGym's settings (and without
    CCC_OVERRIDE_OPTIONS, which a surrounding ``optgym run-build`` sets)."""
    environment = dict(os.environ)
    environment.pop("CCC_OVERRIDE_OPTIONS", None)
    for name in list(environment):
        if name.startswith("OPTGYM_"):
            del environment[name]
    return environment


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
    completed = subprocess.run(
        [toolchain.require("llvm-size"), "-A", str(binary)],
        capture_output=True,
        text=True,
        errors="replace",
    )
    if completed.returncode != 0:
        raise DeployError("llvm-size -A %s failed: %s" % (binary, completed.stderr.strip()))
    total = 0
    for line in completed.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 2 and (fields[0] == ".text" or fields[0].startswith(".text.")):
            total += int(fields[1])
    return total


def _count_decisions(trace: Path) -> Dict[str, List[int]]:
    """``{kind: [queries, departed]}`` of a trace: a query departed when
    the policy chose something else than LLVM's default."""
    counts: Dict[str, List[int]] = {}
    try:
        stream = open(trace, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return counts
    with stream:
        for line in stream:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            kind = record.get("kind")
            if not isinstance(kind, str):
                continue
            entry = counts.setdefault(kind, [0, 0])
            entry[0] += 1
            if record.get("chosen") != record.get("default"):
                entry[1] += 1
    return dict(sorted(counts.items()))


def _log_tail(log: Path) -> str:
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return "\n".join("  " + line for line in lines[-_LOG_LINES:])


# -- building -----------------------------------------------------------------------


@dataclass
class _BuildPlan:
    """What is the same for every variant."""

    program: Path
    system: str
    out: Path
    toolchain: Toolchain
    plugin: str
    target: Optional[str]
    goals: List[str]
    make_args: List[str]
    cmake_args: List[str]
    cflags: List[str]
    jobs: int
    always_make: bool
    timeout: float


def _flags(plan: _BuildPlan, variant: Variant) -> str:
    flags = [variant.level] + plan.cflags
    if variant.policy:
        flags.append("-fpass-plugin=" + plan.plugin)
    return " ".join(shlex.quote(flag) for flag in flags)


def _commands(plan: _BuildPlan, variant: Variant, directory: Path) -> List[List[str]]:
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
    environment = _base_environment()
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
        if name.startswith("OPTGYM_") and name != "OPTGYM_RECORD"
    ]
    return " ".join(settings + [shlex.quote(word) for word in command])


def _build(plan: _BuildPlan, variant: Variant, decisions: Optional[str]) -> BuildOutcome:
    directory = plan.out / variant.directory
    outcome = BuildOutcome(variant=variant, directory=directory)
    if directory.exists():
        shutil.rmtree(directory)
    if plan.system == "make":
        shutil.copytree(plan.program, directory, symlinks=True)
    else:
        directory.mkdir(parents=True)
    trace = None
    if variant.policy:
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
    if trace is not None:
        outcome.decisions = _count_decisions(trace)
    try:
        outcome.binary = _pick_binary(directory, started, plan.target, plan.program)
        outcome.file_bytes = outcome.binary.stat().st_size
        outcome.text_bytes = _text_bytes(plan.toolchain, outcome.binary)
    except (DeployError, OSError) as error:
        outcome.error = str(error)
    return outcome


# -- running ------------------------------------------------------------------------


def _run_argv(run_command: Optional[str], build: BuildOutcome, program: Path) -> List[str]:
    assert build.binary is not None
    if not run_command:
        return [str(build.binary)]
    text = (
        run_command.replace("{bin}", shlex.quote(str(build.binary)))
        .replace("{src}", shlex.quote(str(program)))
        .replace("{dir}", shlex.quote(str(build.directory)))
    )
    return ["/bin/sh", "-c", text]


def _first_difference(got: bytes, expected: bytes) -> str:
    got_lines = got.splitlines()
    expected_lines = expected.splitlines()
    for number, (a, b) in enumerate(zip(got_lines, expected_lines), start=1):
        if a != b:
            return "line %d differs from the -Oz build's: got %r, expected %r" % (
                number,
                a.decode("utf-8", "replace")[:80],
                b.decode("utf-8", "replace")[:80],
            )
    return "printed %d lines (%d bytes), the -Oz build %d lines (%d bytes)" % (
        len(got_lines),
        len(got),
        len(expected_lines),
        len(expected),
    )


def _run_all(
    builds: Sequence[BuildOutcome],
    run_command: Optional[str],
    program: Path,
    runs: int,
    timeout: float,
) -> None:
    """Runs the builds in turns (reference, then each other, N times), so
    that a machine that slows down or speeds up affects each alike, and
    checks every run against the reference's first."""
    environment = _base_environment()
    expected: Optional[bytes] = None
    for _ in range(runs):
        for build in builds:
            if build.error is not None or build.binary is None:
                continue
            result = run_program(
                _run_argv(run_command, build, program),
                timeout=timeout,
                cwd=str(build.directory),
                env=environment,
            )
            build.runs.append(result)
            if result.timed_out or result.returncode != 0:
                stderr = result.stderr.decode("utf-8", "replace").strip().splitlines()
                build.error = "run %d: %s%s" % (
                    len(build.runs),
                    result.describe(),
                    (": " + stderr[-1]) if stderr else "",
                )
            elif expected is None:
                expected = result.stdout
            elif result.stdout != expected:
                build.error = "run %d: output differs: %s" % (
                    len(build.runs),
                    _first_difference(result.stdout, expected),
                )


# -- the whole comparison ---------------------------------------------------------


def _resolve_toolchain(plugin: Optional[str], llvm_version: Optional[str]) -> Tuple[Toolchain, str]:
    version = llvm_version or os.environ.get(LLVM_VERSION_ENV, "").strip() or None
    if plugin is None:
        try:
            plugin = find_plugin(version)
        except FileNotFoundError as error:
            raise DeployError(str(error)) from None
    elif not os.path.isfile(plugin):
        raise DeployError("plugin %s: no such file" % plugin)
    plugin = os.path.abspath(plugin)
    if version is None:
        version = plugin_llvm_major(plugin) or None
    toolchain = Toolchain(llvm_version=version, plugin=plugin)
    try:
        toolchain.plugin()
        toolchain.require("clang")
        toolchain.require("llvm-size")
    except Exception as error:  # ToolchainError: say it without a URI.
        raise DeployError(getattr(error, "detail", str(error))) from None
    return toolchain, plugin


def deploy(
    program: Optional[os.PathLike] = None,
    policy: Optional[os.PathLike] = None,
    *,
    plugin: Optional[str] = None,
    llvm_version: Optional[str] = None,
    level: str = "Oz",
    baselines: Sequence[str] = ("Oz", "O2"),
    target: Optional[str] = None,
    goals: Sequence[str] = (),
    make_args: Sequence[str] = (),
    cmake_args: Sequence[str] = (),
    cflags: Sequence[str] = (),
    run_command: Optional[str] = None,
    runs: int = DEFAULT_RUNS,
    run_timeout: float = DEFAULT_RUN_TIMEOUT,
    build_timeout: float = DEFAULT_BUILD_TIMEOUT,
    jobs: Optional[int] = None,
    decisions: Optional[str] = None,
    always_make: bool = True,
    out: os.PathLike,
) -> DeployResult:
    """Builds ``program`` with its own build at each baseline level and at
    ``level`` with the plugin and ``policy``, into ``out/<build>``; measures,
    runs and checks them.

    The first baseline is the reference: sizes and outputs are compared with
    it. Raises DeployError when nothing can be built (no build file, a
    missing policy or plugin); a build or run that fails is reported in its
    :class:`BuildOutcome` instead, and makes the result not ``ok``.
    """
    source = Path(program) if program is not None else default_program()
    source = source.resolve()
    if not source.is_dir():
        raise DeployError("%s: no such directory" % source)
    system = _build_system(source)
    policy_path = Path(policy) if policy is not None else default_policy()
    policy_path = policy_path.resolve()
    if policy is None and not policy_path.is_file():
        raise DeployError(
            "policy %s (the default): no such file; name one with --policy FILE" % policy_path
        )
    kinds = _read_policy(policy_path)
    toolchain, plugin_path = _resolve_toolchain(plugin, llvm_version)
    out_path = Path(out).resolve()
    if out_path == source or source in out_path.parents:
        raise DeployError("the output directory %s must not be inside %s" % (out_path, source))
    out_path.mkdir(parents=True, exist_ok=True)
    levels = [clang_level(name) for name in baselines]
    policy_level = clang_level(level)
    variants = [Variant(name, name.lstrip("-"), name) for name in levels]
    variants.append(
        Variant(
            policy_level + "+policy",
            policy_level.lstrip("-") + "-policy",
            policy_level,
            str(policy_path),
        )
    )
    plan = _BuildPlan(
        program=source,
        system=system,
        out=out_path,
        toolchain=toolchain,
        plugin=plugin_path,
        target=target,
        goals=list(goals),
        make_args=list(make_args),
        cmake_args=list(cmake_args),
        cflags=list(cflags),
        jobs=jobs or os.cpu_count() or 1,
        always_make=always_make,
        timeout=build_timeout,
    )
    # The policy build first: a policy the plugin rejects stops everything
    # before the baselines spend their time.
    outcomes = {variants[-1].name: _build(plan, variants[-1], decisions)}
    if outcomes[variants[-1].name].error is None:
        for variant in variants[:-1]:
            outcomes[variant.name] = _build(plan, variant, decisions)
    builds = [outcomes[variant.name] for variant in variants if variant.name in outcomes]
    if len(builds) == len(variants):
        _run_all(builds, run_command, source, runs, run_timeout)
    result = DeployResult(
        program=source,
        system=system,
        target="",
        run_command=run_command or "",
        llvm_version=toolchain.llvm_version,
        clang=toolchain.path("clang"),
        plugin=plugin_path,
        policy=str(policy_path),
        builds=builds,
        policy_kinds=kinds,
    )
    reference, policy_build = builds[0], result.policy_build
    if reference.binary is not None:
        result.target = str(reference.binary.relative_to(reference.directory))
        if not result.run_command:
            result.run_command = "./" + result.target
    if reference.binary is not None and policy_build.binary is not None:
        result.binary_differs = reference.binary.read_bytes() != policy_build.binary.read_bytes()
    return result


# -- the report -------------------------------------------------------------------


def _relative(value: float, base: float) -> str:
    if not base:
        return "-"
    return "%+.1f%%" % (100.0 * (value - base) / base)


def _seconds(value: Optional[float]) -> str:
    if value is None:
        return "-"
    if value < 0.1:
        return "%.1f ms" % (value * 1000)
    return "%.3f s" % value


def _table(result: DeployResult, runs: int) -> List[str]:
    """One line a build: sizes (and relative to the reference and -O2),
    median run time, build time, output check."""
    reference = result.builds[0]
    o2 = next((build for build in result.builds if build.variant.name == "-O2"), None)
    if o2 is reference:
        o2 = None
    columns = ["build", "file bytes", "vs " + reference.variant.name]
    columns += ["vs -O2"] if o2 is not None else []
    columns += [".text bytes", "vs " + reference.variant.name]
    columns += ["vs -O2"] if o2 is not None else []
    columns += ["run (median of %d)" % runs, "build", "output"]
    table = [columns]
    for build in result.builds:
        if build.binary is None:
            table.append([build.variant.name, "FAILED"] + [""] * (len(columns) - 2))
            continue
        row = [build.variant.name]
        for size in ("file_bytes", "text_bytes"):
            value = getattr(build, size)
            row.append(str(value))
            row.append("" if build is reference else _relative(value, getattr(reference, size)))
            if o2 is not None:
                row.append("" if build is o2 else _relative(value, getattr(o2, size)))
        if build.error is not None:
            status = "FAILED"
        elif build is reference:
            status = "reference, exit 0"
        else:
            status = "same as %s, exit 0" % reference.variant.name
        row += [_seconds(build.median_seconds), "%.2f s" % build.build_seconds, status]
        table.append(row)
    widths = [max(len(row[index]) for row in table) for index in range(len(columns))]
    lines = []
    for row in table:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:-1], widths[1:-1])]
        cells.append(row[-1])
        lines.append("  ".join(cells).rstrip())
    return lines


def _decision_lines(result: DeployResult) -> List[str]:
    """How many decisions the policy build made and departed from, by kind."""
    build = result.policy_build
    queries = sum(counts[0] for counts in build.decisions.values())
    lines = ["policy decisions: %d, departed from LLVM's default: %d" % (queries, result.departed)]
    for kind, (asked, departed) in build.decisions.items():
        lines.append("  %-16s %7d decisions, %6d departed" % (kind, asked, departed))
    silent = [kind for kind in result.policy_kinds if kind not in build.decisions]
    if silent:
        lines.append(
            "  warning: the policy names %s, which made no decision: not active in this "
            "plugin? (OPTGYM_DECISIONS=all, or --decisions, activates every kind)"
            % ", ".join(silent)
        )
    if result.binary_differs is not None:
        lines.append(
            "binary: %s the %s build's"
            % (
                "differs from" if result.binary_differs else "IDENTICAL to",
                result.reference.variant.name,
            )
        )
    return lines


def report(result: DeployResult, runs: int) -> str:
    """The comparison as text: the builds, the policy's decisions, the
    commands to rebuild each by hand, and ``deploy: ok`` or ``FAILED``."""
    lines = [
        "optgym deploy: %s (%s), program %s, run: %s"
        % (result.program, result.system, result.target or "-", result.run_command or "-"),
        "toolchain: %s (LLVM %s), plugin %s" % (result.clang, result.llvm_version, result.plugin),
        "policy: %s (kinds: %s)" % (result.policy, ", ".join(result.policy_kinds) or "none"),
        "",
    ]
    failures = [build for build in result.builds if build.error is not None]
    if result.reference.variant.policy:
        # The policy build is built first; when it fails nothing else is.
        lines.append("the policy build failed; nothing else was built")
    else:
        lines += _table(result, runs)
    for build in failures:
        lines.append("%s: %s" % (build.variant.name, build.error))
    if result.policy_build.binary is not None:
        lines.append("")
        lines += _decision_lines(result)
    lines.append("")
    for build in result.builds:
        for command in build.command:
            lines.append("%s: (cd %s && %s)" % (build.variant.name, build.directory, command))
    if result.policy_build.trace is not None and result.policy_build.trace.exists():
        lines.append("the policy build's decisions: %s" % result.policy_build.trace)
    lines.append("")
    if result.ok:
        lines.append("deploy: ok")
    else:
        lines.append("deploy: FAILED (%d of %d builds)" % (len(failures), len(result.builds)))
    return "\n".join(lines)


# -- the subcommand -----------------------------------------------------------------


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Adds ``optgym deploy``'s arguments."""
    parser.add_argument(
        "program",
        nargs="?",
        help="a directory with a Makefile (or CMakeLists.txt) that builds one program "
        "(default: the bundled test program datasets/programs/%s)" % DEFAULT_PROGRAM,
    )
    parser.add_argument(
        "--policy", metavar="FILE", help="the policy (default: policies/codesize.json)"
    )
    parser.add_argument(
        "--target",
        metavar="PATH",
        help="the program the build makes, relative to the build directory "
        "(default: the one executable it makes, or the one named after the directory)",
    )
    parser.add_argument(
        "--run",
        metavar="SHELL-COMMAND",
        help="how to run the program, in its build directory; {bin} is the program, {src} "
        "the source directory, {dir} the build directory (default: the program, no arguments)",
    )
    parser.add_argument(
        "--runs",
        metavar="N",
        type=int,
        default=DEFAULT_RUNS,
        help="runs of each build; the median is reported (default: %(default)s)",
    )
    parser.add_argument(
        "--level",
        default="Oz",
        help="the optimization level of the policy build (default: %(default)s)",
    )
    parser.add_argument(
        "--baselines",
        metavar="L1,L2",
        default="Oz,O2",
        help="the levels to compare with; the first is the reference (default: %(default)s)",
    )
    parser.add_argument(
        "--goal",
        metavar="GOAL",
        action="append",
        default=[],
        help="a make goal (cmake --build target) to build instead of the default (repeatable)",
    )
    parser.add_argument(
        "--make-arg",
        metavar="ARG",
        action="append",
        default=[],
        help="one more make argument, e.g. LDLIBS=-lm (repeatable)",
    )
    parser.add_argument(
        "--cmake-arg",
        metavar="ARG",
        action="append",
        default=[],
        help="one more cmake configure argument (repeatable)",
    )
    parser.add_argument(
        "--cflags",
        metavar="FLAGS",
        default="",
        help="more compiler flags for every build, after the level",
    )
    parser.add_argument(
        "--no-always-make",
        dest="always_make",
        action="store_false",
        help="do not pass -B to make (objects already in the source tree are then reused)",
    )
    parser.add_argument(
        "--decisions",
        metavar="K1,K2",
        help="OPTGYM_DECISIONS for the policy build (default: the environment's, else the plugin's)",
    )
    parser.add_argument("--plugin", metavar="PATH", help="OptGym.so (default: found)")
    parser.add_argument(
        "--llvm-version", metavar="V", help="the LLVM major (default: the plugin's)"
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="where to build, kept afterwards (default: a temporary directory, removed)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        metavar="N",
        type=int,
        default=os.cpu_count() or 1,
        help="make -j (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=DEFAULT_RUN_TIMEOUT,
        help="seconds one run may take (default: %(default)g)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the result as JSON to FILE")


def _error(text: str) -> None:
    sys.stderr.write("optgym: error: %s\n" % text)


def run(args: argparse.Namespace) -> int:
    """Runs ``optgym deploy``; 0 when every build succeeded and printed what
    the reference prints, 1 otherwise, 2 for a bad command line."""
    if args.runs < 1 or args.jobs < 1:
        _error("--runs and --jobs must be at least 1")
        return 2
    try:
        baselines = [name for name in args.baselines.split(",") if name.strip()]
        if not baselines:
            raise ValueError("--baselines names no level")
        for name in baselines + [args.level]:
            clang_level(name)
    except ValueError as error:
        _error(str(error))
        return 2
    scratch = None
    out = args.out
    if out is None:
        scratch = tempfile.mkdtemp(prefix="optgym-deploy-")
        out = scratch
    try:
        result = deploy(
            args.program,
            args.policy,
            plugin=args.plugin,
            llvm_version=args.llvm_version,
            level=args.level,
            baselines=baselines,
            target=args.target,
            goals=args.goal,
            make_args=args.make_arg,
            cmake_args=args.cmake_arg,
            cflags=shlex.split(args.cflags),
            run_command=args.run,
            runs=args.runs,
            run_timeout=args.timeout,
            jobs=args.jobs,
            decisions=args.decisions,
            always_make=args.always_make,
            out=out,
        )
        print(report(result, args.runs))
        if scratch is not None:
            print("(the build directories are removed at exit: --out DIR keeps them)")
        sys.stdout.flush()
        if args.json:
            with open(args.json, "w", encoding="utf-8") as stream:
                json.dump(result.to_json(), stream, indent=2)
                stream.write("\n")
    except DeployError as error:
        _error(str(error))
        return 1
    except OSError as error:
        _error(str(error))
        return 1
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0 if result.ok else 1


def main(argv: Optional[List[str]] = None) -> int:
    """``python3 -m optgym.deploy``, the same as ``python3 -m optgym deploy``."""
    parser = argparse.ArgumentParser(prog="optgym deploy", description=__doc__.splitlines()[0])
    configure_parser(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
