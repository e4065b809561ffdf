#!/usr/bin/env python3
"""Parses and replays every state of CompilerGym's leaderboard CSV files.

CompilerGym's leaderboard (``leaderboard/llvm_instcount/*/*.csv`` in its
repository) holds the final states of its agents as CSV rows
``benchmark,reward,walltime,commandline``, the commandline in CompilerGym's
form (``opt -sroa -prune-eh ... input.bc -o output.bc``). This script reads
every row with optgym's ``CompilerEnvStateReader``, parses its commandline
with the gym's action space (every one of CompilerGym's 124 flags, the
replay-only ones included), and replays it: on its own benchmark when that
program is available (``benchmark://cBench-v1/...``, CompilerGym's old
spelling, is ``cbench-v1``), else on the fallback programs, so that every
action sequence is shown to run without an error. It prints what it counted
and exits 1 if a state fails to parse or to replay.

    utils/compiler-gym-states.py COMPILERGYM_CHECKOUT
    utils/compiler-gym-states.py DIR --fallback benchmark://optgym-v0/crc32 --fallback ...

COMPILERGYM_CHECKOUT is a checkout of CompilerGym (its ``leaderboard``
directory is searched) or any directory of such CSV files. Needs the plugin
(``OPTGYM_PLUGIN`` or the installed package's); nothing of CompilerGym is
imported or run.
"""

from __future__ import annotations

import argparse
import collections
import math
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import optgym
from optgym import CompilerEnvStateReader
from optgym.progress import Progress
from optgym.suites import DEPRECATED_NAMES

#: Where the replays go when a state's own program is not available.
DEFAULT_FALLBACKS = (
    "benchmark://optgym-v0/crc32",
    "benchmark://optgym-v0/json_parse",
    "benchmark://optgym-v0/minilisp",
)


def csv_files(root: Path) -> List[Path]:
    """The CSV files of a checkout's leaderboard, or of a plain directory."""
    leaderboard = root / "leaderboard"
    return sorted((leaderboard if leaderboard.is_dir() else root).rglob("*.csv"))


def benchmark_uri(uri: str) -> str:
    """The URI OptGym resolves a state's to: a deprecated dataset name of
    CompilerGym's (``cBench-v1``) becomes the suite it stands for, without
    the deprecation warning, which every such state would repeat."""
    scheme, separator, rest = uri.partition("://")
    dataset, slash, name = rest.partition("/")
    current = DEPRECATED_NAMES.get(dataset)
    if not separator or current is None:
        return uri
    return "%s://%s%s%s" % (scheme, current, slash, name)


def short(text: str, limit: int = 160) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


