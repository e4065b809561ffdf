"""CompilerGymEnv: LlvmEnv with CompilerGym's calling conventions.

CompilerGym was built on gym 0.21: ``reset()`` returns the observation,
``step()`` and ``multistep()`` return ``(observation, reward, done, info)``.
Its command lines are ``opt -flag ... input.bc -o output.bc``, its
environments take gRPC service settings, answer ``seed()``, and start again
when used after ``close()``. Everything else is :class:`LlvmEnv`'s.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple

from .._version import __version__
from ..envs import environment_arguments
from ..gym.env import LlvmEnv
from ..gym.observations import Compute, ObservationSpaceSpec
from ..linked_benchmark import make_benchmark as make_linked_benchmark
from .gym_spaces import as_gym_space
from .rewards import CompilerGymRewardView

__all__ = ["CompilerGymEnv", "SERVICE_ARGUMENTS", "make"]

#: The keyword arguments of CompilerGym's environments that configure its
#: gRPC service: accepted and ignored (OptGym's driver is no service).
SERVICE_ARGUMENTS = (
    "connection_settings",
    "service",
    "service_connection",
    "service_message_converters",
    "logging_level",
)

#: What CompilerGym's step() returns: (observation, reward, done, info).
Gym21StepResult = Tuple[Any, Any, bool, Dict[str, Any]]


def _gym_env_bases() -> Tuple[type, ...]:
    # An instance of gym.Env too, where gym is installed: clients check it.
    try:
        import gym
    except ImportError:
        return ()
    return (gym.Env,)


class CompilerGymEnv(LlvmEnv, *_gym_env_bases()):
    """:class:`LlvmEnv` with CompilerGym's conventions (see the module
    documentation); CompilerGym's ``LlvmEnv`` in the ``compiler_gym``
    package. Takes :class:`LlvmEnv`'s arguments and CompilerGym's service
    arguments (:data:`SERVICE_ARGUMENTS`, ignored)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for name in SERVICE_ARGUMENTS:
            kwargs.pop(name, None)
        super().__init__(*args, **kwargs)
        self.reward = CompilerGymRewardView(self)

    @property
    def version(self) -> str:
        """The version of OptGym (CompilerGym's ``env.version``)."""
        return __version__

    @property
    def action_space(self) -> Any:
        space = as_gym_space(LlvmEnv.action_space.fget(self))
        space.commandline_style = "compiler_gym"
        return space

    @action_space.setter
    def action_space(self, value: Any) -> None:
        LlvmEnv.action_space.fset(self, value)

    @property
    def runtime_observation_count(self) -> int:
        return LlvmEnv.runtime_observation_count.fget(self)

    @runtime_observation_count.setter
    def runtime_observation_count(self, value: int) -> None:
        try:
            LlvmEnv.runtime_observation_count.fset(self, value)
        except ValueError:
            # CompilerGym's wording, which its clients match.
            raise ValueError(
                "runtimes_per_observation_count must be >= 1. Received: %r" % (value,)
            ) from None

    @property
    def runtime_warmup_runs_count(self) -> int:
        """CompilerGym's name of ``runtime_warmup_count``."""
        return self.runtime_warmup_count

    @runtime_warmup_runs_count.setter
    def runtime_warmup_runs_count(self, value: int) -> None:
        self.runtime_warmup_count = value

    #: The active reward space when it is one of the user's
    #: (:mod:`optgym.compat.rewards`), else None.
    _custom_reward: Any = None
    _custom_episode_reward = 0.0

    @property
    def reward_space(self) -> Any:
        if self._custom_reward is not None:
            return self._custom_reward
        return LlvmEnv.reward_space.fget(self)

    @reward_space.setter
    def reward_space(self, value: Any) -> None:
        view = getattr(self, "reward", None)
        custom = view.custom_space(value) if isinstance(view, CompilerGymRewardView) else None
        self._custom_reward = custom
        # CompilerGym's error type and wording, which its clients match.
        try:
            LlvmEnv.reward_space.fset(self, None if custom is not None else value)
        except ValueError:
            raise LookupError("Reward space not found: %s" % value) from None

    @property
    def reward_range(self) -> Tuple[float, float]:
        if self._custom_reward is not None:
            return tuple(float(bound) for bound in self._custom_reward.range)
        return LlvmEnv.reward_range.fget(self)

    @property
    def episode_reward(self) -> Optional[float]:
        if self._custom_reward is not None:
            return self._custom_episode_reward
        return LlvmEnv.episode_reward.fget(self)

    @episode_reward.setter
    def episode_reward(self, value: float) -> None:
        if self._custom_reward is not None:
            self._custom_episode_reward = value
        else:
            LlvmEnv.episode_reward.fset(self, value)

    @property
    def observation_space(self) -> Any:
        return as_gym_space(LlvmEnv.observation_space.fget(self))

    @observation_space.setter
    def observation_space(self, value: Any) -> None:
        LlvmEnv.observation_space.fset(self, value)

    def _make_observation_specs(self, info: Any) -> Dict[str, ObservationSpaceSpec]:
        # CompilerGym's Bitcode is an array of bytes (clients call tobytes()).
        specs = LlvmEnv._make_observation_specs(self, info)
        bitcode = specs.get("Bitcode")
        if bitcode is not None:
            specs["Bitcode"] = dataclasses.replace(bitcode, compute=_byte_array(bitcode.compute))
        return specs

    def seed(self, seed: Optional[int] = None) -> list:
        """Seeds ``action_space.sample()``; returns ``[seed]`` as gym did."""
        self.action_space.seed(seed)
        return [seed]

    def reset(  # type: ignore[override]
        self,
        benchmark: Any = None,
        action_space: Optional[str] = None,
        observation_space: Optional[str] = None,
        reward_space: Optional[str] = None,
        timeout: Optional[float] = None,
        retry_count: int = 0,
        seed: Optional[int] = None,
        options: Optional[Dict[str, Any]] = None,
    ) -> Any:
        """Starts an episode and returns its observation (gym 0.21's
        convention). A closed environment starts again, as CompilerGym's
        does. ``action_space``, ``timeout`` and ``retry_count`` are
        CompilerGym's: there is one action space, the step timeout is
        ``step_timeout``, and a failed start is retried once already."""
        del timeout, retry_count
        if action_space is not None and action_space != self.action_space.name:
            raise ValueError(
                "unknown action space %r (known: %s)" % (action_space, self.action_space.name)
            )
        if self.closed:
            self.reopen()
        observation, _ = super().reset(
            benchmark=benchmark,
            observation_space=observation_space,
            reward_space=reward_space,
            seed=seed,
            options=options,
        )
        if self._custom_reward is not None:
            self._custom_episode_reward = 0.0
            self._custom_reward.reset(
                benchmark=self.benchmark.uri, observation_view=self.observation
            )
        return observation

    def step(  # type: ignore[override]
        self,
        action: Any,
        observation_spaces: Optional[Sequence[Any]] = None,
        reward_spaces: Optional[Sequence[Any]] = None,
        observations: Optional[Sequence[Any]] = None,
        rewards: Optional[Sequence[Any]] = None,
        timeout: Optional[float] = None,
    ) -> Gym21StepResult:
        """Applies one action (or, as CompilerGym accepted, a list of
        actions); returns ``(observation, reward, done, info)``.
        ``observations`` / ``rewards``: CompilerGym's old names of
        ``observation_spaces`` / ``reward_spaces``."""
        del timeout
        observation_spaces, reward_spaces = _renamed(
            observation_spaces, reward_spaces, observations, rewards
        )
        if isinstance(action, (list, tuple)):
            return self.multistep(action, observation_spaces, reward_spaces)
        return self._custom_step(
            [action], super().step(action, observation_spaces, reward_spaces), reward_spaces
        )

    def multistep(  # type: ignore[override]
        self,
        actions: Iterable[Any],
        observation_spaces: Optional[Sequence[Any]] = None,
        reward_spaces: Optional[Sequence[Any]] = None,
        observations: Optional[Sequence[Any]] = None,
        rewards: Optional[Sequence[Any]] = None,
        timeout: Optional[float] = None,
    ) -> Gym21StepResult:
        """Applies several actions; returns ``(observation, reward, done,
        info)``."""
        del timeout
        observation_spaces, reward_spaces = _renamed(
            observation_spaces, reward_spaces, observations, rewards
        )
        actions = list(actions)
        return self._custom_step(
            actions, super().multistep(actions, observation_spaces, reward_spaces), reward_spaces
        )

    def _step_observation_names(self) -> Tuple[str, ...]:
        # The user's reward reads its observation spaces after every step:
        # they come with the step's answer, not one request each.
        space = self._custom_reward
        if space is None:
            return ()
        known = self.observation.spaces
        return tuple(
            name for name in getattr(space, "observation_spaces", ()) or () if name in known
        )

    def _custom_step(
        self,
        actions: Sequence[Any],
        result: Tuple[Any, Any, bool, bool, Dict[str, Any]],
        reward_spaces: Optional[Sequence[Any]],
    ) -> Gym21StepResult:
        """The step's result with the reward of the user's reward space
        when that is the environment's."""
        space = self._custom_reward
        if space is None or reward_spaces is not None:
            return _gym21(result)
        observation, _, terminated, truncated, info = result
        if terminated and "error_type" in info:
            reward = space.reward_on_error(self._custom_episode_reward)
        else:
            reward = self.reward.compute_custom(space, actions)
        self._custom_episode_reward += reward
        return observation, reward, terminated or truncated, info

    def make_benchmark(
        self,
        inputs: Any,
        copt: Optional[Sequence[str]] = None,
        system_includes: bool = True,
        timeout: int = 600,
    ) -> Any:
        """CompilerGym's ``env.make_benchmark``: a benchmark of the user's
        files, built now (as CompilerGym's was: the files may go away) by
        this environment's toolchain into its cache."""
        del timeout
        bench = make_linked_benchmark(
            inputs, copt, system_includes, toolchain=self.toolchain, cache=self.cache
        )
        bench.bitcode_path()
        return bench

    def fork(self) -> "CompilerGymEnv":
        """A copy of the environment in its current state. A closed
        environment starts again first and replays its episode's actions,
        as CompilerGym's restarted service did."""
        if self.closed:
            benchmark, actions = self.benchmark, list(self.actions)
            self.reset(benchmark=benchmark)
            if actions:
                self.multistep(actions)
        fork: CompilerGymEnv = super().fork()  # type: ignore[assignment]
        # The user's reward spaces are copied with their state, as
        # CompilerGym's fork deep-copies them.
        fork.reward.copy_custom_from(self.reward)
        if self._custom_reward is not None:
            fork._custom_reward = fork.reward.spaces[self._custom_reward.name]
            fork._custom_episode_reward = self._custom_episode_reward
        return fork


