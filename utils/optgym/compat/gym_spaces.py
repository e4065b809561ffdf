"""OptGym's spaces as instances of OpenAI gym's ``gym.Space`` too.

CompilerGym's clients check ``isinstance(env.action_space, gym.Space)`` and
pass the spaces to gym's wrappers. OptGym's spaces are Gymnasium's; a space
handed to such a client gets a class that derives from its own class first
and from ``gym.Space`` second, so that it behaves exactly as before (every
method resolves to the Gymnasium side) and passes gym's checks. Without gym
installed, spaces are left as they are.
"""

from __future__ import annotations

import functools
from typing import Any, Optional

__all__ = ["as_gym_space", "gym_space_class"]


@functools.lru_cache(maxsize=None)
def _gym_space() -> Optional[type]:
    try:
        import gym
    except ImportError:
        return None
    return gym.Space


@functools.lru_cache(maxsize=None)
def gym_space_class(cls: type) -> type:
    """``cls`` with ``gym.Space`` as a further base (``cls`` if gym is not
    installed or ``cls`` already is one)."""
    gym_space = _gym_space()
    if gym_space is None or issubclass(cls, gym_space):
        return cls
    return type(cls.__name__, (cls, gym_space), {"__module__": cls.__module__})


def as_gym_space(space: Any) -> Any:
    """``space``, its class made a ``gym.Space`` too (in place: it is the
    caller's own object, and nothing changes in how it behaves)."""
    if space is None:
        return None
    cls = gym_space_class(type(space))
    if type(space) is not cls:
        space.__class__ = cls
    return space
