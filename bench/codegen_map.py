#!/usr/bin/env python3
"""What each codegen decision does to code size: the map a policy learner
starts from.

For each optional backend pass that the codegen gate is asked about, and for
each codegen option, the bundled programs are compiled with that one pass
skipped everywhere (a codegen-gate policy: skip when pass == P) or that
option set (a codegen-option policy), at -Oz and -O2, and their .text sizes
compared with clang's own build. Multi-file programs count as the sum of
their objects. Printed per level: how many programs get smaller, larger or
stay the same, the geometric mean of the size ratio, and the extremes.

  .venv/bin/python bench/codegen_map.py [--llvm 19] [--levels Oz,O2] [--jobs 2]
"""

import argparse
import concurrent.futures
import json
import math
import os
import re
import subprocess
import sys
import tempfile

from optgym.benchmark_base import text_size
from optgym.toolchain import Toolchain
from optgym.trace import read_trace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMS = os.path.join(ROOT, "datasets", "programs")


def units():
    """(program, [sources]) of every bundled program."""
    found = []
    for entry in sorted(os.listdir(PROGRAMS)):
        path = os.path.join(PROGRAMS, entry)
        if entry.endswith(".c"):
            found.append((entry[:-2], [path]))
        elif os.path.isdir(path):
            found.append(
                (entry, sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".c")))
            )
    return found


def text_bytes(llvm, obj):
    return text_size(obj, Toolchain(llvm_version=llvm))


def program_size(args, sources, level, scratch, tag, env=None):
    total = 0
    for source in sources:
        obj = os.path.join(scratch, "%s-%s-%s.o" % (tag, level, os.path.basename(source)))
        argv = ["/usr/lib/llvm-%s/bin/clang" % args.llvm, "-" + level, "-c", source, "-o", obj]
        if env is not None:
            argv.insert(2, "-fpass-plugin=" + args.plugin)
        subprocess.run(argv, check=True, capture_output=True, env=dict(os.environ, **(env or {})))
        total += text_bytes(args.llvm, obj)
    return total


def policy_file(scratch, name, decisions):
    path = os.path.join(scratch, name + ".json")
    with open(path, "w") as f:
        json.dump({"format": "optgym-policy", "version": 1, "decisions": decisions}, f)
    return path


def gated_passes(args, scratch):
    """The passes the gate is asked about on these programs at these levels."""
    trace = os.path.join(scratch, "passes.jsonl")
    env = {"OPTGYM_ORACLE": "default", "OPTGYM_RECORD": trace, "OPTGYM_DECISIONS": "codegen-gate"}
    for _, sources in units():
        for level in args.levels:
            program_size(args, sources, level, scratch, "scan", env)
    return sorted({decision.features["pass"] for decision in read_trace(trace)})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llvm", default="19")
    parser.add_argument("--levels", default="Oz,O2")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--plugin")
    args = parser.parse_args()
    args.levels = args.levels.split(",")
    if args.plugin is None:
        build = "build" if args.llvm == "19" else "build-" + args.llvm
        args.plugin = os.path.join(ROOT, build, "lib", "OptGym.so")
    scratch = tempfile.mkdtemp(prefix="optgym-codegen-map-")
    programs = units()

    variants = []  # (label, kind, env)
    for name in gated_passes(args, scratch):
        tree = {
            "feature": "pass",
            "eq": name,
            "then": {"choice": "skip"},
            "else": {"choice": "run"},
        }
        path = policy_file(scratch, "skip-" + name, {"codegen-gate": {"model": {"tree": tree}}})
        variants.append(
            (
                "skip " + name,
                {"OPTGYM_ORACLE": "policy:" + path, "OPTGYM_DECISIONS": "codegen-gate"},
            )
        )
    for option in ("disable-lsr",):
        path = policy_file(scratch, "set-" + option, {"codegen-option": {"fallback": "set"}})
        variants.append(
            (
                "set " + option,
                {"OPTGYM_ORACLE": "policy:" + path, "OPTGYM_DECISIONS": "codegen-option"},
            )
        )

    jobs = []
    for level in args.levels:
        for program, sources in programs:
            jobs.append((level, program, sources, None, None))
            for label, env in variants:
                jobs.append((level, program, sources, label, env))

    def measure(job):
        level, program, sources, label, env = job
        tag = "base" if label is None else re.sub(r"[^a-z0-9]+", "_", label)
        return job, program_size(args, sources, level, scratch, program + tag, env)

    sizes = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for (level, program, _, label, _), size in pool.map(measure, jobs):
            sizes[(level, program, label)] = size

    print("Machine: %s; LLVM %s; %d programs\n" % (os.uname().nodename, args.llvm, len(programs)))
    for level in args.levels:
        print("-%s | smaller | larger | same | geomean | best | worst" % level)
        print("|---|---:|---:|---:|---:|---:|---:|")
        rows = []
        for label, _ in variants:
            ratios = [sizes[(level, p, label)] / sizes[(level, p, None)] for p, _ in programs]
            geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
            rows.append(
                (
                    geomean,
                    label,
                    sum(r < 1 for r in ratios),
                    sum(r > 1 for r in ratios),
                    sum(r == 1 for r in ratios),
                    min(ratios),
                    max(ratios),
                )
            )
        for geomean, label, smaller, larger, same, best, worst in sorted(rows):
            print(
                "| %s | %d | %d | %d | %+.2f %% | %+.1f %% | %+.1f %% |"
                % (
                    label,
                    smaller,
                    larger,
                    same,
                    (geomean - 1) * 100,
                    (best - 1) * 100,
                    (worst - 1) * 100,
                )
            )
        print()


if __name__ == "__main__":
    sys.exit(main())
