#!/usr/bin/env python3
"""Compile time under random oracles, against the default compile.

Every C file of datasets/programs and csmith's programs for --csmith seeds
is compiled with clang -O2 -c and the plugin, once with OPTGYM_ORACLE=default
(the median of three) and once per --seeds with OPTGYM_ORACLE=random:seed=K,
every decision kind active. The figure is the ratio of CPU times (user + sys
of the compiler), which a busy machine disturbs less than wall time.
Compiles past --timeout seconds are killed and count as timeout / default.

  bench/oracle_blowups/sweep.py [--plugin build/lib/OptGym.so] [--seeds 8]
      [--csmith 20] [--jobs 2] [--json RUN.json] [--label NAME]
      [--png PLOT.png [--compare OTHER.json]]
  bench/oracle_blowups/sweep.py --from-json RUN.json [--png ...] [--compare ...]

Prints one line per compile as it finishes and a summary: the ratios'
quantiles, how many reach 5x and 10x, and the worst compiles. --json saves
the ratios; --png plots their distribution (against --compare's, if given);
--from-json summarizes and plots a saved run instead of compiling.
"""

import argparse
import concurrent.futures
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CSMITH_INCLUDE = "/usr/include/csmith"


def cpu_seconds(cmd, env, timeout):
    """CPU seconds of cmd, or None when it ran past timeout (wall) seconds."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            return None
        time.sleep(0.01)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(cmd), err))
    return usage.ru_utime + usage.ru_stime


def programs(csmith_seeds, scratch):
    """(name, source, extra clang options) of every program to compile."""
    found = []
    for path in sorted(glob.glob(os.path.join(ROOT, "datasets/programs/**/*.c"), recursive=True)):
        found.append((os.path.relpath(path, os.path.join(ROOT, "datasets/programs")), path, []))
    for seed in range(1, csmith_seeds + 1):
        source = os.path.join(scratch, "csmith-%d.c" % seed)
        with open(source, "w") as out:
            subprocess.run(["csmith", "--seed", str(seed)], stdout=out, cwd=scratch, check=True)
        found.append(("csmith-%d" % seed, source, ["-I" + CSMITH_INCLUDE, "-w"]))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plugin", default=os.path.join(ROOT, "build/lib/OptGym.so"))
    parser.add_argument("--clang", default="clang-19")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--csmith", type=int, default=20, help="csmith seeds 1..N")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--json", help="write the ratios here")
    parser.add_argument("--png", help="plot the ratios' distribution here")
    parser.add_argument("--label", default="this plugin")
    parser.add_argument("--compare", help="a --json of another run, plotted beside")
    parser.add_argument("--from-json", help="a --json of a run to summarize")
    args = parser.parse_args()

    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        args.label = saved["label"]
        ratios = saved["ratios"]
    else:
        ratios = measure(args)
    summarize(ratios)
    if args.json and not args.from_json:
        with open(args.json, "w") as out:
            json.dump(
                {"label": args.label, "seeds": args.seeds, "ratios": ratios},
                out,
                indent=1,
                sort_keys=True,
            )
    if args.png:
        plot(args, sorted(ratios.values()))


def measure(args):
    """{"PROGRAM seed K": CPU time ratio} of every compile."""
    with tempfile.TemporaryDirectory(prefix="optgym-sweep-") as scratch:
        progs = programs(args.csmith, scratch)

        def compile_with(name, source, extra, oracle):
            env = dict(os.environ, OPTGYM_ORACLE=oracle)
            env.pop("OPTGYM_DECISIONS", None)
            out = os.path.join(
                scratch, "%s.%s.o" % (name.replace("/", "_"), oracle.replace(":", "_"))
            )
            cmd = [
                args.clang,
                "-O2",
                "-fpass-plugin=" + args.plugin,
                *extra,
                "-c",
                source,
                "-o",
                out,
            ]
            return cpu_seconds(cmd, env, args.timeout)

        default = {}
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = {
                pool.submit(lambda p=p: [compile_with(*p, "default") for _ in range(3)]): p[0]
                for p in progs
            }
            for future in concurrent.futures.as_completed(futures):
                default[futures[future]] = statistics.median(future.result())
        print(
            "default compiles: %d programs, %.1f CPU s in all" % (len(progs), sum(default.values()))
        )

        ratios = {}
        jobs = [(p, seed) for p in progs for seed in range(1, args.seeds + 1)]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = {
                pool.submit(compile_with, *p, "random:seed=%d" % seed): (p[0], seed)
                for p, seed in jobs
            }
            for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
                name, seed = futures[future]
                seconds = future.result()
                shown = "timeout" if seconds is None else "%.2f s" % seconds
                ratio = (seconds if seconds is not None else args.timeout) / default[name]
                ratios["%s seed %d" % (name, seed)] = ratio
                print(
                    "[%d/%d] %s seed %d: %s (default %.2f s) %.2fx"
                    % (done, len(jobs), name, seed, shown, default[name], ratio),
                    flush=True,
                )
    return ratios


def summarize(ratios):
    values = sorted(ratios.values())
    quantile = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    print(
        "\n%d compiles: median %.2fx, p90 %.2fx, p99 %.2fx, max %.2fx; %d at 5x or more, %d at 10x or more"
        % (
            len(values),
            quantile(0.5),
            quantile(0.9),
            quantile(0.99),
            values[-1],
            sum(r >= 5 for r in values),
            sum(r >= 10 for r in values),
        )
    )
    print("worst:")
    for key, ratio in sorted(ratios.items(), key=lambda kv: -kv[1])[:8]:
        print("  %-40s %.2fx" % (key, ratio))


def plot(args, values):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = [(args.label, values)]
    if args.compare:
        with open(args.compare) as f:
            other = json.load(f)
        series.insert(0, (other["label"], sorted(other["ratios"].values())))
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, data in series:
        ax.plot([100 * (i + 1) / len(data) for i in range(len(data))], data, label=label)
    for limit, style in ((5, "--"), (10, ":")):
        ax.axhline(limit, color="grey", linestyle=style, linewidth=1)
    ax.set_yscale("log")
    ax.set_xlabel("compiles, sorted by ratio (%)")
    ax.set_ylabel("CPU time / default compile's")
    ax.set_title("clang -O2 -c of bundled and csmith programs under random oracles")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.png, dpi=120)
    print("plot: %s" % args.png)


if __name__ == "__main__":
    sys.exit(main())
