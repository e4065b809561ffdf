"""The leaderboard: every baseline agent and a policy file on the test
split, in CompilerGym's table form, with a plot of reward against time.

For each pass-order agent (``optgym search``) and the per-decision search
(``optgym tune``) it runs the agent on every program of the split (or
reads results an earlier run wrote, ``--results``), and it builds every
program with the policy. Each row gives, as geometric means over the
programs relative to clang -Oz: the IR instruction count (-Oz / agent,
above 1 is better, CompilerGym's "codesize reduction"; for pass-order
agents, their command line replayed by opt against opt's default<Oz>), the .text size
(agent / -Oz, below 1 is smaller), the mean wall time per program, and how
many programs were validated against their -O0 output.

The plot is drawn with matplotlib (the package's ``plots`` extra); without
it the table is written and the plot is skipped with a note.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from .benchmark_base import ir_instruction_count, text_size
from .benchmarks import SPLITS, benchmark, split_uris
from .errors import BenchmarkError
from .jsonlines import read_json_lines
from .options import add_jobs_option
from .policyeval import PolicyMeasurement, geomean, measure_policies
from .progress import Progress
from .resources import shipped_policy
from .search.builds import misbehaviour

__all__ = ["Row", "configure_parser", "run"]

#: Pass-order agents of ``optgym search``, in table order.
SEARCH_AGENTS = ("random", "greedy", "beam")
#: The trained pass-order agent of ``optgym rl evaluate`` (its lines are
#: ``optgym search``'s): not run by default, it needs a trained model.
PPO_AGENT = "ppo"
#: Pass-order agents, whose rows are measured by replaying their orders.
PASS_ORDER_AGENTS = SEARCH_AGENTS + (PPO_AGENT,)
#: Points of the reward-against-time curves.
_CURVE_POINTS = 60


@dataclass
class Row:
    """One leaderboard entry."""

    agent: str
    algorithm: str
    ir_ratios: List[float] = field(default_factory=list)  # -Oz / agent
    text_ratios: List[float] = field(default_factory=list)  # agent / -Oz
    walltimes: List[float] = field(default_factory=list)
    validated: int = 0
    runnable: int = 0
    failed: List[str] = field(default_factory=list)
    # Programs whose build with the agent's result does not behave as -O0's.
    wrong: List[str] = field(default_factory=list)
    # (seconds, geomean reward) points of the curve, reward as in the table.
    curve: List[Tuple[float, float]] = field(default_factory=list)
    curve_label: str = ""
    # A policy's measurements, program by program.
    details: List[PolicyMeasurement] = field(default_factory=list)

    def count_validation(self, benchmark: str, validated: Optional[bool]) -> None:
        """Counts a program's check against -O0 (None: it was not run)."""
        if validated is None:
            return
        self.runnable += 1
        self.validated += bool(validated)
        if not validated:
            self.wrong.append(benchmark)

    def cells(self) -> List[str]:
        ir = geomean(self.ir_ratios)
        text = geomean(self.text_ratios)
        wall = sum(self.walltimes) / len(self.walltimes) if self.walltimes else float("nan")
        return [
            self.agent,
            self.algorithm,
            datetime.date.today().isoformat(),
            "—" if math.isnan(wall) else "%.1f s" % wall,
            "—" if math.isnan(ir) else "%.3f×" % ir,
            "—" if math.isnan(text) else "%.3f×" % text,
            "%d/%d" % (self.validated, self.runnable),
        ]


# -- running agents ---------------------------------------------------------------


def _optgym(arguments: List[str]) -> None:
    """Runs ``python3 -m optgym ARGUMENTS`` (the documented command line,
    in a process of its own: agents fork, and their pools are theirs)."""
    completed = subprocess.run(
        [sys.executable, "-m", "optgym"] + arguments, stdout=subprocess.DEVNULL
    )
    # Status 1 means some benchmark failed: its line says so and the table
    # counts it. Anything else is a usage error or a crash.
    if completed.returncode not in (0, 1):
        raise RuntimeError(
            "`optgym %s` exited with status %d" % (" ".join(arguments), completed.returncode)
        )


def _read_lines(paths: Sequence[Path]) -> List[dict]:
    return [record for path in paths for record in read_json_lines(path)]


