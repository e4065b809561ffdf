"""Builds one program many ways under one policy and compares the objects.

  deterministic-builds.py --clang CLANG --plugin OptGym.so --policy-tool T
      --program DIR --work DIR [--runs 10]

The program's C files go into src/ of a project with a CMakeLists.txt and a
.git directory, checked out twice (WORK/one/proj, WORK/two/proj). A build
of checkout one under a random oracle is recorded, and the trace made into a
policy. Then, under that policy, it builds:

  * checkout one in-tree, --runs times, alternating make -j1 and -j8;
  * checkout two out-of-tree (WORK/two/build), with make -j8;
  * checkout two by hand from its directory, with relative paths;

and checks that every build's objects are byte-identical to the recorded
build's, that the policy answered queries in every build (table hits), and
that its decisions took effect (objects differ from a default build).
Prints one line per check; exits 1 if any failed.
"""

import argparse
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys

CMAKE_LISTS = """cmake_minimum_required(VERSION 3.13)
project(program C)
file(GLOB sources src/*.c)
add_executable(program ${sources})
"""


def checkout(program, root):
    """A copy of the program as a project: src/*.c, CMakeLists.txt, .git."""
    os.makedirs(os.path.join(root, "src"))
    os.makedirs(os.path.join(root, ".git"))
    for name in os.listdir(program):
        if name.endswith((".c", ".h")):
            shutil.copy(os.path.join(program, name), os.path.join(root, "src"))
    with open(os.path.join(root, "CMakeLists.txt"), "w") as f:
        f.write(CMAKE_LISTS)
    return root


def objects(build_dir):
    """{source name: sha256 of its object} of a build directory."""
    found = {}
    for path in glob.glob(os.path.join(build_dir, "**", "*.o"), recursive=True):
        with open(path, "rb") as f:
            found[os.path.basename(path).replace(".c.o", ".c").replace(".o", ".c")] = (
                hashlib.sha256(f.read()).hexdigest()
            )
    return found


def table_hits(log):
    return sum(int(n) for n in re.findall(r"(\d+) table hits", log))


class Builder:
    def __init__(self, args):
        self.args = args

    def env(self, oracle, **extra):
        env = dict(os.environ, OPTGYM_ORACLE=oracle, OPTGYM_VERBOSE="1", **extra)
        env.pop("OPTGYM_KEY_ROOT", None)
        return env

    def configure(self, source, build):
        subprocess.run(
            [
                "cmake",
                "-S",
                source,
                "-B",
                build,
                "-G",
                "Unix Makefiles",
                "-DCMAKE_C_COMPILER=" + self.args.clang,
                "-DCMAKE_C_FLAGS=-O2 -w -fpass-plugin=" + self.args.plugin,
                "-DCMAKE_BUILD_TYPE=",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            env=self.env(""),
        )

    def build(self, build, jobs, oracle, **extra):
        """Cleans and builds; returns the compilers' stderr."""
        subprocess.run(
            ["cmake", "--build", build, "--target", "clean"], check=True, stdout=subprocess.DEVNULL
        )
        done = subprocess.run(
            ["cmake", "--build", build, "-j%d" % jobs],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(oracle, **extra),
        )
        return done.stderr

    def by_hand(self, root, out, oracle):
        """clang -c src/X.c from the checkout's directory, relative paths."""
        os.makedirs(out, exist_ok=True)
        log = ""
        for source in sorted(glob.glob(os.path.join(root, "src", "*.c"))):
            name = os.path.basename(source)
            done = subprocess.run(
                [
                    self.args.clang,
                    "-O2",
                    "-w",
                    "-fpass-plugin=" + self.args.plugin,
                    "-c",
                    os.path.join("src", name),
                    "-o",
                    os.path.join(out, name + ".o"),
                ],
                cwd=root,
                check=True,
                stderr=subprocess.PIPE,
                text=True,
                env=self.env(oracle),
            )
            log += done.stderr
        return log


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clang", required=True)
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--policy-tool", required=True)
    parser.add_argument("--program", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    shutil.rmtree(args.work, ignore_errors=True)
    one = checkout(args.program, os.path.join(args.work, "one", "proj"))
    two = checkout(args.program, os.path.join(args.work, "two", "proj"))
    builder = Builder(args)
    failures = 0

    def check(ok, text):
        nonlocal failures
        failures += not ok
        print("%s: %s" % ("ok" if ok else "FAIL", text), flush=True)

    trace = os.path.join(args.work, "trace.jsonl")
    policy = os.path.join(args.work, "policy.json")
    builder.configure(one, one)
    builder.build(one, 8, "random:seed=7", OPTGYM_RECORD=trace)
    recorded = objects(one)
    with open(trace) as f:
        files = sorted(
            {line.split('"key":"', 1)[1].split(":", 1)[0] for line in f if '"key":"' in line}
        )
    print("trace keys name: %s" % " ".join(files))
    check(
        all(name.startswith("src/") for name in files), "keys name files relative to the repository"
    )
    made = subprocess.run(
        [args.policy_tool, "from-trace", trace, "-o", policy],
        check=True,
        capture_output=True,
        text=True,
    )
    print(made.stderr.strip())
    oracle = "policy:" + policy

    builder.build(one, 8, "default")
    default = objects(one)
    differing = sum(default[name] != recorded[name] for name in recorded)
    check(
        differing > 0,
        "%d of %d objects differ from the default build's" % (differing, len(recorded)),
    )

    hits = set()
    identical = 0
    for run in range(args.runs):
        log = builder.build(one, 1 if run % 2 == 0 else 8, oracle)
        hits.add(table_hits(log))
        identical += objects(one) == recorded
    check(
        identical == args.runs,
        "%d of %d in-tree builds (-j1 and -j8) equal the recorded build" % (identical, args.runs),
    )

    out_of_tree = os.path.join(args.work, "two", "build")
    builder.configure(two, out_of_tree)
    log = builder.build(out_of_tree, 8, oracle)
    hits.add(table_hits(log))
    check(objects(out_of_tree) == recorded, "another checkout, built out of tree, equals it")

    log = builder.by_hand(two, os.path.join(args.work, "two", "by-hand"), oracle)
    hits.add(table_hits(log))
    check(
        objects(os.path.join(args.work, "two", "by-hand")) == recorded,
        "that checkout compiled by hand with relative paths equals it",
    )
    check(
        len(hits) == 1 and min(hits) > 0,
        "every build had the same policy table hits: %s" % sorted(hits),
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
