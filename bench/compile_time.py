#!/usr/bin/env python3
"""Compile-time overhead of OptGym: clang -O2 (or --level) -c of the bundled
programs.

Configurations, all with the same optimization decisions (LLVM's defaults),
so that only OptGym's own work is measured:

  no-plugin      clang alone
  inert          plugin loaded, OPTGYM_ORACLE unset
  default        OPTGYM_ORACLE=default, every decision point active
  policy-table   a policy whose tables hold every decision of the program
                 (all of them LLVM's default answer)
  policy-model   a policy with a decision tree per kind over its features
                 (features computed for every query; the leaves that do not
                 answer the default are behind tests no program meets: the
                 worst case, where every pass may be skipped)
  policy-loops   the same trees for loop-unroll, loop-vectorize and inline
                 only: pass-gate queries carry no features
  policy-passes  the same trees, the pass-gate one shaped as trained ones
                 are: it tests the pass first and may skip 5 passes, so the
                 gate asks about those only
  every-kind     policy-passes with the shipped policy's codegen-gate and
                 codegen-option models: every kind on (the codegen models
                 change decisions, as in shipped)
  recording      OPTGYM_ORACLE=default with OPTGYM_RECORD
  shipped        policies/codesize.json as deployed (its codegen kinds only;
                 it changes decisions, so its compile does other work too)
  shipped-every-kind  the same with every default kind active as well
                 (OPTGYM_DECISIONS), as the plugin did for any policy before
                 kinds a policy does not answer were left off
  shipped-guarded  the shipped policy with a unit guard: each unit's code
                 generated twice more, in forked rehearsals
  every-kind-guarded  every-kind with a unit guard: each unit optimized and
                 its code generated twice more, in forked rehearsals
  NAME           a policy file given with --policy NAME=FILE

Each round runs every configuration once per program, in a shuffled order;
the figure per configuration is the median CPU time (user + sys of the
compiler process) over the rounds, summed over the programs. On a shared
2-core VM that figure moves by a few percent from run to run, so
--instructions also counts the instructions each compile executes under
callgrind (deterministic; about 50 times slower). CPU times include the
guard's rehearsals (forked children the compiler waits for); callgrind
counts them as processes of their own that inherit the compiler's count
at the fork, so the guarded configurations have CPU times only.

  bench/compile_time.py [--llvm 19] [--level O2] [--rounds 15] [--instructions]
                        [--configs C1,C2] [--policy NAME=FILE ...]
"""

import argparse
import concurrent.futures
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MODEL_POLICY = {
    "format": "optgym-policy",
    "version": 1,
    "description": "decision trees whose every leaf is LLVM's default",
    "decisions": {
        "pass-gate": {
            "model": {
                "tree": {
                    "feature": "unit_size",
                    "le": 1000000,
                    "then": {
                        "feature": "pass",
                        "in": ["instcombine", "gvn"],
                        "then": {"choice": "run"},
                        "else": {"choice": "run"},
                    },
                    "else": {"choice": "skip"},
                }
            }
        },
        "loop-unroll": {
            "model": {
                "tree": {
                    "feature": "trip_count",
                    "le": 4,
                    "then": {"choice": "default"},
                    "else": {"choice": "default"},
                }
            }
        },
        "loop-vectorize": {
            "model": {
                "tree": {
                    "feature": "body_insts",
                    "le": 20,
                    "then": {"choice": "default"},
                    "else": {"choice": "default"},
                }
            }
        },
        "inline": {
            "model": {
                "tree": {
                    "feature": "llvm_cost",
                    "le": 100,
                    "then": {"choice": "default"},
                    "else": {"choice": "default"},
                }
            }
        },
    },
}


# Configurations whose compiles fork rehearsals (a policy with a guard).
GUARDED = ["shipped-guarded", "every-kind-guarded"]


