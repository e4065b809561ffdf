"""Old names kept working after a rename or a move, with a warning.

A module whose public names changed ends with::

    __getattr__ = renamed(__name__, {"Query": "optgym.gym.driver:PendingChoice"})

and ``from module import Query`` still works, warning once per call site
with a DeprecationWarning that names the new place. The target module is
imported only when an old name is used, so an alias never adds an import
edge (or an import cycle) to the package.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any, Callable, Mapping, Optional

__all__ = ["renamed"]


def renamed(
    module: str,
    aliases: Mapping[str, str],
    otherwise: Optional[Callable[[str], Any]] = None,
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that serves each old name of ``aliases``
    (old name -> ``"package.module:new_name"``) with a DeprecationWarning,
    any other name through ``otherwise`` (a module's own lazy names), and
    raises AttributeError for the rest, as Python would."""
    table = dict(aliases)

    def __getattr__(name: str) -> Any:
        target = table.get(name)
        if target is None:
            if otherwise is not None:
                return otherwise(name)
            raise AttributeError("module %r has no attribute %r" % (module, name))
        where, _, new_name = target.partition(":")
        warnings.warn(
            "%s.%s is deprecated: use %s.%s" % (module, name, where, new_name),
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(where), new_name)

    return __getattr__