class Replayer:
    """One environment, reset to each program in turn."""

    def __init__(self, env: "optgym.gym.LlvmEnv") -> None:
        self.env = env
        self.available: Dict[str, Optional[str]] = {}  # uri -> why not

    def check(self, uri: str) -> Optional[str]:
        """None if the program can be reset to, else why not (cached)."""
        if uri not in self.available:
            try:
                self.env.reset(benchmark=uri)
                self.available[uri] = None
            except Exception as error:  # noqa: BLE001 - any reason is reported
                self.available[uri] = "%s: %s" % (type(error).__name__, short(error, 120))
        return self.available[uri]

    def replay(self, uri: str, actions: List[int]) -> Tuple[Optional[str], float]:
        """(None or why the replay failed, the episode's reward)."""
        env = self.env
        try:
            env.reset(benchmark=uri)
            reward = 0.0
            if actions:
                _, reward, terminated, truncated, info = env.multistep(actions)
                if terminated or truncated:
                    return (
                        "%s: %s"
                        % (info.get("error_type", "ended"), short(info.get("error_details", ""))),
                        math.nan,
                    )
            return None, float(env.episode_reward or reward or 0.0)
        except Exception as error:  # noqa: BLE001 - any reason is reported
            return "%s: %s" % (type(error).__name__, short(error)), math.nan


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="CompilerGym checkout or a directory of CSVs")
    parser.add_argument(
        "--fallback",
        action="append",
        metavar="URI",
        help="a program to replay on when a state's own is not available "
        "(repeatable; default: %s)" % ", ".join(DEFAULT_FALLBACKS),
    )
    parser.add_argument(
        "--reward-space",
        default="IrInstructionCountOz",
        help="the reward compared with the CSV's on a state's own program (the leaderboard's)",
    )
    parser.add_argument("--no-replay", action="store_true", help="parse only")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per failure")
    args = parser.parse_args(argv)
    fallbacks = args.fallback or list(DEFAULT_FALLBACKS)

    files = csv_files(args.checkout)
    if not files:
        print("no CSV files under %s" % args.checkout, file=sys.stderr)
        return 2

    start = time.monotonic()
    with optgym.make("llvm-v0", benchmark=fallbacks[0], reward_space=args.reward_space) as env:
        env.reset()
        space = env.action_space
        states = []  # (file, state, actions)
        parse_failures: collections.Counter = collections.Counter()
        flags: collections.Counter = collections.Counter()
        total = 0
        for path in files:
            with open(path, newline="") as fh:
                for state in CompilerEnvStateReader(fh):
                    total += 1
                    try:
                        actions = space.from_string(state.commandline)
                    except ValueError as error:
                        parse_failures[short(error)] += 1
                        if args.verbose:
                            print("parse failed: %s: %s" % (path.name, error))
                        continue
                    flags.update(space.action_name(a) for a in set(actions))
                    states.append((path, state, actions))
        hidden = sum(any(space.is_replay_only(a) for a in actions) for _, _, actions in states)
        print(
            "%d CSV files, %d states: %d parsed, %d failed to parse"
            % (len(files), total, len(states), total - len(states))
        )
        for reason, count in parse_failures.most_common():
            print("  %5d  %s" % (count, reason))
        print(
            "  %d states use a replay-only flag (%s)"
            % (
                hidden,
                ", ".join(
                    "%s %d" % (flag, flags[flag])
                    for flag in sorted(space.replay_only_names, key=lambda f: -flags[f])
                    if flags[flag]
                ),
            )
        )
        if args.no_replay:
            return 1 if parse_failures else 0

        replayer = Replayer(env)
        unavailable: Dict[str, str] = {}
        ok = 0
        failures: collections.Counter = collections.Counter()
        on_own = on_fallback = matched = compared = 0
        progress = Progress("replaying", total=len(states))
        for path, state, actions in states:
            progress.update(advance=1, status="%d failed" % (progress.done - ok))
            uri = benchmark_uri(state.benchmark)
            why = replayer.check(uri)
            targets = [uri] if why is None else fallbacks
            if why is not None:
                unavailable.setdefault(uri, why)
            state_ok = True
            for target in targets:
                failure, reward = replayer.replay(target, actions)
                if failure is not None:
                    state_ok = False
                    failures["%s on %s" % (failure, target)] += 1
                    if args.verbose:
                        print("replay failed: %s: %s on %s: %s" % (path.name, uri, target, failure))
                elif target == uri and state.reward is not None:
                    compared += 1
                    matched += math.isclose(reward, state.reward, rel_tol=1e-5)
            ok += state_ok
            if why is None:
                on_own += 1
            else:
                on_fallback += 1
        progress.close()
        print(
            "replayed: %d of %d states ran every action without an error; %d failed"
            % (ok, len(states), len(states) - ok)
        )
        print("  %d on their own program, %d on %s" % (on_own, on_fallback, ", ".join(fallbacks)))
        if unavailable:
            reasons = collections.Counter(why.split(":", 1)[0] for why in unavailable.values())
            print(
                "  %d programs not available (%s), e.g. %s"
                % (
                    len(unavailable),
                    ", ".join("%s %d" % item for item in reasons.most_common()),
                    short(next(iter(unavailable.items())), 200),
                )
            )
        if compared:
            print(
                "  %s: %d of %d rewards equal the CSV's (CompilerGym ran LLVM 10's passes)"
                % (args.reward_space, matched, compared)
            )
        for reason, count in failures.most_common():
            print("  %5d  %s" % (count, reason))
        print("%.0f s" % (time.monotonic() - start))
        return 1 if parse_failures or failures else 0


if __name__ == "__main__":
    sys.exit(main())
