"""Per-decision search in real clang builds: coordinate descent over the
keys a build records.

One build with LLVM's default decisions, recorded, lists every decision of
the chosen kinds with its key and features. The search then changes
decisions in *groups* (all decisions about one pass, one option, or one
function's loops and calls) to each other choice, and keeps what makes the
program smaller (or faster):

* **Separable kinds** (``codegen-gate``, ``codegen-option``): code
  generation works on one function (one object) at a time, so one build
  with a whole group changed says, function by function (object by
  object), where the change helps. The search keeps exactly those, then
  confirms the whole program got smaller.
* **Other kinds** (``inline``, ``loop-unroll``, ``loop-vectorize``,
  ``pass-gate``): a change to one function's IR moves code between
  functions, so a group is judged on the whole program; a group that
  changes the size but not for the better is split in halves
  (delta debugging) while the budget lasts.

Rounds repeat until one finds nothing or the budget ends. Keys that an
accepted change makes appear are picked up by recording the new best build.
The result keeps every decision of the best build with its features and
whether the search tried it: what :mod:`optgym.train` learns from.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ..benchmarks import SPLITS, benchmark, builtin_uris, split_uris
from ..errors import BenchmarkError
from ..generators import CSMITH_DATASET, first_seeds
from ..options import add_jobs_option, add_ray_option
from ..parallel import JobFailure, RayUnavailable, run_jobs
from ..progress import Deadline, Progress
from ..query import Decision
from .builds import ProgramBuild, ProgramBuilder, policy_document

__all__ = ["KINDS", "SEPARABLE_KINDS", "TuneResult", "tune", "tune_many", "configure_parser", "run"]

#: The decision kinds a tune may search.
KINDS = ("codegen-gate", "codegen-option", "inline", "loop-unroll", "loop-vectorize", "pass-gate")
#: Kinds whose decisions are judged function by function (object by object).
SEPARABLE_KINDS = ("codegen-gate", "codegen-option")
#: The default search: the backend decisions, where -Oz leaves the most.
DEFAULT_KINDS = ("codegen-gate", "codegen-option")
#: Runtime scores must improve by this fraction to count (timing noise).
RUNTIME_MARGIN = 0.02

Table = Dict[str, Dict[str, str]]


@dataclass
class TuneResult:
    """The outcome of one benchmark's search (one JSON line of the CLI)."""

    benchmark: str
    kinds: List[str]
    score: str
    level: str
    seed: int
    baseline: float = 0.0
    best: float = 0.0
    walltime: float = 0.0
    evaluations: int = 0
    table: Table = field(default_factory=dict)
    trajectory: List[Tuple[float, float]] = field(default_factory=list)
    decisions: List[dict] = field(default_factory=list)
    validated: Optional[bool] = None
    error: Optional[str] = None

    @property
    def improvement(self) -> float:
        """baseline / best: above 1 is better than LLVM's default."""
        return self.baseline / self.best if self.best else float("nan")

    def to_json(self) -> dict:
        return {
            "benchmark": self.benchmark,
            "kinds": self.kinds,
            "score": self.score,
            "level": self.level,
            "seed": self.seed,
            "baseline": self.baseline,
            "best": self.best,
            "improvement": round(self.improvement, 6) if self.best else None,
            "walltime": round(self.walltime, 3),
            "evaluations": self.evaluations,
            "departures": sum(len(t) for t in self.table.values()),
            "table": self.table,
            "trajectory": [[round(t, 3), s] for t, s in self.trajectory],
            "validated": self.validated,
            "error": self.error,
            "decisions": self.decisions,
        }


def _function(decision: Decision) -> str:
    """The function a decision's key names (``FILE:FN:...``), or ``""``
    for a key about the whole module."""
    parts = decision.key.split(":")
    return parts[1] if len(parts) > 2 else ""


def _group(decision: Decision) -> str:
    """What the search changes together: the pass or option a decision is
    about, else its function."""
    for name in ("pass", "option"):
        value = decision.features.get(name)
        if isinstance(value, str):
            return value
    return _function(decision)


