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

from .env import CompilerGymEnv, make

__all__ = ["CompilerGymEnv", "make"]
