#!/usr/bin/env python3
"""Environment throughput on Ray against a local environment, side by side.

Four ways of taking the same seeded random steps on one benchmark
(llvm-ic-v0, episodes of --episode-length steps), in turns, --repeat times:

  local         an environment in this process (optgym.remote.random_rollout)
  ray-1         one environment in a Ray actor sampling --batch steps per
                call, as an RLlib env runner does (EnvWorker.rollout)
  ray-2         two such actors at once (on a 2-core machine: one per core)
  ray-per-step  one actor called once per step (RemoteEnv.step), for the
                cost of a round trip

Prints each way's median steps/s, Ray's overhead per step against local
(ray-1), and the speed-up of two workers over one. Ray is started here for
the run (ray.init with --cpus CPUs).

  bench/ray_throughput.py [--benchmark URI] [--steps N] [--batch N]
                          [--episode-length N] [--repeat N] [--cpus N]

Needs Ray (pip install 'optgym[ray]') and the package (utils/build.sh, or
PYTHONPATH=utils and $OPTGYM_PLUGIN).
"""

import argparse
import os
import statistics
import sys
import time

import ray

import optgym
from optgym.parallel import worker_environment
from optgym.remote import EnvWorker, RemoteEnv, random_rollout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="benchmark://optgym-v0/crc32")
    parser.add_argument("--steps", type=int, default=2000, help="steps per way and repeat")
    parser.add_argument("--batch", type=int, default=500, help="steps per actor call")
    parser.add_argument("--episode-length", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cpus", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(
        num_cpus=args.cpus,
        include_dashboard=False,
        logging_level="ERROR",
        runtime_env={"env_vars": worker_environment()},
    )
    kwargs = dict(benchmark=args.benchmark)
    local = optgym.make("llvm-ic-v0", **kwargs)
    actor_class = ray.remote(num_cpus=1)(EnvWorker)
    actors = [actor_class.remote("llvm-ic-v0", kwargs) for _ in range(2)]
    stepper = RemoteEnv("llvm-ic-v0", num_cpus=0, **kwargs)
    # Warm-up: every environment builds its benchmark and starts its root.
    random_rollout(local, args.episode_length, args.episode_length, 0)
    ray.get([a.rollout.remote(args.episode_length, args.episode_length, 0) for a in actors])
    stepper.reset()

    def sampled(actor_count: int, seed: int) -> float:
        calls = max(1, args.steps // args.batch)
        start = time.perf_counter()
        refs = [
            actors[a].rollout.remote(args.batch, args.episode_length, seed + a * 1000 + c)
            for c in range(calls)
            for a in range(actor_count)
        ]
        steps = sum(result["steps"] for result in ray.get(refs))
        return steps / (time.perf_counter() - start)

    def per_step(seed: int) -> float:
        count = args.steps // 4
        start = time.perf_counter()
        taken = 0
        stepper.reset()
        for i in range(count):
            _, _, terminated, _, _ = stepper.step((seed + 7 * i) % 50)
            taken += 1
            if terminated or (i + 1) % args.episode_length == 0:
                stepper.reset()
        return taken / (time.perf_counter() - start)

    ways = {
        "local": lambda seed: (
            args.steps / random_rollout(local, args.steps, args.episode_length, seed)["seconds"]
        ),
        "ray-1": lambda seed: sampled(1, seed),
        "ray-2": lambda seed: sampled(2, seed),
        "ray-per-step": per_step,
    }
    rates = {name: [] for name in ways}
    for repeat in range(args.repeat):
        for name, way in ways.items():
            rates[name].append(way(repeat))
            print(
                "  repeat %d %-12s %8.1f steps/s" % (repeat + 1, name, rates[name][-1]),
                file=sys.stderr,
                flush=True,
            )
    medians = {name: statistics.median(values) for name, values in rates.items()}
    print(
        "%s, %d steps per way and repeat, batches of %d, episodes of %d, medians of %d:"
        % (args.benchmark, args.steps, args.batch, args.episode_length, args.repeat)
    )
    for name, value in medians.items():
        print("  %-12s %8.1f steps/s  (%.3f ms/step)" % (name, value, 1000.0 / value))
    print(
        "Ray's overhead per step (ray-1 against local): %+.1f%%"
        % (100.0 * (medians["local"] / medians["ray-1"] - 1.0))
    )
    print("two workers against one: %.2fx" % (medians["ray-2"] / medians["ray-1"]))
    local.close()
    stepper.close()
    ray.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
