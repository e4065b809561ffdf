"""The environment ids of ``compiler_gym.make`` and ``gym.make``.

Importing ``compiler_gym`` registers OptGym's ids with OpenAI gym (where it
is installed), as CompilerGym registered its own: ``gym.make("llvm-v0")``
then makes a :class:`~optgym.compat.CompilerGymEnv`, not wrapped in gym's
OrderEnforcing (CompilerGym's clients check ``isinstance(env, LlvmEnv)``).
"""

from __future__ import annotations

from typing import Any, List

from optgym.compat import CompilerGymEnv
from optgym.compat import make as _make_env
from optgym.envs import ENTRY_POINTS, ENVIRONMENTS

__all__ = ["COMPILER_GYM_ENVS", "make", "register"]

#: The ids ``make`` knows.
COMPILER_GYM_ENVS: List[str] = []

_ENTRY_POINT = "compiler_gym.envs.llvm:LlvmEnv"


def register(id: str, **kwargs: Any) -> None:  # noqa: A002 - gym's name
    """Registers ``id`` with gym (where installed) and with ``make``."""
    try:
        import gym
    except ImportError:
        gym = None
    if gym is not None and id not in gym.envs.registry.env_specs:
        kwargs.setdefault("order_enforce", False)
        gym.register(id=id, **kwargs)
    if id not in COMPILER_GYM_ENVS:
        COMPILER_GYM_ENVS.append(id)


def make(id: str, **kwargs: Any) -> CompilerGymEnv:  # noqa: A002 - CompilerGym's name
    """CompilerGym's ``compiler_gym.make(id, **kwargs)``."""
    return _make_env(id, **kwargs)


# CompilerGym's environments are the LLVM ones; mlir-v0 is OptGym's own.
for _env_id, _defaults in ENVIRONMENTS.items():
    if _env_id not in ENTRY_POINTS:
        register(_env_id, entry_point=_ENTRY_POINT, kwargs=dict(_defaults))
