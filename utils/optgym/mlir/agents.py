"""Baselines for the MLIR environment: random search and greedy search.

Both minimize one of the environment's costs (``Runtime`` or
``IrInstructionCount``) and return the best state's decisions, which
:meth:`MlirEnv.apply` restores and :meth:`MlirEnv.policy` turns into a
policy file for ``mlir-opt`` with OptGymMLIR.so.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .env import CHOICES, MlirEnv

__all__ = [
    "GREEDY_CANDIDATES",
    "SearchResult",
    "function_of",
    "greedy_search",
    "random_search",
]

#: The choices greedy search tries at each decision, by kind: the default,
#: none, and sizes and factors that are powers of two (full unrolling only
#: where a loop is short, see greedy_search).
GREEDY_CANDIDATES: Dict[str, Tuple[str, ...]] = {
    "affine-tile": (
        "default",
        "none",
        "size:4",
        "size:8",
        "size:16",
        "size:32",
        "size:64",
        "size:128",
    ),
    "affine-unroll": ("default", "none", "full", "factor:2", "factor:4", "factor:8", "factor:16"),
    "affine-unroll-jam": ("default", "factor:2", "factor:4", "factor:8", "factor:16"),
}

#: Full unrolling is tried only on loops of at most this many iterations.
FULL_UNROLL_TRIP_LIMIT = 32

Decisions = List[Tuple[str, str, str]]


@dataclass
class SearchResult:
    """What a search found.

    Attributes:
        space: the cost minimized.
        default_cost: the default pipeline's cost.
        best_cost: the best state's cost.
        best: the best state's decisions, (kind, key, choice).
        costs: the cost of every state evaluated, in order.
    """

    space: str
    default_cost: float
    best_cost: float
    best: Decisions = field(default_factory=list)
    costs: List[float] = field(default_factory=list)

    @property
    def improvement(self) -> float:
        """default / best: above 1 when the search beat the default."""
        return self.default_cost / self.best_cost if self.best_cost else 1.0


Progress = Optional[Callable[[int, float], None]]


def function_of(key: str) -> str:
    """The function a decision key names (``FILE:FUNC:affine.for#N``)."""
    parts = key.split(":")
    return parts[-2] if len(parts) >= 3 else ""


def _searched(env: MlirEnv, functions: Optional[Sequence[str]]) -> bool:
    query = env.query
    return query is not None and (not functions or function_of(query.key) in functions)


def random_search(
    env: MlirEnv,
    space: str,
    episodes: int,
    seed: int = 0,
    p_default: float = 0.0,
    functions: Optional[Sequence[str]] = None,
    progress: Progress = None,
) -> SearchResult:
    """Runs ``episodes`` episodes of uniformly random choices (each decision
    left at its default with probability ``p_default``; full unrolling only
    of short loops) and keeps the cheapest end state. With ``functions``,
    only their decisions are searched; the others keep their defaults. The
    same seed gives the same episodes."""
    rng = random.Random(seed)
    env.reset()
    default = env.default_cost(space)
    result = SearchResult(space, default, default, [])
    for episode in range(episodes):
        env.reset()
        while env.query is not None:
            if not _searched(env, functions) or rng.random() < p_default:
                env.step("default")
            else:
                env.step(rng.choice(_candidates(env, CHOICES)))
        cost = env.cost(space)
        result.costs.append(cost)
        if cost < result.best_cost:
            result.best_cost, result.best = cost, env.answers
        if progress:
            progress(episode + 1, result.best_cost)
    return result


def _candidates(env: MlirEnv, table: Dict[str, Sequence[str]]) -> List[str]:
    query = env.query
    assert query is not None
    kept = []
    for choice in table.get(query.kind, CHOICES[query.kind]):
        if choice == "full":
            trip = int(query.features.get("trip_count", 0))
            if not 0 < trip <= FULL_UNROLL_TRIP_LIMIT:
                continue
        kept.append(choice)
    return kept


def greedy_search(
    env: MlirEnv,
    space: str,
    candidates: Optional[Dict[str, Sequence[str]]] = None,
    functions: Optional[Sequence[str]] = None,
    progress: Progress = None,
) -> SearchResult:
    """Takes the decisions one by one, each time the candidate whose state
    (later decisions at their defaults) costs least; ties keep the earlier
    candidate, so the default wins unless something is strictly better.
    With ``functions``, only their decisions are searched."""
    table = GREEDY_CANDIDATES if candidates is None else candidates
    env.reset()
    default = env.default_cost(space)
    result = SearchResult(space, default, default, [])
    step = 0
    while env.query is not None:
        if not _searched(env, functions):
            env.step("default")
            continue
        best_choice, best_cost = None, None
        for choice in _candidates(env, table):
            trial = env.fork()
            trial.step(choice)
            cost = trial.cost(space)
            result.costs.append(cost)
            if best_cost is None or cost < best_cost:
                best_choice, best_cost = choice, cost
        env.step(best_choice if best_choice is not None else "default")
        step += 1
        if progress:
            progress(step, env.cost(space))
    result.best_cost = env.cost(space)
    result.best = env.answers
    return result
