"""The ``optgym deploy`` subcommand (also ``python3 -m optgym.deploy``)."""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
from typing import List, Optional

from ..options import add_jobs_option
from ..toolchain import clang_level
from .compare import deploy
from .plan import DEFAULT_PROGRAM, DEFAULT_RUN_TIMEOUT, DEFAULT_RUNS, DeployError
from .report import report

__all__ = ["configure_parser", "main", "run"]

#: What ``optgym deploy --help`` says it does.
DESCRIPTION = "Deploying a policy in a real build: ``python3 -m optgym deploy``."


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Adds ``optgym deploy``'s arguments."""
    parser.add_argument(
        "program",
        nargs="?",
        help="a directory with a Makefile (or CMakeLists.txt) that builds one program "
        "(default: the bundled test program datasets/programs/%s)" % DEFAULT_PROGRAM,
    )
    parser.add_argument(
        "--policy", metavar="FILE", help="the policy (default: policies/codesize.json)"
    )
    parser.add_argument(
        "--target",
        metavar="PATH",
        help="the program the build makes, relative to the build directory "
        "(default: the one executable it makes, or the one named after the directory)",
    )
    parser.add_argument(
        "--run",
        metavar="SHELL-COMMAND",
        help="how to run the program, in its build directory; {bin} is the program, {src} "
        "the source directory, {dir} the build directory (default: the program, no arguments)",
    )
    parser.add_argument(
        "--runs",
        metavar="N",
        type=int,
        default=DEFAULT_RUNS,
        help="runs of each build; the median is reported (default: %(default)s)",
    )
    parser.add_argument(
        "--level",
        default="Oz",
        help="the optimization level of the policy build (default: %(default)s)",
    )
    parser.add_argument(
        "--baselines",
        metavar="L1,L2",
        default="Oz,O2",
        help="the levels to compare with; the first is the reference (default: %(default)s)",
    )
    parser.add_argument(
        "--goal",
        metavar="GOAL",
        action="append",
        default=[],
        help="a make goal (cmake --build target) to build instead of the default (repeatable)",
    )
    parser.add_argument(
        "--make-arg",
        metavar="ARG",
        action="append",
        default=[],
        help="one more make argument, e.g. LDLIBS=-lm (repeatable)",
    )
    parser.add_argument(
        "--cmake-arg",
        metavar="ARG",
        action="append",
        default=[],
        help="one more cmake configure argument (repeatable)",
    )
    parser.add_argument(
        "--cflags",
        metavar="FLAGS",
        default="",
        help="more compiler flags for every build, after the level",
    )
    parser.add_argument(
        "--no-always-make",
        dest="always_make",
        action="store_false",
        help="do not pass -B to make (objects already in the source tree are then reused)",
    )
    parser.add_argument(
        "--no-record",
        dest="record",
        action="store_false",
        help="do not build the policy once more to record and count its decisions",
    )
    parser.add_argument(
        "--decisions",
        metavar="K1,K2",
        help="OPTGYM_DECISIONS for the policy build (default: the environment's, else the plugin's)",
    )
    parser.add_argument("--plugin", metavar="PATH", help="OptGym.so (default: found)")
    parser.add_argument(
        "--llvm-version", metavar="V", help="the LLVM major (default: the plugin's)"
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="where to build, kept afterwards (default: a temporary directory, removed)",
    )
    add_jobs_option(parser, "make -j")
    parser.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=DEFAULT_RUN_TIMEOUT,
        help="seconds one run may take (default: %(default)g)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the result as JSON to FILE")


def _error(text: str) -> None:
    sys.stderr.write("optgym: error: %s\n" % text)


def run(args: argparse.Namespace) -> int:
    """Runs ``optgym deploy``; 0 when every build succeeded and printed what
    the reference prints, 1 otherwise, 2 for a bad command line."""
    if args.runs < 1 or args.jobs < 1:
        _error("--runs and --jobs must be at least 1")
        return 2
    try:
        baselines = [name for name in args.baselines.split(",") if name.strip()]
        if not baselines:
            raise ValueError("--baselines names no level")
        for name in baselines + [args.level]:
            clang_level(name)
    except ValueError as error:
        _error(str(error))
        return 2
    scratch = None
    out = args.out
    if out is None:
        scratch = tempfile.mkdtemp(prefix="optgym-deploy-")
        out = scratch
    try:
        result = deploy(
            args.program,
            args.policy,
            plugin=args.plugin,
            llvm_version=args.llvm_version,
            level=args.level,
            baselines=baselines,
            target=args.target,
            goals=args.goal,
            make_args=args.make_arg,
            cmake_args=args.cmake_arg,
            cflags=shlex.split(args.cflags),
            run_command=args.run,
            runs=args.runs,
            run_timeout=args.timeout,
            jobs=args.jobs,
            decisions=args.decisions,
            always_make=args.always_make,
            record=args.record,
            out=out,
        )
        print(report(result, args.runs))
        if scratch is not None:
            print("(the build directories are removed at exit: --out DIR keeps them)")
        sys.stdout.flush()
        if args.json:
            with open(args.json, "w", encoding="utf-8") as stream:
                json.dump(result.to_json(), stream, indent=2)
                stream.write("\n")
    except DeployError as error:
        _error(str(error))
        return 1
    except OSError as error:
        _error(str(error))
        return 1
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0 if result.ok else 1


def main(argv: Optional[List[str]] = None) -> int:
    """``python3 -m optgym.deploy``, the same as ``python3 -m optgym deploy``."""
    parser = argparse.ArgumentParser(prog="optgym deploy", description=DESCRIPTION)
    configure_parser(parser)
    return run(parser.parse_args(argv))
