"""What :meth:`LlvmEnv.validate <optgym.gym.env.LlvmEnv.validate>` returns,
and the check that the final module still computes what the benchmark does.

A :class:`ValidationResult` is CompilerGym's: the state validated, which
checks ran and failed, and a list of :class:`ValidationError`. Printed it is
one line: ``✅  optgym-v0/crc32  0.4186`` or ``❌  optgym-v0/crc32  Reward
validation failed: ...``.

:func:`check_semantics` builds the episode's final bitcode the way
optgym.validation builds any optimized module (verify, code generation at
-O2 with no further IR pass, link with the benchmark's flags), runs it and
compares its output and exit status with the -O0 reference; it returns
optgym.validation's result, with the same outcomes (and honours the same
test-only OPTGYM_TEST_FAULT).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from .. import validation as build_validation
from ..benchmarks import DEFAULT_TIMEOUT, Benchmark
from .state import CompilerEnvState

__all__ = ["ValidationError", "ValidationResult", "check_semantics", "semantics_error"]


@dataclass(frozen=True)
class ValidationError:
    """One thing validation found wrong: a short ``type`` ("Reward
    validation failed", ...) and details."""

    type: str
    data: Dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        detail = self.data.get("details") or self.data.get("message")
        return "%s: %s" % (self.type, detail) if detail else self.type


@dataclass
class ValidationResult:
    """The result of validating a state (CompilerGym's ValidationResult).

    Attributes:
        state: the state validated.
        walltime: seconds the validation took.
        reward_validated: the reward was replayed and compared.
        actions_replay_failed: the actions could not be replayed (an unknown
            pass, an unknown benchmark, a driver failure).
        reward_validation_failed: the replayed reward differs.
        benchmark_semantics_validated: the final program was built and run.
        benchmark_semantics_validation_failed: it does not do what -O0 does.
        errors: what went wrong.
        semantics: optgym.validation's result of the semantics check, when
            it ran.
    """

    state: CompilerEnvState
    walltime: float = 0.0
    reward_validated: bool = False
    actions_replay_failed: bool = False
    reward_validation_failed: bool = False
    benchmark_semantics_validated: bool = False
    benchmark_semantics_validation_failed: bool = False
    errors: List[ValidationError] = field(default_factory=list)
    semantics: Optional[build_validation.ValidationResult] = None

    def okay(self) -> bool:
        """Whether every check that ran passed."""
        return not (
            self.actions_replay_failed
            or self.reward_validation_failed
            or self.benchmark_semantics_validation_failed
            or self.errors
        )

    @property
    def error_details(self) -> str:
        """The errors in one line, as CompilerGym summarizes them."""
        if not self.errors:
            return ""
        counts = Counter(str(error) for error in self.errors)
        if len(counts) == 1:
            ((message, count),) = counts.items()
            return message if count == 1 else "%d× %s" % (count, message)
        return ", ".join(
            "[%d/%d] %s%s" % (index, len(counts), "%d× " % count if count > 1 else "", message)
            for index, (message, count) in enumerate(counts.most_common(), start=1)
        )

    def __str__(self) -> str:
        benchmark = self.state.benchmark
        if benchmark.startswith("benchmark://"):
            benchmark = benchmark[len("benchmark://") :]
        if not self.okay():
            details = " ".join(self.error_details.split())
            if len(details) > 200:
                details = details[:197] + "..."
            return "❌  %s  %s" % (benchmark, details)
        if self.state.reward is None:
            return "✅  %s" % benchmark
        return "✅  %s  %.4f" % (benchmark, self.state.reward)

    def json(self) -> Dict[str, Any]:
        return {
            "state": self.state.json(),
            "walltime": self.walltime,
            "okay": self.okay(),
            "reward_validated": self.reward_validated,
            "actions_replay_failed": self.actions_replay_failed,
            "reward_validation_failed": self.reward_validation_failed,
            "benchmark_semantics_validated": self.benchmark_semantics_validated,
            "benchmark_semantics_validation_failed": self.benchmark_semantics_validation_failed,
            "errors": [{"type": error.type, "data": error.data} for error in self.errors],
        }


def check_semantics(
    bench: Benchmark, bitcode: "str | os.PathLike[str]", timeout: Optional[float] = DEFAULT_TIMEOUT
) -> build_validation.ValidationResult:
    """Verifies, builds and runs a final module of ``bench`` and compares
    the run with the benchmark's -O0 reference. Raises BenchmarkError when
    the benchmark itself cannot be built or run at -O0."""
    build = "-O2 code generation of the episode's final module"
    fault = os.environ.get(build_validation.FAULT_ENV) or None
    runnable = bench.runnable
    reference = bench.reference(timeout) if runnable else None

    def result(outcome: str, detail: str, **kwargs: Any) -> build_validation.ValidationResult:
        return build_validation.ValidationResult(
            uri=bench.uri,
            outcome=outcome,
            detail=detail,
            build=build,
            runnable=runnable,
            level="O2",
            fault=fault,
            **kwargs,
        )

    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="optgym-gym-validate-") as scratch:
        exe = Path(scratch) / (bench.name or "bench")
        return build_validation.check_module(
            bench,
            Path(bitcode),
            exe,
            "O2",
            reference,
            timeout,
            fault,
            result,
            start,
            what="the final module",
        )


def semantics_error(checked: build_validation.ValidationResult) -> ValidationError:
    """The validation error of a failed semantics check."""
    return ValidationError(
        "Benchmark semantics validation failed",
        {"outcome": checked.outcome, "details": checked.detail},
    )
