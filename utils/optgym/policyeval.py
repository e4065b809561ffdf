"""Measuring a policy file on programs: what it does to .text size, and
whether the programs still behave.

Each program is built twice from its sources with clang at one -O level:
plainly (no plugin), and with ``-fpass-plugin=OptGym.so`` and
``OPTGYM_ORACLE=policy:FILE`` (nothing else set, as a deployed build does).
Both executables run and are compared with the program's -O0 reference.
``python3 -m optgym measure POLICY`` prints it for the test split.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

from .benchmarks import SPLITS, benchmark, split_uris
from .errors import BenchmarkError
from .options import add_jobs_option
from .search.builds import ProgramBuilder

__all__ = ["PolicyMeasurement", "geomean", "measure_policy", "measure_policies"]


@dataclass
class PolicyMeasurement:
    """One program built plainly and with a policy."""

    benchmark: str
    text_plain: int = 0
    text_policy: int = 0
    departures: Optional[int] = None
    validated: Optional[bool] = None
    problem: Optional[str] = None
    error: Optional[str] = None

    @property
    def ratio(self) -> float:
        """.text with the policy / without (below 1: smaller)."""
        return self.text_policy / self.text_plain if self.text_plain else float("nan")

    def to_json(self) -> dict:
        return {
            "benchmark": self.benchmark,
            "text_plain": self.text_plain,
            "text_policy": self.text_policy,
            "ratio": round(self.ratio, 6) if self.text_plain else None,
            "departures": self.departures,
            "validated": self.validated,
            "problem": self.problem,
            "error": self.error,
        }


def geomean(values: Sequence[float]) -> float:
    values = [v for v in values if v > 0 and not math.isnan(v)]
    if not values:
        return float("nan")
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _departures(decisions) -> int:
    return sum(1 for d in decisions if d.departed)


def measure_policy(
    uri: str,
    policy: Union[str, Path, dict],
    level: str = "z",
    validate: bool = True,
    count: bool = True,
    plain_text: Optional[int] = None,
) -> PolicyMeasurement:
    """Builds ``uri`` with and without the policy (a file or a document);
    never raises for a failing program (``error`` says why). A known
    ``plain_text`` (and no validation) saves the plain build."""
    measurement = PolicyMeasurement(benchmark=uri)
    try:
        document = policy if isinstance(policy, dict) else json.loads(Path(policy).read_text())
        bench = benchmark(uri)
        link = validate and bench.runnable
        with ProgramBuilder(bench, level) as builder:
            plain = None
            if plain_text is None or link:
                plain = builder.build(None, plugin=False, link=link)
                plain_text = plain.text
            measurement.text_plain = plain_text
            with_policy = builder.build(document, record=count, link=link)
            measurement.text_policy = with_policy.text
            if count:
                measurement.departures = _departures(with_policy.decisions)
            if link:
                assert plain is not None
                problem = builder.validate(with_policy) or builder.validate(plain)
                measurement.validated = problem is None
                measurement.problem = problem
    except (BenchmarkError, OSError, ValueError) as error:
        measurement.error = str(error)
    return measurement


def measure_policies(
    uris: Sequence[str],
    policy: Union[str, Path, dict],
    level: str = "z",
    jobs: Optional[int] = None,
    validate: bool = True,
    count: bool = True,
    plain_texts: Optional[Dict[str, int]] = None,
) -> List[PolicyMeasurement]:
    """:func:`measure_policy` of each program, ``jobs`` at a time, in order.
    ``plain_texts`` (from an earlier measurement) saves the plain builds."""
    jobs = max(1, min(jobs or os.cpu_count() or 2, len(uris) or 1))
    plain_texts = plain_texts or {}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [
            pool.submit(measure_policy, uri, policy, level, validate, count, plain_texts.get(uri))
            for uri in uris
        ]
        return [future.result() for future in futures]


# -- command line -----------------------------------------------------------------


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("policy", type=Path, metavar="POLICY.json")
    parser.add_argument(
        "benchmarks", nargs="*", metavar="BENCHMARK", help="benchmark URIs (default: --split test)"
    )
    parser.add_argument("--split", choices=SPLITS, help="the bundled programs of one split")
    parser.add_argument("-O", "--level", default="z", help="clang -O level (default: z)")
    add_jobs_option(parser, "programs built at a time")
    parser.add_argument("-o", "--out", type=Path, help="also write one JSON line per program")


def run(args: argparse.Namespace) -> int:
    if not args.policy.is_file():
        sys.stderr.write("optgym: error: %s: no such policy file\n" % args.policy)
        return 1
    uris = list(args.benchmarks)
    if args.split or not uris:
        uris += split_uris(args.split or "test")
    measurements = measure_policies(uris, args.policy, args.level, args.jobs)
    print(
        "%-40s %9s %9s %8s %10s  %s"
        % ("program", "-O%s" % args.level, "policy", "change", "departed", "output")
    )
    for m in measurements:
        if m.error:
            print("%-40s error: %s" % (m.benchmark, m.error))
            continue
        print(
            "%-40s %9d %9d %+7.2f%% %10s  %s"
            % (
                m.benchmark,
                m.text_plain,
                m.text_policy,
                (m.ratio - 1) * 100,
                "-" if m.departures is None else m.departures,
                {True: "same as -O0", False: "DIFFERS: %s" % m.problem, None: "not runnable"}[
                    m.validated
                ],
            )
        )
    ratios = [m.ratio for m in measurements if not m.error]
    if ratios:
        print(
            "geomean .text change: %+.2f%% over %d programs (worst %+.2f%%)"
            % ((geomean(ratios) - 1) * 100, len(ratios), (max(ratios) - 1) * 100)
        )
    if args.out:
        args.out.write_text("".join(json.dumps(m.to_json()) + "\n" for m in measurements))
    return 1 if any(m.error or m.validated is False for m in measurements) else 0
