"""Reinforcement learning of pass orders: PPO (Stable-Baselines3) trained
in the gym, evaluated as a search agent, exported as policy files.

A search agent (``optgym search``) starts from nothing on every program; a
trained policy has seen the training programs and proposes a pass order for
a new one in one rollout, a tenth of a second. This module holds the
pieces of that experiment:

* :class:`PassOrderEnv`, a Gymnasium environment over the gym
  (``llvm-v0`` with the ``Autophase`` observation and the
  ``IrInstructionCountOz`` reward) whose observation is a fixed-size float
  vector a multilayer perceptron can read: the Autophase features per
  instruction, the module's size and progress, the histogram of the
  actions taken so far and which of them would do nothing now; its
  actions are a subset of the gym's
  (:data:`ACTIONS`); an episode is a fixed number of steps and starts on a
  program drawn from a list.
* :func:`train`: PPO on the training programs, the model checked on held-out
  validation programs as it learns and the best checkpoints kept (one for
  a single deterministic rollout, one for sampled rollouts); it writes
  Stable-Baselines3's ``deterministic.zip`` and ``model.zip``,
  ``config.json``, ``training.jsonl`` (the curve) and
  ``training-curve.png``.
* :func:`evaluate`: the trained policy on each program as a search agent: a
  greedy (deterministic) rollout, then, while a wall-time or rollout budget
  lasts, sampled rollouts; the best prefix of any rollout is the result, a
  :class:`~optgym.search.passorder.SearchResult` whose JSON line
  ``optgym leaderboard --results`` reads like ``optgym search``'s.
* :func:`export_policy`: a result as a policy file whose ``pass-choice``
  table ``clang -fpass-plugin=OptGym.so`` replays (docs/rl.md).
* :func:`configure_parser`/:func:`run`: ``optgym rl train|evaluate|export``.

Torch and Stable-Baselines3 are imported only when training or loading a
model (``pip install stable-baselines3``); the environment needs neither.
docs/rl.md is the user documentation, bench/ppo/ the measured baseline.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import gymnasium
import numpy as np

from .cache import atomic_write
from .progress import Deadline, Progress
from .search.passorder import SearchResult, geomean, results_table, validate_result

__all__ = [
    "ACTIONS",
    "CHECKPOINTS",
    "PassOrderEnv",
    "PolicyResult",
    "TrainConfig",
    "configure_parser",
    "evaluate",
    "evaluate_program",
    "export_policy",
    "load_model",
    "run",
    "train",
    "train_validation_split",
]

#: The actions the policy chooses from, by the gym's names. Fewer choices
#: make each one more often tried, which matters more to PPO than to a
#: search: the policy must learn a distribution over them from a few
#: thousand episodes. The first group is every action in a best order of
#: ``optgym search greedy --split train --budget 0 --max-evaluations 1000``
#: (29 actions); greedy never takes a step that grows the module, so the
#: second group adds the enablers and clean-ups of LLVM's own -Oz pipeline
#: that grow it or do nothing alone but let the first group shrink it
#: (inlining, interprocedural attribute and argument passes, loop passes,
#: reg2mem as the undo of mem2reg). Chosen on the training split only.
ACTIONS: Tuple[str, ...] = (
    # In greedy's best orders on the training split.
    "-instcombine",
    "-simplifycfg<switch-range-to-icmp;switch-to-lookup;no-keep-loops;hoist-common-insts;sink-common-insts>",
    "-simplifycfg",
    "-gvn<no-pre>",
    "-newgvn",
    "-gvn-hoist",
    "-mem2reg",
    "-early-cse-memssa",
    "-load-store-vectorizer",
    "-sroa",
    "-ipsccp",
    "-gvn",
    "-attributor",
    "-slp-vectorizer",
    "-indvars",
    "-jump-threading",
    "-aggressive-instcombine",
    "-bdce",
    "-nary-reassociate",
    "-loop-rotate",
    "-loop-simplifycfg",
    "-loop-data-prefetch",
    "-tailcallelim",
    "-correlated-propagation",
    "-speculative-execution",
    "-loop-distribute",
    "-memcpyopt",
    "-mergefunc",
    "-dse",
    # Enablers and clean-ups of the -Oz pipeline.
    "-inline",
    "-functionattrs",
    "-globalopt",
    "-globaldce",
    "-deadargelim",
    "-argpromotion",
    "-licm",
    "-loop-deletion",
    "-loop-idiom",
    "-loop-instsimplify",
    "-dce",
    "-adce",
    "-sccp",
    "-reassociate",
    "-instsimplify",
    "-early-cse",
    "-constmerge",
    "-strip-dead-prototypes",
    "-elim-avail-extern",
    "-mldst-motion",
    "-reg2mem",
)

#: Steps per episode. The greedy orders of the training split are 8 to 16
#: passes long; an episode leaves room for enablers and repeats, and the
#: best prefix of a rollout is what counts, so steps past the best are free
#: exploration, not harm.
EPISODE_LENGTH = 40

#: Every this-many-th program of the training split (sorted) is held out for
#: validation: datasets/splits.json has only train and test, and the test
#: split must not choose the checkpoint.
VALIDATION_EVERY = 4

#: Seconds a step may take before it ends the episode (as optgym search).
STEP_TIMEOUT = 30.0

#: The observation vector's layout; a model is only valid for the layout it
#: was trained on, so config.json records it and loading checks it.
OBSERVATION_LAYOUT = "autophase-per-inst+size+progress+step+histogram+idle/v1"

_AUTOPHASE_FEATURES = 56

#: The models :func:`train` keeps, by the use they were chosen for: the
#: best for sampled rollouts (a search), the best deterministic rollout,
#: and the last.
CHECKPOINTS = {"search": "model.zip", "deterministic": "deterministic.zip", "last": "last.zip"}


def train_validation_split(uris: Sequence[str]) -> Tuple[List[str], List[str]]:
    """(training, validation) programs: every :data:`VALIDATION_EVERY`-th
    of ``uris`` (from the ``VALIDATION_EVERY - 1``-th) is held out."""
    validation = list(uris[VALIDATION_EVERY - 1 :: VALIDATION_EVERY])
    training = [uri for uri in uris if uri not in validation]
    return training, validation


# -- the environment ----------------------------------------------------------------


class PassOrderEnv(gymnasium.Env):
    """Pass ordering as a fixed-length episodic task for a neural policy.

    Each ``reset`` starts an episode on one of ``benchmarks`` (drawn from
    the environment's seeded generator, or ``options={"benchmark": URI}``);
    ``step(i)`` applies ``actions[i]``; the episode is truncated after
    ``episode_length`` steps. The reward is the gym's
    ``IrInstructionCountOz``: the fall of the instruction count divided by
    the program's (-O0 count - -Oz count), so that an episode's return is
    1.0 when it matches -Oz on every program, large or small, and one
    program's scale does not drown the others' gradients.

    The observation (float32) is, in order:

    * the 56 Autophase features divided by the module's instruction count:
      counts of a large and a small program on one scale, and what the mix
      of instructions is rather than how many;
    * the instruction count over the unoptimized count (how far the episode
      has come) and ln(unoptimized count) / 10 (how big the program is);
    * the step over ``episode_length`` (how many steps remain);
    * how many times each action was taken, over ``episode_length``:
      Autophase cannot tell that ``-inline`` already ran, the history can;
    * which actions are known to do nothing to the current module (1: it
      was applied since the module last changed and reported no change).
      Passes are deterministic, so such an action would do nothing again;
      without this a policy keeps choosing a pass that no longer acts, as
      the untrained argmax does. :attr:`idle` is the same as a mask.

    A step the gym reports as failed (a crash, a broken module, a timeout)
    ends the episode with reward 0, as the gym does. ``info`` carries the
    module's ``ir_instruction_count`` after every step.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        benchmarks: Sequence[str],
        actions: Sequence[str] = ACTIONS,
        episode_length: int = EPISODE_LENGTH,
        plugin: Optional[str] = None,
        step_timeout: float = STEP_TIMEOUT,
    ) -> None:
        import optgym

        if not benchmarks:
            raise ValueError("PassOrderEnv needs at least one benchmark")
        if episode_length < 1:
            raise ValueError("episode_length must be at least 1")
        self.benchmarks = list(benchmarks)
        self.episode_length = episode_length
        self.env = optgym.make(
            "llvm-v0",
            benchmark=self.benchmarks[0],
            observation_space="Autophase",
            reward_space="IrInstructionCountOz",
            plugin=plugin,
            step_timeout=step_timeout,
            # Every training program keeps its loaded root: a reset is then a
            # fork, never a reload.
            root_cache_size=max(4, len(self.benchmarks)),
        )
        space = self.env.action_space
        unknown = [name for name in actions if name not in space.names]
        if unknown:
            self.env.close()
            raise ValueError("unknown actions: %s" % ", ".join(unknown))
        self.action_names = list(actions)
        self.actions = [space.index(name) for name in actions]
        self.action_space = gymnasium.spaces.Discrete(len(self.actions))
        size = _AUTOPHASE_FEATURES + 3 + 2 * len(self.actions)
        # The per-instruction ratios and the history are bounded in practice
        # (a feature can count more than the instructions, e.g. edges), so
        # the bounds are loose: PPO does not clip observations to them.
        self.observation_space = gymnasium.spaces.Box(
            low=0.0, high=np.inf, shape=(size,), dtype=np.float32
        )
        # Where TotalInsts is in the Autophase vector: the driver says, at
        # the first reset.
        self._total_insts: Optional[int] = None
        self._histogram = np.zeros(len(self.actions), dtype=np.float32)
        self._idle = np.zeros(len(self.actions), dtype=bool)
        self._steps = 0
        self._start_count = 1
        self._count = 1
        self._autophase: Optional[np.ndarray] = None

    @property
    def benchmark(self) -> str:
        """The URI of the current episode's program."""
        return self.env.benchmark.uri

    @property
    def ir_instruction_count(self) -> int:
        return self._count

    @property
    def steps(self) -> int:
        """Steps taken in the episode, failed ones included."""
        return self._steps

    @property
    def idle(self) -> np.ndarray:
        """True for each action known to leave the current module as it is."""
        return self._idle.copy()

    @property
    def start_count(self) -> int:
        """The episode's unoptimized instruction count."""
        return self._start_count

    @property
    def oz_count(self) -> int:
        """The program's -Oz instruction count (the gym's baseline)."""
        return int(self.env.observation["IrInstructionCountOz"])

    def _observation(self) -> np.ndarray:
        autophase = np.asarray(self._autophase, dtype=np.float64)
        per_instruction = autophase / max(float(autophase[self._total_insts]), 1.0)
        extra = [
            self._count / max(self._start_count, 1),
            math.log(max(self._start_count, 1)) / 10.0,
            self._steps / self.episode_length,
        ]
        return np.concatenate(
            [per_instruction, extra, self._histogram / self.episode_length, self._idle]
        ).astype(np.float32)

    def reset(
        self, *, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None
    ) -> Tuple[np.ndarray, Dict[str, Any]]:
        super().reset(seed=seed)
        benchmark = (options or {}).get("benchmark")
        if benchmark is None:
            benchmark = self.benchmarks[int(self.np_random.integers(len(self.benchmarks)))]
        self._autophase, _ = self.env.reset(benchmark=benchmark)
        if self._total_insts is None:
            self._total_insts = list(self.env.observation["AutophaseNames"]).index("TotalInsts")
        self._histogram[:] = 0
        self._idle[:] = False
        self._steps = 0
        self._start_count = self._count = int(self.env.observation["IrInstructionCount"])
        return self._observation(), {
            "benchmark": self.benchmark,
            "ir_instruction_count": self._count,
        }

    def step(self, action: Any) -> Tuple[np.ndarray, float, bool, bool, Dict[str, Any]]:
        action = int(action)
        observation, reward, terminated, truncated, info = self.env.step(self.actions[action])
        self._steps += 1
        self._histogram[action] += 1
        if terminated or truncated:
            # The gym ended the episode (a failed step, or its pass limit):
            # the module is the last good one, the reward 0.
            terminated, reward = True, 0.0
        else:
            self._autophase = observation
            self._count = int(self.env.observation["IrInstructionCount"])
            if info.get("action_had_no_effect"):
                self._idle[action] = True
            else:
                self._idle[:] = False
        info = dict(info, ir_instruction_count=self._count, benchmark=self.benchmark)
        return (
            self._observation(),
            float(reward),
            bool(terminated),
            self._steps >= self.episode_length,
            info,
        )

    def close(self) -> None:
        self.env.close()
        super().close()


