#!/usr/bin/env python3
"""Pass-order searches with and without the Redis state cache, side by side.

For each benchmark and agent, the same search (seed, evaluation budget) is
run four ways, in turns, --repeat times:

  none     no state cache
  cold     an empty cache (this search fills it)
  repeat   the same search again in this process, on the filled cache
  worker   the same search in a new Python process (a second worker: its own
           roots, the cache through $OPTGYM_CACHE_URL)

Prints each way's median seconds, the speed-up of `repeat` and `worker`
over `none`, the cold run's cost over `none`, the hit rates, and whether
all four gave the same result (every field of the result line but the
wall time and trajectory times). A private redis-server (Unix socket) is
started for the run and stopped at the end; the cache is emptied before
each `cold` run.

  bench/state_cache.py [--benchmarks URI,...] [--agents greedy,beam]
                       [--evaluations N] [--repeat N]

Needs redis-server (utils/setup.sh installs it) and the package
(utils/build.sh, or PYTHONPATH=utils and $OPTGYM_PLUGIN).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any, Dict, Optional, Tuple

from optgym.benchmarks import split_uris
from optgym.gym.state_cache import CACHE_URL_ENV, StateCache
from optgym.redis_server import RedisServer
from optgym.search.passorder import search

# Worker mode: one search, its comparable result and stats as a JSON line.
_WORKER = "--worker"


def _comparable(result: Any) -> Dict[str, Any]:
    line = result.to_json()
    line.pop("walltime")
    line["trajectory"] = [count for _, count in line["trajectory"]]
    return line


def _search(agent: str, uri: str, evaluations: int) -> Tuple[float, Dict[str, Any], Dict[str, int]]:
    """One search; its seconds, result line, and the lookups of the
    process's shared cache ($OPTGYM_CACHE_URL) it made: hits, misses."""
    cache = StateCache.from_environment()
    before = (cache.stats.hits, cache.stats.misses) if cache else (0, 0)
    start = time.monotonic()
    result = search(agent, uri, seed=1, budget_seconds=None, max_evaluations=evaluations)
    seconds = time.monotonic() - start
    if result.error:
        raise SystemExit("%s %s: %s" % (agent, uri, result.error))
    after = (cache.stats.hits, cache.stats.misses) if cache else (0, 0)
    return (
        seconds,
        _comparable(result),
        {"hits": after[0] - before[0], "misses": after[1] - before[1]},
    )


def _in_process(
    agent: str, uri: str, evaluations: int, url: Optional[str]
) -> Tuple[float, Dict[str, Any], Dict[str, int]]:
    if url:
        os.environ[CACHE_URL_ENV] = url
    else:
        os.environ.pop(CACHE_URL_ENV, None)
    return _search(agent, uri, evaluations)


def _in_worker(agent: str, uri: str, evaluations: int, url: str) -> Tuple[float, Dict[str, Any]]:
    completed = subprocess.run(
        [sys.executable, __file__, _WORKER, agent, uri, str(evaluations)],
        env=dict(os.environ, **{CACHE_URL_ENV: url}),
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(completed.stdout)
    return report["seconds"], report["line"]


def _hit_rate(totals: Dict[str, int]) -> float:
    lookups = totals["hits"] + totals["misses"]
    return totals["hits"] / lookups if lookups else 0.0


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == _WORKER:
        seconds, line, _ = _search(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        print(json.dumps({"seconds": seconds, "line": line}))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--benchmarks",
        default=",".join(split_uris("train")[:4]),
        help="comma-separated URIs (default: the first four of the training split)",
    )
    parser.add_argument("--agents", default="greedy,beam")
    parser.add_argument("--evaluations", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        "%-34s %-6s %7s %7s %7s %7s %8s %8s %6s %8s %5s"
        % (
            "benchmark",
            "agent",
            "none s",
            "cold s",
            "repeat",
            "worker",
            "repeat x",
            "worker x",
            "cold",
            "hit rate",
            "same",
        ),
        flush=True,
    )
    speedups = []
    with RedisServer() as server:
        cache = StateCache(server.url)
        for uri in args.benchmarks.split(","):
            for agent in args.agents.split(","):
                times: Dict[str, list] = {"none": [], "cold": [], "repeat": [], "worker": []}
                lines = []
                rates = []
                for _ in range(args.repeat):
                    seconds, plain, _ = _in_process(agent, uri, args.evaluations, None)
                    times["none"].append(seconds)
                    cache.clear()
                    seconds, cold, _ = _in_process(agent, uri, args.evaluations, server.url)
                    times["cold"].append(seconds)
                    seconds, repeated, totals = _in_process(
                        agent, uri, args.evaluations, server.url
                    )
                    times["repeat"].append(seconds)
                    rates.append(_hit_rate(totals))
                    seconds, worker = _in_worker(agent, uri, args.evaluations, server.url)
                    times["worker"].append(seconds)
                    lines.append(plain == cold == repeated == worker)
                median = {way: statistics.median(values) for way, values in times.items()}
                speedups.append(median["none"] / median["repeat"])
                print(
                    "%-34s %-6s %7.2f %7.2f %7.2f %7.2f %7.1fx %7.1fx %+5.0f%% %8.3f %5s"
                    % (
                        uri,
                        agent,
                        median["none"],
                        median["cold"],
                        median["repeat"],
                        median["worker"],
                        median["none"] / median["repeat"],
                        median["none"] / median["worker"],
                        100 * (median["cold"] / median["none"] - 1),
                        min(rates),
                        all(lines),
                    ),
                    flush=True,
                )
        states, figures = cache.server_info()
    print(
        "geomean repeat speed-up %.1fx; %d states in the cache, %.1f MiB"
        % (
            statistics.geometric_mean(speedups),
            states,
            figures["used_memory"] / (1 << 20),
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