def _passes_of(commandline: str) -> Optional[str]:
    for word in shlex.split(commandline or ""):
        if word.startswith("-passes="):
            return word[len("-passes=") :]
    return None


def measure_pipeline(uri: str, commandline: str) -> Tuple[float, float, Optional[bool]]:
    """(opt -Oz's IR instruction count / the agent's, .text of the agent's
    module / .text of clang -Oz, whether its executable behaves as -O0's).
    The agent's command line is replayed by ``opt`` and compared with
    ``opt -passes='default<Oz>'`` of the same bitcode, both counted alike,
    independently of the gym; its IR then goes through -Oz code generation
    only, against the one-step ``clang -Oz`` build of the same bitcode."""
    bench = benchmark(uri)
    passes = _passes_of(commandline)
    clang = bench.toolchain.require("clang", uri)
    with tempfile.TemporaryDirectory(prefix="optgym-leaderboard-") as scratch:
        directory = Path(scratch)
        optimized = directory / "agent.bc"
        if passes:
            bench.optimize(optimized, passes=passes)
        else:
            shutil.copyfile(bench.bitcode_path(), optimized)
        reference = directory / "oz.bc"
        bench.optimize(reference, passes="default<Oz>")
        ir_ratio = ir_instruction_count(reference, bench.toolchain, uri=uri) / ir_instruction_count(
            optimized, bench.toolchain, uri=uri
        )
        agent = bench.codegen(optimized, directory / "agent.o", "Oz", link=False)
        oz = directory / "oz.o"
        bench.run_tool(
            [clang, "-Oz", "-c", str(bench.bitcode_path()), "-o", str(oz)],
            "clang -Oz",
            stage="build",
        )
        ratio = text_size(agent, bench.toolchain, uri) / text_size(oz, bench.toolchain, uri)
        validated = None
        if bench.runnable:
            exe = bench.codegen(optimized, directory / "agent", "Oz")
            validated = misbehaviour(bench, bench.run(exe)) is None
    return ir_ratio, ratio, validated


def _measure_pipeline_safely(uri: str, commandline: str):
    try:
        return measure_pipeline(uri, commandline)
    except BenchmarkError as error:
        return error


@dataclass
class _Progression:
    """How one program's best score moved: it started at ``start`` and
    reached ``value`` at each ``(seconds, value)`` of ``trajectory``;
    ``reward`` turns a score into the table's measure."""

    start: float
    trajectory: List[Tuple[float, float]]
    reward: Callable[[float], float]

    def at(self, moment: float) -> float:
        best = self.start
        for seconds, value in self.trajectory:
            if seconds <= moment:
                best = value
        return self.reward(best)


def _curve(progressions: List[_Progression], horizon: float) -> List[Tuple[float, float]]:
    """The geometric mean over programs of the reward so far, at evenly
    spaced moments up to ``horizon``."""
    return [
        (moment, geomean([p.at(moment) for p in progressions]))
        for moment in (horizon * i / _CURVE_POINTS for i in range(_CURVE_POINTS + 1))
    ]


def search_row(agent: str, records: List[dict], jobs: int) -> Row:
    """A pass-order agent's row from its ``optgym search`` (or ``optgym rl
    evaluate``) lines."""
    row = Row(
        agent=agent,
        algorithm="pass order: PPO policy rollouts (Stable-Baselines3, trained on the "
        "training split)"
        if agent == PPO_AGENT
        else "pass order: %s search" % agent,
        curve_label="%s: -Oz / IR instruction count" % agent,
    )
    good = [r for r in records if not r.get("error")]
    row.failed = [r["benchmark"] for r in records if r.get("error")]
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        measured = list(
            pool.map(
                _measure_pipeline_safely,
                [r["benchmark"] for r in good],
                [r.get("commandline", "") for r in good],
            )
        )
    for record, outcome in zip(good, measured):
        row.walltimes.append(float(record.get("walltime", 0.0)))
        if isinstance(outcome, BenchmarkError):
            row.failed.append(record["benchmark"])
            continue
        ir_ratio, ratio, validated = outcome
        row.ir_ratios.append(ir_ratio)
        row.text_ratios.append(ratio)
        row.count_validation(record["benchmark"], validated)
    if good:
        # The curve is the search's own view: its counts over time against
        # the gym's -Oz baseline.
        row.curve = _curve(
            [
                _Progression(
                    float(r["ir_instruction_count_o0"]),
                    r.get("trajectory", []),
                    lambda count, oz=r["ir_instruction_count_oz"]: oz / count,
                )
                for r in good
            ],
            max(float(r.get("walltime", 0.0)) for r in good),
        )
    return row