# -- rollouts -----------------------------------------------------------------------


@dataclass
class PolicyResult(SearchResult):
    """A program's result (``optgym search``'s line, agent ``ppo``) and the
    policy file it was exported to, if any (``policy`` in the line)."""

    policy: Optional[str] = None

    def to_json(self) -> Dict[str, Any]:
        line = super().to_json()
        if self.policy:
            line["policy"] = self.policy
        return line


def _action_probabilities(model: Any, observation: np.ndarray) -> np.ndarray:
    """The policy's distribution over the actions at ``observation``."""
    torch = _torch()
    with torch.no_grad():
        tensor, _ = model.policy.obs_to_tensor(observation)
        distribution = model.policy.get_distribution(tensor).distribution
        return distribution.probs[0].cpu().numpy().astype(np.float64)


def _choose(
    model: Any,
    observation: np.ndarray,
    idle: np.ndarray,
    rng: Optional[np.random.Generator],
) -> Optional[int]:
    """The policy's action with the actions known to do nothing left out
    (:attr:`PassOrderEnv.idle`): the most likely (``rng`` None) or one
    drawn from the rest renormalized. None when every action is idle
    (nothing can change the module any more)."""
    probabilities = np.where(idle, 0.0, _action_probabilities(model, observation))
    total = probabilities.sum()
    if total <= 0:
        return None
    if rng is None:
        return int(np.argmax(probabilities))
    return int(rng.choice(len(probabilities), p=probabilities / total))


