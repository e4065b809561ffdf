"""Builds the bundled C programs with OptGym and checks the results.

  programs.py identical  -- objects built with the default oracle equal
                            objects built without the plugin, byte for byte
  programs.py semantics  -- programs built with random oracles print what
                            their -O0 build prints and exit the same way;
                            every module passes the IR verifier

Prints one line per failure and a summary; exits 1 if anything failed.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys


def run(cmd, env=None, timeout=300):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(cmd, env=full_env, capture_output=True, text=True,
                          timeout=timeout)


def programs(directory):
    return sorted(os.path.join(directory, f) for f in os.listdir(directory)
                  if f.endswith(".c"))


def identical(args):
    def check(job):
        src, level = job
        name = os.path.splitext(os.path.basename(src))[0]
        ref = os.path.join(args.out, "%s.%s.ref.o" % (name, level))
        opt = os.path.join(args.out, "%s.%s.default.o" % (name, level))
        base = [args.clang, "-" + level, "-c", src]
        a = run(base + ["-o", ref])
        b = run(base + ["-fpass-plugin=" + args.plugin, "-o", opt],
                env={"OPTGYM_ORACLE": "default"})
        if a.returncode or b.returncode:
            return "%s -%s: build failed: %s%s" % (name, level, a.stderr,
                                                   b.stderr)
        with open(ref, "rb") as f, open(opt, "rb") as g:
            if f.read() != g.read():
                return "%s -%s: objects differ" % (name, level)
        return None

    jobs = [(p, l) for p in programs(args.programs) for l in args.levels]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        failures = [f for f in pool.map(check, jobs) if f]
    for f in failures:
        print("FAIL " + f)
    print("identical: %d of %d objects" % (len(jobs) - len(failures),
                                           len(jobs)))
    return 1 if failures else 0


def semantics(args):
    def build_and_run(src, flags, exe, env=None):
        b = run([args.clang, "-std=c11", src, "-o", exe, "-lm"] + flags,
                env=env)
        if b.returncode:
            return None, "build failed (%d): %s" % (b.returncode,
                                                    b.stderr[-2000:])
        try:
            r = run([exe], timeout=60)
        except subprocess.TimeoutExpired:
            return None, "timed out"
        return (r.returncode, r.stdout), None

    def reference(src):
        name = os.path.splitext(os.path.basename(src))[0]
        return build_and_run(src, ["-O0"], os.path.join(args.out, name + ".O0"))

    sources = programs(args.programs)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        references = dict(zip(sources, pool.map(reference, sources)))

    def check(job):
        src, level, seed = job
        name = os.path.splitext(os.path.basename(src))[0]
        ref, err = references[src]
        if err:
            return "%s -O0: %s" % (name, err), 0
        trace = os.path.join(args.out, "%s.%s.%s.jsonl" % (name, level, seed))
        if os.path.exists(trace):
            os.remove(trace)
        env = {"OPTGYM_ORACLE": "random:seed=%s" % seed,
               "OPTGYM_RECORD": trace}
        got, err = build_and_run(
            src, ["-" + level, "-fverify-intermediate-code",
                  "-fpass-plugin=" + args.plugin],
            os.path.join(args.out, "%s.%s.%s" % (name, level, seed)), env)
        label = "%s -%s random:seed=%s" % (name, level, seed)
        if err:
            return "%s: %s" % (label, err), 0
        departed = 0
        with open(trace) as f:
            for line in f:
                record = json.loads(line)
                departed += record["chosen"] != record["default"]
        if got != ref:
            return ("%s: exit %d and output %r, -O0 gave exit %d and %r"
                    % (label, got[0], got[1][-200:], ref[0], ref[1][-200:]),
                    departed)
        return None, departed

    jobs = [(p, l, s) for p in sources for l in args.levels for s in args.seeds]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(check, jobs))
    failures = [f for f, _ in results if f]
    for f in failures:
        print("FAIL " + f)
    print("semantics: %d of %d builds match -O0, %d decisions departed "
          "from the default" % (len(jobs) - len(failures), len(jobs),
                                sum(d for _, d in results)))
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["identical", "semantics"])
    parser.add_argument("--clang", required=True)
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--programs", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--levels", default="O1,O2,O3,Os,Oz")
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    args.levels = args.levels.split(",")
    args.seeds = args.seeds.split(",")
    os.makedirs(args.out, exist_ok=True)
    return identical(args) if args.mode == "identical" else semantics(args)


if __name__ == "__main__":
    sys.exit(main())
