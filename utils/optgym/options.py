"""Command-line options and behaviour that several ``optgym`` subcommands share."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional

__all__ = ["add_jobs_option", "add_ray_option", "stdout_closed"]


def add_jobs_option(
    parser: argparse.ArgumentParser, what: str, default: Optional[int] = None
) -> None:
    """Adds ``-j N``/``--jobs N`` (``args.jobs``): how many of ``what`` run
    at a time, by default one per CPU (or ``default``)."""
    parser.add_argument(
        "-j",
        "--jobs",
        metavar="N",
        type=int,
        default=default if default is not None else os.cpu_count() or 2,
        help="%s (default: %%(default)s)" % what,
    )


def add_ray_option(parser: argparse.ArgumentParser, what: str) -> None:
    """Adds ``--ray [ADDRESS]`` (``args.ray``: None when absent): run
    ``what`` as tasks on the Ray cluster at ADDRESS, or, without one, on the
    cluster ``$RAY_ADDRESS`` names or a Ray instance started here for the
    run (:mod:`optgym.parallel`)."""
    from .parallel import LOCAL_RAY

    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        nargs="?",
        const=LOCAL_RAY,
        default=None,
        help="run %s as tasks on the Ray cluster at ADDRESS (HOST:PORT of its head); "
        "without ADDRESS, on $RAY_ADDRESS's cluster or a Ray started here "
        "(needs pip install 'optgym[ray]'; --jobs is then the cluster's CPUs)" % what,
    )


def stdout_closed() -> int:
    """After a BrokenPipeError (``optgym datasets | head``): stop quietly,
    as a shell pipeline expects; returns the exit status 0. Python would
    otherwise complain when it flushes stdout at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0
