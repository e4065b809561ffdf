"""Setting up a deployment: the defaults, the variants to build, the policy,
the program's build system and the toolchain; what is the same for every
variant (:class:`BuildPlan`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from ..benchmarks import programs_dir
from ..plugin import find_plugin, plugin_llvm_major
from ..policyfile import PolicyFileError, policy_kinds, read_policy
from ..resources import shipped_policy
from ..toolchain import LLVM_VERSION_ENV, Toolchain

__all__ = [
    "DEFAULT_BUILD_TIMEOUT",
    "DEFAULT_PROGRAM",
    "DEFAULT_RUN_TIMEOUT",
    "DEFAULT_RUNS",
    "BuildPlan",
    "DeployError",
    "Variant",
    "build_system",
    "default_policy",
    "default_program",
    "read_policy_kinds",
    "resolve_toolchain",
]

#: Runs of each build whose median is reported.
DEFAULT_RUNS = 5
#: Seconds one run of the program may take.
DEFAULT_RUN_TIMEOUT = 60.0
#: Seconds one build may take.
DEFAULT_BUILD_TIMEOUT = 1800.0
#: The bundled test-split program deployed when none is named.
DEFAULT_PROGRAM = "minilisp"


class DeployError(Exception):
    """The deployment cannot be set up or a build failed; the message says
    which and why."""


def default_program() -> Path:
    """``datasets/programs/minilisp`` (``$OPTGYM_PROGRAMS`` is honoured)."""
    return programs_dir() / DEFAULT_PROGRAM


def default_policy() -> Path:
    """The shipped ``policies/codesize.json``."""
    return shipped_policy()


@dataclass(frozen=True)
class Variant:
    """One way to build the program.

    Attributes:
        name: how reports name it (``-Oz``, ``-O2``, ``-Oz+policy``).
        directory: its build directory's name under the output directory.
        level: the clang optimization flag (``-Oz``).
        policy: the policy file the plugin loads, or None (no plugin).
        record: whether the plugin records every decision (``OPTGYM_RECORD``);
            only the extra build that counts the policy's decisions does, so
            the policy build is timed as users run it.
    """

    name: str
    directory: str
    level: str
    policy: Optional[str] = None
    record: bool = False


@dataclass
class BuildPlan:
    """What is the same for every variant."""

    program: Path
    system: str
    out: Path
    toolchain: Toolchain
    plugin: str
    target: Optional[str]
    goals: List[str]
    make_args: List[str]
    cmake_args: List[str]
    cflags: List[str]
    jobs: int
    always_make: bool
    timeout: float


def read_policy_kinds(path: Path) -> List[str]:
    """The decision kinds a policy file names; DeployError for a file that
    is missing or not a policy at all (the plugin checks the rest and stops
    the first compile with file:line:column)."""
    try:
        return policy_kinds(read_policy(path))
    except PolicyFileError as error:
        raise DeployError("policy %s" % error) from None


def build_system(source: Path) -> str:
    """``make`` or ``cmake``: how the program in ``source`` builds."""
    for name in ("GNUmakefile", "makefile", "Makefile"):
        if (source / name).is_file():
            return "make"
    if (source / "CMakeLists.txt").is_file():
        return "cmake"
    raise DeployError(
        "%s: no Makefile (or CMakeLists.txt): deploy builds a program with its own build" % source
    )


def resolve_toolchain(plugin: Optional[str], llvm_version: Optional[str]) -> Tuple[Toolchain, str]:
    """The toolchain and the plugin to build with (found when not given;
    the LLVM major is the plugin's unless named); DeployError when one is
    missing."""
    version = llvm_version or os.environ.get(LLVM_VERSION_ENV, "").strip() or None
    if plugin is None:
        try:
            plugin = find_plugin(version)
        except FileNotFoundError as error:
            raise DeployError(str(error)) from None
    elif not os.path.isfile(plugin):
        raise DeployError("plugin %s: no such file" % plugin)
    plugin = os.path.abspath(plugin)
    if version is None:
        version = plugin_llvm_major(plugin) or None
    toolchain = Toolchain(llvm_version=version, plugin=plugin)
    try:
        toolchain.plugin()
        toolchain.require("clang")
        toolchain.require("llvm-size")
    except Exception as error:  # ToolchainError: say it without a URI.
        raise DeployError(getattr(error, "detail", str(error))) from None
    return toolchain, plugin