def tune_row(records: List[dict]) -> Row:
    """The per-decision search's row from its ``optgym tune`` lines."""
    kinds = sorted({k for r in records for k in r.get("kinds", [])})
    row = Row(
        agent="tune",
        algorithm="per-decision coordinate descent (%s)" % ", ".join(kinds),
        curve_label="tune: .text / -Oz .text",
    )
    good = [r for r in records if not r.get("error") and r.get("best")]
    row.failed = [r["benchmark"] for r in records if r.get("error")]
    for record in good:
        row.text_ratios.append(record["best"] / record["baseline"])
        if set(record.get("kinds", [])) <= {"codegen-gate", "codegen-option"}:
            row.ir_ratios.append(1.0)  # code generation leaves the IR as -Oz made it
        row.walltimes.append(float(record.get("walltime", 0.0)))
        row.count_validation(record["benchmark"], record.get("validated"))
    if good:
        row.curve = _curve(
            [
                _Progression(
                    float(r["baseline"]),
                    r.get("trajectory", []),
                    lambda text, base=r["baseline"]: text / base,
                )
                for r in good
            ],
            max(float(r.get("walltime", 0.0)) for r in good),
        )
    return row


def _ir_ratio_with_policy(uri: str, policy: Path) -> Optional[float]:
    """-Oz IR instruction count / with the policy (clang -Oz -emit-llvm of
    the benchmark's bitcode)."""
    bench = benchmark(uri)
    counts = []
    with tempfile.TemporaryDirectory(prefix="optgym-leaderboard-") as scratch:
        for index, oracle in enumerate((None, "policy:%s" % policy.resolve())):
            out = Path(scratch) / ("%d.bc" % index)
            bench.optimize(out, level="Oz", oracle=oracle)
            counts.append(ir_instruction_count(out, bench.toolchain, uri=uri))
    return counts[0] / counts[1] if counts[1] else None


def policy_row(policy: Path, uris: Sequence[str], jobs: int) -> Row:
    """A policy file built into every program, from source, against -Oz."""
    row = Row(agent="policy %s" % policy.name, algorithm="a trained policy file, no search")
    measurements = measure_policies(uris, policy, "z", jobs)
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        ir = list(pool.map(_ir_ratio_with_policy, uris, [policy] * len(uris)))
    for measurement, ir_ratio in zip(measurements, ir):
        if measurement.error:
            row.failed.append(measurement.benchmark)
            continue
        row.text_ratios.append(measurement.ratio)
        if ir_ratio:
            row.ir_ratios.append(ir_ratio)
        row.count_validation(measurement.benchmark, measurement.validated)
    row.details = measurements
    return row


# -- output -----------------------------------------------------------------------

_HEADER = [
    "Agent",
    "Algorithm",
    "Date",
    "Walltime (mean per program)",
    "IR instruction count vs -Oz (geomean, higher is better)",
    ".text vs -Oz (geomean, lower is better)",
    "Validated",
]


