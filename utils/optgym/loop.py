"""The whole loop on built-in defaults: search, learn, deploy, validate.

1. ``optgym tune`` searches the decisions of every program of the training
   split in real clang -Oz builds.
2. ``optgym train`` fits one decision tree per decision kind to what the
   searches kept and prunes it by measurement on the training split.
3. Every program of the test split, which nothing above has seen, is
   built from source with ``clang -Oz -fpass-plugin=OptGym.so`` and
   ``OPTGYM_ORACLE=policy:FILE`` (and, for comparison, with the shipped
   ``policies/codesize.json``), run, and compared with its -O0 output.
4. A table against plain -Oz.

``utils/quickstart.sh`` runs this after setting up and building.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import List, Optional

from .benchmarks import split_uris
from .options import add_jobs_option, add_ray_option
from .parallel import RayUnavailable
from .policyeval import PolicyMeasurement, geomean, measure_policies
from .progress import Progress
from .resources import shipped_policy
from .search.decisions import DEFAULT_KINDS, tune_many
from .train import count_leaves, train_policy

__all__ = ["configure_parser", "run"]


def _cell(m: Optional[PolicyMeasurement]) -> str:
    if m is None:
        return ""
    if m.error:
        return "error"
    return "%6d %+6.2f%%" % (m.text_policy, (m.ratio - 1) * 100)


def _output(ms: List[Optional[PolicyMeasurement]]) -> str:
    states = [m.validated for m in ms if m is not None and not m.error]
    if any(s is False for s in states):
        return "DIFFERS"
    if states and all(s is None for s in states):
        return "not runnable"
    return "same"


def run(args: argparse.Namespace) -> int:
    start = time.monotonic()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    train_uris, test_uris = split_uris("train"), split_uris("test")
    print("OptGym: search -> learn -> deploy with clang -Oz, on built-in defaults")
    print(
        "  train: %d programs (datasets/splits.json), test: %d programs it never sees"
        % (len(train_uris), len(test_uris))
    )
    sys.stdout.flush()

    results = work / "tune.jsonl"
    try:
        searched = tune_many(
            train_uris,
            args.jobs,
            results,
            Progress("1. search the training split", total=len(train_uris), enabled=not args.quiet),
            ray_address=args.ray,
            kinds=DEFAULT_KINDS,
            budget_seconds=args.budget,
        )
    except RayUnavailable as error:
        sys.stderr.write("optgym loop: %s\n" % error)
        return 1
    improved = [r for r in searched if not r.error and r.best]
    print(
        "1. searched %s (%s) on %d training programs, %g s each: geomean .text %.4fx of -Oz"
        % (
            ", ".join(DEFAULT_KINDS),
            "coordinate descent in clang builds",
            len(improved),
            args.budget,
            geomean([r.best / r.baseline for r in improved]),
        )
    )

    policy_path = work / "policy.json"
    document = train_policy(
        [results],
        prune_on=train_uris if args.prune else (),
        jobs=args.jobs,
        quiet=args.quiet,
        description="optgym loop: trees fitted to a %g s search per "
        "training program, pruned on the training split" % args.budget,
    )
    policy_path.write_text(json.dumps(document, indent=1) + "\n")
    trees = (
        ", ".join(
            "%s (%d leaves)" % (kind, count_leaves(entry["model"]["tree"]))
            for kind, entry in document["decisions"].items()
        )
        or "none departs"
    )
    print("2. fitted %s: trees %s" % (policy_path, trees))
    sys.stdout.flush()

    policies = [("this run", policy_path)]
    if not args.no_shipped:
        policies.append(("policies/codesize.json", shipped_policy()))
    columns = []
    for _, path in policies:
        columns.append(measure_policies(test_uris, path, "z", args.jobs))
    print(
        "3. built the %d test programs from source: clang -Oz -fpass-plugin=OptGym.so "
        "OPTGYM_ORACLE=policy:FILE, ran them, compared with -O0's output" % len(test_uris)
    )
    print()
    header = (
        "%-20s %8s" % ("program", "-Oz .text")
        + "".join("  %-22s" % label[:22] for label, _ in policies)
        + "  output"
    )
    print(header)
    print("-" * len(header))
    failed = False
    for index, uri in enumerate(test_uris):
        row = [column[index] for column in columns]
        plain = next((m.text_plain for m in row if not m.error), 0)
        print(
            "%-20s %8d" % (uri.rsplit("/", 1)[-1], plain)
            + "".join("  %-22s" % _cell(m) for m in row)
            + "  "
            + _output(row)
        )
        failed |= any(m.error or m.validated is False for m in row)
    print("-" * len(header))
    summary = "%-20s %8s" % ("geomean", "")
    for column in columns:
        ratios = [m.ratio for m in column if not m.error]
        summary += "  %-22s" % (
            "%+.2f%%, worst %+.2f%%" % ((geomean(ratios) - 1) * 100, (max(ratios) - 1) * 100)
            if ratios
            else ""
        )
    print(summary)
    print()
    print(
        "done in %.0f s; the policy: %s (deploy it: docs/deployment.md)"
        % (time.monotonic() - start, policy_path)
    )
    return 1 if failed else 0


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--budget",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="search time per training program (default: %(default)s)",
    )
    parser.add_argument(
        "--no-prune",
        dest="prune",
        action="store_false",
        help="skip pruning the trees by measurement on the training split",
    )
    parser.add_argument(
        "--no-shipped", action="store_true", help="leave policies/codesize.json out of the table"
    )
    add_jobs_option(parser, "benchmarks at a time")
    add_ray_option(parser, "the search of the training split")
    parser.add_argument(
        "--work", default="build/loop", help="output directory (default: %(default)s)"
    )
    parser.add_argument("--quiet", action="store_true")
