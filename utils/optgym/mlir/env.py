"""MlirEnv: one step per decision of OptGymMLIR.so's passes, in the order
mlir-opt asks them (tile sizes of each band's loops, then unroll-and-jam of
each loop whose iterations are independent, then unrolling of each innermost
loop), like MLIR-RL's loop-by-loop episodes.

An action is the index of a choice of the current decision's kind (or the
choice's name): ``info["action_mask"]`` marks the indices that kind has, and
``action_space`` is as large as the largest kind; past a kind's choices an
index wraps around (index modulo the number of choices). Rewards are the
decrease of a cost (the kernel's run time, or the instructions of its
lowered LLVM IR after -O2) since the previous step, over the cost of the
default pipeline: an episode's rewards add up to ``1 - final / default``. A
state's cost is measured with every decision not yet taken at its default
(or at its kind's ``undecided`` choice).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import gymnasium
import numpy as np

from .kernels import Kernel, resolve_kernel
from .pipeline import DEFAULT_KINDS, DEFAULT_PIPELINE, MlirQuery, MlirToolchain, OptimizedKernel

__all__ = [
    "CHOICES",
    "DEFAULT_BENCHMARK",
    "FEATURES",
    "MlirEnv",
    "MlirValidationResult",
    "OBSERVATION_SPACES",
    "REWARD_SPACES",
]

DEFAULT_BENCHMARK = "benchmark://mlir-v0/matmul"

#: Each kind's choices, in the plugin's order (oracle/DecisionKind.cpp;
#: a test compares them with what the plugin records).
_TILE_SIZES = ("default", "none") + tuple("size:%d" % (2 << i) for i in range(9))
_FACTORS = ("default", "none", "full") + tuple("factor:%d" % n for n in range(2, 33))
CHOICES: Dict[str, Tuple[str, ...]] = {
    "affine-tile": _TILE_SIZES,
    "affine-unroll": _FACTORS,
    "affine-unroll-jam": _FACTORS,
    "linalg-tile": _TILE_SIZES,
    "tune-knob": ("default",) + tuple("option:%d" % i for i in range(32)),
}
#: Each kind's integer features, in the plugin's order
#: (oracle/DecisionKinds.def); string features (linalg-tile's ``op``) are in
#: the query only.
FEATURES: Dict[str, Tuple[str, ...]] = {
    "affine-tile": (
        "band_depth",
        "band_position",
        "trip_count",
        "footprint_bytes",
        "default_size",
        "unit_stride_accesses",
        "strided_accesses",
        "invariant_accesses",
    ),
    "affine-unroll": (
        "depth",
        "innermost",
        "trip_count",
        "body_ops",
        "arith_ops",
        "memory_ops",
        "calls",
        "nest_size",
    ),
    "affine-unroll-jam": (
        "depth",
        "trip_count",
        "inner_loops",
        "inner_reductions",
        "body_ops",
        "memory_ops",
        "unit_stride_accesses",
        "invariant_accesses",
        "default_factor",
    ),
    "linalg-tile": (
        "loops",
        "loop_position",
        "parallel",
        "range",
        "element_bits",
        "float",
        "default_size",
    ),
    "tune-knob": (
        "options",
        "alternatives",
        "position",
        "selected",
        "first_option",
        "last_option",
    ),
}

OBSERVATION_SPACES = ("Features", "OpCounts", "MlirText", "Query")
REWARD_SPACES = ("Runtime", "IrInstructionCount")

#: The operation groups OpCounts counts, in its order.
OP_GROUPS = ("total", "affine.for", "affine.load", "affine.store", "arith", "memref", "vector")
_OPERATION = re.compile(r"^\s*(?:%[^=]+=\s*)?([a-z_]+\.[a-z_.0-9]+)\b", re.MULTILINE)


def op_counts(text: str) -> np.ndarray:
    """How many operations of each of :data:`OP_GROUPS` the MLIR text has."""
    names = Counter(match.group(1) for match in _OPERATION.finditer(text))
    counts = [sum(names.values())]
    for group in OP_GROUPS[1:]:
        if "." in group:
            counts.append(names.get(group, 0))
        else:
            counts.append(sum(n for name, n in names.items() if name.startswith(group + ".")))
    return np.array(counts, dtype=np.int64)


@dataclass
class MlirValidationResult:
    """Whether the state's kernel prints what the unoptimized kernel prints.

    Attributes:
        okay: it does.
        expected: the unoptimized kernel's output.
        actual: the state's kernel's output ("" when it failed).
        error: what went wrong, when something did.
    """

    okay: bool
    expected: str
    actual: str
    error: Optional[str] = None

    def __bool__(self) -> bool:
        return self.okay


class _ObservationView:
    def __init__(self, env: "MlirEnv") -> None:
        self._env = env

    def __getitem__(self, name: str) -> Any:
        return self._env._observe(name)


class MlirEnv(gymnasium.Env):
    """The MLIR loop-nest environment (``optgym.make("mlir-v0")``).

    Args:
        benchmark: a bundled kernel (``benchmark://mlir-v0/NAME`` or NAME),
            ``generator://mlir-affine-v0/SEED``, or a .mlir file.
        observation_space: what reset/step return: ``Features`` (the current
            decision's kind, one-hot, then its features, padded), ``OpCounts``
            (:data:`OP_GROUPS` of the current state), ``MlirText`` or
            ``Query`` (the current :class:`MlirQuery`).
        reward_space: ``Runtime``, ``IrInstructionCount`` or None.
        pipeline: the passes (default: tiling, then unrolling).
        kinds: the decision kinds the episode decides.
        runtime_runs: timed runs of the kernel per measurement (the median,
            after one warm-up run).
        llvm_version: the LLVM major (default: the installed plugin's).
        toolchain: an :class:`MlirToolchain` to share (not closed here).
        undecided: by kind, the choice decisions not yet taken get (default:
            their default); a schedule's ``tune-knob`` decisions need one,
            as the interpreter fails on a knob left open.
    """

    metadata = {"render_modes": ["ansi"]}

    def __init__(
        self,
        benchmark: Union[str, Any] = DEFAULT_BENCHMARK,
        observation_space: str = "Features",
        reward_space: Optional[str] = None,
        pipeline: str = DEFAULT_PIPELINE,
        kinds: Sequence[str] = DEFAULT_KINDS,
        runtime_runs: int = 5,
        llvm_version: Optional[Union[int, str]] = None,
        toolchain: Optional[MlirToolchain] = None,
        render_mode: Optional[str] = None,
        undecided: Optional[Dict[str, str]] = None,
    ) -> None:
        unknown = [kind for kind in kinds if kind not in CHOICES]
        if unknown or not kinds:
            raise ValueError(
                "unknown decision kinds %s (known: %s)" % (unknown, ", ".join(CHOICES))
            )
        if observation_space not in OBSERVATION_SPACES:
            raise ValueError(
                "unknown observation space %r (known: %s)"
                % (observation_space, ", ".join(OBSERVATION_SPACES))
            )
        if reward_space is not None and reward_space not in REWARD_SPACES:
            raise ValueError(
                "unknown reward space %r (known: %s)" % (reward_space, ", ".join(REWARD_SPACES))
            )
        for kind, choice in (undecided or {}).items():
            if kind not in kinds or choice not in CHOICES[kind]:
                raise ValueError(
                    "undecided: %r is not a choice of a kind of this environment (%s)"
                    % (choice, ", ".join(kinds))
                )
        if runtime_runs < 1:
            raise ValueError("runtime_runs must be at least 1, not %r" % runtime_runs)
        self.kinds = tuple(kinds)
        self.undecided = dict(undecided or {})
        self.pipeline = pipeline
        self.runtime_runs = runtime_runs
        self.render_mode = render_mode
        self.observation_space_name = observation_space
        self.reward_space_name = reward_space
        self._owns_toolchain = toolchain is None
        self.toolchain = toolchain or MlirToolchain(llvm_version)
        self.kernel: Kernel = resolve_kernel(benchmark)

        self.action_space = gymnasium.spaces.Discrete(max(len(CHOICES[k]) for k in self.kinds))
        self._width = len(self.kinds) + max(len(FEATURES[k]) for k in self.kinds)
        self.observation_space = self._space(observation_space)

        self._answers: Dict[Tuple[str, str], str] = {}
        self._current: Optional[OptimizedKernel] = None
        self._pending: Optional[MlirQuery] = None
        self._default_text: Optional[str] = None
        self._costs: Dict[Tuple[str, str], float] = {}
        self._previous_cost: Optional[float] = None
        self.observation = _ObservationView(self)

    # -- spaces -----------------------------------------------------------------

    def _space(self, name: str) -> gymnasium.Space:
        big = np.iinfo(np.int64).max
        if name == "Features":
            return gymnasium.spaces.Box(0, big, shape=(self._width,), dtype=np.int64)
        if name == "OpCounts":
            return gymnasium.spaces.Box(0, big, shape=(len(OP_GROUPS),), dtype=np.int64)
        if name == "MlirText":
            return gymnasium.spaces.Text(max_length=1 << 30)
        return gymnasium.spaces.Dict({})

    # -- the episode ------------------------------------------------------------

    @property
    def benchmark(self) -> str:
        return self.kernel.uri

    @property
    def query(self) -> Optional[MlirQuery]:
        """The decision the next step answers (None at the episode's end)."""
        return self._pending

    @property
    def answers(self) -> List[Tuple[str, str, str]]:
        """The decisions taken, in order: (kind, key, choice)."""
        return [(kind, key, choice) for (kind, key), choice in self._answers.items()]

    def action_mask(self) -> np.ndarray:
        mask = np.zeros(self.action_space.n, dtype=np.int8)
        if self._pending is not None:
            mask[: len(CHOICES[self._pending.kind])] = 1
        return mask

    def reset(
        self,
        *,
        seed: Optional[int] = None,
        options: Optional[Dict[str, Any]] = None,
        benchmark: Optional[Union[str, Any]] = None,
    ):
        super().reset(seed=seed)
        chosen = benchmark or (options or {}).get("benchmark")
        if chosen is not None:
            self.kernel = resolve_kernel(chosen)
        self._answers = {}
        self._advance()
        self._default_text = self._current.text
        self._previous_cost = None
        if self.reward_space_name is not None:
            self._previous_cost = self.cost(self.reward_space_name)
        return self._observe(self.observation_space_name), self._info()

    def step(self, action: Union[int, np.integer, str]):
        if self._current is None:
            raise RuntimeError("call reset() before step()")
        query = self._pending
        if query is None:
            raise RuntimeError("the episode has ended: every decision is taken (call reset())")
        choices = CHOICES[query.kind]
        if isinstance(action, str):
            if action not in choices:
                raise ValueError(
                    "%r is not a choice of %s (expected one of %s)"
                    % (action, query.kind, ", ".join(choices))
                )
            choice = action
        else:
            index = int(action)
            if not 0 <= index < self.action_space.n:
                raise ValueError(
                    "action %d is outside the action space (0 to %d)"
                    % (index, self.action_space.n - 1)
                )
            # Past the kind's own choices the index wraps around, so that an
            # agent that ignores the mask still takes valid decisions.
            choice = choices[index % len(choices)]
        self._answers[(query.kind, query.key)] = choice
        self._advance()
        reward = 0.0
        if self.reward_space_name is not None:
            cost = self.cost(self.reward_space_name)
            baseline = self.default_cost(self.reward_space_name)
            reward = (self._previous_cost - cost) / baseline if baseline else 0.0
            self._previous_cost = cost
        terminated = self._pending is None
        return self._observe(self.observation_space_name), reward, terminated, False, self._info()

    def _advance(self) -> None:
        self._current = self.toolchain.optimize(
            self.kernel.path,
            self._answers,
            self.pipeline,
            self.kinds,
            self.kernel.uri,
            undecided=self.undecided,
        )
        self._pending = next(
            (q for q in self._current.queries if (q.kind, q.key) not in self._answers), None
        )

    def _info(self) -> Dict[str, Any]:
        return {
            "action_mask": self.action_mask(),
            "query": self._pending,
            "kind": None if self._pending is None else self._pending.kind,
            "decisions_taken": len(self._answers),
        }

    # -- observations -----------------------------------------------------------

    def _observe(self, name: str) -> Any:
        if self._current is None:
            raise RuntimeError("call reset() before asking for observations")
        if name == "Features":
            vector = np.zeros(self._width, dtype=np.int64)
            query = self._pending
            if query is not None:
                vector[self.kinds.index(query.kind)] = 1
                for i, feature in enumerate(FEATURES[query.kind]):
                    vector[len(self.kinds) + i] = max(0, int(query.features.get(feature, 0)))
            return vector
        if name == "OpCounts":
            return op_counts(self._current.text)
        if name == "MlirText":
            return self._current.text
        if name == "Query":
            return self._pending
        raise KeyError(
            "unknown observation space %r (known: %s)" % (name, ", ".join(OBSERVATION_SPACES))
        )

    # -- costs ------------------------------------------------------------------

    def _measure(self, text: str, space: str) -> float:
        digest = hashlib.sha256(text.encode()).hexdigest()
        cached = self._costs.get((digest, space))
        if cached is not None:
            return cached
        uri = self.kernel.uri
        llvm_ir = self.toolchain.lower(text, uri)
        if space == "IrInstructionCount":
            value = float(self.toolchain.instruction_count(llvm_ir, uri))
        elif space == "Runtime":
            run = self.toolchain.run(
                self.toolchain.build(llvm_ir, uri), runs=self.runtime_runs + 1, uri=uri
            )
            value = run.median(warmup=1)
        else:
            raise KeyError(
                "unknown reward space %r (known: %s)" % (space, ", ".join(REWARD_SPACES))
            )
        self._costs[(digest, space)] = value
        return value

    def cost(self, space: str) -> float:
        """The current state's cost: ``Runtime`` (seconds, the median of
        ``runtime_runs``) or ``IrInstructionCount``."""
        if self._current is None:
            raise RuntimeError("call reset() before asking for costs")
        return self._measure(self._current.text, space)

    def default_cost(self, space: str) -> float:
        """The cost of the default pipeline: the state reset() starts from,
        no decision taken."""
        if self._default_text is None:
            raise RuntimeError("call reset() before asking for costs")
        return self._measure(self._default_text, space)

    # -- states -----------------------------------------------------------------

    def fork(self) -> "MlirEnv":
        """A copy of this environment in its current state (sharing the
        toolchain and the measurement cache)."""
        other = MlirEnv.__new__(MlirEnv)
        other.__dict__.update(self.__dict__)
        other._owns_toolchain = False
        other._answers = dict(self._answers)
        other.observation = _ObservationView(other)
        return other

    def apply(self, answers: Sequence[Tuple[str, str, str]]) -> None:
        """Puts the environment in the state of these (kind, key, choice)
        decisions (what :attr:`answers` returns), without rewards."""
        self._answers = {(kind, key): choice for kind, key, choice in answers}
        self._advance()
        if self.reward_space_name is not None:
            self._previous_cost = self.cost(self.reward_space_name)

    def policy(self) -> Dict[str, Any]:
        """The state's decisions as an OptGym policy file's content:
        ``OPTGYM_ORACLE=policy:FILE mlir-opt --load-pass-plugin=OptGymMLIR.so
        --pass-pipeline='builtin.module(PIPELINE)' KERNEL`` reproduces it."""
        decisions: Dict[str, Dict[str, Any]] = {}
        for (kind, key), choice in self._answers.items():
            decisions.setdefault(kind, {"table": {}})["table"][key] = choice
        for kind, choice in self.undecided.items():
            decisions.setdefault(kind, {})["fallback"] = choice
        return {"format": "optgym-policy", "version": 1, "decisions": decisions}

    def validate(self, runs_timeout: float = 300.0) -> MlirValidationResult:
        """Builds and runs the state's kernel and the unoptimized kernel and
        compares what they print."""
        if self._current is None:
            raise RuntimeError("call reset() before validate()")
        uri = self.kernel.uri

        def output(text: str) -> str:
            toolchain = self.toolchain
            executable = toolchain.build(toolchain.lower(text, uri), uri)
            return toolchain.run(executable, timeout=runs_timeout, uri=uri).stdout

        try:
            reference = output(self.kernel.text)
        except Exception as error:  # noqa: BLE001 - reported, not raised
            return MlirValidationResult(False, "", "", "the unoptimized kernel failed: %s" % error)
        try:
            actual = output(self._current.text)
        except Exception as error:  # noqa: BLE001 - reported, not raised
            return MlirValidationResult(False, reference, "", str(error))
        if actual != reference:
            return MlirValidationResult(
                False,
                reference,
                actual,
                "the output differs: %r, expected %r" % (actual[:200], reference[:200]),
            )
        return MlirValidationResult(True, reference, actual)

    def render(self) -> Optional[str]:
        text = "" if self._current is None else self._current.text
        if self.render_mode == "ansi":
            return text
        print(text)
        return None

    def close(self) -> None:
        if self._owns_toolchain:
            self.toolchain.close()

    def __enter__(self) -> "MlirEnv":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def save_policy(self, path: str) -> None:
        """Writes :meth:`policy` to ``path``."""
        with open(path, "w", encoding="utf-8") as stream:
            json.dump(self.policy(), stream, indent=1, sort_keys=True)
            stream.write("\n")
