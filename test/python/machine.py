"""What the end-to-end tests need from the machine: the plugin with its
pass-choice driver, LLVM's tools, csmith. utils/setup.sh installs all of
them, so each is required, never a reason to skip: a missing one makes the
tests that need it fail with a message saying what is missing."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import optgym
from optgym.toolchain import Toolchain, tool_environment

__all__ = [
    "TOOLCHAIN",
    "MissingRequirement",
    "driver_plugin",
    "needs",
    "require_clang",
    "require_csmith",
]

_INPUTS = Path(__file__).resolve().parents[1] / "lit" / "Inputs"

TOOLCHAIN = Toolchain()


class MissingRequirement(RuntimeError):
    """The machine lacks what a test needs (run utils/setup.sh)."""


def require_clang() -> None:
    for tool in ("clang", "opt", "llvm-size"):
        if not os.path.isfile(TOOLCHAIN.path(tool)):
            raise MissingRequirement("no %s (utils/setup.sh installs it)" % TOOLCHAIN.path(tool))


def require_csmith() -> None:
    if shutil.which("csmith") is None or not os.path.isfile("/usr/include/csmith/csmith.h"):
        raise MissingRequirement("no csmith (utils/setup.sh installs csmith and libcsmith-dev)")


@functools.lru_cache(maxsize=None)
def driver_plugin() -> str:
    """The plugin optgym finds for the toolchain's LLVM, checked to run the
    pass-choice driver in that LLVM's opt."""
    require_clang()
    try:
        plugin = optgym.find_plugin(TOOLCHAIN.llvm_version)
    except FileNotFoundError as error:
        raise MissingRequirement(str(error)) from error
    probe = subprocess.run(
        [
            TOOLCHAIN.path("opt"),
            "-load-pass-plugin=" + plugin,
            "-passes=optgym-driver",
            "-disable-output",
            str(_INPUTS / "loops.ll"),
        ],
        env=dict(tool_environment(), OPTGYM_ORACLE="default"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if probe.returncode != 0:
        raise MissingRequirement(
            "%s cannot run the pass-choice driver in %s: %s"
            % (plugin, TOOLCHAIN.path("opt"), probe.stderr.strip()[-500:])
        )
    return plugin


def needs(*checks):
    """A class decorator for unittest test cases: every check runs before
    the class's tests, and a missing requirement fails them all."""

    def decorate(cls):
        original = cls.__dict__.get("setUpClass")

        @classmethod
        def setUpClass(inner_cls) -> None:  # noqa: N802 - unittest's name
            for check in checks:
                check()
            if original is not None:
                original.__func__(inner_cls)
            else:
                super(cls, inner_cls).setUpClass()

        cls.setUpClass = setUpClass
        return cls

    return decorate