def render_markdown(
    rows: List[Row],
    split: str,
    uris: Sequence[str],
    command: str,
    plot: Optional[str],
    notes: List[str],
) -> str:
    lines = [
        "# Leaderboard",
        "",
        "Generated by `%s` on %s; do not edit by hand." % (command, datetime.date.today()),
        "",
        "The %s split of the bundled programs (%d programs: %s), clang -Oz of "
        "LLVM %s, on this machine (%d cores). IR instruction count: -Oz's count "
        "divided by the agent's (CompilerGym's codesize reduction; above 1 is "
        "better). .text: the agent's object size divided by -Oz's (below 1 is "
        "smaller). Validated: runs whose output and exit status equal the -O0 "
        "build's."
        % (
            split,
            len(uris),
            ", ".join(u.rsplit("/", 1)[-1] for u in uris),
            _llvm_version(),
            os.cpu_count() or 0,
        ),
        "",
        "| " + " | ".join(_HEADER) + " |",
        "|" + "---|" * len(_HEADER),
    ]
    for row in rows:
        lines.append("| " + " | ".join(row.cells()) + " |")
    lines.append("")
    for row in rows:
        if row.failed:
            lines.append("* %s failed on: %s" % (row.agent, ", ".join(row.failed)))
        if row.wrong:
            lines.append(
                "* %s: the program built from its result does not behave as -O0's "
                "(a miscompile or undefined behaviour the result exposes; counted in "
                "the size columns, not in Validated): %s"
                % (row.agent, ", ".join(w.rsplit("/", 1)[-1] for w in row.wrong))
            )
    for row in (row for row in rows if row.details):
        lines += [
            "",
            "## %s, program by program" % row.agent,
            "",
            "| program | -Oz .text | with the policy | ratio | decisions departed | output |",
            "|---|---|---|---|---|---|",
        ]
        for m in row.details:
            if m.error:
                lines.append("| %s | error: %s | | | | |" % (m.benchmark, m.error))
                continue
            lines.append(
                "| %s | %d | %d | %.4f | %s | %s |"
                % (
                    m.benchmark.rsplit("/", 1)[-1],
                    m.text_plain,
                    m.text_policy,
                    m.ratio,
                    "—" if m.departures is None else m.departures,
                    {True: "same", False: "DIFFERS: %s" % m.problem, None: "not runnable"}[
                        m.validated
                    ],
                )
            )
    if plot:
        lines += ["", "![reward against time](%s)" % plot]
    lines += [""] + ["* " + note for note in notes]
    return "\n".join(lines).rstrip() + "\n"


def _llvm_version() -> str:
    from .toolchain import resolve_llvm_version

    return resolve_llvm_version()


def render_plot(rows: List[Row], path: Path) -> Optional[str]:
    """Draws the curves into ``path`` (PNG); None, or why it could not."""
    try:
        import matplotlib
    except ImportError:
        return "no plot: matplotlib is not installed (pip install 'optgym[plots]')"
    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, (ir, text) = pyplot.subplots(1, 2, figsize=(11, 4))
    for row in rows:
        if not row.curve:
            continue
        axes = ir if row.agent in PASS_ORDER_AGENTS else text
        axes.plot(
            [point[0] for point in row.curve],
            [point[1] for point in row.curve],
            label=row.curve_label,
        )
    ir.set_title("Pass order: -Oz / IR instruction count (geomean)")
    text.set_title("Decisions in clang: .text / -Oz .text (geomean)")
    for axes in (ir, text):
        axes.axhline(1.0, color="grey", linestyle=":", linewidth=1)
        axes.set_xlabel("seconds per program")
        axes.grid(alpha=0.3)
        if axes.lines[1:]:
            axes.legend()
    figure.tight_layout()
    figure.savefig(str(path), dpi=100)
    pyplot.close(figure)
    return None