def _rollout(
    model: Any, env: PassOrderEnv, benchmark: str, rng: Optional[np.random.Generator] = None
) -> List[int]:
    """One episode of the policy on ``benchmark``, greedy (``rng`` None) or
    sampled; the instruction count after each step (the episode may end
    early on a failed step, or when no action can change the module)."""
    observation, _ = env.reset(options={"benchmark": benchmark})
    counts = []
    while True:
        action = _choose(model, observation, env.idle, rng)
        if action is None:
            break
        observation, _, terminated, truncated, info = env.step(action)
        if terminated:
            break
        counts.append(info["ir_instruction_count"])
        if truncated:
            break
    return counts


def _best_prefix(env: PassOrderEnv, counts: List[int]) -> Tuple[int, List[str]]:
    """(count, action names) of the smallest state of the episode that
    produced ``counts``, the shortest prefix among equals."""
    names = env.env.action_space.names
    best, length = env.start_count, 0
    for step, count in enumerate(counts):
        if count < best:
            best, length = count, step + 1
    return best, [names[action] for action in env.env.actions[:length]]


def evaluate_program(
    model: Any,
    env: PassOrderEnv,
    benchmark: str,
    seed: int = 0,
    budget_seconds: Optional[float] = None,
    max_rollouts: Optional[int] = None,
    validate: bool = False,
) -> PolicyResult:
    """The policy as a search agent on one program: a deterministic rollout
    (at every step the policy's most likely action of those not known to do
    nothing, :func:`_choose`), then sampled rollouts
    until ``budget_seconds`` of wall time (from before the first reset) or
    ``max_rollouts`` sampled rollouts are spent (neither: none). Every
    prefix of every rollout is a candidate, as for ``optgym search
    random``, so the result never gets worse with more budget.

    Returns the results-file line of ``optgym search`` with agent ``ppo``;
    never raises for a program that fails (``error`` says why)."""

    deadline = Deadline(budget_seconds)
    result = PolicyResult("ppo", benchmark, seed, budget_seconds, None)
    rng = np.random.default_rng(seed)
    try:
        counts = _rollout(model, env, benchmark)
        result.ir_instruction_count_o0 = env.start_count
        result.ir_instruction_count_oz = env.oz_count
        best, actions = _best_prefix(env, counts)
        evaluations = env.steps
        trajectory = [(0.0, env.start_count)]
        if best < env.start_count:
            trajectory.append((deadline.elapsed(), best))
        sampled = 0
        while (budget_seconds is not None or max_rollouts is not None) and not (
            deadline.expired() or (max_rollouts is not None and sampled >= max_rollouts)
        ):
            counts = _rollout(model, env, benchmark, rng)
            sampled += 1
            evaluations += env.steps
            count, prefix = _best_prefix(env, counts)
            if count < best:
                best, actions = count, prefix
                trajectory.append((deadline.elapsed(), best))
        result.walltime = deadline.elapsed()
        result.evaluations = evaluations
        result.ir_instruction_count = best
        result.actions = actions
        space = env.env.action_space
        result.commandline = space.to_string([space.index(name) for name in actions])
        result.trajectory = trajectory
        if validate:
            validate_result(env.env, result)
    except Exception as error:  # noqa: BLE001 - a failed program is a result line
        result.error = "%s: %s" % (type(error).__name__, error)
        result.walltime = deadline.elapsed()
    return result


