"""Builds the bundled C programs with OptGym and checks the results.

  programs.py identical  -- objects built with the default oracle equal
                            objects built without the plugin, byte for byte
  programs.py semantics  -- programs built with random oracles print what
                            their -O0 build prints and exit the same way;
                            every module passes the IR verifier
  programs.py selfcheck  -- every program builds (multi-file ones with their
                            own Makefile), runs, passes its own checks (exit
                            0, a final checksum line) and prints the same at
                            every level

A program is datasets/programs/NAME.c, or a directory NAME/ with a Makefile
and its .c files.

Prints one line per failure and a summary; exits 1 if anything failed.
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys


def run(cmd, env=None, timeout=300):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout)


def programs(directory):
    """(name, [sources], makefile directory or None) of every program."""
    found = []
    for entry in sorted(os.listdir(directory)):
        path = os.path.join(directory, entry)
        if entry.endswith(".c") and os.path.isfile(path):
            found.append((entry[:-2], [path], None))
        elif os.path.isfile(os.path.join(path, "Makefile")):
            sources = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".c"))
            found.append((entry, sources, path))
    return found


def identical(args):
    def check(job):
        program, src, level = job
        name = program + "." + os.path.splitext(os.path.basename(src))[0]
        ref = os.path.join(args.out, "%s.%s.ref.o" % (name, level))
        opt = os.path.join(args.out, "%s.%s.default.o" % (name, level))
        base = [args.clang, "-" + level, "-c", src]
        a = run(base + ["-o", ref])
        b = run(
            base + ["-fpass-plugin=" + args.plugin, "-o", opt], env={"OPTGYM_ORACLE": "default"}
        )
        if a.returncode or b.returncode:
            return "%s -%s: build failed: %s%s" % (name, level, a.stderr, b.stderr)
        with open(ref, "rb") as f, open(opt, "rb") as g:
            if f.read() != g.read():
                return "%s -%s: objects differ" % (name, level)
        return None

    jobs = [
        (name, src, level)
        for name, sources, _ in programs(args.programs)
        for src in sources
        for level in args.levels
    ]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        failures = [f for f in pool.map(check, jobs) if f]
    for f in failures:
        print("FAIL " + f)
    print("identical: %d of %d objects" % (len(jobs) - len(failures), len(jobs)))
    return 1 if failures else 0


def semantics(args):
    def build_and_run(sources, flags, exe, env=None):
        b = run(
            [args.clang, "-std=c11"] + sources + ["-o", exe, "-lm"] + flags + args.cflags.split(),
            env=env,
        )
        if b.returncode:
            return None, "build failed (%d): %s" % (b.returncode, b.stderr[-2000:])
        try:
            r = run([exe], timeout=60)
        except subprocess.TimeoutExpired:
            return None, "timed out"
        return (r.returncode, r.stdout), None

    def reference(program):
        name, sources, _ = program
        return build_and_run(sources, ["-O0"], os.path.join(args.out, name + ".O0"))

    found = programs(args.programs)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        references = dict(zip((name for name, _, _ in found), pool.map(reference, found)))

    def check(job):
        (name, sources, _), level, seed = job
        ref, err = references[name]
        if err:
            return "%s -O0: %s" % (name, err), 0
        trace = os.path.join(args.out, "%s.%s.%s.jsonl" % (name, level, seed))
        if os.path.exists(trace):
            os.remove(trace)
        env = {"OPTGYM_ORACLE": "random:seed=%s" % seed, "OPTGYM_RECORD": trace}
        if args.decisions:
            env["OPTGYM_DECISIONS"] = args.decisions
        got, err = build_and_run(
            sources,
            ["-" + level, "-fverify-intermediate-code", "-fpass-plugin=" + args.plugin],
            os.path.join(args.out, "%s.%s.%s" % (name, level, seed)),
            env,
        )
        label = "%s -%s random:seed=%s" % (name, level, seed)
        if err:
            return "%s: %s" % (label, err), 0
        departed = 0
        with open(trace) as f:
            for line in f:
                record = json.loads(line)
                departed += record["chosen"] != record["default"]
        if got != ref:
            return (
                "%s: exit %d and output %r, -O0 gave exit %d and %r"
                % (label, got[0], got[1][-200:], ref[0], ref[1][-200:]),
                departed,
            )
        return None, departed

    jobs = [(p, level, s) for p in found for level in args.levels for s in args.seeds]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(check, jobs))
    failures = [f for f, _ in results if f]
    for f in failures:
        print("FAIL " + f)
    print(
        "semantics: %d of %d builds match -O0, %d decisions departed "
        "from the default" % (len(jobs) - len(failures), len(jobs), sum(d for _, d in results))
    )
    return 1 if failures else 0


def selfcheck(args):
    def check(job):
        (name, sources, makedir), level = job
        label = "%s -%s" % (name, level)
        exe = os.path.join(args.out, "%s.%s" % (name, level))
        if makedir:
            work = os.path.join(args.out, "%s.%s.build" % (name, level))
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(makedir, work)
            b = run(["make", "-s", "-C", work, "CC=" + args.clang, "CFLAGS=-" + level])
            exe = os.path.join(work, name)
        else:
            b = run([args.clang, "-std=c11", "-" + level] + sources + ["-o", exe, "-lm"])
        if b.returncode:
            return label, None, "build failed: " + (b.stdout + b.stderr)[-2000:]
        try:
            r = run([exe], timeout=60)
        except subprocess.TimeoutExpired:
            return label, None, "timed out"
        lines = r.stdout.strip().splitlines()
        if r.returncode != 0 or not lines or not lines[-1].startswith("checksum:"):
            return (
                label,
                None,
                ("exit %d, last line %r" % (r.returncode, lines[-1] if lines else "")),
            )
        return label, r.stdout, None

    found = programs(args.programs)
    jobs = [(p, level) for p in found for level in args.levels]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(check, jobs))
    failures = [(label, err) for label, _, err in results if err]
    outputs = {}
    for (program, _), (label, out, err) in zip(jobs, results):
        if err is None:
            outputs.setdefault(program[0], {})[label] = out
    for name, by_level in sorted(outputs.items()):
        if len(set(by_level.values())) > 1:
            failures.append(
                (name, "output differs between levels %s" % ", ".join(sorted(by_level)))
            )
    for label, err in failures:
        print("FAIL %s: %s" % (label, err))
    print("selfcheck: %d programs, %d builds, %d failures" % (len(found), len(jobs), len(failures)))
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["identical", "semantics", "selfcheck"])
    parser.add_argument("--clang", required=True)
    parser.add_argument("--plugin")
    parser.add_argument("--programs", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--levels", default="O1,O2,O3,Os,Oz")
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--cflags", default="", help="more compiler flags (semantics)")
    parser.add_argument("--decisions", help="OPTGYM_DECISIONS for semantics (default: unset)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    args.levels = args.levels.split(",")
    args.seeds = args.seeds.split(",")
    os.makedirs(args.out, exist_ok=True)
    if args.mode != "selfcheck" and not args.plugin:
        parser.error("--plugin is required for " + args.mode)
    return {"identical": identical, "semantics": semantics, "selfcheck": selfcheck}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
