#!/usr/bin/env python3
"""Memory of an environment worker over many episodes, on a large module.

Builds a module of about 70,000 IR instructions (--functions llvm-stress
functions of -size=--size, linked), makes one llvm-ic-v0 environment of it
in a Ray actor (optgym.remote.EnvWorker), and runs --episodes episodes of
--steps seeded random steps, sampling after every --sample-every episodes
the memory of the worker process and of its children (the episode's
driver, forked from the benchmark's root, and the root): resident (VmRSS)
and proportional (Pss, which counts a page the fork shares with its root
once between them, not once in each). Prints the samples, the growth from
the first sample to the last, and with --plot FILE a PNG of them.

  bench/ray_memory.py [--episodes N] [--steps N] [--functions N] [--size N]
                      [--sample-every N] [--plot FILE]

Needs Ray (pip install 'optgym[ray]'); matplotlib for --plot.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import ray

from optgym.parallel import worker_environment
from optgym.remote import EnvWorker, child_pids
from optgym.toolchain import Toolchain


def memory_mib(pid: int, field: str, path: str) -> float:
    """A kB field of /proc/PID/PATH, in MiB (0 for a process gone)."""
    try:
        with open("/proc/%d/%s" % (pid, path)) as stream:
            for line in stream:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def rss_mib(pid: int) -> float:
    return memory_mib(pid, "VmRSS", "status")


def pss_mib(pid: int) -> float:
    return memory_mib(pid, "Pss", "smaps_rollup")


def descendants(pid: int) -> list:
    found, queue = [], [pid]
    while queue:
        children = child_pids(queue.pop())
        found += children
        queue += children
    return found


def large_module(directory: str, functions: int, size: int) -> str:
    toolchain = Toolchain()
    stress = toolchain.require("llvm-stress", "bench")
    link = toolchain.require("llvm-link", "bench")
    parts = []
    for seed in range(1, functions + 1):
        part = os.path.join(directory, "part%d.ll" % seed)
        subprocess.run([stress, "-seed=%d" % seed, "-size=%d" % size, "-o", part], check=True)
        # Every llvm-stress function has the same name.
        with open(part) as stream:
            text = stream.read().replace("@autogen_SD", "@autogen_f%d_SD" % seed)
        with open(part, "w") as stream:
            stream.write(text)
        parts.append(part)
    module = os.path.join(directory, "large.bc")
    subprocess.run([link] + parts + ["-o", module], check=True)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=3, help="steps per episode")
    parser.add_argument("--functions", type=int, default=14)
    parser.add_argument("--size", type=int, default=5000, help="llvm-stress -size")
    parser.add_argument("--sample-every", type=int, default=50, help="episodes")
    parser.add_argument("--plot", metavar="FILE", help="write a PNG of the samples")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="optgym-ray-memory-")
    module = large_module(directory, args.functions, args.size)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        logging_level="ERROR",
        runtime_env={"env_vars": worker_environment()},
    )
    worker = ray.remote(num_cpus=1)(EnvWorker).remote("llvm-ic-v0", {"benchmark": module})
    pid = ray.get(worker.process.remote())["pid"]
    ray.get(worker.reset.remote())
    count = ray.get(worker.observation.remote("IrInstructionCount"))
    print("module: %d IR instructions (%d llvm-stress functions)" % (count, args.functions))
    print("episodes  worker RSS  children RSS  worker PSS  children PSS  total PSS  seconds")
    samples = []
    start = time.monotonic()
    done = 0
    while done < args.episodes:
        batch = min(args.sample_every, args.episodes - done)
        ray.get(worker.rollout.remote(batch * args.steps, args.steps, done))
        done += batch
        children = descendants(pid)
        rss = (rss_mib(pid), sum(rss_mib(child) for child in children))
        pss = (pss_mib(pid), sum(pss_mib(child) for child in children))
        samples.append((done, pss[0], pss[1]))
        print(
            "%8d  %10.1f  %12.1f  %10.1f  %12.1f  %9.1f  %7.0f"
            % (done, rss[0], rss[1], pss[0], pss[1], sum(pss), time.monotonic() - start),
            flush=True,
        )
    first, last = samples[0], samples[-1]
    print(
        "PSS growth from episode %d to %d: worker %+.1f MiB, children %+.1f MiB"
        % (first[0], last[0], last[1] - first[1], last[2] - first[2])
    )
    ray.get(worker.close.remote())
    ray.shutdown()
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(figsize=(7, 3.5))
        episodes = [s[0] for s in samples]
        axes.plot(episodes, [s[1] for s in samples], label="worker (Python)")
        axes.plot(episodes, [s[2] for s in samples], label="its drivers (opt)")
        axes.plot(episodes, [s[1] + s[2] for s in samples], label="total")
        axes.axhline(150, color="grey", linestyle="--", linewidth=1, label="150 MiB target")
        axes.set_xlabel("episodes")
        axes.set_ylabel("proportional set size (MiB)")
        axes.set_title("One environment worker, %d IR instructions" % count)
        axes.set_ylim(bottom=0)
        axes.legend(loc="lower right", fontsize="small")
        figure.tight_layout()
        figure.savefig(args.plot, dpi=100)
        print("plot written to", args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
