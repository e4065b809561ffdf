"""CompilerGymEnv: LlvmEnv with CompilerGym's calling conventions.

CompilerGym was built on gym 0.21: ``reset()`` returns the observation,
``step()`` and ``multistep()`` return ``(observation, reward, done, info)``.
Its command lines are ``opt -flag ... input.bc -o output.bc``, its
environments take gRPC service settings, answer ``seed()``, and start again
when used after ``close()``. Everything else is :class:`LlvmEnv`'s.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple

from .._version import __version__
from ..envs import environment_arguments
from ..gym.env import LlvmEnv
from ..linked_benchmark import make_benchmark as make_linked_benchmark
from .gym_spaces import as_gym_space

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
    def observation_space(self) -> Any:
        return as_gym_space(LlvmEnv.observation_space.fget(self))

    @observation_space.setter
    def observation_space(self, value: Any) -> None:
        LlvmEnv.observation_space.fset(self, value)

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
        return _gym21(super().step(action, observation_spaces, reward_spaces))

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
        return _gym21(super().multistep(actions, observation_spaces, reward_spaces))

    def make_benchmark(
        self,
        inputs: Any,
        copt: Optional[Sequence[str]] = None,
        system_includes: bool = True,
        timeout: int = 600,
    ) -> Any:
        """CompilerGym's ``env.make_benchmark``: a benchmark of the user's
        files, built by this environment's toolchain into its cache."""
        del timeout
        return make_linked_benchmark(
            inputs, copt, system_includes, toolchain=self.toolchain, cache=self.cache
        )

    def fork(self) -> "CompilerGymEnv":
        """A copy of the environment in its current state. A closed
        environment starts again first and replays its episode's actions,
        as CompilerGym's restarted service did."""
        if self.closed:
            benchmark, actions = self.benchmark, list(self.actions)
            self.reset(benchmark=benchmark)
            if actions:
                self.multistep(actions)
        return super().fork()  # type: ignore[return-value]


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