def _byte_array(compute: Compute) -> Compute:
    """``compute``'s bytes as a numpy array of int8, as CompilerGym gives
    its byte sequences."""

    def as_array(source: Any, query: Any) -> Any:
        import numpy

        return numpy.frombuffer(compute(source, query), dtype=numpy.int8)

    return as_array


def _renamed(
    observation_spaces: Optional[Sequence[Any]],
    reward_spaces: Optional[Sequence[Any]],
    observations: Optional[Sequence[Any]],
    rewards: Optional[Sequence[Any]],
) -> Tuple[Optional[Sequence[Any]], Optional[Sequence[Any]]]:
    if observations is not None or rewards is not None:
        warnings.warn(
            "step(observations=..., rewards=...) are CompilerGym's old names; "
            "use observation_spaces= and reward_spaces=",
            DeprecationWarning,
            stacklevel=3,
        )
    return (
        observation_spaces if observation_spaces is not None else observations,
        reward_spaces if reward_spaces is not None else rewards,
    )


def _gym21(result: Tuple[Any, Any, bool, bool, Dict[str, Any]]) -> Gym21StepResult:
    observation, reward, terminated, truncated, info = result
    return observation, reward, terminated or truncated, info


def make(env_id: str = "llvm-v0", **kwargs: Any) -> CompilerGymEnv:
    """CompilerGym's ``compiler_gym.make``: an environment of ``env_id``
    (``llvm-v0``, ``llvm-ic-v0``, ``llvm-autophase-ic-v0``, with or without
    the ``compiler_gym:`` or ``optgym/`` prefix) with CompilerGym's
    conventions."""
    return CompilerGymEnv(**environment_arguments(env_id, kwargs))
