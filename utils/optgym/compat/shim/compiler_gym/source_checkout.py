"""Where modules of this package that OptGym does not provide come from.

OptGym's ``compiler_gym`` maps CompilerGym's public API onto OptGym.
CompilerGym's pure-Python helpers and clients (``compiler_gym.util.flags``,
``compiler_gym.util.timer``, ``compiler_gym.leaderboard``,
``compiler_gym.random_search``, ``compiler_gym.bin.validate``, ...) are
not rewritten: with ``COMPILER_GYM_SOURCE`` set to a CompilerGym source
checkout, every package here looks in the checkout's matching directory
for the modules it lacks, after its own. OptGym's modules always win.
"""

from __future__ import annotations

import os
from typing import List

__all__ = ["SOURCE_ENV", "extend_path", "source_directory"]

#: The environment variable naming a CompilerGym source checkout.
SOURCE_ENV = "COMPILER_GYM_SOURCE"


def source_directory() -> str:
    """The checkout's ``compiler_gym`` directory, or "" without one."""
    root = os.environ.get(SOURCE_ENV, "")
    if not root:
        return ""
    directory = os.path.join(os.path.abspath(root), "compiler_gym")
    if not os.path.isdir(directory):
        raise ImportError(
            "%s=%s: no compiler_gym directory there (expected a CompilerGym source checkout)"
            % (SOURCE_ENV, root)
        )
    return directory


def extend_path(path: List[str], package: str) -> List[str]:
    """``path`` (a package's ``__path__``) followed by the package's
    directory in the checkout, when there is one."""
    directory = source_directory()
    if directory:
        parts = package.split(".")[1:]
        candidate = os.path.join(directory, *parts)
        if os.path.isdir(candidate) and candidate not in path:
            path.append(candidate)
    return path
