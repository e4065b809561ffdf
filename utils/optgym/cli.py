"""The ``optgym`` command line: ``python3 -m optgym COMMAND ...``.

Each subcommand is one entry of :data:`COMMANDS`: its help line, a function
that adds its arguments to an argparse parser, and a function that runs it
and returns the exit status. Adding a subcommand is adding an entry.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import sys
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

from ._version import __version__
from .agents import AgentSpecError, load_agent
from .benchmarks import DEFAULT_TIMEOUT, SPLITS, benchmarks, datasets
from .build import run_build
from .collect import collect
from .errors import BenchmarkError
from .options import add_jobs_option, stdout_closed
from .query import Unit
from .server import parse_tcp_address, serve, serve_tcp
from .toolchain import clang_level
from .validation import ERROR_EXIT_CODE, EXIT_CODES, validate

__all__ = ["Subcommand", "COMMANDS", "main"]


class CommandLineError(Exception):
    """A usage error found after parsing; reported like argparse's own."""


@dataclass(frozen=True)
class Subcommand:
    """One ``optgym`` subcommand."""

    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


_AGENT_HELP = (
    "the agent: default, random[:SEED], PATH.py[:FUNC] or MODULE:FUNC (default: %(default)s)"
)


def _lazy(module: str, function: str) -> Callable:
    """A subcommand function of ``optgym.MODULE``, imported when the
    subcommand runs (searches and training pull in the gym)."""

    def call(argument):
        import importlib

        return getattr(importlib.import_module("." + module, __package__), function)(argument)

    return call


def _error(text: str) -> None:
    sys.stderr.write("optgym: error: %s\n" % text)


# -- serve --------------------------------------------------------------------


def _configure_serve(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--socket",
        metavar="PATH",
        help="the Unix socket to serve (default: agent.sock in a new private directory)",
    )
    where.add_argument(
        "--tcp",
        metavar="[HOST:]PORT",
        help="serve TCP instead; HOST defaults to 127.0.0.1, PORT 0 picks a free port",
    )
    parser.add_argument("--agent", default="default", help=_AGENT_HELP)


def _run_serve(args: argparse.Namespace) -> int:
    agent = load_agent(args.agent)
    try:
        if args.tcp is not None:
            try:
                host, port = parse_tcp_address(args.tcp)
            except ValueError as error:
                raise CommandLineError("--tcp %s" % error) from None
            serve_tcp(agent, port=port, host=host)
        else:
            serve(agent, args.socket)
    except OSError as error:
        _error(str(error))
        return 1
    return 0


# -- run-build ----------------------------------------------------------------