class _CoordinateDescent:
    """The state of one benchmark's coordinate descent."""

    def __init__(
        self,
        builder: ProgramBuilder,
        score: str,
        runs: int,
        deadline: Deadline,
        max_evaluations: Optional[int],
        rng: random.Random,
        result: TuneResult,
    ) -> None:
        self.builder = builder
        self.score_name = score
        self.runs = runs
        self.deadline = deadline
        self.max_evaluations = max_evaluations
        self.rng = rng
        self.result = result
        self.table: Table = {}
        self.best: Optional[ProgramBuild] = None
        self.best_score = math.inf
        # (kind, key) -> (choice tried, change of the score it caused,
        # None when the program then misbehaved): what training weighs.
        self.effects: Dict[Tuple[str, str], Tuple[str, Optional[float]]] = {}

    def out_of_budget(self) -> bool:
        if self.deadline.expired():
            return True
        return self.max_evaluations is not None and self.result.evaluations >= self.max_evaluations

    def evaluate(self, table: Table, record: bool = False) -> Tuple[ProgramBuild, float]:
        """Builds with ``table``; its score (lower is better, inf when the
        program misbehaves)."""
        self.result.evaluations += 1
        runtime = self.score_name == "runtime"
        outcome = self.builder.build(policy_document(table), record=record, link=runtime)
        if not runtime:
            return outcome, float(outcome.text)
        seconds = self.builder.run_time(outcome, self.runs)
        return outcome, math.inf if seconds is None else seconds

    def improves(self, candidate: float) -> bool:
        if self.score_name == "runtime":
            return candidate < self.best_score * (1 - RUNTIME_MARGIN)
        return candidate < self.best_score

    def accept(self, table: Table, outcome: ProgramBuild, value: float) -> None:
        self.table = table
        self.best = outcome
        self.best_score = value
        self.result.trajectory.append((self.deadline.elapsed(), value))

    def decisions(self) -> List[Decision]:
        return self.best.decisions if self.best else []

    def with_choice(self, decisions: Sequence[Decision], choice: str) -> Table:
        table = {kind: dict(entries) for kind, entries in self.table.items()}
        for decision in decisions:
            entries = table.setdefault(decision.kind, {})
            if choice == decision.default:
                entries.pop(decision.key, None)
            else:
                entries[decision.key] = choice
        return table

    def note_effect(self, decision: Decision, choice: str, delta: float) -> None:
        self.effects[(decision.kind, decision.key)] = (
            choice,
            None if math.isinf(delta) or math.isnan(delta) else delta,
        )

    # -- one group -------------------------------------------------------------

    def try_separable(self, group: List[Decision], choice: str) -> bool:
        """Changes the whole group, keeps it where each function (object)
        got smaller."""
        outcome, _ = self.evaluate(self.with_choice(group, choice), record=True)
        assert self.best is not None

        # Decisions about one function (object) share its change in size.
        def place(decision: Decision) -> str:
            if decision.kind == "codegen-option":
                return decision.key.split(":")[0]
            return _function(decision)

        sharing: Dict[str, int] = {}
        for decision in group:
            sharing[place(decision)] = sharing.get(place(decision), 0) + 1
        kept = []
        for decision in group:
            if decision.kind == "codegen-option":
                unit = self.builder.objects_of(place(decision))
                before = sum(self.best.object_text.get(name, 0) for name in unit)
                after = sum(outcome.object_text.get(name, 0) for name in unit)
            else:
                before = self.best.function_text.get(_function(decision))
                after = outcome.function_text.get(_function(decision))
                if before is None or after is None:
                    continue
            self.note_effect(decision, choice, (after - before) / sharing[place(decision)])
            if after < before:
                kept.append(decision)
        if not kept:
            return False
        table = self.with_choice(kept, choice)
        if len(kept) == len(group):
            value = float(outcome.text)
        else:
            outcome, value = self.evaluate(table, record=True)
        if self.improves(value):
            self.accept(table, outcome, value)
            return True
        return False

    def try_whole(self, group: List[Decision], choice: str, depth: int = 0) -> bool:
        """Changes the group and keeps it if the program got better; splits
        a group whose change made a difference but not the right one."""
        if self.out_of_budget():
            return False
        table = self.with_choice(group, choice)
        outcome, value = self.evaluate(table, record=True)
        for decision in group:
            self.note_effect(decision, choice, (value - self.best_score) / len(group))
        if self.improves(value):
            self.accept(table, outcome, value)
            return True
        if len(group) < 2 or depth >= 6 or value == self.best_score:
            return False
        middle = len(group) // 2
        first = self.try_whole(group[:middle], choice, depth + 1)
        second = self.try_whole(group[middle:], choice, depth + 1)
        return first or second

    # -- rounds ----------------------------------------------------------------

    def groups(self) -> List[Tuple[str, str, List[Decision]]]:
        """(kind, group name, decisions still at their default), shuffled."""
        grouped: Dict[Tuple[str, str], List[Decision]] = {}
        for decision in self.decisions():
            if decision.key in self.table.get(decision.kind, {}):
                continue
            grouped.setdefault((decision.kind, _group(decision)), []).append(decision)
        items = [(kind, name, members) for (kind, name), members in sorted(grouped.items())]
        self.rng.shuffle(items)
        return items

    def round(self) -> bool:
        improved = False
        for kind, _, members in self.groups():
            alternatives = [c for c in members[0].choices if c != members[0].default]
            # Kinds with many choices (unroll counts, vector widths): a few
            # per group per round, in seeded order.
            self.rng.shuffle(alternatives)
            for choice in alternatives[:3]:
                if self.out_of_budget():
                    return improved
                current = [d for d in members if d.key not in self.table.get(kind, {})]
                if not current:
                    break
                separable = kind in SEPARABLE_KINDS and self.score_name != "runtime"
                if (self.try_separable if separable else self.try_whole)(current, choice):
                    improved = True
        return improved


