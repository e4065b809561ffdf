"""Finding OptGym.so, the plugin a build loads into clang or opt."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional, Union

__all__ = ["find_plugin", "PLUGIN_ENV"]

#: The environment variable that names the plugin explicitly.
PLUGIN_ENV = "OPTGYM_PLUGIN"

_PLUGIN_NAME = "OptGym.so"

# The LLVM major whose build utils/build.sh puts in build/; every other
# major N goes to build-N/.
_DEFAULT_LLVM_VERSION = "19"


def _source_root() -> Path:
    # utils/optgym/plugin.py -> the repository root.
    return Path(__file__).resolve().parents[2]


def _build_tree_candidate(llvm_version: str) -> Path:
    build_dir = "build" if llvm_version == _DEFAULT_LLVM_VERSION else "build-" + llvm_version
    return _source_root() / build_dir / "lib" / _PLUGIN_NAME


def _install_candidates() -> List[Path]:
    prefixes = [Path(sys.prefix), Path("/usr/local"), Path("/usr")]
    candidates: List[Path] = []
    for prefix in prefixes:
        candidate = prefix / "lib" / _PLUGIN_NAME
        if candidate not in candidates:
            candidates.append(candidate)
    return candidates


def find_plugin(llvm_version: Optional[Union[int, str]] = None) -> str:
    """Returns the absolute path of OptGym.so.

    Looks, in order, at:

    1. ``$OPTGYM_PLUGIN`` when set (it must exist);
    2. this source tree's builds: ``build/lib`` (LLVM 19) then
       ``build-22/lib`` (LLVM 22); with ``llvm_version`` only that major's
       build directory;
    3. the install prefixes ``sys.prefix``, ``/usr/local`` and ``/usr``
       (``lib/OptGym.so``). An installed plugin's LLVM version is not checked.

    Raises FileNotFoundError listing every place searched.
    """
    explicit = os.environ.get(PLUGIN_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise FileNotFoundError("%s=%s: no such file" % (PLUGIN_ENV, explicit))
        return str(path.resolve())

    if llvm_version is None:
        versions = [_DEFAULT_LLVM_VERSION, "22"]
    else:
        versions = [str(llvm_version)]
    candidates = [_build_tree_candidate(version) for version in versions]
    candidates += _install_candidates()
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate.resolve())
    raise FileNotFoundError(
        "cannot find %s; searched %s. Build it with utils/build.sh, or set %s to its path."
        % (_PLUGIN_NAME, ", ".join(str(c) for c in candidates), PLUGIN_ENV)
    )
