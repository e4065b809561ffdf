"""``optgym mlir-search``: a baseline agent over MLIR kernels' decisions,
with a table of what it found against the default pipeline."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import List

from ..errors import BenchmarkError
from .agents import greedy_search, random_search
from .env import REWARD_SPACES, MlirEnv
from .kernels import MLIR_DATASET, kernel_names
from .pipeline import MlirToolchain

__all__ = ["configure_parser", "run"]


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "benchmarks",
        nargs="*",
        metavar="BENCHMARK",
        help="kernels (benchmark://%s/NAME or NAME, generator://mlir-affine-v0/SEED, or a "
        ".mlir file; default: every bundled kernel)" % MLIR_DATASET,
    )
    parser.add_argument("--agent", choices=("greedy", "random"), default="greedy")
    parser.add_argument(
        "--reward",
        choices=REWARD_SPACES,
        default="IrInstructionCount",
        help="the cost to minimize (default: IrInstructionCount)",
    )
    parser.add_argument(
        "--episodes", type=int, default=20, help="random search's episodes (default: 20)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random search's seed (default: 0)")
    parser.add_argument(
        "--functions",
        metavar="F1,F2",
        help="search only these functions' decisions (the others keep their defaults)",
    )
    parser.add_argument(
        "--runtime-runs",
        type=int,
        default=5,
        help="timed runs per Runtime measurement, after a warm-up (default: 5)",
    )
    parser.add_argument(
        "--policy-out",
        metavar="FILE",
        help="write the best decisions of the (single) benchmark as a policy file",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per kernel")


def run(args: argparse.Namespace) -> int:
    benchmarks: List[str] = args.benchmarks or kernel_names()
    if args.policy_out and len(benchmarks) != 1:
        raise SystemExit("optgym mlir-search: --policy-out needs exactly one benchmark")
    toolchain = MlirToolchain()
    failed = 0
    if not args.json:
        print(
            "%-28s %14s %14s %8s %9s %7s"
            % ("kernel", "default", "best", "ratio", "validated", "secs")
        )
    try:
        for benchmark in benchmarks:
            start = time.monotonic()
            try:
                env = MlirEnv(benchmark, toolchain=toolchain, runtime_runs=args.runtime_runs)
                functions = args.functions.split(",") if args.functions else None
                if args.agent == "greedy":
                    result = greedy_search(env, args.reward, functions=functions)
                else:
                    result = random_search(
                        env, args.reward, args.episodes, seed=args.seed, functions=functions
                    )
                env.apply(result.best)
                validation = env.validate()
            except BenchmarkError as error:
                failed += 1
                print("%s: %s" % (benchmark, error), file=sys.stderr)
                continue
            elapsed = time.monotonic() - start
            failed += 0 if validation.okay else 1
            if args.policy_out:
                env.save_policy(args.policy_out)
            if args.json:
                print(
                    json.dumps(
                        {
                            "benchmark": env.benchmark,
                            "agent": args.agent,
                            "reward": args.reward,
                            "default": result.default_cost,
                            "best": result.best_cost,
                            "improvement": result.improvement,
                            "decisions": len(result.best),
                            "validated": validation.okay,
                            "seconds": round(elapsed, 2),
                        }
                    )
                )
            else:
                print(
                    "%-28s %14.6g %14.6g %7.3fx %9s %7.1f"
                    % (
                        env.benchmark.rsplit("/", 1)[-1],
                        result.default_cost,
                        result.best_cost,
                        result.improvement,
                        "yes" if validation.okay else "NO",
                        elapsed,
                    )
                )
            sys.stdout.flush()
    finally:
        toolchain.close()
    return 1 if failed else 0