def _decision_line(decision: Decision, search: _CoordinateDescent) -> dict:
    effect = search.effects.get((decision.kind, decision.key))
    return {
        "kind": decision.kind,
        "key": decision.key,
        "features": decision.features,
        "default": decision.default,
        "chosen": search.table.get(decision.kind, {}).get(decision.key, decision.default),
        "tried": effect is not None,
        "effect": None if effect is None else {"choice": effect[0], "delta": effect[1]},
    }


def tune(
    uri: str,
    kinds: Sequence[str] = DEFAULT_KINDS,
    score: str = "text",
    level: str = "z",
    seed: int = 0,
    budget_seconds: Optional[float] = 60.0,
    max_evaluations: Optional[int] = None,
    runs: int = 3,
    validate: bool = True,
    rounds: int = 3,
) -> TuneResult:
    """Searches the ``kinds`` decisions of one benchmark's clang -O``level``
    build for the smallest .text (``score="text"``) or the fastest run
    (``"runtime"``, median of ``runs`` runs), within ``budget_seconds`` of
    wall time and ``max_evaluations`` builds. Never raises for a benchmark
    that fails: the result's ``error`` says why."""
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(
                "unknown decision kind %r (expected one of %s)" % (kind, ", ".join(KINDS))
            )
    if score not in ("text", "runtime"):
        raise ValueError("unknown score %r (expected text or runtime)" % score)
    result = TuneResult(benchmark=uri, kinds=list(kinds), score=score, level=level, seed=seed)
    deadline = Deadline(budget_seconds)
    rng = random.Random("%s/%d" % (uri, seed))
    try:
        bench = benchmark(uri)
        if score == "runtime" and not bench.runnable:
            raise BenchmarkError("a runtime score needs a runnable program", uri)
        with ProgramBuilder(bench, level, kinds) as builder:
            search = _CoordinateDescent(
                builder, score, runs, deadline, max_evaluations, rng, result
            )
            outcome, value = search.evaluate({}, record=True)
            if value == math.inf:
                raise BenchmarkError("the default build does not behave as -O0 does", uri)
            result.baseline = value
            search.accept({}, outcome, value)
            for _ in range(rounds):
                if search.out_of_budget() or not search.round():
                    break
                builder.discard(keep=[search.best] if search.best else [])
            result.best = search.best_score
            result.table = search.table
            result.decisions = [_decision_line(d, search) for d in search.decisions()]
            if validate and bench.runnable:
                final = builder.build(policy_document(search.table), link=True)
                result.validated = builder.validate(final) is None
    except BenchmarkError as error:
        result.error = str(error)
    result.walltime = deadline.elapsed()
    return result


def tune_many(
    uris: Sequence[str],
    jobs: int,
    out: Optional[Path],
    progress: Progress,
    ray_address: Optional[str] = None,
    **options,
) -> List[TuneResult]:
    """:func:`tune` of each benchmark, ``jobs`` at a time (or as tasks on
    the Ray cluster at ``ray_address``, :mod:`optgym.parallel`), in order.
    Each result is written to ``out`` (a JSON line) and counted on
    ``progress`` as it finishes."""
    results: Dict[str, TuneResult] = {}
    stream = open(out, "w") if out else None
    calls = [dict(options, uri=uri) for uri in uris]
    try:
        for index, outcome in run_jobs(tune, calls, jobs, ray_address):
            if isinstance(outcome, JobFailure):
                result = TuneResult(
                    uris[index],
                    list(options.get("kinds", DEFAULT_KINDS)),
                    options.get("score", "text"),
                    options.get("level", "z"),
                    options.get("seed", 0),
                    error=outcome.message,
                )
            else:
                result = outcome
            results[result.benchmark] = result
            if stream:
                stream.write(json.dumps(result.to_json()) + "\n")
                stream.flush()
            progress.update(
                advance=1,
                status=result.benchmark.rsplit("/", 1)[-1]
                + ": "
                + ("error" if result.error else "%.3fx" % result.improvement),
            )
    finally:
        progress.close()
        if stream:
            stream.close()
    return [results[uri] for uri in uris if uri in results]


