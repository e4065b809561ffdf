"""Validation of a gym state: what :meth:`LlvmEnv.validate
<optgym.gym.env.LlvmEnv.validate>` does and returns.

:func:`validate_state` replays a state's actions in a fresh episode and
checks that the reward, the final module and the program's behaviour
reproduce.

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

import json
import math
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional

from .. import validation as build_validation
from ..benchmarks import DEFAULT_TIMEOUT, Benchmark
from ..errors import BenchmarkError
from .driver import DriverError
from .observations import ObservationError
from .state import CompilerEnvState

if TYPE_CHECKING:
    from .env import LlvmEnv

__all__ = [
    "ValidationError",
    "ValidationResult",
    "check_semantics",
    "semantics_error",
    "validate_state",
]


@dataclass(frozen=True)
class ValidationError:
    """One thing validation found wrong: a short ``type`` ("Reward
    validation failed", ...) and details."""

    type: str
    data: Dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        detail = self.data.get("details") or self.data.get("message")
        return "%s: %s" % (self.type, detail) if detail else self.type

    def dict(self) -> Dict[str, Any]:
        return {"type": self.type, "data": self.data}

    def json(self) -> str:
        """The error as a JSON object (CompilerGym's ``json()``):
        ``ValidationError(**json.loads(error.json()))`` is the error."""
        return json.dumps(self.dict(), default=str)

    def _sort_key(self) -> str:
        return json.dumps(self.dict(), sort_keys=True, default=str)


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
    semantics: Optional[build_validation.BuildValidation] = None

    def __post_init__(self) -> None:
        # ValidationResult(**json.loads(result.json())), as CompilerGym's
        # pydantic models allow: nested dictionaries become their classes.
        if isinstance(self.state, dict):
            self.state = CompilerEnvState.from_json(self.state)
        self.errors = [
            ValidationError(**error) if isinstance(error, dict) else error for error in self.errors
        ]

    def __eq__(self, other: Any) -> bool:
        # As CompilerGym: not on walltime, and errors in any order.
        if not isinstance(other, ValidationResult):
            return NotImplemented
        return (
            self.state == other.state
            and self._flags() == other._flags()
            and sorted(e._sort_key() for e in self.errors)
            == sorted(e._sort_key() for e in other.errors)
        )

    __hash__ = None  # type: ignore[assignment]

    def _flags(self) -> tuple:
        return (
            self.reward_validated,
            self.actions_replay_failed,
            self.reward_validation_failed,
            self.benchmark_semantics_validated,
            self.benchmark_semantics_validation_failed,
        )

    @classmethod
    def join(cls, results: Iterable["ValidationResult"]) -> "ValidationResult":
        """One result for several validations of the same state: every
        check that ran in one, every error, the walltimes added up.
        ValueError without results or for results of different states."""
        results = list(results)
        if not results:
            raise ValueError("No states to join")
        first = results[0]
        if any(result.state != first.state for result in results[1:]):
            raise ValueError("All states must be the same")
        flags = [any(values) for values in zip(*(result._flags() for result in results))]
        return cls(
            first.state,
            sum(result.walltime for result in results),
            *flags,
            errors=[error for result in results for error in result.errors],
            semantics=next((r.semantics for r in results if r.semantics is not None), None),
        )

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

    def dict(self) -> Dict[str, Any]:
        """The result's fields by name (the state and errors as
        dictionaries too; ``semantics`` left out)."""
        return {
            "state": self.state.dict(),
            "walltime": self.walltime,
            "reward_validated": self.reward_validated,
            "actions_replay_failed": self.actions_replay_failed,
            "reward_validation_failed": self.reward_validation_failed,
            "benchmark_semantics_validated": self.benchmark_semantics_validated,
            "benchmark_semantics_validation_failed": self.benchmark_semantics_validation_failed,
            "errors": [error.dict() for error in self.errors],
        }

    def json(self) -> str:
        """The result as a JSON object (CompilerGym's ``json()``):
        ``ValidationResult(**json.loads(result.json()))`` equals it."""
        return json.dumps(self.dict(), default=str)


def check_semantics(
    bench: Benchmark, bitcode: "str | os.PathLike[str]", timeout: Optional[float] = DEFAULT_TIMEOUT
) -> build_validation.BuildValidation:
    """Verifies, builds and runs a final module of ``bench`` and compares
    the run with the benchmark's -O0 reference. Raises BenchmarkError when
    the benchmark itself cannot be built or run at -O0."""
    build = "-O2 code generation of the episode's final module"
    fault = os.environ.get(build_validation.FAULT_ENV) or None
    reference, unchecked = build_validation.comparable_reference(bench, timeout)

    def result(outcome: str, detail: str, **kwargs: Any) -> build_validation.BuildValidation:
        return build_validation.BuildValidation(
            uri=bench.uri,
            outcome=outcome,
            detail=detail,
            build=build,
            runnable=reference is not None,
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
            unchecked=unchecked,
        )


def semantics_error(checked: build_validation.BuildValidation) -> ValidationError:
    """The validation error of a failed semantics check."""
    return ValidationError(
        "Benchmark semantics validation failed",
        {"outcome": checked.outcome, "details": checked.detail},
    )


def validate_state(
    env: "LlvmEnv",
    state: CompilerEnvState,
    replay_env: Callable[[str], "LlvmEnv"],
    own: bool = False,
) -> ValidationResult:
    """Checks that ``state`` reproduces, replaying its actions in a fresh
    episode of its benchmark in ``replay_env(state.benchmark)`` (an
    environment on ``env``'s configuration, closed here).

    With a deterministic reward space the replayed reward must equal the
    state's (``math.isclose``, rel_tol 1e-5); for ``env``'s own episode
    (``own``) the final module must also be the same (its instruction count
    and the sha1 of its IR). Then, if the benchmark is runnable, the final
    module is built, run and compared with the benchmark's -O0 reference
    (built only when the reference's output varies from run to run).
    Problems are reported in the result, never raised.
    """
    start = time.monotonic()
    result = ValidationResult(state=state)

    def failed(error_type: str, details: str, **data: Any) -> ValidationResult:
        result.actions_replay_failed = True
        result.errors.append(ValidationError(error_type, {"details": details, **data}))
        return result

    try:
        actions = env.action_space.from_string(state.commandline)
    except ValueError as error:
        failed("Invalid commandline", str(error))
    else:
        try:
            replay = replay_env(state.benchmark)
        except BenchmarkError as error:
            failed("Unknown benchmark", str(error))
        else:
            try:
                _replay(env, replay, state, actions, own, result, failed)
            finally:
                replay.close()
    result.walltime = time.monotonic() - start
    return result


def _replay(
    env: "LlvmEnv",
    replay: "LlvmEnv",
    state: CompilerEnvState,
    actions: List[int],
    own: bool,
    result: ValidationResult,
    failed: Callable[..., ValidationResult],
) -> None:
    """The checks of :func:`validate_state` on the replay environment."""
    try:
        replay.reset()
    except (DriverError, BenchmarkError, ObservationError, OSError) as error:
        failed("Cannot start the benchmark", str(error))
        return
    try:
        if actions:
            _, _, done, _, info = replay.multistep(actions)
            if done:
                failed(
                    "Action replay failed", "%s: %s" % (info["error_type"], info["error_details"])
                )
                return
        space = replay.reward_space
        if state.reward is not None and space is not None:
            result.reward_validated = True
            replayed = replay.episode_reward
            if replayed is None or not math.isclose(
                replayed, state.reward, rel_tol=1e-5, abs_tol=1e-12
            ):
                result.reward_validation_failed = True
                # CompilerGym's wording, which clients print and match.
                result.errors.append(
                    ValidationError(
                        "Expected reward %s but received reward %s" % (state.reward, replayed),
                        {
                            "reward_space": space.name,
                            "expected_reward": state.reward,
                            "actual_reward": replayed,
                        },
                    )
                )
        if own and env.in_episode:
            mine = (env.observation["IrInstructionCount"], env.observation["IrSha1"])
            theirs = (replay.observation["IrInstructionCount"], replay.observation["IrSha1"])
            if mine != theirs:
                failed(
                    "Final module differs",
                    "the replay ends with %d instructions (IR sha1 %s), the episode with %d (%s)"
                    % (theirs + mine),
                )
        bench = replay.benchmark
        if bench.runnable:
            try:
                checked = check_semantics(bench, replay.observation["BitcodeFile"])
            except (BenchmarkError, ObservationError, DriverError, OSError) as error:
                result.benchmark_semantics_validated = True
                result.benchmark_semantics_validation_failed = True
                result.errors.append(
                    ValidationError(
                        "Benchmark semantics validation failed", {"details": str(error)}
                    )
                )
            else:
                result.semantics = checked
                # Not when the program's output varies from run to run.
                result.benchmark_semantics_validated = checked.runnable
                if not checked.ok:
                    result.benchmark_semantics_validation_failed = True
                    result.errors.append(semantics_error(checked))
    except (DriverError, ObservationError) as error:
        failed("Replay failed", str(error))
