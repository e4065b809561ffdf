"""The ``optgym`` command line: ``python3 -m optgym COMMAND ...``.

Each subcommand is one entry of :data:`COMMANDS`: its help line, a function
that adds its arguments to an argparse parser, and a function that runs it
and returns the exit status. Adding a subcommand is adding an entry.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

from . import __version__
from .agents import AgentSpecError, load_agent
from .build import run_build
from .query import Unit
from .server import parse_tcp_address, serve, serve_tcp

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
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="optgym",
        description="Serve OptGym agents and run builds with them.",
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