def _checkpoint_for(budget_seconds: Optional[float], max_rollouts: Optional[int]) -> str:
    """The checkpoint chosen on validation for a use: sampled rollouts or
    the deterministic one alone."""
    return "search" if budget_seconds or max_rollouts else "deterministic"


def evaluate(
    model_dir: Path,
    benchmarks: Sequence[str],
    seed: int = 0,
    budget_seconds: Optional[float] = None,
    max_rollouts: Optional[int] = None,
    validate: bool = False,
    plugin: Optional[str] = None,
    policies: Optional[Path] = None,
    progress: Optional[Progress] = None,
    checkpoint: Optional[str] = None,
) -> List[PolicyResult]:
    """:func:`evaluate_program` on each program in turn, with the model
    trained into ``model_dir``; one environment process (programs are not
    run in parallel: a rollout is cheap, and the policy network is the same
    for all). With ``policies``, each result is also exported there as
    ``NAME.policy.json`` (:func:`export_policy`), its path in the result's
    line under ``policy``. ``checkpoint`` (:data:`CHECKPOINTS`): by default
    the one chosen for the use, ``deterministic`` without a budget for
    sampled rollouts, ``search`` with one."""
    model, config = load_model(
        model_dir, checkpoint or _checkpoint_for(budget_seconds, max_rollouts)
    )
    results: List[PolicyResult] = []
    env = None
    try:
        env = PassOrderEnv(
            benchmarks,
            actions=config["actions"],
            episode_length=config["episode_length"],
            plugin=plugin,
        )
        for uri in benchmarks:
            result = evaluate_program(
                model, env, uri, seed, budget_seconds, max_rollouts, validate=validate
            )
            if policies is not None and not result.error:
                path = Path(policies) / ("%s.policy.json" % _short(uri))
                export_policy(env.env, result, path)
                result.policy = str(path)
            results.append(result)
            if progress is not None:
                progress.update(
                    advance=1,
                    status="%s: %s"
                    % (
                        _short(uri),
                        "error" if result.error else "%.3fx" % (result.improvement_over_oz or 0),
                    ),
                )
    finally:
        if env is not None:
            env.close()
    return results


# -- export -------------------------------------------------------------------------


def export_policy(gym_env: Any, result: SearchResult, path: Path) -> Dict[str, Any]:
    """Writes ``result``'s pass order as a policy file that ``clang
    -fpass-plugin=OptGym.so`` replays (``OPTGYM_ORACLE=policy:PATH``; the
    table turns the ``pass-choice`` decision on), and returns it.

    The order is replayed in a fresh episode of ``gym_env`` (an ``LlvmEnv``)
    and exported by its ``export_policy``, whose keys name the module as the
    gym's driver saw it: a single-source program by its file name (``crc32.c``),
    which is what clang names it too. A multi-source program's gym module is
    its sources linked (``llvm-link``), which no compile sees; its table
    keeps those keys (``opt`` on the linked bitcode replays the result
    exactly) and gets the same steps under each source's name (``main.c``,
    ``eval.c``, as its Makefile compiles them from its directory), so that
    in a build every unit runs the order on its own. Raises RuntimeError when the replay does not reach
    the result's count (the export would not be the result)."""
    space = gym_env.action_space
    gym_env.reset(benchmark=result.benchmark)
    if result.actions:
        _, _, terminated, _, info = gym_env.multistep([space.index(n) for n in result.actions])
        if terminated:
            raise RuntimeError(
                "cannot replay %s: %s" % (result.benchmark, info.get("error_details"))
            )
    count = gym_env.observation["IrInstructionCount"]
    if count != result.ir_instruction_count:
        raise RuntimeError(
            "%s: the replay gives %d instructions, the result %d"
            % (result.benchmark, count, result.ir_instruction_count)
        )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    policy = gym_env.export_policy(
        path,
        description="ppo pass order for %s (%d instructions, -Oz %s): %s"
        % (
            result.benchmark,
            result.ir_instruction_count,
            result.ir_instruction_count_oz,
            result.commandline,
        ),
    )
    sources = list(getattr(gym_env.benchmark, "sources", []) or [])
    if len(sources) > 1:
        table = policy["decisions"]["pass-choice"]["table"]
        steps = sorted(
            ((int(key.rpartition(":step#")[2]), value) for key, value in table.items()),
        )
        root = Path(gym_env.benchmark.root)
        for source in sources:
            label = os.path.relpath(source, root)
            table.update({"%s:step#%d" % (label, step): value for step, value in steps})
        atomic_write(Path(path), json.dumps(policy, indent=1) + "\n")
    return policy


