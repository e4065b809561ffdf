"""Validation: is a build of a benchmark correct?

:func:`validate` builds a benchmark with an oracle (or policy, or ``opt``
pass pipeline) at an optimization level, checks the optimized IR with the
verifier, runs the executable with a timeout, and compares its stdout and
exit status with the -O0 reference. The executable is generated from exactly
the module that was verified (the optimized bitcode is compiled with
``-Xclang -disable-llvm-passes``; the object equals a one-step
``clang -O2 -fpass-plugin=...`` build, byte for byte).

Outcomes (and the exit status of ``optgym validate``):

=======================  ====  ============================================
``ok``                   0     builds, verifies, and (runnable) prints and
                               exits like -O0
``build-failed``         3     the optimizing compile or code generation
                               failed (a compiler crash, a bad spec, ...)
``verifier-failed``      4     the optimized module is broken IR
``crashed``              5     the program was killed by a signal
``timeout``              6     the program ran past the timeout
``output-mismatch``      7     its stdout differs from -O0's
``exit-status-mismatch`` 8     its exit status differs from -O0's
=======================  ====  ============================================

A benchmark that cannot be validated at all (unknown URI, no clang, a source
that does not compile at -O0, a reference run that hangs or crashes) raises
:class:`~optgym.errors.BenchmarkError` (``optgym validate`` exits 1).
Modules without ``main`` (llvm-stress) are validated by building and
verifying only.

``OPTGYM_TEST_FAULT`` (**test-only**, read by nothing but :func:`validate`)
injects a fault so that tests can prove each outcome is caught:
``wrong-output`` (the run's stdout gets an extra line), ``exit-status`` (the
run's exit status is one more), ``crash`` (the run is
replaced by a process that dies by SIGSEGV), ``hang`` (by one that sleeps
past the timeout), ``verifier`` (a function that breaks the verifier is added
to the optimized module before it is verified).
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

from .benchmarks import DEFAULT_TIMEOUT, Benchmark, Reference, benchmark
from .cache import Cache
from .deprecation import renamed
from .errors import BenchmarkError, BuildError, first_line
from .toolchain import RunResult, Toolchain, clang_level, run_program

__all__ = [
    "OUTCOMES",
    "EXIT_CODES",
    "ERROR_EXIT_CODE",
    "FAULT_ENV",
    "FAULTS",
    "BuildValidation",
    "check_module",
    "output_difference",
    "validate",
]

OUTCOMES = (
    "ok",
    "build-failed",
    "verifier-failed",
    "crashed",
    "timeout",
    "output-mismatch",
    "exit-status-mismatch",
)
#: The exit status of ``optgym validate`` for each outcome.
EXIT_CODES: Dict[str, int] = {
    "ok": 0,
    "build-failed": 3,
    "verifier-failed": 4,
    "crashed": 5,
    "timeout": 6,
    "output-mismatch": 7,
    "exit-status-mismatch": 8,
}
#: The exit status when the benchmark cannot be validated at all.
ERROR_EXIT_CODE = 1

#: Test-only fault injection (see the module's documentation).
FAULT_ENV = "OPTGYM_TEST_FAULT"
FAULTS = ("wrong-output", "exit-status", "crash", "hang", "verifier")

_BROKEN_FUNCTION = """
; Added by OPTGYM_TEST_FAULT=verifier (test-only).
define void @optgym_test_fault() {
  %x = add i32 %x, 1
  ret void
}
"""


@dataclass
class BuildValidation:
    """The outcome of validating one build of a benchmark (was
    ``ValidationResult``; the gym's CompilerGym-compatible result of
    validating an environment state is
    :class:`optgym.gym.validation.ValidationResult`).

    Attributes:
        uri: the benchmark.
        outcome: one of :data:`OUTCOMES`.
        reason: what happened, in words, naming the benchmark and the build.
        detail: ``reason`` without the benchmark and build.
        build: the build, e.g. ``-O2, oracle random:seed=1``.
        walltime: seconds the program ran (None when it did not run).
        build_seconds: seconds the build took.
        runnable: whether the program was run.
        stdout, returncode: what the run printed and exited with (None when
            it did not run).
        output: the failing tool's stderr, for build and verifier failures.
    """

    uri: str
    outcome: str
    detail: str
    build: str
    walltime: Optional[float] = None
    build_seconds: float = 0.0
    runnable: bool = False
    stdout: Optional[bytes] = None
    returncode: Optional[int] = None
    output: str = ""
    oracle: Optional[str] = None
    passes: Optional[str] = None
    level: str = "O2"
    fault: Optional[str] = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def reason(self) -> str:
        return "%s (%s): %s" % (self.uri, self.build, self.detail)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    def line(self) -> str:
        """``URI: ok (...)`` or ``URI: OUTCOME: BUILD: DETAIL``."""
        if self.ok:
            return "%s: ok (%s: %s)" % (self.uri, self.build, self.detail)
        return "%s: %s: %s: %s" % (self.uri, self.outcome, self.build, self.detail)

    def to_json(self) -> Dict[str, Any]:
        return {
            "uri": self.uri,
            "outcome": self.outcome,
            "ok": self.ok,
            "reason": self.reason,
            "build": self.build,
            "level": self.level,
            "oracle": self.oracle,
            "passes": self.passes,
            "walltime": self.walltime,
            "build_seconds": self.build_seconds,
            "returncode": self.returncode,
        }


def _failure(error: BuildError) -> str:
    """``WHAT failed (exit N): THE FIRST ERROR LINE`` of a failed tool."""
    summary = first_line(error.detail).rstrip(":")
    lines = [line.strip() for line in error.output.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    message = (errors or lines or [""])[0]
    return "%s: %s" % (summary, message) if message else summary


def output_difference(got: bytes, expected: bytes, reference: str = "the -O0 reference") -> str:
    """How a run's stdout ``got`` differs from ``expected``, what
    ``reference`` printed: the first line that differs, else the number of
    lines, else the bytes (the line ends differ)."""
    got_lines = got.splitlines()
    expected_lines = expected.splitlines()
    for number, (a, b) in enumerate(zip(got_lines, expected_lines), start=1):
        if a != b:
            return "line %d differs from %s: got %r, expected %r" % (
                number,
                reference,
                a.decode("utf-8", "replace")[:80],
                b.decode("utf-8", "replace")[:80],
            )
    if len(got_lines) != len(expected_lines):
        return "printed %d lines, %s %d" % (len(got_lines), reference, len(expected_lines))
    return "printed %d bytes, %s %d (line ends differ)" % (len(got), reference, len(expected))


def _inject_verifier_fault(bench: Benchmark, optimized: Path) -> None:
    text = bench.disassemble(optimized)
    optimized.write_text(text + _BROKEN_FUNCTION, encoding="utf-8")


def _faulty_run(
    bench: Benchmark, exe: Path, timeout: Optional[float], fault: Optional[str]
) -> RunResult:
    if fault == "crash":
        return run_program(["/bin/sh", "-c", "kill -SEGV $$"], timeout)
    if fault == "hang":
        return run_program(["/bin/sh", "-c", "exec sleep 100000"], timeout)
    result = bench.run(exe, timeout)
    if fault == "wrong-output" and not result.timed_out:
        result.stdout += b"optgym-test-fault: wrong output\n"
    if fault == "exit-status" and not result.timed_out and result.returncode >= 0:
        result.returncode = (result.returncode + 1) % 256
    return result


def validate(
    uri_or_benchmark: Union[str, Benchmark],
    oracle: Optional[str] = None,
    policy: Optional[Union[str, os.PathLike]] = None,
    passes: Optional[str] = None,
    level: str = "O2",
    timeout: Optional[float] = DEFAULT_TIMEOUT,
    extra_flags: Sequence[str] = (),
    toolchain: Optional[Toolchain] = None,
    cache: Optional[Cache] = None,
) -> BuildValidation:
    """Builds a benchmark and checks the build (see the module's
    documentation).

    Args:
        uri_or_benchmark: a URI or a :class:`~optgym.benchmarks.Benchmark`.
        oracle: an OPTGYM_ORACLE spec (``random:seed=1``, ``policy:FILE``,
            ``socket:PATH``, ...); the build loads the plugin. None: LLVM
            alone.
        policy: a policy file; the same as ``oracle="policy:FILE"``.
        passes: a new-pass-manager pipeline for ``opt -passes=`` instead of
            clang's ``-O`` pipeline (the plugin is loaded when ``oracle`` is
            given); code generation is still at ``level``.
        level: O0, O1, O2, O3, Os or Oz.
        timeout: seconds the program (and the -O0 reference, when it is not
            cached yet) may run.
        extra_flags: more clang flags for the build.

    Returns:
        A :class:`BuildValidation`. Raises BenchmarkError when the benchmark
        cannot be validated at all.
    """
    if oracle is not None and policy is not None:
        raise ValueError("give an oracle or a policy, not both")
    if policy is not None:
        oracle = "policy:" + os.path.abspath(os.fspath(policy))
    flag = clang_level(level)
    level = flag[1:]
    fault = os.environ.get(FAULT_ENV) or None
    bench = benchmark(uri_or_benchmark, toolchain, cache)
    if fault is not None and fault not in FAULTS:
        raise BenchmarkError(
            "%s=%s: unknown fault (test-only; expected one of %s)"
            % (FAULT_ENV, fault, ", ".join(FAULTS)),
            bench.uri,
        )

    parts = [flag]
    if passes is not None:
        parts.append("passes %s" % passes)
    if oracle is not None:
        parts.append("oracle %s" % oracle)
    build = ", ".join(parts)

    reference, unchecked = comparable_reference(bench, timeout)

    def result(outcome: str, detail: str, **kwargs: Any) -> BuildValidation:
        return BuildValidation(
            uri=bench.uri,
            outcome=outcome,
            detail=detail,
            build=build,
            runnable=reference is not None,
            oracle=oracle,
            passes=passes,
            level=level,
            fault=fault,
            **kwargs,
        )

    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="optgym-validate-") as scratch:
        optimized = Path(scratch) / "optimized.bc"
        exe = Path(scratch) / (bench.name or "bench")
        try:
            bench.optimize(optimized, level, oracle, passes, extra_flags)
        except BuildError as error:
            return result(
                "build-failed",
                "the optimizing build failed: %s" % _failure(error),
                output=error.output,
                build_seconds=time.monotonic() - start,
            )
        if fault == "verifier":
            _inject_verifier_fault(bench, optimized)
        return check_module(
            bench,
            optimized,
            exe,
            level,
            reference,
            timeout,
            fault,
            result,
            start,
            extra_flags,
            unchecked=unchecked,
        )


def comparable_reference(
    bench: Benchmark, timeout: Optional[float]
) -> Tuple[Optional[Reference], str]:
    """The -O0 reference a build's run is compared with, or None and why
    there is none: the benchmark is not runnable, or its -O0 build's output
    differs from run to run. BuildError when the reference run fails."""
    if not bench.runnable:
        return None, "not runnable: %s" % bench.not_runnable_reason
    reference = bench.reference(timeout)
    if not reference.deterministic:
        return None, "not run: the -O0 build's output differs from one run to the next"
    return reference, ""


def check_module(
    bench: Benchmark,
    bitcode: Path,
    exe: Path,
    level: str,
    reference: Optional[Reference],
    timeout: Optional[float],
    fault: Optional[str],
    result: Callable[..., "BuildValidation"],
    start: float,
    extra_flags: Sequence[str] = (),
    what: str = "the optimized module",
    *,
    unchecked: str,
) -> "BuildValidation":
    """Verifies ``bitcode`` (a module of ``bench``), builds it into ``exe``
    with code generation only, runs it and compares the run with the -O0
    ``reference`` (None: there is none to compare with, for the reason
    ``unchecked``; see :func:`comparable_reference`). ``result(outcome,
    detail, **fields)`` makes the BuildValidation; ``start`` is when the
    build began (monotonic)."""
    try:
        bench.verify(bitcode)
    except BuildError as error:
        message = first_line(error.output) or first_line(error.detail)
        return result(
            "verifier-failed",
            "%s does not verify: %s" % (what, message),
            output=error.output,
            build_seconds=time.monotonic() - start,
        )
    try:
        bench.codegen(bitcode, exe, level, link=bench.runnable, extra_flags=extra_flags)
    except BuildError as error:
        return result(
            "build-failed",
            "code generation failed: %s" % _failure(error),
            output=error.output,
            build_seconds=time.monotonic() - start,
        )
    build_seconds = time.monotonic() - start
    if reference is None:
        return result(
            "ok",
            "builds and verifies (%s)" % unchecked,
            build_seconds=build_seconds,
        )
    run = _faulty_run(bench, exe, timeout, fault)

    common = dict(
        walltime=run.walltime,
        build_seconds=build_seconds,
        stdout=None if run.timed_out else run.stdout,
        returncode=None if run.timed_out else run.returncode,
    )
    if run.timed_out:
        return result(
            "timeout",
            "did not finish within %g s (the -O0 reference takes %.2f s)"
            % (timeout, reference.walltime),
            **common,
        )
    if run.signal is not None and run.returncode != reference.returncode:
        return result(
            "crashed",
            "%s (the -O0 reference: exit %d)" % (run.describe(), reference.returncode),
            **common,
        )
    output_differs = run.stdout != reference.stdout
    if run.returncode != reference.returncode:
        return result(
            "exit-status-mismatch",
            "%s, the -O0 reference exits %d%s"
            % (
                run.describe(),
                reference.returncode,
                "; the output differs too" if output_differs else "",
            ),
            **common,
        )
    if output_differs:
        return result("output-mismatch", output_difference(run.stdout, reference.stdout), **common)
    return result(
        "ok",
        "output (%d bytes) and exit status %d match -O0; ran in %.2f s"
        % (len(run.stdout), run.returncode, run.walltime),
        **common,
    )


__getattr__ = renamed(__name__, {"ValidationResult": "optgym.validation:BuildValidation"})
