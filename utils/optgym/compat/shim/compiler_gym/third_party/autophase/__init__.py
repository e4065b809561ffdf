"""CompilerGym's ``compiler_gym.third_party.autophase``: the features of
OptGym's ``Autophase`` observation, named by the plugin (asked of a driver
the first time a name here is used)."""

from __future__ import annotations

import functools
from typing import Any, List

__all__ = ["AUTOPHASE_FEATURE_DIM", "AUTOPHASE_FEATURE_NAMES"]


@functools.lru_cache(maxsize=None)
def _feature_names() -> List[str]:
    import optgym

    with optgym.make("llvm-v0") as env:
        env.reset()
        return list(env.observation["AutophaseNames"])


def __getattr__(name: str) -> Any:
    if name == "AUTOPHASE_FEATURE_NAMES":
        return _feature_names()
    if name == "AUTOPHASE_FEATURE_DIM":
        return len(_feature_names())
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
