"""Where the files OptGym ships are found at run time.

``pip install`` puts CMake's install tree inside the package, under
``optgym/_native/`` (``lib/OptGym.so``, ``bin/optgym-*``,
``share/optgym/...``); ``cmake --install --prefix P`` puts the same tree
under ``P``. An installation root is either. Nothing here looks into a
source tree: a developer points at a build with ``$OPTGYM_PLUGIN`` (and at
other programs with ``$OPTGYM_PROGRAMS``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List

__all__ = ["installation_roots", "data_file", "shipped_policy"]

_NATIVE_DIR = "_native"
_PREFIXES = (Path(sys.prefix), Path("/usr/local"), Path("/usr"))


def installation_roots() -> List[Path]:
    """The places an install tree may be, in the order they are searched:
    inside the package first (every directory of the package's search path,
    which an editable install extends to site-packages), then the prefixes
    ``sys.prefix``, ``/usr/local`` and ``/usr``."""
    # The package is imported before any of its modules: no import needed
    # (and no import cycle) to read its search path.
    package_path = sys.modules[__package__].__path__
    roots = [Path(directory) / _NATIVE_DIR for directory in package_path] + list(_PREFIXES)
    return list(dict.fromkeys(roots))


def _first_existing(relative: str, what: str) -> Path:
    searched = [root / relative for root in installation_roots()]
    for path in searched:
        if path.exists():
            return path
    raise FileNotFoundError(
        "cannot find %s; searched %s. Is OptGym installed (pip install .)?"
        % (what, ", ".join(str(path) for path in searched))
    )


def data_file(relative: str) -> Path:
    """``share/optgym/RELATIVE`` of the first installation root that has it
    (``datasets/programs``, ``datasets/splits.json``, ``policies/...``)."""
    return _first_existing("share/optgym/" + relative, relative)


def shipped_policy(name: str = "codesize") -> Path:
    """A policy that ships with OptGym (``policies/NAME.json``)."""
    return data_file("policies/%s.json" % name)
