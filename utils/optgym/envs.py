"""The environment ids, with their defaults, and their registration with
Gymnasium.

``import optgym`` registers every id here under the ``optgym/`` namespace,
so that ``gymnasium.make("optgym/llvm-v0", benchmark=...)`` makes the same
environment as ``optgym.make("llvm-v0", benchmark=...)``. Only the entry
point's name is registered: the gym itself is imported when an environment
is made.
"""

from __future__ import annotations

import importlib
from typing import Any, Dict

__all__ = [
    "ENTRY_POINTS",
    "ENVIRONMENTS",
    "NAMESPACE",
    "entry_point",
    "environment_arguments",
    "environment_class",
    "environment_name",
    "register_environments",
]

#: The environment ids :func:`optgym.make` knows, with their defaults
#: (those of CompilerGym's LLVM environments).
ENVIRONMENTS: Dict[str, Dict[str, Any]] = {
    "llvm-v0": {},
    "llvm-ic-v0": {"reward_space": "IrInstructionCountOz"},
    "llvm-autophase-ic-v0": {
        "observation_space": "Autophase",
        "reward_space": "IrInstructionCountOz",
    },
    "mlir-v0": {},
}

#: The class of each id whose environment is not the LLVM one.
ENTRY_POINTS: Dict[str, str] = {"mlir-v0": "optgym.mlir.env:MlirEnv"}
_LLVM_ENTRY_POINT = "optgym.gym.env:LlvmEnv"

#: Gymnasium's namespace of OptGym's environments.
NAMESPACE = "optgym"


def environment_name(env_id: str) -> str:
    """The id without CompilerGym's ``compiler_gym:`` prefix or Gymnasium's
    ``optgym/`` namespace."""
    name = env_id.split(":", 1)[1] if env_id.startswith("compiler_gym:") else env_id
    if name.startswith(NAMESPACE + "/"):
        name = name[len(NAMESPACE) + 1 :]
    return name


def entry_point(env_id: str) -> str:
    """``module:Class`` of the environment ``env_id`` makes."""
    return ENTRY_POINTS.get(environment_name(env_id), _LLVM_ENTRY_POINT)


def environment_class(env_id: str) -> type:
    """The class of the environment ``env_id`` makes (imported now)."""
    module, _, name = entry_point(env_id).partition(":")
    return getattr(importlib.import_module(module), name)


def environment_arguments(env_id: str, overrides: Dict[str, Any]) -> Dict[str, Any]:
    """The environment arguments of ``env_id`` (its defaults, then
    ``overrides``). Accepts CompilerGym's ``compiler_gym:`` prefix and
    Gymnasium's ``optgym/`` namespace; ValueError for an unknown id."""
    defaults = ENVIRONMENTS.get(environment_name(env_id))
    if defaults is None:
        raise ValueError("unknown environment %r (known: %s)" % (env_id, ", ".join(ENVIRONMENTS)))
    arguments = dict(defaults)
    arguments.update(overrides)
    return arguments


def register_environments() -> None:
    """Registers ``optgym/ID`` with Gymnasium for every id of
    :data:`ENVIRONMENTS` (again after a re-import: Gymnasium then warns)."""
    import gymnasium

    for env_id, defaults in ENVIRONMENTS.items():
        full_id = "%s/%s" % (NAMESPACE, env_id)
        if full_id in gymnasium.registry:
            continue
        gymnasium.register(id=full_id, entry_point=entry_point(env_id), kwargs=dict(defaults))