# -- training -----------------------------------------------------------------------


@dataclass
class TrainConfig:
    """What :func:`train` does. The defaults are those of bench/ppo/."""

    benchmarks: List[str]
    validation: List[str]
    total_timesteps: int = 150_000
    episode_length: int = EPISODE_LENGTH
    actions: List[str] = field(default_factory=lambda: list(ACTIONS))
    seed: int = 0
    # PPO's: a rollout of n_steps (about 50 episodes of 40 steps, so that one
    # update sees many programs), small minibatches and several epochs over
    # each rollout, as sample-efficiency matters more than update speed here.
    n_steps: int = 2048
    batch_size: int = 128
    n_epochs: int = 10
    learning_rate: float = 3e-4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    ent_coef: float = 0.01
    clip_range: float = 0.2
    net_arch: List[int] = field(default_factory=lambda: [128, 128])
    # Validate every this many environment steps (0: only at the end), with
    # the deterministic rollout and this many sampled ones per program.
    validate_every: int = 10_240
    validation_rollouts: int = 8
    # Seconds of wall time at most (None: total_timesteps decides).
    budget_seconds: Optional[float] = None


def _torch() -> Any:
    """torch, limited to one thread: the environment runs on the other
    core, and PPO's small networks gain nothing from more."""
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            "optgym rl needs torch and Stable-Baselines3: pip install stable-baselines3"
        ) from error
    torch.set_num_threads(1)
    return torch


def _ppo() -> Any:
    _torch()
    try:
        from stable_baselines3 import PPO
    except ImportError as error:
        raise ImportError(
            "optgym rl needs Stable-Baselines3: pip install stable-baselines3"
        ) from error
    return PPO


def _validation_scores(
    model: Any, env: PassOrderEnv, benchmarks: Sequence[str], rollouts: int, seed: int
) -> Tuple[float, float]:
    """(deterministic, search) scores of the model on ``benchmarks``: the
    geomean of -Oz count / the best count of the deterministic rollout, and
    of the best of it and ``rollouts`` sampled rollouts (the same seed at
    every validation, so that scores differ only by the model). The second
    chooses the checkpoint: the policy is used as a search, and a policy
    whose entropy has collapsed has a good argmax but samples nothing new
    (on the validation programs, the 8,192-step checkpoint of a 60,000-step
    run beat the last one by 6 % at 2 s per program)."""
    rng = np.random.default_rng(seed)
    deterministic, searched = [], []
    for uri in benchmarks:
        best, _ = _best_prefix(env, _rollout(model, env, uri))
        deterministic.append(env.oz_count / max(best, 1))
        for _ in range(rollouts):
            best = min(best, _best_prefix(env, _rollout(model, env, uri, rng))[0])
        searched.append(env.oz_count / max(best, 1))
    return geomean(deterministic), geomean(searched)


def _learn(
    config: TrainConfig,
    out: Path,
    env: PassOrderEnv,
    validation_env: Optional[PassOrderEnv],
    log: Any,
    progress: Progress,
    deadline: Deadline,
    best: Dict[str, Any],
    best_deterministic: Dict[str, Any],
) -> Any:
    """:func:`train`'s PPO run: learns, validates and saves the checkpoints
    into ``out``, updating ``best`` and ``best_deterministic`` (score and
    step); returns the model at the end."""
    PPO = _ppo()
    from stable_baselines3.common.callbacks import BaseCallback

    torch = _torch()

    class Recorder(BaseCallback):
        """Logs every finished episode and validates the model every
        ``validate_every`` steps (between rollouts: the training episode in
        progress is left alone, validation has its own environment)."""

        def __init__(self) -> None:
            super().__init__()
            self.returns = 0.0
            self.last_validation = 0
            self.recent: List[float] = []

        def _on_step(self) -> bool:
            (reward,) = self.locals["rewards"]
            (done,) = self.locals["dones"]
            (info,) = self.locals["infos"]
            self.returns += float(reward)
            if done:
                final = info.get("ir_instruction_count") or 1
                line = {
                    "kind": "episode",
                    "timestep": self.num_timesteps,
                    "seconds": round(deadline.elapsed(), 3),
                    "benchmark": info.get("benchmark"),
                    "return": round(self.returns, 6),
                    "final_count": final,
                }
                log.write(json.dumps(line) + "\n")
                self.recent = (self.recent + [self.returns])[-50:]
                self.returns = 0.0
            if self.num_timesteps % 256 == 0:
                progress.update(
                    advance=256,
                    status="return %.3f, best validation %s"
                    % (
                        sum(self.recent) / max(len(self.recent), 1),
                        "-" if best["score"] == -math.inf else "%.4fx" % best["score"],
                    ),
                )
            return not deadline.expired()

        def _on_rollout_start(self) -> None:
            # Here the model has been updated on every step so far (at a
            # rollout's end, the update of that rollout is still to come).
            if (
                config.validate_every
                and self.num_timesteps - self.last_validation >= config.validate_every
            ):
                self.validate()

        def validate(self) -> None:
            self.last_validation = self.num_timesteps
            if validation_env is None:
                return
            deterministic, score = _validation_scores(
                self.model,
                validation_env,
                config.validation,
                config.validation_rollouts,
                config.seed,
            )
            log.write(
                json.dumps(
                    {
                        "kind": "validation",
                        "timestep": self.num_timesteps,
                        "seconds": round(deadline.elapsed(), 3),
                        "score": round(score, 6),
                        "deterministic": round(deterministic, 6),
                    }
                )
                + "\n"
            )
            log.flush()
            if score > best["score"]:
                best.update(score=score, timestep=self.num_timesteps)
                self.model.save(out / CHECKPOINTS["search"])
            if deterministic > best_deterministic["score"]:
                best_deterministic.update(score=deterministic, timestep=self.num_timesteps)
                self.model.save(out / CHECKPOINTS["deterministic"])

    recorder = Recorder()
    torch.manual_seed(config.seed)
    model = PPO(
        "MlpPolicy",
        env,
        n_steps=config.n_steps,
        batch_size=config.batch_size,
        n_epochs=config.n_epochs,
        learning_rate=config.learning_rate,
        gamma=config.gamma,
        gae_lambda=config.gae_lambda,
        ent_coef=config.ent_coef,
        clip_range=config.clip_range,
        policy_kwargs={"net_arch": list(config.net_arch)},
        seed=config.seed,
        device="cpu",
        verbose=0,
    )
    model.learn(total_timesteps=config.total_timesteps, callback=recorder)
    if recorder.last_validation != recorder.num_timesteps:
        recorder.validate()
    if validation_env is None:
        for checkpoint, record in (("search", best), ("deterministic", best_deterministic)):
            model.save(out / CHECKPOINTS[checkpoint])
            record.update(timestep=recorder.num_timesteps, score=None)
    model.save(out / CHECKPOINTS["last"])
    return model


