"""Pass-order search: random, greedy, beam and epsilon-greedy agents over the
gym (``optgym.make("llvm-ic-v0")``), scored by the module's IR instruction
count against the benchmark's -Oz count.

Every agent explores with ``fork()`` (a copy-on-write fork of the episode's
driver process, a few milliseconds) and keeps the best state it has seen:
its actions, its count and a trajectory of (seconds, best count) points.
Budgets are a wall time (``budget_seconds``, whose results depend on the
machine's speed) and/or a number of evaluations (``max_evaluations``: one
evaluation is one action applied and its count read; the same seed and
evaluation budget give the same result anywhere).

``python3 -m optgym search AGENT [URI ...]`` runs a search per benchmark,
benchmarks in parallel processes, and writes one JSON line per benchmark;
docs/search.md is the user documentation.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..options import add_jobs_option, add_ray_option
from ..parallel import JobFailure, RayUnavailable, run_jobs
from ..progress import Deadline, Progress

__all__ = [
    "AGENTS",
    "SearchResult",
    "geomean",
    "search",
    "validate_result",
    "results_table",
    "configure_parser",
    "run",
]

#: Seconds one step may wait for the driver before its evaluation counts
#: as failed (a pass that never ends must not eat the whole budget).
STEP_TIMEOUT = 30.0


def geomean(values: Sequence[float]) -> float:
    """The geometric mean of positive values (nan for none)."""
    if not values:
        return math.nan
    return math.exp(sum(math.log(value) for value in values) / len(values))


@dataclass
class SearchResult:
    """One benchmark's search: the best state found and how it was found.
    ``to_json()`` gives the results-file line (docs/search.md)."""

    agent: str
    benchmark: str
    seed: int
    budget_seconds: Optional[float]
    max_evaluations: Optional[int]
    walltime: float = 0.0
    evaluations: int = 0
    ir_instruction_count: Optional[int] = None
    ir_instruction_count_oz: Optional[int] = None
    ir_instruction_count_o0: Optional[int] = None
    actions: List[str] = field(default_factory=list)
    commandline: Optional[str] = None
    trajectory: List[Tuple[float, int]] = field(default_factory=list)
    validated: Optional[bool] = None
    error: Optional[str] = None

    @property
    def improvement_over_oz(self) -> Optional[float]:
        """-Oz count / best count: above 1 is better than -Oz."""
        if not self.ir_instruction_count or self.ir_instruction_count_oz is None:
            return None
        return self.ir_instruction_count_oz / self.ir_instruction_count

    def to_json(self) -> Dict[str, Any]:
        improvement = self.improvement_over_oz
        return {
            "agent": self.agent,
            "benchmark": self.benchmark,
            "seed": self.seed,
            "budget_seconds": self.budget_seconds,
            "max_evaluations": self.max_evaluations,
            "walltime": round(self.walltime, 3),
            "evaluations": self.evaluations,
            "ir_instruction_count": self.ir_instruction_count,
            "ir_instruction_count_oz": self.ir_instruction_count_oz,
            "ir_instruction_count_o0": self.ir_instruction_count_o0,
            "improvement_over_oz": None if improvement is None else round(improvement, 6),
            "actions": list(self.actions),
            "commandline": self.commandline,
            "trajectory": [[round(seconds, 3), count] for seconds, count in self.trajectory],
            "validated": self.validated,
            "error": self.error,
        }


class _BudgetSpent(Exception):
    """Raised inside an agent when its budget ends; the search then stops
    with the best state found so far."""


class _SearchState:
    """What every agent shares: the root episode, the budget, the counter
    of evaluations and the best state found."""

    def __init__(
        self,
        env: Any,
        deadline: Deadline,
        max_evaluations: Optional[int],
        rng: random.Random,
        action_names: Sequence[str],
    ) -> None:
        self.env = env
        self.deadline = deadline
        self.max_evaluations = max_evaluations
        self.rng = rng
        space = env.action_space
        self.names: List[str] = list(space.names)
        self.candidates: List[int] = [space.index(name) for name in action_names]
        self.evaluations = 0
        self.best_count: int = env.observation["IrInstructionCount"]
        self.best_actions: List[int] = []
        self.trajectory: List[Tuple[float, int]] = [(deadline.elapsed(), self.best_count)]

    def spent(self) -> bool:
        return self.deadline.expired() or (
            self.max_evaluations is not None and self.evaluations >= self.max_evaluations
        )

    def charge(self) -> None:
        """Counts one evaluation; _BudgetSpent when the budget has ended."""
        if self.spent():
            raise _BudgetSpent()
        self.evaluations += 1

    def record(self, actions: List[int], count: int) -> None:
        """Keeps ``actions`` when their count is a new best. Ties keep the
        earlier state: it is found first and usually shorter to replay."""
        if count < self.best_count:
            self.best_count = count
            self.best_actions = list(actions)
            self.trajectory.append((self.deadline.elapsed(), count))

    def step(self, env: Any, action: int) -> Optional[int]:
        """Applies ``action`` to ``env`` (one evaluation); the new count, or
        None when the step failed (the episode then ended) or changed
        nothing."""
        self.charge()
        _, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            return None
        count = env.observation["IrInstructionCount"]
        self.record(env.actions, count)
        if info.get("action_had_no_effect"):
            return None
        return count

    def try_action(self, env: Any, action: int) -> Optional[int]:
        """The count after ``action`` on a fork of ``env`` (env unchanged);
        None when the step failed or changed nothing."""
        self.charge()
        child = env.fork()
        try:
            _, _, terminated, truncated, info = child.step(action)
            if terminated or truncated:
                return None
            count = child.observation["IrInstructionCount"]
            self.record(child.actions, count)
            return None if info.get("action_had_no_effect") else count
        finally:
            child.close()

    def scan(self, env: Any, actions: Optional[Sequence[int]] = None) -> List[Tuple[int, int]]:
        """(count, action) of every action of ``actions`` (default: the
        candidates) that changes ``env``, best first (ties in the order
        given)."""
        results = []
        for position, action in enumerate(self.candidates if actions is None else actions):
            count = self.try_action(env, action)
            if count is not None:
                results.append((count, position, action))
        results.sort()
        return [(count, action) for count, _, action in results]

    def state_at(self, actions: Sequence[int]) -> Any:
        """A new episode replaying ``actions`` (not counted: a replay of a
        state already evaluated)."""
        env = self.env.fork()
        if actions:
            _, _, terminated, _, info = env.multistep(list(actions))
            if terminated:
                env.close()
                raise RuntimeError("cannot replay a state: %s" % info.get("error_details"))
        return env

    def perturb(self, env: Any, steps: int) -> None:
        """Applies ``steps`` random candidate actions to ``env``."""
        for _ in range(steps):
            self.step(env, self.rng.choice(self.candidates))


# -- the agents ------------------------------------------------------------------


def _random(search: _SearchState, episode_length: int = 100, **_: Any) -> None:
    """Episodes of ``episode_length`` random actions from the unoptimized
    module, until the budget ends; every prefix counts as a state."""
    space = list(range(len(search.names)))
    while True:
        env = search.state_at(())
        try:
            for _ in range(episode_length):
                search.charge()
                _, _, terminated, truncated, _ = env.step(search.rng.choice(space))
                if terminated or truncated:
                    break
                search.record(env.actions, env.observation["IrInstructionCount"])
        finally:
            env.close()


def _descend(search: _SearchState, env: Any, epsilon: float = 0.0) -> None:
    """Greedy descent of ``env``: at each state the actions are tried on
    forks and the best taken, until none shrinks the module. With
    ``epsilon`` > 0 a random candidate is taken instead with that
    probability (which may grow the module).

    A state tries only the actions that changed the previous state: most
    passes that did nothing there (half of them, on these programs) do
    nothing again. Only when none of those shrinks the module does a full
    scan decide that the state is a local minimum.
    """
    active: Optional[List[int]] = None
    while True:
        if epsilon and search.rng.random() < epsilon:
            search.step(env, search.rng.choice(search.candidates))
            active = None
            continue
        current = env.observation["IrInstructionCount"]
        ranked = search.scan(env, active)
        if (not ranked or ranked[0][0] >= current) and active is not None:
            ranked = search.scan(env)
        if not ranked or ranked[0][0] >= current:
            return
        changed = {action for _, action in ranked}
        active = [action for action in search.candidates if action in changed]
        search.step(env, ranked[0][1])


def _greedy(search: _SearchState, epsilon: float = 0.0, perturbation: int = 3, **_: Any) -> None:
    """Greedy descent, then iterated local search until the budget ends:
    from the best state, 1..``perturbation`` random candidate actions and a
    new descent (a random restart would throw away the shared prefix that
    most of the gain comes from)."""
    env = search.state_at(())
    try:
        _descend(search, env, epsilon)
    finally:
        env.close()
    while True:
        env = search.state_at(search.best_actions)
        try:
            search.perturb(env, search.rng.randint(1, perturbation))
            _descend(search, env, epsilon)
        finally:
            env.close()


def _beam(
    search: _SearchState, width: int = 4, patience: int = 2, perturbation: int = 3, **_: Any
) -> None:
    """Beam search: the ``width`` best distinct children of the beam's states
    (by count, then IR) form the next beam, worse than their parents or not,
    so that enabling passes (loop-rotate, inline) get their chance. As in
    the greedy descent, a state tries only the actions that changed its
    parent unless none of them shrinks it. When ``patience`` levels pass
    without a new best, the beam restarts from the best state perturbed by
    1..``perturbation`` random actions."""
    # (env, count, actions to try or None for all); the envs stay open for
    # one level so that a child is one fork and one step away, not a replay.
    beam: List[Tuple[Any, int, Optional[List[int]]]] = []
    stale = 0
    try:
        start = search.state_at(())
        beam = [(start, start.observation["IrInstructionCount"], None)]
        while True:
            best_before = search.best_count
            # (count, parent, action); what changed each parent, in candidate order.
            children: List[Tuple[int, int, int]] = []
            changed: List[List[int]] = []
            for parent, (env, count, active) in enumerate(beam):
                ranked = search.scan(env, active)
                if active is not None and (not ranked or ranked[0][0] >= count):
                    ranked = search.scan(env)
                children += [(child, parent, action) for child, action in ranked]
                actions = {action for _, action in ranked}
                changed.append([action for action in search.candidates if action in actions])
            children.sort()
            next_beam: List[Tuple[Any, int, Optional[List[int]]]] = []
            seen = set()
            try:
                for count, parent, action in children:
                    if len(next_beam) == width:
                        break
                    child = beam[parent][0].fork()
                    # Not an evaluation: this state's count is known already.
                    child.step(action)
                    key = (count, child.observation["IrSha1"])
                    if key in seen:
                        child.close()
                        continue
                    seen.add(key)
                    next_beam.append((child, count, changed[parent]))
            finally:
                for env, _, _ in beam:
                    env.close()
                beam = next_beam
            stale = 0 if search.best_count < best_before else stale + 1
            if not beam or stale > patience:
                stale = 0
                for env, _, _ in beam:
                    env.close()
                beam = []
                env = search.state_at(search.best_actions)
                beam = [(env, search.best_count, None)]  # closed by finally if the budget ends
                search.perturb(env, search.rng.randint(1, perturbation))
                beam = [(env, env.observation["IrInstructionCount"], None)]
    finally:
        for env, _, _ in beam:
            env.close()


def _epsilon_greedy(search: _SearchState, epsilon: float = 0.1, **options: Any) -> None:
    """Greedy with probability 1 - ``epsilon`` at each step, a random action
    otherwise (see :func:`_greedy`)."""
    _greedy(search, epsilon=epsilon, **options)


#: The agents by name: each runs until its budget ends (raising
#: _BudgetSpent) and leaves its best state in the _SearchState.
AGENTS: Dict[str, Callable[..., None]] = {
    "random": _random,
    "greedy": _greedy,
    "beam": _beam,
    "epsilon-greedy": _epsilon_greedy,
}


def search(
    agent: str,
    benchmark: str,
    seed: int = 0,
    budget_seconds: Optional[float] = 60.0,
    max_evaluations: Optional[int] = None,
    actions: Optional[Sequence[str]] = None,
    validate: bool = False,
    plugin: Optional[str] = None,
    **options: Any,
) -> SearchResult:
    """Searches pass orders for ``benchmark`` with ``agent`` (a key of
    :data:`AGENTS`) until ``budget_seconds`` (None: no limit) or
    ``max_evaluations`` (None: no limit) ends; at least one must be set.

    ``actions``: the candidate actions of greedy, beam and the
    perturbations, in tie-break order (default: all the environment's, in
    its order; a subset measured worse on the train split, see
    docs/search.md); ``options``: the agent's own (``width``,
    ``epsilon``, ``episode_length``, ``perturbation``, ``patience``).
    ``validate``: build and run the best state against -O0
    (``env.validate``). Never raises for a benchmark that fails: the result's
    ``error`` says what happened.
    """
    if agent not in AGENTS:
        raise ValueError("unknown agent %r (known: %s)" % (agent, ", ".join(AGENTS)))
    if budget_seconds is None and max_evaluations is None:
        raise ValueError("a search needs budget_seconds or max_evaluations")
    import optgym

    deadline = Deadline(budget_seconds)
    result = SearchResult(agent, benchmark, seed, budget_seconds, max_evaluations)
    env = None
    try:
        env = optgym.make(
            "llvm-ic-v0", benchmark=benchmark, plugin=plugin, step_timeout=STEP_TIMEOUT
        )
        env.reset()
        result.ir_instruction_count_oz = env.observation["IrInstructionCountOz"]
        result.ir_instruction_count_o0 = env.observation["IrInstructionCountO0"]
        state = _SearchState(
            env,
            deadline,
            max_evaluations,
            random.Random(seed),
            actions if actions is not None else env.action_space.names,
        )
        try:
            AGENTS[agent](state, **options)
        except _BudgetSpent:
            pass
        result.walltime = deadline.elapsed()
        result.evaluations = state.evaluations
        result.ir_instruction_count = state.best_count
        result.actions = [state.names[action] for action in state.best_actions]
        result.commandline = env.action_space.to_string(state.best_actions)
        result.trajectory = state.trajectory
        if validate:
            validate_result(env, result)
    except Exception as error:  # noqa: BLE001 - a failed benchmark is a result line
        result.error = "%s: %s" % (type(error).__name__, error)
        result.walltime = deadline.elapsed()
    finally:
        if env is not None:
            env.close()
    return result


def validate_result(env: Any, result: SearchResult) -> None:
    """Builds and runs ``result``'s pass order against -O0
    (``env.validate``) and records the outcome: ``validated`` (None when
    the program cannot be run) and, on a failure, ``error``."""
    import optgym

    checked = env.validate(
        optgym.CompilerEnvState(benchmark=env.benchmark.uri, commandline=result.commandline)
    )
    if not checked.okay():
        result.validated = False
        result.error = "validation failed: %s" % checked.error_details
    elif checked.benchmark_semantics_validated:
        result.validated = True


# -- the command line ------------------------------------------------------------


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``optgym search``."""
    parser.add_argument("agent", choices=sorted(AGENTS), help="the search agent")
    parser.add_argument(
        "uris",
        metavar="BENCHMARK_URI",
        nargs="*",
        help="benchmarks to search (default: the bundled programs, or --split's)",
    )
    parser.add_argument(
        "--split",
        choices=("train", "test"),
        help="the bundled programs of this split (datasets/splits.json)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--budget",
        metavar="SECONDS",
        type=float,
        default=60.0,
        help="wall-time budget per benchmark (default: %(default)g); 0 for none "
        "(then --max-evaluations is needed)",
    )
    parser.add_argument(
        "--max-evaluations",
        metavar="N",
        type=int,
        help="evaluation budget per benchmark (deterministic, unlike --budget)",
    )
    parser.add_argument(
        "--restarts",
        metavar="N",
        type=int,
        default=1,
        help="independent searches per benchmark, restart R with seed SEED+R; the best is "
        "kept (default: %(default)s)",
    )
    add_jobs_option(parser, "searches run at a time, one process each")
    add_ray_option(parser, "the searches (benchmarks and restarts)")
    parser.add_argument("--out", metavar="FILE", help="write one JSON line per benchmark to FILE")
    parser.add_argument(
        "--validate", action="store_true", help="build and run each best state and compare with -O0"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar and no table")


def _short(uri: str) -> str:
    return uri.rsplit("/", 1)[-1] if uri.startswith("benchmark://") else uri


def results_table(results: Sequence[SearchResult]) -> str:
    """The end-of-run table and the geomean improvement over -Oz."""
    rows = [("benchmark", "IR count", "-Oz", "vs -Oz", "time")]
    for result in results:
        improvement = result.improvement_over_oz
        rows.append(
            (
                _short(result.benchmark),
                "error"
                if result.error and result.ir_instruction_count is None
                else str(result.ir_instruction_count),
                "-"
                if result.ir_instruction_count_oz is None
                else str(result.ir_instruction_count_oz),
                "-" if improvement is None or result.error else "%.3fx" % improvement,
                "%.1fs" % result.walltime,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths))
        )
        for row in rows
    ]
    good = [
        result.improvement_over_oz
        for result in results
        if result.error is None and result.improvement_over_oz
    ]
    lines.append(
        "geomean improvement over -Oz: %.4fx (%d of %d benchmarks)"
        % (geomean(good), len(good), len(results))
    )
    return "\n".join(lines)


