"""CompilerGym compatibility: existing CompilerGym client code on OptGym.

Two parts, both mapping CompilerGym's names onto OptGym's classes:

* :class:`CompilerGymEnv` (:mod:`.env`): :class:`~optgym.gym.LlvmEnv`
  with CompilerGym's calling conventions (gym-0.21's ``reset()`` returning
  the observation and ``step()`` returning ``(observation, reward, done,
  info)``, ``opt -flag ...`` command lines, ``seed()``, restart after
  ``close()``).
* a ``compiler_gym`` package (``shim/compiler_gym``), importable once it is
  switched on (:mod:`.switch`: ``optgym compiler-gym install``), whose
  modules re-export these classes under CompilerGym's module paths.

docs/compiler-gym.md is the migration guide.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CompilerGymEnv", "make"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the environment imports gym where it is
    # installed (which prints a notice), and ``optgym compiler-gym`` and
    # the rest of the command line, which import this package, need none.
    if name in __all__:
        from . import env

        return getattr(env, name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
