"""Fitting a generalizing policy from search results.

``optgym tune`` leaves, for each program it searched, every decision of the
best build it found with its features and the choice the search settled on.
This module learns, per decision kind, a decision tree from features to
choice (CART: weighted Gini impurity; a string feature splits into the set
of values most often given a departing choice), and writes it as a v1
policy file with **no tables**: it answers decisions of programs it has
never seen from their features alone.

A tree fitted to labels can still depart where it hurts. So, with
``--prune-on``, each leaf that departs from the default is measured: the
policy is built into real programs (clang -O``level``, from source) with
the leaf answering the default instead, and the leaf goes when the
programs are better without it. Better means a smaller geometric mean of
.text relative to the plain build, and no program more than
``max_growth`` larger. Those programs should be the training split: what
the policy is judged on must never shape it.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .benchmarks import SPLITS, split_uris
from .jsonlines import read_json_lines
from .options import add_jobs_option
from .progress import Progress

__all__ = ["Example", "fit_tree", "read_examples", "train_policy", "configure_parser", "run"]


@dataclass(frozen=True)
class Example:
    """One decision a search settled: features -> choice."""

    features: Dict[str, object]
    label: str
    default: str
    weight: float = 1.0


def _example(decision: dict) -> Optional[Example]:
    """What one searched decision teaches. The search measured what
    changing it did (``effect``): a choice that made the program smaller
    (faster) is the label, weighted by how much it saved; one that made it
    worse teaches the default, weighted by what it cost; one that changed
    nothing teaches nothing. Broken programs teach the default."""
    effect = decision.get("effect")
    features = dict(decision["features"])
    default = decision["default"]
    if effect is None:
        return Example(features, decision["chosen"], default)
    delta = effect.get("delta")
    if delta is None:
        return Example(features, default, default)
    if delta < 0:
        return Example(features, effect["choice"], default, -delta)
    if delta > 0:
        return Example(features, default, default, delta)
    return None


def read_examples(
    paths: Sequence[Path], kinds: Optional[Sequence[str]] = None
) -> Dict[str, List[Example]]:
    """Examples per kind from ``optgym tune`` result files: every decision
    the search tried (see :func:`_example`). Failed searches and decisions
    it never tried are left out."""
    examples: Dict[str, List[Example]] = {}
    for path in paths:
        for result in read_json_lines(path):
            if result.get("error") or result.get("validated") is False:
                continue
            for decision in result.get("decisions", []):
                kind = decision.get("kind")
                if not decision.get("tried") or (kinds and kind not in kinds):
                    continue
                example = _example(decision)
                if example is not None:
                    examples.setdefault(kind, []).append(example)
    return examples


# -- CART -------------------------------------------------------------------------


def _gini(counts: Dict[str, float]) -> float:
    total = sum(counts.values())
    if total <= 0:
        return 0.0
    return 1.0 - sum((c / total) ** 2 for c in counts.values())


def _counts(rows: Sequence[Example]) -> Dict[str, float]:
    counts: Dict[str, float] = {}
    for row in rows:
        counts[row.label] = counts.get(row.label, 0.0) + row.weight
    return counts


def _majority(rows: Sequence[Example], default: str) -> str:
    """The heaviest label; the default wins ties (a tree departs only
    where the evidence says so)."""
    counts = _counts(rows)
    best = max(counts.values())
    if counts.get(default, 0.0) >= best:
        return default
    return min(label for label, count in counts.items() if count == best)


def _holds(test: dict, value: object) -> bool:
    if "le" in test:
        return value <= test["le"]
    if "eq" in test:
        return str(value) == test["eq"]
    return str(value) in test["in"]


def _impurity(then_counts: Dict[str, float], counts: Dict[str, float]) -> float:
    """The weighted impurity of the two sides of a split."""
    else_counts = {label: counts[label] - then_counts.get(label, 0.0) for label in counts}
    then_weight, else_weight = sum(then_counts.values()), sum(else_counts.values())
    return _gini(then_counts) * then_weight + _gini(else_counts) * else_weight


def _best_split(rows: List[Example], min_leaf: int, default: str) -> Optional[dict]:
    """The test with the largest weighted impurity decrease. Numeric
    features sweep their sorted values; string features try the prefixes of
    their values ordered by how often they depart, among which the best
    subset is for a two-way outcome (Breiman's CART)."""
    counts = _counts(rows)
    parent = _gini(counts) * sum(counts.values())
    best: Optional[Tuple[float, dict]] = None

    def consider(test: dict, then_counts: Dict[str, float], then_rows: int) -> None:
        nonlocal best
        if min(then_rows, len(rows) - then_rows) < min_leaf:
            return
        decrease = parent - _impurity(then_counts, counts)
        if decrease > 1e-9 and (best is None or decrease > best[0]):
            best = (decrease, test)

    for name in sorted({name for row in rows for name in row.features}):
        values = [row.features.get(name) for row in rows]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            ordered = sorted(rows, key=lambda r: r.features[name])
            running: Dict[str, float] = {}
            for index, row in enumerate(ordered[:-1]):
                running[row.label] = running.get(row.label, 0.0) + row.weight
                value = row.features[name]
                if ordered[index + 1].features[name] != value:
                    consider({"feature": name, "le": value}, dict(running), index + 1)
        elif all(isinstance(v, str) for v in values):
            by_value: Dict[str, Dict[str, float]] = {}
            rows_of: Dict[str, int] = {}
            for row in rows:
                entry = by_value.setdefault(row.features[name], {})
                entry[row.label] = entry.get(row.label, 0.0) + row.weight
                rows_of[row.features[name]] = rows_of.get(row.features[name], 0) + 1

            def departing(value: str, by_value: Dict[str, Dict[str, float]] = by_value) -> float:
                entry = by_value[value]
                return 1 - entry.get(default, 0.0) / sum(entry.values())

            ordered_values = sorted(by_value, key=lambda v: (-departing(v), v))
            running = {}
            then_rows = 0
            for size, value in enumerate(ordered_values[:-1], 1):
                for label, weight in by_value[value].items():
                    running[label] = running.get(label, 0.0) + weight
                then_rows += rows_of[value]
                test = (
                    {"feature": name, "eq": value}
                    if size == 1
                    else {"feature": name, "in": sorted(ordered_values[:size])}
                )
                consider(test, dict(running), then_rows)
    return best[1] if best else None


def fit_tree(rows: List[Example], default: str, max_depth: int = 6, min_leaf: int = 10) -> dict:
    """A decision tree (docs/policy-format.md's NODE) over the rows; each
    leaf holds ``min_leaf`` rows at least."""
    if max_depth == 0 or len({r.label for r in rows}) < 2:
        return {"choice": _majority(rows, default)}
    test = _best_split(rows, min_leaf, default)
    if test is None:
        return {"choice": _majority(rows, default)}
    then_rows = [r for r in rows if _holds(test, r.features[test["feature"]])]
    else_rows = [r for r in rows if not _holds(test, r.features[test["feature"]])]
    then_node = fit_tree(then_rows, default, max_depth - 1, min_leaf)
    else_node = fit_tree(else_rows, default, max_depth - 1, min_leaf)
    if then_node == else_node and "choice" in then_node:
        return then_node
    return dict(test, then=then_node, **{"else": else_node})


def simplify(node: dict) -> dict:
    """Merges inner nodes whose two branches answer the same."""
    if "choice" in node:
        return node
    then_node, else_node = simplify(node["then"]), simplify(node["else"])
    if then_node == else_node:
        return then_node
    return dict(node, then=then_node, **{"else": else_node})


def departing_leaves(node: dict, default: str, path: Tuple[str, ...] = ()) -> List[Tuple[str, ...]]:
    """Paths ("then"/"else" steps) to the leaves that do not answer the default."""
    if "choice" in node:
        return [path] if node["choice"] != default else []
    return departing_leaves(node["then"], default, path + ("then",)) + departing_leaves(
        node["else"], default, path + ("else",)
    )


def with_leaf(node: dict, path: Tuple[str, ...], choice: str) -> dict:
    """A copy of the tree with the leaf at ``path`` answering ``choice``."""
    tree = copy.deepcopy(node)
    if not path:
        return {"choice": choice}
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = {"choice": choice}
    return tree


def count_leaves(node: dict) -> int:
    return 1 if "choice" in node else count_leaves(node["then"]) + count_leaves(node["else"])


# -- training ---------------------------------------------------------------------


def _default_choice(kind: str, rows: List[Example]) -> str:
    return rows[0].default if rows else "default"


def _document(trees: Dict[str, dict], metadata: dict, guard: bool = False) -> dict:
    document = {
        "format": "optgym-policy",
        "version": 2 if guard else 1,
        "description": metadata.get("description", ""),
        "metadata": metadata,
    }
    if guard:
        document["guard"] = {"scope": "unit"}
    document["decisions"] = {
        kind: {"model": {"tree": tree}} for kind, tree in sorted(trees.items())
    }
    return document


def _score(
    uris: Sequence[str],
    document: dict,
    level: str,
    jobs: int,
    max_growth: float,
    plain_texts: Dict[str, int],
) -> Tuple[float, float]:
    """(objective, worst ratio): the geometric mean of .text ratios, plus a
    penalty for each program above ``1 + max_growth``. Fills
    ``plain_texts`` on the first call."""
    from .policyeval import geomean, measure_policies

    measurements = measure_policies(
        uris, document, level, jobs, validate=False, count=False, plain_texts=plain_texts
    )
    for m in measurements:
        if not m.error:
            plain_texts[m.benchmark] = m.text_plain
    ratios = [m.ratio for m in measurements if not m.error]
    worst = max(ratios) if ratios else float("nan")
    penalty = sum(max(0.0, r - 1 - max_growth) for r in ratios) * 10
    return geomean(ratios) + penalty, worst


def train_policy(
    results: Sequence[Path],
    kinds: Optional[Sequence[str]] = None,
    max_depth: int = 6,
    min_leaf: int = 10,
    prune_on: Sequence[str] = (),
    level: str = "z",
    jobs: int = 2,
    max_growth: float = 0.005,
    quiet: bool = False,
    description: str = "",
    guard: bool = False,
) -> dict:
    """A policy document of one tree per kind, fitted to the examples of
    ``results`` and, when ``prune_on`` names programs, pruned by
    measurement on them. With ``guard``, the policy has a unit guard
    (docs/policy-format.md), and pruning measures it guarded, as it will
    be deployed."""
    examples = read_examples(results, kinds)
    if not examples:
        raise ValueError(
            "no decisions to learn from in %s (did the searches fail?)"
            % ", ".join(str(p) for p in results)
        )
    trees: Dict[str, dict] = {}
    counts: Dict[str, dict] = {}
    for kind, rows in sorted(examples.items()):
        default = _default_choice(kind, rows)
        tree = simplify(fit_tree(rows, default, max_depth, min_leaf))
        if departing_leaves(tree, default):
            trees[kind] = tree
        counts[kind] = {
            "examples": len(rows),
            "departures": sum(1 for r in rows if r.label != r.default),
            "weight": round(sum(r.weight for r in rows), 3),
        }
    metadata = {
        "trained": datetime.date.today().isoformat(),
        "from": [str(p) for p in results],
        "examples": counts,
        "max_depth": max_depth,
        "min_leaf": min_leaf,
        "level": "-O" + level,
    }
    if prune_on and trees:
        metadata["pruned_on"] = list(prune_on)
        metadata["max_growth"] = max_growth
        plain_texts: Dict[str, int] = {}
        best_score, worst = _score(
            prune_on, _document(trees, metadata, guard), level, jobs, max_growth, plain_texts
        )
        leaves = [
            (kind, path)
            for kind, tree in trees.items()
            for path in departing_leaves(tree, _default_choice(kind, examples[kind]))
        ]
        progress = Progress("prune", total=len(leaves), enabled=not quiet)
        # Deepest leaves first: they are the most specific, least supported.
        for kind, path in sorted(leaves, key=lambda item: -len(item[1])):
            default = _default_choice(kind, examples[kind])
            candidate = dict(trees)
            candidate[kind] = simplify(with_leaf(trees[kind], path, default))
            score, candidate_worst = _score(
                prune_on,
                _document(candidate, metadata, guard),
                level,
                jobs,
                max_growth,
                plain_texts,
            )
            if score <= best_score:
                trees, best_score, worst = candidate, score, candidate_worst
            progress.update(advance=1, status="geomean %.4f, worst %.4f" % (best_score, worst))
        progress.close()
        trees = {
            kind: tree
            for kind, tree in trees.items()
            if departing_leaves(tree, _default_choice(kind, examples[kind]))
        }
        metadata["pruned_objective"] = round(best_score, 6)
        metadata["pruned_worst_ratio"] = round(worst, 6)
    return _document(trees, metadata, guard)


# -- command line -----------------------------------------------------------------


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "results", nargs="+", type=Path, metavar="RESULTS.jsonl", help="what `optgym tune -o` wrote"
    )
    parser.add_argument("-o", "--out", required=True, type=Path, metavar="POLICY.json")
    parser.add_argument("--kinds", help="only these decision kinds (comma-separated)")
    parser.add_argument("--max-depth", type=int, default=6, help="tree depth (default: 6)")
    parser.add_argument(
        "--min-leaf", type=int, default=10, help="examples per leaf at least (default: 10)"
    )
    parser.add_argument(
        "--prune-on",
        choices=SPLITS,
        help="measure each departing leaf on this split of the bundled programs "
        "and drop those that do not help (use train)",
    )
    parser.add_argument(
        "--prune-benchmark",
        action="append",
        default=[],
        metavar="URI",
        help="also prune on this benchmark (repeatable)",
    )
    parser.add_argument("-O", "--level", default="z", help="clang -O level (default: z)")
    parser.add_argument(
        "--max-growth",
        type=float,
        default=0.005,
        help="while pruning, a program this much larger is penalized (default: 0.005)",
    )
    add_jobs_option(parser, "programs built at a time while pruning", default=2)
    parser.add_argument("--description", default="", help="the policy's description")
    parser.add_argument(
        "--guard",
        action="store_true",
        help="give the policy a unit guard: each unit compiled with it only when "
        "that makes the unit's .text smaller (pruning then measures it guarded)",
    )
    parser.add_argument("--quiet", action="store_true")


def run(args: argparse.Namespace) -> int:
    kinds = [k.strip() for k in args.kinds.split(",")] if args.kinds else None
    prune = (split_uris(args.prune_on) if args.prune_on else []) + list(args.prune_benchmark)
    try:
        document = train_policy(
            args.results,
            kinds,
            args.max_depth,
            args.min_leaf,
            prune,
            args.level,
            args.jobs,
            args.max_growth,
            args.quiet,
            args.description,
            args.guard,
        )
    except (OSError, ValueError) as error:
        sys.stderr.write("optgym: error: %s\n" % error)
        return 1
    args.out.write_text(json.dumps(document, indent=1) + "\n")
    decisions = document["decisions"]
    for kind, entry in decisions.items():
        print("%-15s a tree of %d leaves" % (kind, count_leaves(entry["model"]["tree"])))
    if not decisions:
        print("no kind has a departing leaf: the policy answers LLVM's defaults")
    print("wrote %s" % args.out)
    return 0