def _search_job(**arguments: Any) -> Dict[str, Any]:
    """One benchmark's search in a worker process or Ray task (results
    cross the process boundary as JSON)."""
    return search(**arguments).to_json()


def _from_json(line: Dict[str, Any]) -> SearchResult:
    result = SearchResult(
        line["agent"],
        line["benchmark"],
        line["seed"],
        line["budget_seconds"],
        line["max_evaluations"],
    )
    for name in (
        "walltime",
        "evaluations",
        "ir_instruction_count",
        "ir_instruction_count_oz",
        "ir_instruction_count_o0",
        "actions",
        "commandline",
        "validated",
        "error",
    ):
        setattr(result, name, line[name])
    result.trajectory = [(seconds, count) for seconds, count in line["trajectory"]]
    return result


def best_restart(results: Sequence[SearchResult]) -> SearchResult:
    """One benchmark's restarts as one result: the restart that found the
    smallest count (the earliest on a tie; a failed restart only when all
    failed), with every restart's evaluations and wall time added up."""
    good = [r for r in results if r.error is None and r.ir_instruction_count is not None]
    best = min(good, key=lambda r: r.ir_instruction_count) if good else results[0]
    best.evaluations = sum(r.evaluations for r in results)
    best.walltime = round(sum(r.walltime for r in results), 3)
    return best


