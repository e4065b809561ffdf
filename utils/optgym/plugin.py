"""Finding OptGym.so, the plugin a build loads into clang or opt, and
OptGymMLIR.so, the one mlir-opt loads."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Optional, Union

from .resources import installation_roots

__all__ = ["find_mlir_plugin", "find_plugin", "plugin_llvm_major", "MLIR_PLUGIN_ENV", "PLUGIN_ENV"]

#: The environment variable that names the plugin explicitly.
PLUGIN_ENV = "OPTGYM_PLUGIN"

#: The environment variable that names the MLIR plugin explicitly.
MLIR_PLUGIN_ENV = "OPTGYM_MLIR_PLUGIN"

_PLUGIN_NAME = "OptGym.so"
_MLIR_PLUGIN_NAME = "OptGymMLIR.so"


def find_plugin(llvm_version: Optional[Union[int, str]] = None) -> str:
    """Returns the absolute path of OptGym.so.

    ``$OPTGYM_PLUGIN`` when set (it must exist); otherwise the plugin that
    was installed with this package (``pip install``), then under the
    prefixes ``sys.prefix``, ``/usr/local`` and ``/usr`` (``cmake
    --install``). With ``llvm_version``, a plugin built for another LLVM
    major is passed over (one built for 19 cannot load into 22's clang).

    Raises FileNotFoundError listing every place searched.
    """
    return _find_library(_PLUGIN_NAME, PLUGIN_ENV, llvm_version)


def find_mlir_plugin(llvm_version: Optional[Union[int, str]] = None) -> str:
    """Returns the absolute path of OptGymMLIR.so, the plugin mlir-opt
    loads: ``$OPTGYM_MLIR_PLUGIN`` when set, else searched as
    :func:`find_plugin` searches. FileNotFoundError listing every place
    searched."""
    return _find_library(_MLIR_PLUGIN_NAME, MLIR_PLUGIN_ENV, llvm_version)


def _find_library(name: str, env_var: str, llvm_version: Optional[Union[int, str]]) -> str:
    explicit = os.environ.get(env_var)
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise FileNotFoundError("%s=%s: no such file" % (env_var, explicit))
        return str(path.resolve())

    wanted = None if llvm_version is None else str(llvm_version)
    searched = []
    for root in installation_roots():
        candidate = root / "lib" / name
        if not candidate.is_file():
            searched.append(str(candidate))
            continue
        if wanted is not None:
            major = plugin_llvm_major(str(candidate))
            if major != wanted:
                searched.append("%s (built for LLVM %s)" % (candidate, major or "?"))
                continue
        return str(candidate.resolve())
    for_version = "" if wanted is None else " for LLVM %s" % wanted
    raise FileNotFoundError(
        "cannot find %s%s; searched %s. Install OptGym (pip install .; "
        "OPTGYM_LLVM_VERSION=22 pip install . for LLVM 22), or set %s to a built plugin."
        % (name, for_version, ", ".join(searched), env_var)
    )


def _installed_llvm_majors() -> set:
    try:
        entries = os.listdir("/usr/lib")
    except OSError:
        return set()
    return {
        entry[len("llvm-") :]
        for entry in entries
        if entry.startswith("llvm-") and entry[len("llvm-") :].isdigit()
    }


@functools.lru_cache(maxsize=16)
def _plugin_llvm_major_cached(path: str, mtime_ns: int, size: int) -> Optional[str]:
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError:
        return None
    majors = {
        match.group(1).decode()
        for match in re.finditer(rb"\x00(\d+)\.\d+\.\d+(?:git|rc\d+)?\x00", data)
    }
    installed = _installed_llvm_majors()
    candidates = majors & installed if installed else majors
    if len(candidates) == 1:
        return candidates.pop()
    return None


def plugin_llvm_major(path: str) -> Optional[str]:
    """The LLVM major OptGym.so at ``path`` was built for, or None.

    The plugin carries LLVM_VERSION_STRING ("19.1.7") as a string constant
    (it says it to agents); a plugin cannot be asked by loading it into the
    wrong LLVM, which crashes.
    """
    try:
        status = os.stat(path)
    except OSError:
        return None
    return _plugin_llvm_major_cached(path, status.st_mtime_ns, status.st_size)