# -- command line -----------------------------------------------------------------


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "benchmarks",
        nargs="*",
        metavar="BENCHMARK",
        help="benchmark URIs (default: every bundled program, or --split)",
    )
    parser.add_argument("--split", choices=SPLITS, help="the bundled programs of one split")
    parser.add_argument(
        "--csmith",
        metavar="N",
        type=int,
        default=0,
        help="also the first N csmith programs (generator://csmith-v0/SEED)",
    )
    parser.add_argument(
        "--kinds",
        default=",".join(DEFAULT_KINDS),
        help="decision kinds to search, comma-separated (default: %(default)s;"
        " any of " + ", ".join(KINDS) + ")",
    )
    parser.add_argument(
        "--score",
        choices=("text", "runtime"),
        default="text",
        help=".text bytes or median run time (default: %(default)s)",
    )
    parser.add_argument("-O", "--level", default="z", help="clang -O level (default: z)")
    parser.add_argument("--seed", type=int, default=0, help="search order seed (default: 0)")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wall time per benchmark (default: %(default)s)",
    )
    parser.add_argument(
        "--max-evaluations",
        type=int,
        metavar="N",
        help="builds per benchmark at most (a budget that does not depend on the machine's speed)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per runtime score (default: 3)")
    add_jobs_option(parser, "benchmarks searched in parallel")
    add_ray_option(parser, "the benchmarks' searches")
    parser.add_argument(
        "-o", "--out", metavar="FILE", help="write one JSON line per benchmark (docs/search.md)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _uris(args: argparse.Namespace) -> List[str]:
    uris = list(args.benchmarks)
    if args.split:
        uris += split_uris(args.split)
    if args.csmith:
        uris += first_seeds(CSMITH_DATASET, args.csmith)
    return uris or builtin_uris()


def _summary_line(result: TuneResult) -> str:
    if result.error:
        return "%-40s error: %s" % (result.benchmark, result.error)
    unit = "bytes" if result.score == "text" else "s"
    return "%-40s %10g -> %10g %s  %6.3fx  %3d departures  %5.1fs  %s" % (
        result.benchmark,
        result.baseline,
        result.best,
        unit,
        result.improvement,
        sum(len(t) for t in result.table.values()),
        result.walltime,
        {True: "validated", False: "OUTPUT DIFFERS", None: ""}[result.validated],
    )


def run(args: argparse.Namespace) -> int:
    from ..cli import CommandLineError

    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise CommandLineError(
            "--kinds: unknown decision kind %s (expected %s)"
            % (", ".join(unknown) or "(none)", ", ".join(KINDS))
        )
    if args.jobs < 1:
        raise CommandLineError("--jobs must be at least 1")
    try:
        uris = _uris(args)
    except BenchmarkError as error:
        sys.stderr.write("optgym: error: %s\n" % error)
        return 1
    options = dict(
        kinds=kinds,
        score=args.score,
        level=args.level,
        seed=args.seed,
        budget_seconds=args.budget,
        max_evaluations=args.max_evaluations,
        runs=args.runs,
    )
    try:
        ordered = tune_many(
            uris,
            args.jobs,
            Path(args.out) if args.out else None,
            Progress("tune", total=len(uris), enabled=not args.quiet),
            ray_address=args.ray,
            **options,
        )
    except RayUnavailable as error:
        sys.stderr.write("optgym tune: %s\n" % error)
        return 1
    for result in ordered:
        print(_summary_line(result))
    good = [r for r in ordered if not r.error and r.best]
    if good:
        geomean = math.exp(sum(math.log(r.improvement) for r in good) / len(good))
        print(
            "geomean improvement over clang -O%s: %.4fx on %d benchmarks"
            % (args.level, geomean, len(good))
        )
    failed = any(r.error or r.validated is False for r in ordered)
    return 1 if failed else 0
