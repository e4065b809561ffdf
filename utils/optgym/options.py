"""Command-line options that several ``optgym`` subcommands share."""

from __future__ import annotations

import argparse
import os
from typing import Optional

__all__ = ["add_jobs_option"]


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