def train(
    config: TrainConfig,
    out: Path,
    plugin: Optional[str] = None,
    quiet: bool = False,
) -> Dict[str, Any]:
    """Trains PPO on ``config.benchmarks`` and writes into ``out``:

    * ``model.zip``: the checkpoint with the best search score on
      ``config.validation`` (the geomean of -Oz count / the best count of
      the deterministic rollout and ``validation_rollouts`` sampled ones,
      :func:`_validation_scores`), checked every ``validate_every`` steps
      and at the end: what sampled rollouts start from;
      ``deterministic.zip``: the checkpoint with the best deterministic
      score (the deterministic rollout alone), what a single rollout uses.
      They differ: as PPO trains, its policy sharpens, so the deterministic
      rollout improves while sampling finds less that is new.
      ``last.zip``: the model at the end;
    * ``config.json``: the config, the action names, the observation layout,
      the checkpoints' steps and scores, wall time and versions;
    * ``training.jsonl``: one line per episode (``episode``: step, seconds,
      benchmark, return, final count) and per validation (``validation``:
      step, seconds, search and deterministic scores);
    * ``training-curve.png`` (with matplotlib): returns and validation
      scores against steps.

    Returns what config.json holds."""
    torch = _torch()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    deadline = Deadline(config.budget_seconds)
    best: Dict[str, Any] = {"score": -math.inf, "timestep": 0}
    best_deterministic: Dict[str, Any] = {"score": -math.inf, "timestep": 0}
    with contextlib.ExitStack() as resources:
        env = resources.enter_context(
            PassOrderEnv(config.benchmarks, config.actions, config.episode_length, plugin=plugin)
        )
        validation_env = (
            resources.enter_context(
                PassOrderEnv(
                    config.validation, config.actions, config.episode_length, plugin=plugin
                )
            )
            if config.validation
            else None
        )
        log_path = out / "training.jsonl"
        log = resources.enter_context(open(log_path, "w", encoding="utf-8"))
        progress = Progress("rl train", config.total_timesteps, enabled=not quiet)
        resources.callback(progress.close)
        model = _learn(
            config, out, env, validation_env, log, progress, deadline, best, best_deterministic
        )

    import stable_baselines3

    summary = dict(
        asdict(config),
        observation_layout=OBSERVATION_LAYOUT,
        timesteps=int(model.num_timesteps),
        walltime=round(deadline.elapsed(), 1),
        best_timestep=best["timestep"],
        best_validation_score=best["score"],
        best_deterministic_timestep=best_deterministic["timestep"],
        best_deterministic_score=best_deterministic["score"],
        versions={
            "stable_baselines3": stable_baselines3.__version__,
            "torch": torch.__version__,
            "gymnasium": gymnasium.__version__,
            "python": sys.version.split()[0],
        },
    )
    atomic_write(out / "config.json", json.dumps(summary, indent=1) + "\n")
    problem = plot_training(log_path, out / "training-curve.png")
    if problem and not quiet:
        sys.stderr.write("optgym rl train: %s\n" % problem)
    return summary


def load_model(model_dir: Path, checkpoint: str = "search") -> Tuple[Any, Dict[str, Any]]:
    """(the PPO model, its config.json) of a :func:`train` output
    directory; ``checkpoint`` is a key of :data:`CHECKPOINTS`. The model
    runs on the CPU."""
    if checkpoint not in CHECKPOINTS:
        raise ValueError(
            "unknown checkpoint %r (expected %s)" % (checkpoint, ", ".join(CHECKPOINTS))
        )
    model_dir = Path(model_dir)
    config = json.loads((model_dir / "config.json").read_text())
    if config.get("observation_layout") != OBSERVATION_LAYOUT:
        raise ValueError(
            "%s: trained on observation layout %r, this optgym has %r"
            % (model_dir, config.get("observation_layout"), OBSERVATION_LAYOUT)
        )
    return _ppo().load(model_dir / CHECKPOINTS[checkpoint], device="cpu"), config