def cpu_seconds(cmd, env):
    """Runs cmd and returns the CPU time (user + sys) it used."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if proc.returncode:
        sys.exit("benchmark command failed: %s\n%s" % (" ".join(cmd), err))
    return usage.ru_utime + usage.ru_stime


def instructions(cmd, env):
    """Instructions cmd executes, counted by callgrind."""
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
        env=env,
        capture_output=True,
        text=True,
    )
    match = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode or not match:
        sys.exit("callgrind failed on %s:\n%s" % (" ".join(cmd), out.stderr))
    return int(match.group(1))


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--llvm", default="19")
    parser.add_argument("--level", default="O2", help="the optimization level (O2)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--programs", metavar="A.c,B.c", help="these bundled programs only (default: every one)"
    )
    parser.add_argument(
        "--configs", metavar="C1,C2", help="these configurations only (no-plugin always)"
    )
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions with callgrind"
    )
    parser.add_argument(
        "--policy",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="also measure this policy file as configuration NAME (repeatable; CPU "
        "times only when it has a guard)",
    )
    args = parser.parse_args()
    extra_policies = {}
    for item in args.policy:
        name, _, path = item.partition("=")
        if not name or not path or not os.path.isfile(path):
            sys.exit("--policy %s: expected NAME=FILE naming a policy file" % item)
        extra_policies[name] = os.path.abspath(path)

    build = os.path.join(ROOT, "build" if args.llvm == "19" else "build-" + args.llvm)
    plugin = os.path.join(build, "lib", "OptGym.so")
    policy_tool = os.path.join(build, "bin", "optgym-policy")
    clang = "/usr/lib/llvm-%s/bin/clang" % args.llvm
    programs_dir = os.path.join(ROOT, "datasets", "programs")
    programs = sorted(f for f in os.listdir(programs_dir) if f.endswith(".c"))
    if args.programs:
        wanted = args.programs.split(",")
        unknown = sorted(set(wanted) - set(programs))
        if unknown:
            sys.exit("--programs: no bundled program %s" % ", ".join(unknown))
        programs = wanted
    work = tempfile.mkdtemp(prefix="optgym-bench-")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("OPTGYM_")}

    def command(program, use_plugin, out="out.o"):
        cmd = [clang, "-" + args.level, "-c", program, "-o", os.path.join(work, out)]
        return cmd + ["-fpass-plugin=" + plugin] if use_plugin else cmd

    model_path = os.path.join(work, "model.json")
    with open(model_path, "w") as f:
        json.dump(MODEL_POLICY, f)
    passes_path = os.path.join(work, "passes.json")
    with open(passes_path, "w") as f:
        passes = json.loads(json.dumps(MODEL_POLICY))
        passes["decisions"]["pass-gate"]["model"]["tree"] = {
            "feature": "pass",
            "in": ["gvn", "licm", "loop-rotate", "sroa", "simplifycfg"],
            "then": {
                "feature": "unit_size",
                "le": 1000000,
                "then": {"choice": "run"},
                "else": {"choice": "skip"},
            },
            "else": {"choice": "run"},
        }
        json.dump(passes, f)
    shipped = os.path.join(ROOT, "policies", "codesize.json")
    every_kind_path = os.path.join(work, "every-kind.json")
    with open(shipped) as f:
        codegen = json.load(f)["decisions"]
    with open(every_kind_path, "w") as f:
        json.dump(dict(passes, decisions=dict(passes["decisions"], **codegen)), f)
    guarded = {}
    for name, path in (("shipped-guarded", shipped), ("every-kind-guarded", every_kind_path)):
        with open(path) as f:
            document = dict(json.load(f), version=2, guard={"scope": "unit"})
        guarded[name] = os.path.join(work, name + ".json")
        with open(guarded[name], "w") as f:
            json.dump(document, f)
    loops_path = os.path.join(work, "loops.json")
    with open(loops_path, "w") as f:
        loops = json.loads(json.dumps(MODEL_POLICY))
        del loops["decisions"]["pass-gate"]
        json.dump(loops, f)

    # Per-program table policies holding every decision of a default run.
    os.chdir(programs_dir)
    tables = {}
    for p in programs:
        trace = os.path.join(work, p + ".jsonl")
        env = dict(base_env, OPTGYM_ORACLE="default", OPTGYM_RECORD=trace)
        subprocess.run(command(p, True), env=env, check=True)
        tables[p] = os.path.join(work, p + ".policy.json")
        subprocess.run(
            [policy_tool, "from-trace", "--all", trace, "-o", tables[p]],
            check=True,
            stderr=subprocess.DEVNULL,
        )

    every_kind = "pass-gate,loop-unroll,loop-vectorize,inline,codegen-gate,codegen-option"
    record = os.path.join(work, "record.jsonl")
    configs = {
        "no-plugin": lambda p: (command(p, False), {}),
        "inert": lambda p: (command(p, True), {}),
        "default": lambda p: (command(p, True), {"OPTGYM_ORACLE": "default"}),
        "policy-table": lambda p: (command(p, True), {"OPTGYM_ORACLE": "policy:" + tables[p]}),
        "policy-model": lambda p: (command(p, True), {"OPTGYM_ORACLE": "policy:" + model_path}),
        "policy-loops": lambda p: (command(p, True), {"OPTGYM_ORACLE": "policy:" + loops_path}),
        "policy-passes": lambda p: (command(p, True), {"OPTGYM_ORACLE": "policy:" + passes_path}),
        "every-kind": lambda p: (command(p, True), {"OPTGYM_ORACLE": "policy:" + every_kind_path}),
        "recording": lambda p: (
            command(p, True),
            {"OPTGYM_ORACLE": "default", "OPTGYM_RECORD": record},
        ),
        "shipped": lambda p: (command(p, True), {"OPTGYM_ORACLE": "policy:" + shipped}),
        "shipped-every-kind": lambda p: (
            command(p, True),
            {"OPTGYM_ORACLE": "policy:" + shipped, "OPTGYM_DECISIONS": every_kind},
        ),
        "shipped-guarded": lambda p: (
            command(p, True),
            {"OPTGYM_ORACLE": "policy:" + guarded["shipped-guarded"]},
        ),
        "every-kind-guarded": lambda p: (
            command(p, True),
            {"OPTGYM_ORACLE": "policy:" + guarded["every-kind-guarded"]},
        ),
    }
    for name, path in extra_policies.items():
        configs[name] = lambda p, path=path: (command(p, True), {"OPTGYM_ORACLE": "policy:" + path})
        with open(path) as f:
            if "guard" in json.load(f):
                GUARDED.append(name)
    if args.configs:
        wanted = ["no-plugin"] + [c for c in args.configs.split(",") if c != "no-plugin"]
        wanted += [c for c in extra_policies if c not in wanted]
        unknown = sorted(set(wanted) - set(configs))
        if unknown:
            sys.exit("--configs: no configuration %s" % ", ".join(unknown))
        configs = {c: configs[c] for c in wanted}
    samples = {(c, p): [] for c in configs for p in programs}
    rng = random.Random(0)
    for _ in range(args.rounds):
        for p in programs:
            order = list(configs)
            rng.shuffle(order)
            for c in order:
                cmd, extra = configs[c](p)
                if os.path.exists(record):
                    os.remove(record)
                samples[(c, p)].append(cpu_seconds(cmd, dict(base_env, **extra)))

    if args.rounds:
        report_times(configs, programs, samples, args)
    if args.instructions:
        report_instructions(configs, programs, command, base_env, work)


def report_times(configs, programs, samples, args):
    totals = {c: sum(statistics.median(samples[(c, p)]) for p in programs) for c in configs}
    base = totals["no-plugin"]
    print(
        "clang %s -%s -c, %d programs, %d rounds, median CPU seconds summed"
        % (args.llvm, args.level, len(programs), args.rounds)
    )
    print("%-18s %9s %9s" % ("configuration", "seconds", "vs none"))
    for c in configs:
        print("%-18s %9.3f %+8.2f%%" % (c, totals[c], 100 * (totals[c] / base - 1)))
    print("per program (median seconds):")
    print("%-18s" % "program" + "".join("%19s" % c for c in configs))
    for p in programs:
        print("%-18s" % p + "".join("%19.4f" % statistics.median(samples[(c, p)]) for c in configs))


def report_instructions(configs, programs, command, base_env, work):
    def count(job):
        # Jobs run in parallel: each writes its own object and trace.
        c, p = job
        _, extra = configs[c](p)
        cmd = command(p, c != "no-plugin", "%s.%s.o" % (c, p))
        if c == "recording":
            extra = dict(extra, OPTGYM_RECORD=os.path.join(work, p + ".cg.jsonl"))
        return instructions(cmd, dict(base_env, **extra))

    counted = [c for c in configs if c not in GUARDED]
    jobs = [(c, p) for c in counted for p in programs]
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        counts = dict(zip(jobs, pool.map(count, jobs)))
    print("instructions executed (callgrind), summed over the programs:")
    base = sum(counts[("no-plugin", p)] for p in programs)
    for c in configs:
        if c in GUARDED:
            print("%-18s %15s   (forked rehearsals: see the CPU times)" % (c, "n/a"))
            continue
        total = sum(counts[(c, p)] for p in programs)
        print("%-18s %15d %+8.2f%%" % (c, total, 100 * (total / base - 1)))


if __name__ == "__main__":
    main()