def run(args: argparse.Namespace) -> int:
    """``optgym search``: exit status 0, or 1 when a benchmark failed."""
    from ..benchmarks import builtin_uris, split_uris

    budget = args.budget if args.budget and args.budget > 0 else None
    if budget is None and args.max_evaluations is None:
        args.subcommand_parser.error("--budget 0 needs --max-evaluations")
    if args.jobs < 1:
        args.subcommand_parser.error("--jobs must be at least 1")
    if args.restarts < 1:
        args.subcommand_parser.error("--restarts must be at least 1")
    if args.max_evaluations is not None and args.max_evaluations < 0:
        args.subcommand_parser.error("--max-evaluations must not be negative")
    uris = list(args.uris)
    if args.split:
        uris += split_uris(args.split)
    if not uris:
        uris = builtin_uris()
    out = None
    if args.out is not None:
        try:
            out = open(args.out, "w", encoding="utf-8")
        except OSError as error:
            sys.stderr.write("optgym search: --out %s: %s\n" % (args.out, error.strerror))
            return 1
    jobs = [
        dict(
            agent=args.agent,
            benchmark=uri,
            seed=args.seed + restart,
            budget_seconds=budget,
            max_evaluations=args.max_evaluations,
            validate=args.validate,
        )
        for uri in uris
        for restart in range(args.restarts)
    ]
    restarts: Dict[str, List[SearchResult]] = {uri: [] for uri in uris}
    results: Dict[str, SearchResult] = {}
    progress = Progress("search %s" % args.agent, len(jobs), enabled=not args.quiet)
    try:
        for index, outcome in run_jobs(_search_job, jobs, args.jobs, args.ray):
            job = jobs[index]
            if isinstance(outcome, JobFailure):
                result = SearchResult(
                    args.agent,
                    job["benchmark"],
                    job["seed"],
                    budget,
                    args.max_evaluations,
                    error=outcome.message,
                )
            else:
                result = _from_json(outcome)
            done = restarts[job["benchmark"]]
            done.append(result)
            progress.update(
                advance=1,
                status="%s: %s"
                % (
                    _short(result.benchmark),
                    "error" if result.error else "%.3fx" % (result.improvement_over_oz or 0),
                ),
            )
            if len(done) < args.restarts:
                continue
            # Restarts finish in any order: seed order decides ties.
            done.sort(key=lambda r: r.seed)
            results[job["benchmark"]] = best_restart(done)
            if out is not None:
                out.write(json.dumps(results[job["benchmark"]].to_json()) + "\n")
                out.flush()
    except RayUnavailable as error:
        sys.stderr.write("optgym search: %s\n" % error)
        return 1
    finally:
        progress.close()
        if out is not None:
            out.close()
    ordered = [results[uri] for uri in uris if uri in results]
    for result in ordered:
        if result.error:
            sys.stderr.write("optgym search: %s: %s\n" % (result.benchmark, result.error))
    if not args.quiet:
        print(results_table(ordered))
    return 1 if any(result.error for result in ordered) else 0