def read_training_log(path: Path) -> Tuple[List[dict], List[dict]]:
    """(episode lines, validation lines) of a training.jsonl."""
    from .jsonlines import read_json_lines

    lines = list(read_json_lines(path))
    return (
        [line for line in lines if line.get("kind") == "episode"],
        [line for line in lines if line.get("kind") == "validation"],
    )


def plot_training(log_path: Path, png: Path, window: int = 100) -> Optional[str]:
    """Draws the training curve: episode returns (mean of the last
    ``window`` episodes; 1.0 is -Oz's reduction) and validation scores
    against environment steps. None, or why it could not."""
    try:
        import matplotlib
    except ImportError:
        return "no plot: matplotlib is not installed (pip install 'optgym[plots]')"
    matplotlib.use("Agg")
    from matplotlib import pyplot

    episodes, validations = read_training_log(log_path)
    figure, (left, right) = pyplot.subplots(1, 2, figsize=(11, 4))
    if episodes:
        returns = [line["return"] for line in episodes]
        # From a fifth of a window on: the mean of the first few episodes
        # is noise.
        first = min(len(returns) - 1, window // 5)
        smoothed = [
            sum(returns[max(0, i - window + 1) : i + 1]) / (i + 1 - max(0, i - window + 1))
            for i in range(first, len(returns))
        ]
        left.plot(
            [line["timestep"] for line in episodes[first:]],
            smoothed,
            label="PPO (training programs)",
        )
    left.axhline(1.0, color="grey", linestyle=":", linewidth=1, label="-Oz")
    left.set_title("Episode return, mean of %d episodes" % window)
    left.set_ylabel("IrInstructionCountOz return")
    if validations:
        steps = [line["timestep"] for line in validations]
        right.plot(
            steps,
            [line["score"] for line in validations],
            marker="o",
            label="best of deterministic + sampled rollouts (selects)",
        )
        right.plot(
            steps,
            [line.get("deterministic", math.nan) for line in validations],
            marker=".",
            label="deterministic rollout",
        )
    right.axhline(1.0, color="grey", linestyle=":", linewidth=1, label="-Oz")
    right.set_title("Validation programs: -Oz / IR count (geomean)")
    for axes in (left, right):
        axes.set_xlabel("environment steps")
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    figure.savefig(str(png), dpi=100)
    pyplot.close(figure)
    return None


# -- the command line ---------------------------------------------------------------


def _short(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``optgym rl train|evaluate|export``."""
    commands = parser.add_subparsers(dest="rl_command", metavar="COMMAND", required=True)

    train_parser = commands.add_parser(
        "train", help="train PPO on the training split (validation held out)"
    )
    train_parser.add_argument(
        "uris",
        metavar="BENCHMARK_URI",
        nargs="*",
        help="programs to train on (default: the train split less its validation programs)",
    )
    train_parser.add_argument(
        "--validation",
        metavar="URI",
        action="append",
        help="a program to choose the checkpoint on (repeatable; default: every "
        "%d-th program of the train split)" % VALIDATION_EVERY,
    )
    train_parser.add_argument(
        "--timesteps", type=int, default=150_000, help="environment steps (default: %(default)s)"
    )
    train_parser.add_argument(
        "--budget",
        metavar="SECONDS",
        type=float,
        help="stop training after this much wall time, whatever --timesteps says",
    )
    train_parser.add_argument(
        "--episode-length", type=int, default=EPISODE_LENGTH, help="(default: %(default)s)"
    )
    train_parser.add_argument(
        "--actions",
        default="subset",
        help="'subset' (rl.ACTIONS, %d actions), 'all' (the gym's 108), or a "
        "comma-separated list of action names" % len(ACTIONS),
    )
    train_parser.add_argument(
        "--validate-every", type=int, default=10_240, metavar="STEPS", help="(default: %(default)s)"
    )
    train_parser.add_argument(
        "--validation-rollouts",
        type=int,
        default=8,
        metavar="N",
        help="sampled rollouts per validation program besides the deterministic one "
        "(default: %(default)s)",
    )
    train_parser.add_argument("--n-steps", type=int, default=2048, help="PPO's rollout length")
    train_parser.add_argument("--seed", type=int, default=0)
    train_parser.add_argument(
        "-o", "--out", type=Path, default=Path("build/rl"), help="(default: %(default)s)"
    )
    train_parser.add_argument("--plugin", metavar="PATH", help="OptGym.so (default: found)")
    train_parser.add_argument("--quiet", action="store_true")

    evaluate_parser = commands.add_parser(
        "evaluate", help="roll a trained policy out on programs (default: the test split)"
    )
    evaluate_parser.add_argument("model", type=Path, help="the directory `rl train` wrote")
    evaluate_parser.add_argument("uris", metavar="BENCHMARK_URI", nargs="*")
    evaluate_parser.add_argument(
        "--split", choices=("train", "test"), help="the bundled programs of this split"
    )
    evaluate_parser.add_argument(
        "--budget",
        metavar="SECONDS",
        type=float,
        default=0.0,
        help="wall time per program for sampled rollouts after the deterministic one "
        "(default: 0, the deterministic rollout only)",
    )
    evaluate_parser.add_argument(
        "--rollouts", type=int, metavar="N", help="sampled rollouts per program at most"
    )
    evaluate_parser.add_argument("--seed", type=int, default=0)
    evaluate_parser.add_argument(
        "--checkpoint",
        choices=sorted(CHECKPOINTS),
        help="the model to use (default: deterministic without --budget/--rollouts, "
        "search with them)",
    )
    evaluate_parser.add_argument(
        "--out", metavar="FILE", help="one JSON line per program (optgym search's format)"
    )
    evaluate_parser.add_argument(
        "--export", metavar="DIR", type=Path, help="write each program's policy file into DIR"
    )
    evaluate_parser.add_argument(
        "--validate", action="store_true", help="build and run each result against -O0"
    )
    evaluate_parser.add_argument("--plugin", metavar="PATH", help="OptGym.so (default: found)")
    evaluate_parser.add_argument("--quiet", action="store_true")

    export_parser = commands.add_parser(
        "export", help="roll a trained policy out on one program and write its policy file"
    )
    export_parser.add_argument("model", type=Path, help="the directory `rl train` wrote")
    export_parser.add_argument("uri", metavar="BENCHMARK_URI")
    export_parser.add_argument("-o", "--out", type=Path, required=True, help="the policy file")
    export_parser.add_argument(
        "--budget", metavar="SECONDS", type=float, default=0.0, help="as for evaluate"
    )
    export_parser.add_argument("--rollouts", type=int, metavar="N", help="as for evaluate")
    export_parser.add_argument("--seed", type=int, default=0)
    export_parser.add_argument("--checkpoint", choices=sorted(CHECKPOINTS), help="as for evaluate")
    export_parser.add_argument("--plugin", metavar="PATH", help="OptGym.so (default: found)")


def _action_names(text: str) -> List[str]:
    if text == "subset":
        return list(ACTIONS)
    if text == "all":
        import optgym

        with optgym.make("llvm-v0") as env:
            return list(env.action_space.names)
    return [name.strip() for name in text.split(",") if name.strip()]


def _run_train(args: argparse.Namespace) -> int:
    from .benchmarks import split_uris
    from .cli import CommandLineError

    if args.timesteps < 1 or args.episode_length < 1 or args.n_steps < 2:
        raise CommandLineError("--timesteps, --episode-length and --n-steps must be positive")
    if args.uris:
        training, validation = list(args.uris), list(args.validation or [])
    else:
        training, validation = train_validation_split(split_uris("train"))
        if args.validation is not None:
            validation = list(args.validation)
            training = [uri for uri in split_uris("train") if uri not in validation]
    config = TrainConfig(
        benchmarks=training,
        validation=validation,
        total_timesteps=args.timesteps,
        episode_length=args.episode_length,
        actions=_action_names(args.actions),
        seed=args.seed,
        n_steps=args.n_steps,
        batch_size=min(128, args.n_steps),
        validate_every=args.validate_every,
        validation_rollouts=args.validation_rollouts,
        budget_seconds=args.budget,
    )
    summary = train(config, args.out, plugin=args.plugin, quiet=args.quiet)
    if not args.quiet:
        print(
            "trained %d steps in %.0f s; validation: search %s at step %d, "
            "deterministic %s at step %d; models in %s"
            % (
                summary["timesteps"],
                summary["walltime"],
                _score(summary["best_validation_score"]),
                summary["best_timestep"],
                _score(summary["best_deterministic_score"]),
                summary["best_deterministic_timestep"],
                args.out,
            )
        )
    return 0


def _score(score: Optional[float]) -> str:
    return "-" if score is None else "%.4fx" % score


def _run_evaluate(args: argparse.Namespace) -> int:
    from .benchmarks import split_uris
    from .cli import CommandLineError

    uris = list(args.uris) + (split_uris(args.split) if args.split else [])
    if not uris:
        uris = split_uris("test")
    if args.rollouts is not None and args.rollouts < 0:
        raise CommandLineError("--rollouts must not be negative")
    progress = Progress("rl evaluate", len(uris), enabled=not args.quiet)
    try:
        results = evaluate(
            args.model,
            uris,
            seed=args.seed,
            budget_seconds=args.budget if args.budget and args.budget > 0 else None,
            max_rollouts=args.rollouts,
            validate=args.validate,
            plugin=args.plugin,
            policies=args.export,
            progress=progress,
            checkpoint=args.checkpoint,
        )
    finally:
        progress.close()
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            for result in results:
                out.write(json.dumps(result.to_json()) + "\n")
    for result in results:
        if result.error:
            sys.stderr.write("optgym rl evaluate: %s: %s\n" % (result.benchmark, result.error))
    if not args.quiet:
        print(results_table(results))
    return 1 if any(result.error for result in results) else 0


def _run_export(args: argparse.Namespace) -> int:
    budget = args.budget if args.budget and args.budget > 0 else None
    model, config = load_model(
        args.model, args.checkpoint or _checkpoint_for(budget, args.rollouts)
    )
    env = PassOrderEnv([args.uri], config["actions"], config["episode_length"], plugin=args.plugin)
    try:
        result = evaluate_program(
            model,
            env,
            args.uri,
            seed=args.seed,
            budget_seconds=budget,
            max_rollouts=args.rollouts,
        )
        if result.error:
            sys.stderr.write("optgym rl export: %s: %s\n" % (args.uri, result.error))
            return 1
        export_policy(env.env, result, args.out)
    finally:
        env.close()
    print(
        "%s: %d instructions (-Oz %d, %.3fx): %s"
        % (
            _short(args.uri),
            result.ir_instruction_count,
            result.ir_instruction_count_oz,
            result.improvement_over_oz,
            args.out,
        )
    )
    return 0


def run(args: argparse.Namespace) -> int:
    """``optgym rl COMMAND``: the exit status."""
    return {"train": _run_train, "evaluate": _run_evaluate, "export": _run_export}[args.rl_command](
        args
    )
