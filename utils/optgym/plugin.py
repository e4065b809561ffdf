"""Finding OptGym.so, the plugin a build loads into clang or opt."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

from .resources import installation_roots

__all__ = ["find_plugin", "PLUGIN_ENV"]

#: The environment variable that names the plugin explicitly.
PLUGIN_ENV = "OPTGYM_PLUGIN"

_PLUGIN_NAME = "OptGym.so"


def find_plugin(llvm_version: Optional[Union[int, str]] = None) -> str:
    """Returns the absolute path of OptGym.so.

    ``$OPTGYM_PLUGIN`` when set (it must exist); otherwise the plugin that
    was installed with this package (``pip install``), then under the
    prefixes ``sys.prefix``, ``/usr/local`` and ``/usr`` (``cmake
    --install``). With ``llvm_version``, a plugin built for another LLVM
    major is passed over (one built for 19 cannot load into 22's clang).

    Raises FileNotFoundError listing every place searched.
    """
    from .toolchain import plugin_llvm_major

    explicit = os.environ.get(PLUGIN_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise FileNotFoundError("%s=%s: no such file" % (PLUGIN_ENV, explicit))
        return str(path.resolve())

    wanted = None if llvm_version is None else str(llvm_version)
    searched = []
    for root in installation_roots():
        candidate = root / "lib" / _PLUGIN_NAME
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
        % (_PLUGIN_NAME, for_version, ", ".join(searched), PLUGIN_ENV)
    )