def _configure_run_build(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agent", default="default", help=_AGENT_HELP)
    parser.add_argument("--json", metavar="FILE", help="write the whole result as JSON to FILE")
    parser.add_argument(
        "--decisions", metavar="K1,K2", help="the decision kinds to ask about (default: all)"
    )
    parser.add_argument(
        "--timeout-ms",
        metavar="N",
        type=int,
        help="the plugin's wait for each answer in milliseconds; 0 waits forever",
    )
    parser.add_argument("--plugin", metavar="PATH", help="OptGym.so (default: found)")
    parser.add_argument(
        "build_command",
        metavar="-- COMMAND...",
        nargs=argparse.REMAINDER,
        help="the build; {plugin} in it becomes the plugin's path, otherwise "
        "clang loads the plugin through CCC_OVERRIDE_OPTIONS",
    )


def _unit_line(unit: Unit) -> str:
    """One unit as ``MODULE queries=N departures=N ir_instructions=N``;
    ``-`` stands for what is unknown (no module-end arrived)."""
    ir_instructions = "-"
    if unit.stats is not None and "ir_instructions" in unit.stats:
        ir_instructions = str(unit.stats["ir_instructions"])
    return "%s queries=%d departures=%d ir_instructions=%s" % (
        unit.module if unit.module is not None else "-",
        unit.queries,
        unit.departures,
        ir_instructions,
    )


def _run_run_build(args: argparse.Namespace) -> int:
    command: List[str] = list(args.build_command)
    # REMAINDER keeps the "--" that separates the command in some Python
    # versions and drops it in others.
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise CommandLineError("run-build needs a build command after --")
    if args.timeout_ms is not None and args.timeout_ms < 0:
        raise CommandLineError("--timeout-ms must not be negative")
    agent = load_agent(args.agent)
    try:
        result = run_build(
            command,
            agent,
            plugin=args.plugin,
            decisions=args.decisions,
            timeout_ms=args.timeout_ms,
        )
    except FileNotFoundError as error:
        _error(str(error))
        # 127, as a shell reports a command it cannot find.
        return 127 if error.filename == command[0] else 1
    except ValueError as error:
        _error(str(error))
        return 1
    for unit in result.units:
        print(_unit_line(unit))
    sys.stdout.flush()
    if args.json is not None:
        try:
            with open(args.json, "w", encoding="utf-8") as stream:
                json.dump(result.to_json(), stream, indent=2)
                stream.write("\n")
        except OSError as error:
            _error("--json %s: %s" % (args.json, error.strerror or error))
            return 1
    # A build killed by signal N exits like a shell reports it: 128 + N.
    return result.returncode if result.returncode >= 0 else 128 - result.returncode


# -- datasets -----------------------------------------------------------------


def _configure_datasets(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--columns",
        action="store_true",
        help="after each URI: runnable=yes|no ir_O0=N ir_Oz=N ir_O3=N text_Oz=N "
        "(IR instructions at -O0/-Oz/-O3, .text bytes at -Oz); builds what the cache lacks",
    )
    parser.add_argument(
        "--csmith",
        metavar="N",
        type=int,
        default=0,
        help="also the first N csmith seeds that are not skipped (builds and runs candidates)",
    )
    parser.add_argument(
        "--llvm-stress",
        metavar="N",
        type=int,
        default=0,
        help="also the first N llvm-stress seeds that are not skipped",
    )
    parser.add_argument(
        "--dir",
        metavar="PATH",
        action="append",
        default=[],
        help="also every .c, .ll and .bc file under PATH (repeatable)",
    )
    parser.add_argument("--no-builtin", action="store_true", help="leave out the bundled programs")
    parser.add_argument(
        "--split",
        choices=SPLITS,
        help="of the bundled programs, only this split (datasets/splits.json)",
    )
    add_jobs_option(parser, "parallel builds")
    from .corpus.cli import configure_actions

    configure_actions(parser)


def _columns(uri: str) -> str:
    from .benchmarks import benchmark

    metrics = benchmark(uri).metrics()
    ir = metrics["ir_instructions"]
    return "%s runnable=%s ir_O0=%d ir_Oz=%d ir_O3=%d text_Oz=%d" % (
        uri,
        "yes" if metrics["runnable"] else "no",
        ir["O0"],
        ir["Oz"],
        ir["O3"],
        metrics["text_bytes_Oz"],
    )


def _run_datasets(args: argparse.Namespace) -> int:
    if getattr(args, "datasets_action", None):
        return args.run_action(args)
    if args.csmith < 0 or args.llvm_stress < 0:
        raise CommandLineError("--csmith and --llvm-stress take a count >= 0")
    if args.jobs < 1:
        raise CommandLineError("--jobs must be at least 1")
    try:
        uris = datasets(
            csmith=args.csmith,
            llvm_stress=args.llvm_stress,
            dirs=args.dir,
            builtin=not args.no_builtin,
            split=args.split,
        )
    except BenchmarkError as error:
        _error(str(error))
        return 1
    if not args.columns:
        try:
            for uri in uris:
                print(uri)
            sys.stdout.flush()
        except BrokenPipeError:
            return stdout_closed()
        return 0
    status = 0

    def line(uri: str):
        try:
            return _columns(uri)
        except BenchmarkError as error:
            return error

    pool = concurrent.futures.ThreadPoolExecutor(args.jobs)
    try:
        futures = [pool.submit(line, uri) for uri in uris]
        for uri, future in zip(uris, futures):
            text = future.result()
            if isinstance(text, BenchmarkError):
                print("%s runnable=- ir_O0=- ir_Oz=- ir_O3=- text_Oz=-" % uri)
                sys.stdout.flush()
                _error(str(text))
                status = 1
            else:
                print(text)
            sys.stdout.flush()
    except BrokenPipeError:
        for future in futures:
            future.cancel()
        return stdout_closed()
    finally:
        pool.shutdown(wait=True)
    return status


# -- validate -----------------------------------------------------------------


def _configure_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "uris",
        metavar="URI",
        nargs="+",
        help="benchmark://optgym-v0/NAME, generator://csmith-v0/SEED, "
        "generator://llvm-stress-v0/SEED, file:///PATH (a file or a directory of them) or a path",
    )
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--oracle", metavar="SPEC", help="the OPTGYM_ORACLE spec the build uses")
    how.add_argument("--policy", metavar="FILE", help="the same as --oracle policy:FILE")
    parser.add_argument(
        "--passes",
        metavar="PIPELINE",
        help="optimize with opt -passes=PIPELINE instead of clang's -O pipeline",
    )
    parser.add_argument(
        "-O",
        dest="level",
        metavar="LEVEL",
        default="O2",
        help="0, 1, 2, 3, s or z (default: 2); code generation uses it with --passes too",
    )
    parser.add_argument(
        "--timeout",
        metavar="S",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="seconds the program may run (default: %(default)g)",
    )
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON to FILE")
    add_jobs_option(parser, "benchmarks validated at a time (timings are fairer alone)", default=1)


