"""LlvmEnv: CompilerGym's LLVM phase-ordering environment on OptGym's driver.

An episode is one benchmark's module and the passes applied to it so far.
The module lives in a driver process (``opt -passes=optgym-driver``) that
asks which pass to run next; a step answers its pending query and reads the
next one (one send, one receive), a reset forks the benchmark's root process
(:mod:`optgym.gym.roots`), ``fork()`` forks the episode's own process.
docs/gym.md is the user documentation.

Failures never raise out of :meth:`LlvmEnv.step` or :meth:`LlvmEnv.multistep`
(a training loop must survive a pass that crashes the compiler): the episode
ends with ``terminated=True``, ``info["error_type"]`` and
``info["error_details"]``, reward 0 and the last good observation, and the
environment's state stays the last good one. :meth:`LlvmEnv.reset` raises,
as CompilerGym's does, when the benchmark cannot be started at all.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import functools
import json
import math
import os
import shutil
import time
import warnings
import weakref
from pathlib import Path
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

import gymnasium

from ..benchmarks import DEFAULT_TIMEOUT, Benchmark
from ..benchmarks import benchmark as resolve_benchmark
from ..cache import Cache, atomic_write
from ..dataset import Datasets, llvm_datasets
from ..errors import BenchmarkError, BuildError
from ..plugin import plugin_llvm_major
from ..toolchain import Toolchain
from .cached_connection import CachedConnection
from .driver import DriverConnection, DriverCrashed, DriverError, DriverTimeout, PendingChoice
from .observations import (
    DriverInfo,
    ObservationError,
    ObservationSpaceSpec,
    ObservationView,
    median,
    observation_specs,
)
from .process import DriverLauncher, parse_memory_limit, private_directory
from .rewards import RewardSpace, RewardState, RewardView
from .rewards import reward_space as resolve_reward_space
from .roots import Root, RootPool
from .spaces import NO_OBSERVATION, ActionSpace
from .state import CompilerEnvState
from .state_cache import StateCache
from .validation import ValidationResult, validate_state

__all__ = ["LlvmEnv", "DEFAULT_BENCHMARK", "STEP_TIMEOUT"]

#: The benchmark of an environment made without one.
DEFAULT_BENCHMARK = "benchmark://optgym-v0/crc32"
#: Seconds a step waits for the driver by default.
STEP_TIMEOUT = 300.0
# How the driver's error feature begins when OPTGYM_MAX_PASSES (default
# 1000) passes have run: not a failure, the end of the episode.
_PASS_LIMIT = "pass limit:"
#: The reward of a step without a reward space: Gymnasium wants a number.
NO_REWARD = 0.0

#: What step returns: (observation, reward, terminated, truncated, info).
StepResult = Tuple[Any, Optional[float], bool, bool, Dict[str, Any]]


def _fork_root(
    pool: RootPool, bench: Benchmark, workdir: str, timeout: Optional[float]
) -> Tuple[Root, DriverConnection]:
    """A fork of ``bench``'s root (started again once if it died or
    hung), and that root."""
    for attempt in range(2):
        root = pool.root(bench, timeout)
        try:
            connection = root.fork(workdir, timeout)
        except (DriverCrashed, DriverTimeout):
            # The root died (killed, out of memory) or hung (stopped, its
            # connection then killed): start it again once.
            pool.forget(bench)
            if attempt:
                raise
            continue
        connection.timeout = timeout
        return root, connection
    raise AssertionError("unreachable")


def _root_connection(
    pool: RootPool, bench: Benchmark, workdir: str, timeout: Optional[float]
) -> DriverConnection:
    return _fork_root(pool, bench, workdir, timeout)[1]


def _fork_workdir(parent: "weakref.ref[LlvmEnv]", child: "weakref.ref[LlvmEnv]") -> str:
    """Where a forked environment's driver is forked: in its parent's
    directory while the parent is open (a directory of its own costs a
    mkdir and a removal per fork), else in its own."""
    for env in (parent(), child()):
        if env is not None and not env.closed:
            return env._workdir_path()
    raise DriverCrashed("the environment is closed")


# The environments alive, closed at exit so that no driver outlives us.
_live_envs: "weakref.WeakSet[LlvmEnv]" = weakref.WeakSet()


@atexit.register
def _close_all() -> None:  # pragma: no cover - runs at interpreter exit
    for env in list(_live_envs):
        with contextlib.suppress(Exception):
            env.close()


def _known_observation_names() -> Tuple[str, ...]:
    return tuple(observation_specs(DriverInfo((), None, None)))


_OBSERVATION_NAMES = _known_observation_names()
_json_names = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class _EpisodeObservations:
    """An environment's :class:`~optgym.gym.observations.ObservationSource`:
    what observation computations may use of it, and nothing else."""

    __slots__ = ("_env",)

    def __init__(self, env: "LlvmEnv") -> None:
        self._env = env

    @property
    def numpy(self) -> bool:
        return self._env.numpy

    @property
    def benchmark(self) -> Benchmark:
        return self._env.benchmark

    def pending_query(self) -> PendingChoice:
        return self._env._pending_query()

    def fetch(self, query: PendingChoice, names: Iterable[str]) -> Dict[str, Any]:
        return self._env._fetch(query, names)

    def driver_names(self, attribute: str) -> List[str]:
        return self._env._names(attribute)

    def scratch_path(self, stem: str, suffix: str) -> str:
        return self._env._scratch_path(stem, suffix)

    def bitcode_file(self, query: PendingChoice) -> str:
        return self._env._bitcode_file(query)

    def baseline(self, name: str) -> Any:
        return self._env._baseline(name)

    def build_and_run(self, query: PendingChoice) -> Tuple[float, List[float]]:
        return self._env._build_and_run(query)

    def observation_specs(self) -> Dict[str, ObservationSpaceSpec]:
        return self._env._observation_specs()


class _StepRequests(NamedTuple):
    """What a step was asked to return in place of the environment's own
    observation and reward (CompilerGym's observation_spaces/reward_spaces)."""

    observations: List[ObservationSpaceSpec]
    rewards: List[RewardSpace]


def _count(name: str, value: Any, minimum: int) -> int:
    """``value`` if it is an int of at least ``minimum``; ValueError naming
    the setting otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError("%s must be an int >= %d, not %r" % (name, minimum, value))
    return value


class LlvmEnv(gymnasium.Env):
    """The LLVM pass-ordering environment (CompilerGym's ``llvm-v0``).

    Args:
        benchmark: the benchmark of the next reset: a URI
            (``benchmark://optgym-v0/crc32``, ``generator://csmith-v0/1``,
            ``file:///...``) or a :class:`~optgym.Benchmark`; default
            :data:`DEFAULT_BENCHMARK`.
        observation_space: the name of the observation ``reset`` and
            ``step`` return (``Autophase``, ``InstCount``, ...; see
            ``env.observation.spaces``), or None for no observation.
        reward_space: the name of the reward (``IrInstructionCountOz``, ...;
            :data:`optgym.gym.rewards.REWARD_SPACES`), or None for no reward.
        step_timeout: seconds a step (or an observation) may take before the
            episode ends with ``error_type`` ``"timeout"`` (the driver is
            killed: a pass that never returns costs this long, once).
        memory_limit: the address space each driver process may use, in
            bytes or as ``"2G"`` (default ``$OPTGYM_MEMORY_LIMIT``, else
            none): a pass that needs more ends the episode with
            ``error_type`` ``"crashed"``. For the default launcher, or set
            on the ``launcher`` given.
        runtime_observation_count: how many runs a Runtime observation times.
        runtime_warmup_count: untimed runs before those.
        numpy: return vectors (Autophase, InstCount, InstCountNorm) as numpy
            arrays (True, the default, as CompilerGym does) or as lists.
        launcher: how to start driver processes (default: opt with the
            plugin :func:`~optgym.find_plugin` finds, from that plugin's
            LLVM).
        plugin, toolchain: for the default launcher.
        cache: optgym's on-disk cache, for benchmarks and baselines
            (default: ``Cache.default()``); or, given a Redis URL or a
            :class:`~optgym.gym.state_cache.StateCache`, the state cache.
        state_cache: the cache of episode states shared with other
            environments, a Redis URL or a
            :class:`~optgym.gym.state_cache.StateCache` (default:
            ``$OPTGYM_CACHE_URL``, if set; False: none). docs/state-cache.md.
        root_cache_size: how many benchmarks keep a root process.
    """

    # "render.modes": gym's name before 0.25, which CompilerGym's users read.
    metadata = {"render_modes": ["human", "ansi"], "render.modes": ["human", "ansi"]}

    def __init__(
        self,
        benchmark: Union[str, Benchmark, None] = None,
        observation_space: Optional[str] = None,
        reward_space: Optional[str] = None,
        *,
        step_timeout: Optional[float] = STEP_TIMEOUT,
        runtime_observation_count: int = 5,
        runtime_warmup_count: int = 0,
        numpy: bool = True,
        launcher: Optional[DriverLauncher] = None,
        plugin: Optional[str] = None,
        toolchain: Optional[Toolchain] = None,
        cache: Union[Cache, StateCache, str, None] = None,
        root_cache_size: int = 4,
        memory_limit: Union[int, str, None] = None,
        render_mode: Optional[str] = None,
        state_cache: Union[StateCache, str, bool, None] = None,
        _pool: Optional[RootPool] = None,
    ) -> None:
        self._closed = True  # until the pool is held
        self._owned_state_cache: Optional[StateCache] = None
        if isinstance(cache, (StateCache, str)):
            if state_cache not in (None, False):
                raise ValueError(
                    "a state cache given twice: cache=%r, state_cache=%r" % (cache, state_cache)
                )
            cache, state_cache = None, cache
        if state_cache is None:
            state_cache = StateCache.from_environment()
        elif isinstance(state_cache, str):
            state_cache = StateCache(state_cache)
            # Made here, closed here: its connection was left open until
            # the garbage collector found the environment.
            self._owned_state_cache = state_cache
        elif state_cache is False:
            state_cache = None
        elif not isinstance(state_cache, StateCache):
            raise TypeError("state_cache: a Redis URL or a StateCache, not %r" % (state_cache,))
        self._state_cache: Optional[StateCache] = state_cache
        if toolchain is None and plugin is not None:
            # Benchmarks, baselines and Runtime builds use the plugin's LLVM.
            plugin = os.path.abspath(os.fspath(plugin))
            toolchain = Toolchain(plugin_llvm_major(plugin), plugin=plugin)
        self._toolchain = toolchain
        self._cache = cache
        self.numpy: bool = bool(numpy)
        self.render_mode = render_mode
        self.runtime_observation_count = runtime_observation_count
        self.runtime_warmup_count = runtime_warmup_count
        self._step_timeout = step_timeout
        self._benchmarks: Dict[str, Benchmark] = {}
        if isinstance(benchmark, Benchmark):
            self._benchmarks[benchmark.uri] = benchmark
        self._next_benchmark: Union[str, Benchmark] = (
            benchmark if benchmark is not None else DEFAULT_BENCHMARK
        )
        self._benchmark: Optional[Benchmark] = None
        self._datasets: Optional[Datasets] = None
        self._action_space: Optional[ActionSpace] = None
        self._specs: Optional[Dict[str, ObservationSpaceSpec]] = None
        self._observation_name: Optional[str] = None
        self._reward_space: Optional[RewardSpace] = None
        # Checked before any process or directory exists.
        self.observation_space = observation_space
        self.reward_space = reward_space
        self._observations = _EpisodeObservations(self)
        self.observation = ObservationView(self._observations)
        self.reward = RewardView(self.reward_of)
        # The episode.
        self._connection: Optional[DriverConnection] = None
        self._root: Optional[Root] = None
        self._actions: List[int] = []
        self._reward: Optional[RewardState] = None
        # The reward states of spaces asked for by name (env.reward[NAME],
        # step(reward_spaces=...)): each counts from the episode's start
        # and leaves the episode's own reward alone.
        self._requested_rewards: Dict[str, RewardState] = {}
        self._initial_instructions = 0
        self._last_observation: Any = None
        self._reset_time: Optional[float] = None
        self._ended: Optional[Tuple[str, str]] = None
        self._episode = 0
        self._workdir: Optional[str] = None
        self._scratch = 0
        self._key_label: Optional[str] = None
        self._suffix_memo: Optional[Tuple[Any, List[str], bool, bytes]] = None
        if _pool is None:
            if launcher is None:
                launcher = DriverLauncher.for_plugin(plugin, toolchain, memory_limit)
            elif memory_limit is not None:
                launcher.memory_limit = parse_memory_limit(memory_limit)
            _pool = RootPool(launcher, cache, root_cache_size)
        self._pool = _pool.acquire()
        self._closed = False
        _live_envs.add(self)

    # -- configuration ---------------------------------------------------------------

    @property
    def runtime_observation_count(self) -> int:
        """How many runs a Runtime observation times (at least 1)."""
        return self._runtime_observation_count

    @runtime_observation_count.setter
    def runtime_observation_count(self, value: int) -> None:
        self._runtime_observation_count = _count("runtime_observation_count", value, 1)

    @property
    def runtime_warmup_count(self) -> int:
        """Untimed runs before a Runtime observation's timed ones (>= 0)."""
        return self._runtime_warmup_count

    @runtime_warmup_count.setter
    def runtime_warmup_count(self, value: int) -> None:
        self._runtime_warmup_count = _count("runtime_warmup_count", value, 0)

    @property
    def step_timeout(self) -> Optional[float]:
        """Seconds a step may wait for the driver (None: forever)."""
        return self._step_timeout

    @step_timeout.setter
    def step_timeout(self, value: Optional[float]) -> None:
        self._step_timeout = value
        if self._connection is not None:
            self._connection.timeout = value

    @property
    def memory_limit(self) -> Optional[int]:
        """The address space (bytes) each driver process may use, or None:
        the launcher's, fixed when the environment is made."""
        return self._pool.launcher.memory_limit

    @property
    def benchmark(self) -> Benchmark:
        """The benchmark of the episode (or of the next reset)."""
        if self._benchmark is None:
            self._benchmark = self._resolve(self._next_benchmark)
        return self._benchmark

    @benchmark.setter
    def benchmark(self, value: Union[str, Benchmark]) -> None:
        # Takes effect at the next reset, as in CompilerGym.
        self._next_benchmark = value
        if self._connection is None:
            self._benchmark = None

    @property
    def toolchain(self) -> Optional[Toolchain]:
        """The LLVM tools benchmarks are built with (None: the default)."""
        return self._toolchain

    @property
    def cache(self) -> Optional[Cache]:
        """Where built benchmarks are kept (None: the default)."""
        return self._cache

    @property
    def state_cache(self) -> Optional[StateCache]:
        """The cache of episode states this environment shares (None:
        none); ``state_cache.stats`` counts its hits."""
        return self._state_cache

    @property
    def datasets(self) -> "Datasets":
        """The environment's datasets, as CompilerGym's ``env.datasets``:
        ``env.datasets["cbench-v1"].benchmark_uris()``,
        ``env.datasets.random_benchmark()`` (:mod:`optgym.dataset`). Their
        benchmarks are built with the environment's toolchain and cache."""
        if self._datasets is None:
            self._datasets = llvm_datasets(self._toolchain, self._cache)
        return self._datasets

    def _resolve(self, value: Union[str, Benchmark]) -> Benchmark:
        if isinstance(value, Benchmark):
            self._benchmarks[value.uri] = value
            return value
        text = str(value).strip()
        known = self._benchmarks.get(text)
        if known is not None:
            return known
        bench = resolve_benchmark(text, self._toolchain, self._cache)
        self._benchmarks[bench.uri] = bench
        self._benchmarks[text] = bench
        return bench

    @property
    def action_space(self) -> ActionSpace:
        """The actions: ``n``, ``names``, ``flags``, ``sample()``,
        ``to_string()``, ``from_string()`` (from the driver's hello)."""
        if self._action_space is None:
            info = self._info()
            self._action_space = ActionSpace(info.choices[1:], info.pipelines)
        return self._action_space

    @action_space.setter
    def action_space(self, value: Any) -> None:
        if value is not None and not isinstance(value, ActionSpace):
            raise TypeError("the action space is the driver's; it cannot be replaced")
        self._action_space = value

    def _info(self) -> DriverInfo:
        info = self._pool.info()
        if info is None or not info.complete():
            self._pool.root(self.benchmark, self._step_timeout)
            info = self._pool.info()
        assert info is not None
        return info

    def _names(self, attribute: str) -> List[str]:
        names = getattr(self._info(), attribute)
        if names is None:
            raise ObservationError(attribute, "the driver did not say them")
        return names

    def _observation_specs(self) -> Dict[str, ObservationSpaceSpec]:
        if self._specs is None:
            self._specs = self._make_observation_specs(self._info())
        return self._specs

    def _make_observation_specs(self, info: DriverInfo) -> Dict[str, ObservationSpaceSpec]:
        """The observation spaces of a driver (built once per environment;
        a subclass may change them)."""
        return observation_specs(info)

    @property
    def observation_space_spec(self) -> Optional[ObservationSpaceSpec]:
        """The spec of the observation space (None without one)."""
        if self._observation_name is None:
            return None
        return self._observation_specs()[self._observation_name]

    @property
    def observation_space(self) -> Any:
        """The space of the observations ``step`` returns (:class:`NoObservation`,
        whose one element is None, without one). Set it to a name, a spec or
        None."""
        spec = self.observation_space_spec
        return NO_OBSERVATION if spec is None else spec.space

    @observation_space.setter
    def observation_space(self, value: Union[str, ObservationSpaceSpec, None]) -> None:
        if isinstance(value, ObservationSpaceSpec):
            value = value.id
        if value is not None and value not in _OBSERVATION_NAMES:
            raise ValueError(
                "unknown observation space %r (known: %s)"
                % (value, ", ".join(sorted(_OBSERVATION_NAMES)))
            )
        self._observation_name = value

    @property
    def reward_space(self) -> Optional[RewardSpace]:
        """The reward space (None without one). Set it to a name or None;
        a change takes effect at the next reset."""
        return self._reward_space

    @reward_space.setter
    def reward_space(self, value: Union[str, RewardSpace, None]) -> None:
        self._reward_space = None if value is None else resolve_reward_space(value)

    @property
    def reward_range(self) -> Tuple[float, float]:
        if self._reward_space is None:
            return (-math.inf, math.inf)
        return self._reward_space.reward_range

    @property
    def compiler_version(self) -> str:
        """The LLVM version of the driver."""
        return self._info().llvm or "unknown"

    # -- the episode -------------------------------------------------------------------

    @property
    def in_episode(self) -> bool:
        """Whether an episode is running (reset, and not ended by an error)."""
        return self._connection is not None and self._ended is None

    @property
    def actions(self) -> List[int]:
        """The actions of the episode so far (indices)."""
        return list(self._actions)

    @property
    def episode_reward(self) -> Optional[float]:
        """The sum of the episode's rewards (None without a reward space).
        Settable, as in CompilerGym: later rewards add to the value set."""
        return None if self._reward is None else self._reward.episode_reward

    @episode_reward.setter
    def episode_reward(self, value: float) -> None:
        if self._reward is None:
            raise ValueError("no episode reward to set: the episode has no reward space")
        self._reward.set_episode_reward(value)

    @property
    def episode_walltime(self) -> float:
        """Seconds since the reset (a fork keeps its parent's)."""
        return 0.0 if self._reset_time is None else time.monotonic() - self._reset_time

    @property
    def state(self) -> CompilerEnvState:
        """The episode as a :class:`CompilerEnvState`."""
        return CompilerEnvState(
            benchmark=self.benchmark.uri,
            commandline=self.commandline(),
            walltime=self.episode_walltime,
            reward=self.episode_reward,
        )

    def commandline(self) -> str:
        """``opt -passes='P1,...' input.bc -o output.bc``: the opt command
        that turns the benchmark's bitcode into the episode's module, exactly
        (the pipelines are the driver's own); in CompilerGym's compatibility
        mode, CompilerGym's ``opt -flag ... input.bc -o output.bc``."""
        return self.action_space.to_string(self._actions)

    def _workdir_path(self) -> str:
        if self._workdir is None:
            self._workdir = private_directory("optgym-env-")
        return self._workdir

    def _scratch_path(self, stem: str, suffix: str) -> str:
        self._scratch += 1
        return os.path.join(self._workdir_path(), "%s-%d%s" % (stem, self._scratch, suffix))

    def _pending_query(self) -> PendingChoice:
        connection = self._connection
        if connection is None or connection.query is None:
            if self._ended is not None:
                raise ObservationError("*", "the episode ended (%s); call reset()" % self._ended[0])
            raise ObservationError("*", "no episode; call reset() first")
        return connection.query

    # -- reset ------------------------------------------------------------------------------

    def reset(
        self,
        benchmark: Union[str, Benchmark, None] = None,
        observation_space: Optional[str] = None,
        reward_space: Optional[str] = None,
        seed: Optional[int] = None,
        options: Optional[Dict[str, Any]] = None,
    ) -> Tuple[Any, Dict[str, Any]]:
        """Starts an episode; returns ``(observation, info)``.

        ``benchmark``, ``observation_space`` and ``reward_space`` (also
        accepted in ``options``) change the environment's for this and later
        episodes. ``seed`` seeds ``action_space.sample()``.
        """
        if self._closed:
            raise RuntimeError("the environment is closed")
        options = dict(options or {})
        benchmark = benchmark if benchmark is not None else options.pop("benchmark", None)
        if observation_space is None:
            observation_space = options.pop("observation_space", None)
        if reward_space is None:
            reward_space = options.pop("reward_space", None)
        super().reset(seed=seed)
        if benchmark is not None:
            self._next_benchmark = benchmark
        if observation_space is not None:
            self.observation_space = observation_space
        if reward_space is not None:
            self.reward_space = reward_space
        self._end_episode()
        self._reset_time = None
        self._ended = None
        self._reward = None
        self._requested_rewards = {}
        self._benchmark = None
        bench = self.benchmark
        connection = self._start_episode(bench)
        self._connection = connection
        self._actions = []
        self._ended = None
        self._episode += 1
        self._reset_time = time.monotonic()
        self._last_observation = None
        query = connection.query
        assert query is not None
        self._key_label = query.key.rpartition(":step#")[0] or None
        if seed is not None:
            self.action_space.seed(seed)
        self._initial_instructions = query.ir_instructions
        try:
            if self._reward_space is not None:
                self._reward = self._start_reward(self._reward_space, query)
            observation = self._observe(query)
        except BaseException:
            self._end_episode()
            raise
        self._last_observation = observation
        return observation, {}

    def _start_episode(self, bench: Benchmark) -> Union[DriverConnection, CachedConnection]:
        """A connection at the benchmark's initial state: a fork of its
        root, or through the state cache one that forks it when needed."""
        cache = self._state_cache
        key = None
        if cache is not None:
            self._root = self._pool.root(bench, self._step_timeout)
            key = self._root.state_key(self._pool.result_identity)
        if cache is None or key is None:
            self._root, connection = _fork_root(
                self._pool, bench, self._workdir_path(), self._step_timeout
            )
            return connection
        return CachedConnection.start(
            cache,
            key,
            functools.partial(_root_connection, self._pool, bench),
            self._workdir_path,
            self._step_timeout,
        )

    def _start_reward(self, space: RewardSpace, query: PendingChoice) -> RewardState:
        """A reward state that starts at the episode's initial state (the
        Runtime cost of a state first asked for after steps: at ``query``)."""
        state = RewardState(space)
        root = self._root
        assert root is not None
        if space.cost == "IrInstructionCount":
            initial: float = self._initial_instructions
            baseline = (
                None
                if space.baseline in (None, "O0")
                else root.baseline("IrInstructionCount" + space.baseline)
            )
        elif space.cost == "ObjectTextSizeBytes":
            initial = root.baseline("ObjectTextSizeO0")
            baseline = (
                None
                if space.baseline in (None, "O0")
                else root.baseline("ObjectTextSize" + space.baseline)
            )
        else:
            if not self.benchmark.runnable:
                raise ObservationError(
                    "Runtime",
                    "%s is not runnable: %s"
                    % (self.benchmark.uri, self.benchmark.not_runnable_reason),
                )
            with root.lock:
                measured = root.runtimes.get("O0")
            if measured is None:
                measured = median(self._build_and_run(query)[1])
                with root.lock:
                    root.runtimes.setdefault("O0", measured)
            initial = measured
            baseline = (
                None
                if space.baseline in (None, "O0")
                else root.runtime_baseline(
                    space.baseline, self.runtime_observation_count, DEFAULT_TIMEOUT
                )
            )
        state.reset(initial, baseline)
        return state

    def _observe(self, query: PendingChoice) -> Any:
        name = self._observation_name
        if name is None:
            return None
        return self._observation_specs()[name].compute(self._observations, query)

    # -- step --------------------------------------------------------------------------------

    def step(
        self,
        action: Any,
        observation_spaces: Optional[Sequence[Union[str, ObservationSpaceSpec]]] = None,
        reward_spaces: Optional[Sequence[Union[str, RewardSpace]]] = None,
    ) -> StepResult:
        """Applies one action (an index into ``action_space`` or a name);
        returns ``(observation, reward, terminated, truncated, info)``.

        ``info["action_had_no_effect"]`` says whether the pass left the
        module unchanged. A failure ends the episode (see the module
        documentation); it never raises. An invalid action raises
        ValueError, before anything is sent.

        ``observation_spaces`` / ``reward_spaces`` (CompilerGym's): lists of
        names whose values the step returns as lists in place of the
        observation / reward; each requested reward counts from the
        episode's start (as ``env.reward[NAME]`` does), and the episode's
        own reward is then not computed.
        """
        if self._closed:
            raise RuntimeError("the environment is closed")
        if type(action) is int and 0 <= action < self._n_actions():
            index = action
        else:
            index = self.action_space.index(action)
        return self._apply((index,), self._requests(observation_spaces, reward_spaces))

    def multistep(
        self,
        actions: Iterable[Any],
        observation_spaces: Optional[Sequence[Union[str, ObservationSpaceSpec]]] = None,
        reward_spaces: Optional[Sequence[Union[str, RewardSpace]]] = None,
    ) -> StepResult:
        """Applies several actions, with no intermediate observations (the
        driver computes the observation and reward only after the last);
        returns what ``step`` returns, the reward being the sum over the
        actions. On a failure the episode ends at the state before the call."""
        if self._closed:
            raise RuntimeError("the environment is closed")
        space = self.action_space
        indices = tuple(space.index(action) for action in actions)
        return self._apply(indices, self._requests(observation_spaces, reward_spaces))

    def _requests(
        self,
        observation_spaces: Optional[Sequence[Union[str, ObservationSpaceSpec]]],
        reward_spaces: Optional[Sequence[Union[str, RewardSpace]]],
    ) -> Optional["_StepRequests"]:
        """The lists a step was asked to return, checked before anything is
        sent (None: the environment's own observation and reward)."""
        if observation_spaces is None and reward_spaces is None:
            return None
        specs = self._observation_specs()
        observations = []
        for space in observation_spaces or ():
            name = space.id if isinstance(space, ObservationSpaceSpec) else space
            if name not in specs:
                raise ValueError(
                    "unknown observation space %r (known: %s)" % (name, ", ".join(sorted(specs)))
                )
            observations.append(specs[name])
        rewards = [resolve_reward_space(space) for space in reward_spaces or ()]
        return _StepRequests(observations, rewards)

    def _n_actions(self) -> int:
        space = self._action_space
        return len(space.names) if space is not None else len(self.action_space.names)

    def _observe_suffix(
        self, specs: Sequence[ObservationSpaceSpec], rewards: Sequence[RewardSpace]
    ) -> Tuple[List[str], bool]:
        """The driver observations the next query must carry for these
        observations and rewards, and whether it must carry the module's
        bitcode."""
        names: List[str] = []
        bitcode = False
        for spec in specs:
            names += [name for name in spec.driver if name not in names]
            bitcode |= spec.bitcode
        for space in rewards:
            if space.cost == "ObjectTextSizeBytes" and "ObjectTextSizeBytes" not in names:
                names.append("ObjectTextSizeBytes")
            elif space.cost == "Runtime":
                bitcode = True
        return names, bitcode

    def _apply(
        self, actions: Sequence[int], requests: Optional["_StepRequests"] = None
    ) -> StepResult:
        connection = self._connection
        if connection is None or self._ended is not None:
            if self._closed:
                raise RuntimeError("the environment is closed")
            if self._ended is None:
                raise RuntimeError("call reset() before step()")
            return self._ended_step()
        if not actions:
            return self._last_observation, 0.0, False, False, {"action_had_no_effect": True}
        names, suffix, bitcode = self._suffix(requests)
        bitcode_path = None
        if bitcode:
            bitcode_path = self._scratch_path("state", ".bc")
            suffix = self._encode_suffix(names + ["Bitcode=" + bitcode_path])
        previous = connection.query
        done = len(self._actions)
        changed = 0
        limit = None
        try:
            last = len(actions) - 1
            for position, action in enumerate(actions):
                query = connection.answer(action + 1, suffix if position == last else b"")
                if query.error:
                    if query.error.startswith(_PASS_LIMIT):
                        # The module is fine, but the driver takes no more
                        # passes: the episode is truncated here.
                        self._actions.append(action)
                        changed |= query.last_changed
                        limit = query.error
                        break
                    del self._actions[done:]
                    connection.close()
                    return self._fail(
                        "driver-error",
                        "the driver cannot go on after %s: %s"
                        % (self.action_space.names[action], query.error),
                    )
                self._actions.append(action)
                changed |= query.last_changed
            if bitcode_path is not None and "Bitcode=" + bitcode_path in query.observations:
                query.extra["bitcode"] = bitcode_path
            # Every cost is computed before a reward state changes, so that a
            # failure leaves the states as they were.
            if requests is None:
                reward_states = [self._reward] if self._reward is not None else []
            else:
                reward_states = [self._requested_reward(space, query) for space in requests.rewards]
            costs = [self._cost(state.space, query) for state in reward_states]
            if requests is None:
                observation = self._observe(query)
            else:
                observation = [
                    spec.compute(self._observations, query) for spec in requests.observations
                ]
        except DriverError as error:
            del self._actions[done:]
            return self._fail(error.error_type, str(error))
        except (ObservationError, BenchmarkError, OSError) as error:
            del self._actions[done:]
            return self._fail("observation-error", str(error))
        except BaseException:
            # Interrupted mid-exchange: the connection's state is unknown.
            del self._actions[done:]
            self._fail("interrupted", "interrupted")
            raise
        rewards = [state.update(cost) for state, cost in zip(reward_states, costs)]
        if requests is None:
            reward: Any = rewards[0] if rewards else NO_REWARD
            self._last_observation = observation
        else:
            reward = rewards
        self._retire(previous)
        if limit is not None:
            self._ended = ("pass-limit", limit)
            return (
                observation,
                reward,
                False,
                True,
                {"action_had_no_effect": not changed, "truncated_reason": limit},
            )
        return observation, reward, False, False, {"action_had_no_effect": not changed}

    def _suffix(self, requests: Optional["_StepRequests"]) -> Tuple[List[str], bytes, bool]:
        """The driver observations the step's last answer asks for, their
        observe member (memoized per observation and reward space), and
        whether it must ask for the module's bitcode too."""
        if requests is not None:
            names, bitcode = self._observe_suffix(requests.observations, requests.rewards)
            return names, self._encode_suffix(names), bitcode
        extra = self._step_observation_names()
        key = (self._observation_name, self._reward.space.name if self._reward else None, extra)
        memo = self._suffix_memo
        if memo is None or memo[0] != key:
            specs = self._observation_specs()
            names, bitcode = self._observe_suffix(
                ([specs[key[0]]] if key[0] is not None else []) + [specs[name] for name in extra],
                [self._reward.space] if self._reward is not None else [],
            )
            memo = self._suffix_memo = (key, names, bitcode, self._encode_suffix(names))
        return memo[1], memo[3], memo[2]

    def _step_observation_names(self) -> Tuple[str, ...]:
        """Observation spaces every step needs besides the environment's
        own (a subclass's reward, say), carried by the step's answer."""
        return ()

    @staticmethod
    def _encode_suffix(names: List[str]) -> bytes:
        if not names:
            return b""
        return b',"observe":' + _json_names(names).encode("utf-8")

    def _cost(self, space: RewardSpace, query: PendingChoice) -> float:
        if space.cost == "IrInstructionCount":
            return query.ir_instructions
        if space.cost == "ObjectTextSizeBytes":
            return self._fetch(query, ("ObjectTextSizeBytes",))["ObjectTextSizeBytes"]
        return median(self._build_and_run(query)[1])

    def _requested_reward(self, space: RewardSpace, query: PendingChoice) -> RewardState:
        """The state of a reward asked for by name, started when first asked."""
        state = self._requested_rewards.get(space.name)
        if state is None:
            state = self._start_reward(space, query)
            self._requested_rewards[space.name] = state
        return state

    def reward_of(self, space: Union[str, RewardSpace]) -> float:
        """The reward of the current state in ``space`` since that space's
        reward was last asked for (since the reset, the first time):
        CompilerGym's ``env.reward[NAME]``. The episode's own reward is
        left alone."""
        space = resolve_reward_space(space)
        query = self._pending_query()
        state = self._requested_reward(space, query)
        return state.update(self._cost(space, query))

    def _fail(self, error_type: str, details: str) -> StepResult:
        self._ended = (error_type, details)
        connection = self._connection
        if connection is not None:
            connection.close(kill=error_type in ("timeout", "protocol-error", "interrupted"))
        return self._ending_step(error_type, details)

    def _ended_step(self) -> StepResult:
        assert self._ended is not None
        error_type, details = self._ended
        return self._ending_step(
            "episode-ended",
            "the episode ended (%s: %s); call reset()"
            % (error_type, details.splitlines()[0] if details else ""),
        )

    def _ending_step(self, error_type: str, details: str) -> StepResult:
        """What a step returns when the episode cannot go on: the last good
        observation, the reward space's default, terminated."""
        reward = self._reward.space.default_value if self._reward is not None else NO_REWARD
        return (
            self._last_observation,
            reward,
            True,
            False,
            {"action_had_no_effect": True, "error_type": error_type, "error_details": details},
        )

    def _retire(self, query: Optional[PendingChoice]) -> None:
        """Deletes what a past state left in the work directory (its bitcode
        unless it was handed out as BitcodeFile)."""
        if query is None:
            return
        path = query.extra.get("bitcode")
        if path and not query.extra.get("bitcode_handed_out"):
            with contextlib.suppress(OSError):
                os.unlink(path)

    # -- observations ----------------------------------------------------------------------------

    def _fetch(self, query: PendingChoice, names: Iterable[str]) -> Dict[str, Any]:
        """The driver's values of ``names`` for ``query``'s state: those it
        carries, and the others in one observe request. ObservationError
        for a name that failed."""
        values = query.observations
        missing = [name for name in names if name not in values and name not in query.errors]
        if missing:
            connection = self._connection
            if connection is None or connection.query is not query:
                raise ObservationError(missing[0], "the state is gone (the episode moved on)")
            connection.observe(missing)
        for name in names:
            if name not in values:
                raise ObservationError(name, query.errors.get(name, "the driver gave no value"))
        return values

    def _baseline(self, name: str) -> Any:
        root = self._root
        if root is None:
            raise ObservationError(name, "no episode; call reset() first")
        return root.baseline(name)

    def _bitcode_file(self, query: PendingChoice) -> str:
        path = query.extra.get("bitcode")
        if path is None:
            path = self._scratch_path("state", ".bc")
            self._fetch(query, ("Bitcode=" + path,))
            query.extra["bitcode"] = path
        return path

    def _build_and_run(self, query: PendingChoice) -> Tuple[float, List[float]]:
        """(build seconds, run seconds per run) of the current module, built
        with the benchmark's link flags at -O2 without further IR passes."""
        found = query.extra.get("runtime")
        if found is not None:
            return found
        bench = self.benchmark
        if not bench.runnable:
            raise ObservationError(
                "Runtime", "%s is not runnable: %s" % (bench.uri, bench.not_runnable_reason)
            )
        bitcode = self._bitcode_file(query)
        exe = self._scratch_path("exe", "")
        try:
            start = time.monotonic()
            try:
                bench.codegen(bitcode, exe, "O2", link=True)
            except BuildError as error:
                raise ObservationError("Runtime", str(error)) from None
            buildtime = time.monotonic() - start
            for _ in range(self.runtime_warmup_count):
                bench.run(exe, DEFAULT_TIMEOUT)
            times = []
            for _ in range(self.runtime_observation_count):
                run = bench.run(exe, DEFAULT_TIMEOUT)
                if run.timed_out or run.signal is not None:
                    raise ObservationError("Runtime", "the program %s" % run.describe())
                times.append(run.walltime)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(exe)
        result = (buildtime, times)
        query.extra["runtime"] = result
        return result

    def _write(self, name: str, path: Union[str, os.PathLike]) -> Path:
        target = os.path.abspath(os.fspath(path))
        self._pending_query()
        assert self._connection is not None
        # Asked every time (not memoized): the file is the point.
        key = "%s=%s" % (name, target)
        values, errors = self._connection.observe([key])
        if key not in values:
            raise ObservationError(name, errors.get(key, "the driver gave no value"))
        return Path(target)

    @property
    def ir(self) -> str:
        """The textual IR of the current module."""
        return self.observation["Ir"]

    @property
    def ir_sha1(self) -> str:
        """The SHA-1 of :attr:`ir`, in hex (the ``IrSha1`` observation)."""
        return self.observation["IrSha1"]

    def write_bitcode(self, path: Union[str, os.PathLike]) -> Path:
        """Writes the current module's bitcode to ``path``."""
        return self._write("Bitcode", path)

    def write_ir(self, path: Union[str, os.PathLike]) -> Path:
        """Writes the current module's textual IR to ``path``."""
        return self._write("Ir", path)

    def render(self) -> Optional[str]:
        """The IR of the current module: returned (``render_mode="ansi"``)
        or printed (``"human"``)."""
        text = self.observation["Ir"]
        if self.render_mode == "human":
            print(text)
            return None
        return text

    # -- fork ------------------------------------------------------------------------------

    def fork(self) -> "LlvmEnv":
        """A new environment in the same state, sharing nothing mutable:
        its driver process is a fork of this one's (copy on write), with
        this episode's actions, reward state and walltime. This environment
        is unchanged. An environment not yet reset is reset first; one whose
        episode ended replays its actions (up to the last good state)."""
        if self._closed:
            raise RuntimeError("the environment is closed")
        if self._connection is None and self._reset_time is None:
            self.reset()
        child = self._sibling(
            self._next_benchmark if self._benchmark is None else self._benchmark,
            self._observation_name,
            self._reward_space,
            self.numpy,
        )
        child._specs = self._specs
        if self._action_space is not None:
            child._action_space = self._action_space.unseeded_copy()
        try:
            if not self.in_episode:
                # LlvmEnv's own conventions, whatever a subclass returns.
                LlvmEnv.reset(child, benchmark=self.benchmark)
                if self._actions:
                    _, _, done, _, info = LlvmEnv.multistep(child, self._actions)
                    if done:
                        raise DriverError("cannot replay the actions: %s" % info["error_details"])
                return child
            connection = self._connection
            assert connection is not None and connection.query is not None
            if isinstance(connection, CachedConnection):
                # Its driver, if it ever needs one, may be forked after
                # this env is closed.
                forked: Any = connection.fork(
                    functools.partial(_fork_workdir, weakref.ref(self), weakref.ref(child)),
                    self._step_timeout,
                )
            else:
                # The fork's socket lives in this env's directory: the child
                # makes its own only when it needs scratch files.
                forked = connection.fork(self._workdir_path(), self._step_timeout)
            parent_query = connection.query
            forked.query.observations.update(copy.deepcopy(parent_query.observations))
            forked.query.errors.update(parent_query.errors)
            child._connection = forked
            child._root = self._root
            child._benchmark = self._benchmark
            child._actions = list(self._actions)
            child._reward = self._reward.copy() if self._reward is not None else None
            child._requested_rewards = {
                name: state.copy() for name, state in self._requested_rewards.items()
            }
            child._initial_instructions = self._initial_instructions
            child._last_observation = copy.deepcopy(self._last_observation)
            child._reset_time = self._reset_time
            child._episode = 1
            child._key_label = self._key_label
            return child
        except BaseException:
            child.close()
            raise

    # -- replay, state, validation -------------------------------------------------------------

    def apply(self, state: CompilerEnvState) -> None:
        """Resets to ``state.benchmark`` and replays ``state.commandline``.
        ValueError when the commandline names an unknown pass or the replay
        fails."""
        # LlvmEnv's own conventions, whatever a subclass returns.
        LlvmEnv.reset(self, benchmark=state.benchmark)
        actions = self.action_space.from_string(state.commandline)
        if actions:
            _, _, done, _, info = LlvmEnv.multistep(self, actions)
            if done:
                raise ValueError(
                    "cannot apply the state: %s: %s"
                    % (info.get("error_type"), info.get("error_details"))
                )

    def validate(self, state: Optional[CompilerEnvState] = None) -> ValidationResult:
        """Checks that a state (default: this episode's) reproduces: see
        :func:`optgym.gym.validation.validate_state`. Problems are reported
        in the result, never raised."""
        own = state is None
        if state is None:
            if self._reset_time is None:
                raise RuntimeError("no episode to validate; call reset() first")
            state = self.state
        elif state.has_reward and self._reward_space is None:
            # CompilerGym's warning: the state's reward goes unchecked.
            warnings.warn(
                "Validating state with reward, but environment has no reward space set",
                stacklevel=2,
            )
        return validate_state(self, state, self._replay_env, own=own)

    def _replay_env(self, benchmark: str) -> "LlvmEnv":
        """A new environment for validation's replay of a state: this one's
        benchmarks, toolchain, cache and driver roots, no observation space,
        and this one's reward space when it is deterministic (a replayed
        reward can only be compared then). No state cache: validation checks
        what the compiler does, not what the cache remembers.
        BenchmarkError for an unknown benchmark."""
        reward_space = self._reward_space
        return self._sibling(
            self._resolve(benchmark),
            observation_name=None,
            reward_space=reward_space if reward_space and reward_space.deterministic else None,
            numpy=False,
            env_class=LlvmEnv,
            uncached=True,
        )

    def _sibling(
        self,
        benchmark: Union[str, Benchmark],
        observation_name: Optional[str],
        reward_space: Optional[RewardSpace],
        numpy: bool,
        env_class: Optional[type] = None,
        uncached: bool = False,
    ) -> "LlvmEnv":
        """A new environment on this one's configuration, sharing its root
        pool and its state cache (unless ``uncached``), of this one's class
        unless ``env_class``; the episode is the caller's to start."""
        sibling = (env_class or type(self))(
            benchmark,
            observation_name,
            None,
            step_timeout=self._step_timeout,
            runtime_observation_count=self.runtime_observation_count,
            runtime_warmup_count=self.runtime_warmup_count,
            numpy=numpy,
            toolchain=self._toolchain,
            cache=self._cache,
            render_mode=self.render_mode,
            state_cache=False if uncached else self._state_cache or False,
            _pool=self._pool,
        )
        sibling._reward_space = reward_space
        sibling._benchmarks = dict(self._benchmarks)
        return sibling

    def export_policy(
        self,
        path: Union[str, os.PathLike],
        label: Optional[str] = None,
        description: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Writes the episode as a policy file (docs/policy-format.md) and
        returns it: the pass-choice table maps each step's key
        (``LABEL:step#N``) to its action and the key after the last step to
        ``stop``, so that a build with ``OPTGYM_ORACLE=policy:FILE
        OPTGYM_DECISIONS=pass-choice`` replays the episode's passes at the
        start of the pipeline. ``label``: the module's name as the build
        gives it (default: the driver's, the bitcode's source file name)."""
        if self._reset_time is None:
            raise RuntimeError("no episode to export; call reset() first")
        label = label if label is not None else self._key_label
        if not label:
            raise ValueError("the driver's keys name no module; pass label=")
        names = self.action_space.names
        table = {
            "%s:step#%d" % (label, step): names[action] for step, action in enumerate(self._actions)
        }
        table["%s:step#%d" % (label, len(self._actions))] = "stop"
        policy = {
            "format": "optgym-policy",
            "version": 1,
            "description": description
            or "episode on %s: %s" % (self.benchmark.uri, self.commandline()),
            "metadata": {
                "benchmark": self.benchmark.uri,
                "commandline": self.commandline(),
                "reward_space": self._reward_space.name if self._reward_space else None,
                "reward": self.episode_reward,
                "llvm": self.compiler_version,
            },
            "decisions": {"pass-choice": {"table": table}},
        }
        atomic_write(os.fspath(path), json.dumps(policy, indent=1) + "\n")
        return policy

    # -- closing ----------------------------------------------------------------------------------

    def _end_episode(self) -> None:
        connection = self._connection
        self._connection = None
        if connection is not None:
            self._retire(connection.query)
            # Killed, not stopped: nothing of a finished episode's process
            # is needed, and a stopped driver would verify and free its
            # module on a core the next episode needs (reset of a
            # 70,000-instruction module: 14 ms stopped).
            connection.close(kill=True)
        self._root = None

    def close(self) -> None:
        """Ends the episode and releases the driver processes; idempotent."""
        if getattr(self, "_closed", True):
            return
        self._closed = True
        try:
            self._end_episode()
            if self._state_cache is not None:
                # What this episode learned, for the next environment.
                self._state_cache.flush()
            owned = self._owned_state_cache
            if owned is not None:
                # Forks that share it open a new connection when they use it.
                owned.close()
        finally:
            self._pool.release()
            if self._workdir is not None:
                shutil.rmtree(self._workdir, ignore_errors=True)
                self._workdir = None
            _live_envs.discard(self)

    def reopen(self) -> None:
        """Makes a closed environment usable again, on a new root pool with
        the old one's launcher (CompilerGym restarts a closed environment)."""
        if not self._closed:
            return
        old = self._pool
        self._pool = RootPool(old.launcher, old.cache, old.capacity).acquire()
        self._closed = False
        _live_envs.add(self)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "LlvmEnv":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def __repr__(self) -> str:
        if self._closed:
            return "<LlvmEnv closed>"
        uri = self._benchmark.uri if self._benchmark is not None else str(self._next_benchmark)
        return "<LlvmEnv %s, %d actions>" % (uri, len(self._actions))
