"""Checks the driver's baselines against opt and clang, module by module.

The pass-choice driver (opt -passes=optgym-driver) reports, at step 0,

  IrInstructionCountOz/O3   instructions after default<Oz> / default<O3>
  ObjectTextSizeOz/O3       .text bytes of the object code of that module
  ObjectTextSizeBytes       .text bytes of the module's own object code

computed in process, on copies of the module. They must equal what the
tools give on the same bitcode: opt -passes='default<Oz>' (resp. <O3>)
-o OUT.bc, OUT.bc's instructions counted as Module::getInstructionCount
counts them (by the plugin's print<optgym-instcount>, another path than
the driver's), and the .text sections (llvm-size -A) of clang -O2 -c -Xclang
-disable-llvm-passes on OUT.bc (on the bitcode itself for the last).

  reference-baselines.py --plugin P --opt OPT --clang CLANG --out DIR
      [--programs DIR] [--csmith N] [--llvm-stress N] [FILE.ll|FILE.bc ...]

Modules: every bundled program (its bitcode made as optgym's benchmarks
make it: clang -O0 -Xclang -disable-O0-optnone -emit-llvm -c from the
program's directory, llvm-link for several sources), csmith seeds 1..N
(those that compile at -O0) and llvm-stress seeds 1..N (-size=100), and the
files named. The driver is asked over its socket protocol (observe.py), one
process per module, for these five observations only.

Prints a line per module that differs, then "N modules: M match"; exits 1
if any module differs or cannot be checked.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

import observe

from optgym.benchmark_base import BITCODE_FLAGS, ir_instruction_count, text_size
from optgym.errors import BenchmarkError
from optgym.plugin import plugin_llvm_major
from optgym.toolchain import Toolchain, tool_environment

NAMES = (
    "IrInstructionCountOz",
    "IrInstructionCountO3",
    "ObjectTextSizeOz",
    "ObjectTextSizeO3",
    "ObjectTextSizeBytes",
)
TIMEOUT = 600


class Failure(Exception):
    pass


def run(argv, cwd=None):
    done = subprocess.run(
        argv, cwd=cwd, capture_output=True, timeout=TIMEOUT, env=tool_environment(keep_plugin=False)
    )
    if done.returncode:
        raise Failure(
            "%s: exit %d: %s"
            % (" ".join(argv), done.returncode, done.stderr.decode(errors="replace").strip()[-800:])
        )
    return done.stdout.decode(errors="replace")


def toolchain(args):
    """The toolchain of --opt with --plugin, whose print<optgym-instcount>
    counts instructions as Module::getInstructionCount does."""
    return Toolchain(
        llvm_version=plugin_llvm_major(args.plugin),
        bin_dir=os.path.dirname(args.opt),
        plugin=args.plugin,
    )


def expected(args, bitcode, scratch):
    obj = os.path.join(scratch, "O0.o")
    run([args.clang, "-O2", "-c", "-Xclang", "-disable-llvm-passes", bitcode, "-o", obj])
    values = {"ObjectTextSizeBytes": text_size(obj, toolchain(args))}
    for level in ("Oz", "O3"):
        # Bitcode, not text: opt writes bitcode with the use-list order,
        # which code generation depends on; textual IR loses it.
        out = os.path.join(scratch, level + ".bc")
        obj = os.path.join(scratch, level + ".o")
        run([args.opt, "-passes=default<%s>" % level, bitcode, "-o", out])
        values["IrInstructionCount" + level] = ir_instruction_count(out, toolchain(args))
        run([args.clang, "-O2", "-c", "-Xclang", "-disable-llvm-passes", out, "-o", obj])
        values["ObjectTextSize" + level] = text_size(obj, toolchain(args))
    return values


def observed(args, bitcode):
    values, errors, status, stderr = observe.ask(args.opt, args.plugin, bitcode, NAMES)
    if status:
        raise Failure("the driver exited with %d: %s" % (status, stderr.strip()[-800:]))
    if errors:
        raise Failure("observation errors: %s" % json.dumps(errors, sort_keys=True))
    return values


def check(args, name, make_bitcode):
    scratch = tempfile.mkdtemp(dir=args.out, prefix="m-")
    try:
        bitcode = make_bitcode(scratch)
        if bitcode is None:
            return name, None, "skipped"
        want = expected(args, bitcode, scratch)
        got = observed(args, bitcode)
    except (Failure, BenchmarkError, subprocess.TimeoutExpired) as failure:
        return name, False, str(failure)
    wrong = [
        "%s %s, opt %s" % (key, got.get(key), want[key])
        for key in NAMES
        if got.get(key) != want[key]
    ]
    return name, not wrong, "; ".join(wrong)


def program_jobs(args):
    jobs = []
    for entry in sorted(os.listdir(args.programs)):
        path = os.path.join(args.programs, entry)
        if entry.endswith(".c") and os.path.isfile(path):
            sources, directory = [entry], args.programs
        elif os.path.isfile(os.path.join(path, "Makefile")):
            sources = sorted(f for f in os.listdir(path) if f.endswith(".c"))
            directory = path
        else:
            continue

        def make(scratch, sources=sources, directory=directory):
            # By relative name from the program's directory, as optgym and
            # make do: the module identifier is the same in every checkout.
            objects = []
            for index, source in enumerate(sources):
                out = os.path.join(scratch, "%d.bc" % index)
                run([args.clang, *BITCODE_FLAGS] + [source, "-o", out], cwd=directory)
                objects.append(out)
            if len(objects) == 1:
                return objects[0]
            linked = os.path.join(scratch, "linked.bc")
            run(["llvm-link"] + objects + ["-o", linked])
            return linked

        jobs.append((os.path.splitext(entry)[0], make))
    return jobs


def csmith_jobs(args):
    include = "/usr/include/csmith"

    def make(scratch, seed):
        source = os.path.join(scratch, "csmith-%d.c" % seed)
        with open(source, "w") as f:
            f.write(run(["csmith", "--seed", str(seed)], cwd=scratch))
        bitcode = os.path.join(scratch, "csmith.bc")
        try:
            run(
                [args.clang, *BITCODE_FLAGS] + ["-I" + include, "-w", source, "-o", bitcode],
                cwd=scratch,
            )
        except Failure:
            return None  # Not every seed compiles; the gym skips those too.
        return bitcode

    return [
        ("csmith-%d" % seed, lambda s, seed=seed: make(s, seed))
        for seed in range(1, args.csmith + 1)
    ]


def stress_jobs(args):
    def make(scratch, seed):
        bitcode = os.path.join(scratch, "stress.bc")
        text = os.path.join(scratch, "stress.ll")
        run(["llvm-stress", "-seed=%d" % seed, "-size=100", "-o", text])
        run(["llvm-as", text, "-o", bitcode])
        return bitcode

    return [
        ("llvm-stress-%d" % seed, lambda s, seed=seed: make(s, seed))
        for seed in range(1, args.llvm_stress + 1)
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--opt", required=True)
    parser.add_argument("--clang", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--programs")
    parser.add_argument("--csmith", type=int, default=0)
    parser.add_argument("--llvm-stress", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    jobs = program_jobs(args) if args.programs else []
    jobs += csmith_jobs(args) + stress_jobs(args)
    jobs += [(os.path.basename(f), lambda s, f=f: os.path.abspath(f)) for f in args.files]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda job: check(args, *job), jobs))

    checked = [r for r in results if r[1] is not None]
    matching = sum(1 for r in checked if r[1])
    for name, ok, detail in results:
        if ok is False:
            print("MISMATCH %s: %s" % (name, detail))
    skipped = len(results) - len(checked)
    print(
        "%d modules: %d match%s"
        % (
            len(checked),
            matching,
            ", %d seeds skipped (do not compile)" % skipped if skipped else "",
        )
    )
    return 0 if matching == len(checked) and checked else 1


if __name__ == "__main__":
    sys.exit(main())
