"""A CompilerGym-style environment for LLVM pass ordering, on OptGym's
pass-choice driver.

    import optgym

    with optgym.make("llvm-v0", benchmark="benchmark://optgym-v0/crc32",
                     observation_space="Autophase",
                     reward_space="IrInstructionCountOz") as env:
        observation, info = env.reset()
        observation, reward, terminated, truncated, info = env.step(
            env.action_space.sample())

docs/gym.md is the documentation. Modules: :mod:`.env` (LlvmEnv),
:mod:`.driver` (one connection to one driver process), :mod:`.roots` (the
root process of each benchmark), :mod:`.spaces`, :mod:`.observations`,
:mod:`.rewards`, :mod:`.state` (CompilerEnvState and its CSV files),
:mod:`.validation`.
"""

from __future__ import annotations

from typing import Any

from ..envs import ENVIRONMENTS, environment_arguments, environment_class
from .driver import (
    DriverCrashed,
    DriverError,
    DriverProtocolError,
    DriverStartError,
    DriverTimeout,
)
from .env import DEFAULT_BENCHMARK, LlvmEnv
from .observations import ObservationError, ObservationSpaceSpec, ObservationView
from .process import DriverLauncher
from .rewards import REWARD_SPACES, RewardSpace
from .spaces import ActionSpace
from .state import CompilerEnvState, CompilerEnvStateReader, CompilerEnvStateWriter
from .validation import ValidationError, ValidationResult

__all__ = [
    "ENVIRONMENTS",
    "ActionSpace",
    "CompilerEnvState",
    "CompilerEnvStateReader",
    "CompilerEnvStateWriter",
    "DEFAULT_BENCHMARK",
    "DriverCrashed",
    "DriverError",
    "DriverLauncher",
    "DriverProtocolError",
    "DriverStartError",
    "DriverTimeout",
    "LlvmEnv",
    "ObservationError",
    "ObservationSpaceSpec",
    "ObservationView",
    "REWARD_SPACES",
    "RewardSpace",
    "ValidationError",
    "ValidationResult",
    "make",
]


def make(env_id: str = "llvm-v0", **kwargs: Any) -> Any:
    """Makes an environment: ``make("llvm-v0", benchmark=...,
    observation_space=..., reward_space=...)``. Keyword arguments are the
    environment class's (:class:`LlvmEnv`, or :class:`optgym.mlir.MlirEnv`
    for ``mlir-v0``); they override the id's defaults. Accepts CompilerGym's
    ``compiler_gym:`` prefix and Gymnasium's ``optgym/`` namespace."""
    return environment_class(env_id)(**environment_arguments(env_id, kwargs))
