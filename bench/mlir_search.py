#!/usr/bin/env python3
"""Searching tile sizes and unroll factors for speed with the MLIR
environment, against the default pipeline (MLIR's affine-loop-tile and
affine-loop-unroll with their default options), measured side by side.

For each kernel of bench/mlir (a 512x512 f32 matmul and a 32x32-channel
3x3 f32 convolution), runs seeded random search and greedy search over the
decisions of the function @kernel (the loops that fill the inputs and sum
the result keep their defaults), with the Runtime cost (the median of
--runs timed runs after a warm-up, in one process). Then times the default
pipeline's executable and each search's best executable again, in turns,
--repeat times, and prints the medians, the speed-ups and the decisions
found. Every best state is validated (it prints the unoptimized kernel's
checksum).

  bench/mlir_search.py [--episodes N] [--runs N] [--repeat N] [KERNEL ...]

Needs the installed optgym package (utils/build.sh), or PYTHONPATH=utils
and $OPTGYM_MLIR_PLUGIN; LLVM 19 unless $OPTGYM_LLVM_VERSION says otherwise.
"""

import argparse
import os
import statistics
import sys
import time

from optgym.mlir import MlirEnv, MlirToolchain
from optgym.mlir.agents import greedy_search, random_search

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNELS = ("matmul-512-f32", "conv2d-f32", "conv2d-acc-f32")


def progress(label):
    def report(step, best):
        print("  %s: %d, best %.4g s" % (label, step, best), file=sys.stderr, flush=True)

    return report


def executable_of(env, answers):
    env.apply(answers)
    toolchain = env.toolchain
    return toolchain.build(toolchain.lower(env.observation["MlirText"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kernels", nargs="*", default=list(KERNELS))
    parser.add_argument("--episodes", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    toolchain = MlirToolchain()
    print("LLVM %s, %s" % (toolchain.llvm_version, toolchain.plugin))
    for name in args.kernels:
        path = os.path.join(ROOT, "bench", "mlir", name + ".mlir")
        env = MlirEnv(path, toolchain=toolchain, runtime_runs=args.runs)
        start = time.monotonic()
        found = {
            "random": random_search(
                env,
                "Runtime",
                args.episodes,
                seed=args.seed,
                functions=["kernel"],
                progress=progress(name + " random episode"),
            ),
            "greedy": greedy_search(
                env, "Runtime", functions=["kernel"], progress=progress(name + " greedy step")
            ),
        }
        searched = time.monotonic() - start
        executables = {"default": executable_of(env, [])}
        for agent, result in found.items():
            executables[agent] = executable_of(env, result.best)
            validation = env.validate()
            if not validation.okay:
                print("%s %s: NOT VALID: %s" % (name, agent, validation.error))
                return 1
        times = {agent: [] for agent in executables}
        for _ in range(args.repeat):
            for agent, executable in executables.items():
                run = toolchain.run(executable, runs=args.runs + 1)
                times[agent].append(run.median(warmup=1))
        default = statistics.median(times["default"])
        print("\n%s (search %.0f s, %d episodes and greedy):" % (name, searched, args.episodes))
        for agent, samples in times.items():
            median = statistics.median(samples)
            print(
                "  %-8s %9.4f s  (min %.4f, max %.4f)  speed-up %.2fx"
                % (agent, median, min(samples), max(samples), default / median)
            )
        for agent, result in found.items():
            chosen = [
                "%s %s=%s" % (kind, key.split(":")[-1], choice)
                for kind, key, choice in result.best
                if choice != "default"
            ]
            print("  %s decisions: %s" % (agent, ", ".join(chosen) or "(all default)"))
        sys.stdout.flush()
    toolchain.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
