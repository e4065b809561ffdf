"""The switch that makes ``import compiler_gym`` import OptGym's.

``optgym compiler-gym install`` writes ``optgym-compiler-gym.pth`` into the
environment's site-packages: a line naming the directory that holds OptGym's
``compiler_gym`` package (``shim/``), which Python then appends to
``sys.path`` at start-up. Appended, not prepended: a real CompilerGym
installed in the same environment stays the one ``import compiler_gym``
finds (``optgym compiler-gym status`` says which one wins).
``optgym compiler-gym uninstall`` removes the file. For one process,
``PYTHONPATH=$(optgym compiler-gym path)`` does the same, ahead of any
installed CompilerGym.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import sysconfig
from pathlib import Path
from typing import Optional

__all__ = ["PTH_NAME", "SHIM_DIRECTORY", "configure_parser", "install", "run", "uninstall"]

#: The directory whose ``compiler_gym`` package is OptGym's.
SHIM_DIRECTORY = Path(__file__).resolve().parent / "shim"
#: The file the switch writes into site-packages.
PTH_NAME = "optgym-compiler-gym.pth"


def _site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"])


def _found_compiler_gym() -> Optional[Path]:
    """Where ``import compiler_gym`` would find it in this process."""
    spec = importlib.util.find_spec("compiler_gym")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]).resolve()


def _is_ours(location: Optional[Path]) -> bool:
    return location is not None and SHIM_DIRECTORY in location.parents


def install(site_packages: Optional[Path] = None) -> Path:
    """Writes the .pth file; returns its path."""
    path = (site_packages or _site_packages()) / PTH_NAME
    path.write_text(str(SHIM_DIRECTORY) + "\n", encoding="utf-8")
    return path


def uninstall(site_packages: Optional[Path] = None) -> Optional[Path]:
    """Removes the .pth file; returns its path, or None if it was not there."""
    path = (site_packages or _site_packages()) / PTH_NAME
    try:
        path.unlink()
    except FileNotFoundError:
        return None
    return path


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("install", "uninstall", "status", "path"),
        help="install: make `import compiler_gym` import OptGym's in this environment; "
        "uninstall: undo it; status: say which compiler_gym this environment imports; "
        "path: print the directory to put on PYTHONPATH instead",
    )


def run(args: argparse.Namespace) -> int:
    if args.action == "path":
        print(SHIM_DIRECTORY)
        return 0
    if args.action == "install":
        path = install()
        found = _found_compiler_gym()
        print("wrote %s: `import compiler_gym` imports OptGym's in %s" % (path, sys.prefix))
        if found is not None and not _is_ours(found):
            print(
                "note: a CompilerGym is installed at %s and stays first; uninstall it, or set "
                "PYTHONPATH=%s to use OptGym's" % (found.parent, SHIM_DIRECTORY),
                file=sys.stderr,
            )
        return 0
    if args.action == "uninstall":
        path = uninstall()
        print("removed %s" % path if path else "nothing to remove (%s)" % PTH_NAME)
        return 0
    found = _found_compiler_gym()
    if found is None:
        print("import compiler_gym: not found (optgym compiler-gym install switches it on)")
    elif _is_ours(found):
        print("import compiler_gym: OptGym's (%s)" % found)
    else:
        print("import compiler_gym: CompilerGym's own, at %s" % found)
    source = os.environ.get("COMPILER_GYM_SOURCE")
    if source:
        print("COMPILER_GYM_SOURCE=%s: CompilerGym's helper modules come from there" % source)
    return 0
