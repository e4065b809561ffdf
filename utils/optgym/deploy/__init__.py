"""Deploying a policy in a real build: ``python3 -m optgym deploy``.

A program's own build (a Makefile, or a CMakeLists.txt built out of tree) is
run three times, each into a directory of its own, with nothing changed but
the compiler, the flags and the environment:

* ``-Oz``: ``make CC=clang CFLAGS=-Oz``
* ``-O2``: ``make CC=clang CFLAGS=-O2``
* ``-Oz+policy``: ``make CC=clang CFLAGS="-Oz -fpass-plugin=OptGym.so"`` with
  ``OPTGYM_ORACLE=policy:FILE`` in the environment, recording its decisions.

Then the three binaries are compared (file size, ``.text`` size by
``llvm-size -A``, build time), run N times each in turns (median wall time),
and checked: every run exits 0 and prints what the ``-Oz`` build prints. The
decisions recorded in the policy build show that the policy took effect.

:func:`deploy` is the library entry; :func:`configure_parser` and :func:`run`
are the ``optgym deploy`` subcommand. See docs/deployment.md.

The package's modules, in the order a deployment goes: :mod:`.plan` (the
defaults, the variants, the policy, the build system and the toolchain),
:mod:`.building` (one variant's build), :mod:`.running` (the runs and
their check), :mod:`.compare` (:func:`deploy`), :mod:`.results` (what it
found), :mod:`.report` (as text) and :mod:`.cli` (the subcommand).
"""

from ..deprecation import renamed
from .cli import configure_parser, main, run
from .compare import deploy
from .plan import (
    DEFAULT_BUILD_TIMEOUT,
    DEFAULT_PROGRAM,
    DEFAULT_RUN_TIMEOUT,
    DEFAULT_RUNS,
    DeployError,
    Variant,
    default_policy,
    default_program,
)
from .report import report
from .results import DeployResult, VariantResult

__all__ = [
    "DeployError",
    "Variant",
    "VariantResult",
    "DeployResult",
    "deploy",
    "default_policy",
    "default_program",
    "configure_parser",
    "run",
    "main",
    "report",
    "DEFAULT_BUILD_TIMEOUT",
    "DEFAULT_PROGRAM",
    "DEFAULT_RUN_TIMEOUT",
    "DEFAULT_RUNS",
]

__getattr__ = renamed(__name__, {"BuildOutcome": "optgym.deploy.results:VariantResult"})