def _run_validate(args: argparse.Namespace) -> int:
    try:
        clang_level(args.level)
    except ValueError as error:
        raise CommandLineError(str(error)) from None
    if args.timeout <= 0:
        raise CommandLineError("--timeout must be positive")
    if args.jobs < 1:
        raise CommandLineError("--jobs must be at least 1")
    status = 0
    targets = []
    for uri in args.uris:
        try:
            found = benchmarks(uri)
        except BenchmarkError as error:
            _error(str(error))
            status = status or ERROR_EXIT_CODE
            continue
        if not found:
            _error("%s: no .c, .ll or .bc files" % uri)
            status = status or ERROR_EXIT_CODE
        targets += found

    def check(target):
        try:
            return validate(
                target,
                oracle=args.oracle,
                policy=args.policy,
                passes=args.passes,
                level=args.level,
                timeout=args.timeout,
            )
        except BenchmarkError as error:
            return error

    results = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for result in pool.map(check, targets):
            if isinstance(result, BenchmarkError):
                sys.stdout.flush()
                _error(str(result))
                status = status or ERROR_EXIT_CODE
                continue
            print(result.line())
            sys.stdout.flush()
            if result.output and not result.ok:
                for text in result.output.splitlines():
                    sys.stderr.write("  %s\n" % text)
                sys.stderr.flush()
            results.append(result.to_json())
            if not result.ok:
                status = status or EXIT_CODES[result.outcome]
    if args.json is not None:
        try:
            with open(args.json, "w", encoding="utf-8") as stream:
                json.dump(results, stream, indent=2)
                stream.write("\n")
        except OSError as error:
            _error("--json %s: %s" % (args.json, error.strerror or error))
            return status or 1
    return status


# -- collect ------------------------------------------------------------------