# -- command line -----------------------------------------------------------------


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--split", choices=SPLITS, default="test", help="the programs (default: %(default)s)"
    )
    parser.add_argument(
        "--agents",
        default=",".join(SEARCH_AGENTS) + ",tune",
        help="agents to run, comma-separated: %s, tune, and %s (a trained PPO policy, "
        "--ppo-model) (default: %%(default)s)" % (", ".join(SEARCH_AGENTS), PPO_AGENT),
    )
    parser.add_argument(
        "--ppo-model",
        type=Path,
        default=Path("build/ppo"),
        metavar="DIR",
        help="the directory `optgym rl train` wrote, for the ppo agent (default: %(default)s)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wall time per program and agent (default: %(default)s)",
    )
    parser.add_argument(
        "--max-evaluations", type=int, metavar="N", help="evaluations per program and agent at most"
    )
    parser.add_argument(
        "--results",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="lines of an earlier `optgym search` or `optgym tune` run to use "
        "instead of running that agent (repeatable)",
    )
    parser.add_argument(
        "--policy",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a policy file to build every program with (repeatable; default: "
        "policies/codesize.json)",
    )
    parser.add_argument(
        "--programs",
        type=int,
        metavar="N",
        help="only the first N programs of the split (a quick run)",
    )
    parser.add_argument("--seed", type=int, default=0)
    add_jobs_option(parser, "programs (and agents' benchmarks) at a time")
    parser.add_argument(
        "-o",
        "--out",
        type=Path,
        default=Path("docs/leaderboard.md"),
        help="the table (default: %(default)s)",
    )
    parser.add_argument("--plot", type=Path, help="the PNG (default: next to --out)")
    parser.add_argument(
        "--save-results",
        type=Path,
        metavar="DIR",
        help="keep the lines of the agents this run ran in DIR/AGENT.jsonl "
        "(to render again with --results)",
    )
    parser.add_argument("--quiet", action="store_true")


def run(args: argparse.Namespace) -> int:
    from .cli import CommandLineError

    agents = [a.strip() for a in args.agents.split(",") if a.strip()]
    unknown = [a for a in agents if a not in PASS_ORDER_AGENTS + ("tune",)]
    if unknown:
        raise CommandLineError(
            "--agents: unknown agent %s (expected %s or tune)"
            % (", ".join(unknown), ", ".join(PASS_ORDER_AGENTS))
        )
    uris = split_uris(args.split)[: args.programs]
    wanted = set(uris)
    records = [r for r in _read_lines(args.results) if r.get("benchmark") in wanted]
    policies = args.policy or [shipped_policy()]
    for policy in policies:
        if not policy.is_file():
            raise CommandLineError("--policy: no such file: %s" % policy)
    budget = [
        "--budget",
        str(args.budget),
        "--seed",
        str(args.seed),
        "-j",
        str(args.jobs),
        "--quiet",
    ]
    if args.max_evaluations:
        budget += ["--max-evaluations", str(args.max_evaluations)]
    rows: List[Row] = []
    steps = len(agents) + len(policies)
    progress = Progress("leaderboard", total=steps, enabled=not args.quiet)
    with tempfile.TemporaryDirectory(prefix="optgym-leaderboard-") as scratch:
        for agent in agents:
            progress.update(status=agent)
            if agent == "tune":
                mine = [r for r in records if "kinds" in r]
            else:
                mine = [r for r in records if r.get("agent") == agent]
            if not mine:
                directory = args.save_results or Path(scratch)
                directory.mkdir(parents=True, exist_ok=True)
                out = directory / ("%s.jsonl" % agent)
                if agent == PPO_AGENT:
                    if not (args.ppo_model / "config.json").is_file():
                        raise CommandLineError(
                            "--ppo-model: no trained model in %s (optgym rl train -o %s; "
                            "docs/rl.md)" % (args.ppo_model, args.ppo_model)
                        )
                    # One process: the policy's rollouts take the budget each.
                    command = ["rl", "evaluate", str(args.ppo_model)] + uris
                    command += ["--budget", str(args.budget), "--seed", str(args.seed)]
                    _optgym(command + ["--out", str(out), "--quiet"])
                else:
                    command = ["tune"] if agent == "tune" else ["search", agent]
                    _optgym(command + uris + ["--out", str(out)] + budget)
                mine = _read_lines([out])
            rows.append(tune_row(mine) if agent == "tune" else search_row(agent, mine, args.jobs))
            progress.update(advance=1)
        for policy in policies:
            progress.update(status=policy.name)
            rows.append(policy_row(policy, uris, args.jobs))
            progress.update(advance=1)
    progress.close()
    plot_path = args.plot or args.out.with_suffix(".png")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    problem = render_plot(rows, plot_path)
    notes = [problem] if problem else []
    command = (
        "python3 -m optgym leaderboard " + " ".join(shlex.quote(a) for a in sys.argv[2:])
        if sys.argv[1:2] == ["leaderboard"]
        else "python3 -m optgym leaderboard"
    )
    plot_link = None if problem else os.path.relpath(plot_path, args.out.parent)
    args.out.write_text(render_markdown(rows, args.split, uris, command, plot_link, notes))
    print(args.out.read_text())
    return 0