def _configure_collect(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("units", metavar="DIR", help="the OPTGYM_COLLECT directory of a build")
    parser.add_argument("--out", metavar="DATASET", required=True, help="the dataset to write")
    parser.add_argument(
        "--build-log",
        metavar="LOG",
        help="what the build printed (make ... 2>&1 | tee LOG, or make -n): link programs",
    )
    parser.add_argument(
        "--build-dir",
        metavar="DIR",
        help="the directory the log's relative paths are relative to (default: make's "
        "'Entering directory' lines, else each unit's directory)",
    )


def _count(number: int, noun: str) -> str:
    return "%d %s%s" % (number, noun, "" if number == 1 else "s")


def _run_collect(args: argparse.Namespace) -> int:
    try:
        result = collect(args.units, args.out, build_log=args.build_log, build_dir=args.build_dir)
    except BenchmarkError as error:
        _error(str(error))
        return 1
    for warning in result.warnings:
        sys.stderr.write("optgym: warning: %s\n" % warning)
    for uri in result.uris():
        print(uri)
    sys.stdout.flush()
    sys.stderr.write(
        "optgym collect: %s, %s in %s\n"
        % (
            _count(len(result.units), "unit"),
            _count(len(result.programs), "program"),
            result.out,
        )
    )
    return 0


#: The subcommands, in the order ``--help`` lists them.
COMMANDS: Dict[str, Subcommand] = {
    "serve": Subcommand(
        help="serve an agent until Ctrl-C, for compiles started elsewhere",
        configure=_configure_serve,
        run=_run_serve,
    ),
    "run-build": Subcommand(
        help="run a build with an agent deciding; print each unit's decisions",
        configure=_configure_run_build,
        run=_run_run_build,
    ),
    "datasets": Subcommand(
        help="list benchmark URIs, one per line (with --columns: their sizes); "
        "build and describe corpora (build, stats)",
        configure=_configure_datasets,
        run=_run_datasets,
    ),
    "validate": Subcommand(
        help="build benchmarks with an oracle, policy or pass pipeline and check them against -O0",
        configure=_configure_validate,
        run=_run_validate,
    ),
    "collect": Subcommand(
        help="turn the units of an OPTGYM_COLLECT build into a dataset",
        configure=_configure_collect,
        run=_run_collect,
    ),
    "search": Subcommand(
        help="search pass orders in the gym (random, greedy, beam) against -Oz",
        configure=_lazy("search.passorder", "configure_parser"),
        run=_lazy("search.passorder", "run"),
    ),
    "tune": Subcommand(
        help="search a program's decisions in real clang builds for the smallest .text "
        "(or fastest run)",
        configure=_lazy("search.decisions", "configure_parser"),
        run=_lazy("search.decisions", "run"),
    ),
    "train": Subcommand(
        help="fit a generalizing policy (a decision tree per kind) to tune results",
        configure=_lazy("train", "configure_parser"),
        run=_lazy("train", "run"),
    ),
    "portfolio": Subcommand(
        help="combine policies into one guarded file: each unit compiled with the "
        "member that makes it smallest, or with LLVM's default",
        configure=_lazy("portfolio", "configure_parser"),
        run=_lazy("portfolio", "run"),
    ),
    "leaderboard": Subcommand(
        help="run the baseline agents and a policy on the test split; write "
        "docs/leaderboard.md and its plot",
        configure=_lazy("leaderboard", "configure_parser"),
        run=_lazy("leaderboard", "run"),
    ),
    "measure": Subcommand(
        help="build programs from source with and without a policy file (clang -Oz): "
        ".text, departures, outputs against -O0",
        configure=_lazy("policyeval", "configure_parser"),
        run=_lazy("policyeval", "run"),
    ),
    "deploy": Subcommand(
        help="build a program with its own Makefile at -Oz, -O2 and -Oz with a policy; "
        "compare sizes, run times and outputs",
        configure=_lazy("deploy", "configure_parser"),
        run=_lazy("deploy", "run"),
    ),
    "compiler-gym": Subcommand(
        help="make `import compiler_gym` import OptGym's (install, uninstall, status, path)",
        configure=_lazy("compat.switch", "configure_parser"),
        run=_lazy("compat.switch", "run"),
    ),
    "mlir-search": Subcommand(
        help="search MLIR kernels' tile sizes and unroll factors (greedy or random) against "
        "the default pipeline, and validate what it finds",
        configure=_lazy("mlir.cli", "configure_parser"),
        run=_lazy("mlir.cli", "run"),
    ),
    "rl": Subcommand(
        help="train PPO on the training split's pass orders, evaluate it as a search "
        "agent, export its orders as policy files",
        configure=_lazy("rl", "configure_parser"),
        run=_lazy("rl", "run"),
    ),
    "state-cache": Subcommand(
        help="run a private Redis server for the gym's shared state cache; its size; clear it",
        configure=_lazy("redis_server", "configure_parser"),
        run=_lazy("redis_server", "run"),
    ),
    "loop": Subcommand(
        help="search the training split, fit a policy, build and validate the test split "
        "with it through clang -fpass-plugin, print a table against -Oz",
        configure=_lazy("loop", "configure_parser"),
        run=_lazy("loop", "run"),
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="optgym",
        description="OptGym: LLVM's optimization decisions for AI agents: serve agents, run "
        "builds with them, datasets, search, training, deployment.",
    )
    parser.add_argument("--version", action="version", version="optgym " + __version__)
    subparsers = parser.add_subparsers(dest="subcommand", metavar="COMMAND", required=True)
    for name, subcommand in COMMANDS.items():
        subparser = subparsers.add_parser(name, help=subcommand.help, description=subcommand.help)
        subcommand.configure(subparser)
        subparser.set_defaults(run_subcommand=subcommand.run, subcommand_parser=subparser)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.run_subcommand(args)
    except (AgentSpecError, CommandLineError) as error:
        # Exits with status 2 after the subcommand's usage line.
        args.subcommand_parser.error(str(error))
    return 2
