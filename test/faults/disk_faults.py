"""Recording and collecting when the disk fails: full, read-only, or the
compiler killed in the middle.

    disk_faults.py SCENARIO --plugin SO --clang CLANG --work DIR [--seeds N]

SCENARIO is one of
    full-record       make -j8 recording (OPTGYM_RECORD) onto a 64 KiB tmpfs
    full-collect      make -j8 collecting (OPTGYM_COLLECT) onto a 48 KiB tmpfs
    readonly-record   make -j8 recording into a read-only directory
    readonly-collect  make -j8 collecting into a read-only directory
    sigkill           clang recording and collecting, SIGKILLed after a
                      seeded delay, N seeds; then a whole make -j8 adds to
                      the same trace and collection
    kill-at-rename    clang collecting, SIGKILLed by strace at the rename
                      (or link) that puts a unit's bitcode, then its
                      description, in place; then make -j8 collects again
    torn-tail         make -j8 recording into a trace that ends in the
                      middle of a line (its writer was killed mid-write)
    concurrent        make -j8 (twice: -B) with every process recording into
                      ONE trace, OPTGYM_DECISIONS=all

The program is datasets/programs/minilisp (5 sources, its own Makefile);
each compiler's stderr goes to OBJECT.stderr (a CC wrapper), so warnings
count per process. Checks, as they apply: make exits 0; every object equals
the build without the plugin (OPTGYM_ORACLE=default is bit-identical);
every trace line is a whole JSON object ending in a newline (no torn line);
the lines number the decisions the processes report (OPTGYM_VERBOSE); every
collected unit's JSON parses and names a bitcode file that is whole
(llvm-dis reads it); no temporary file is left in the collection (sigkill
only counts them: random moments hit the window between a temporary file and
its rename rarely, kill-at-rename every time); every process warns at most
once, and a fault that struck warns at least once.

A full disk is a tmpfs of its own, and a read-only directory a tmpfs
mounted read-only (root ignores file modes), both inside a private mount
namespace (unshare -m: the mounts vanish with the process), which needs
root (CAP_SYS_ADMIN). Without it, read-only falls back to chmod 555 and a
full disk is an error, not a skip. Prints one "FAIL ..." line per failed
check and a summary; exits 1 if a check failed.
"""

import argparse
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

# The agent trials' compiler wrapper (warnings count per process), make
# runner and environment.
from build_faults import WRAPPER, base_env, run_make

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROGRAM = os.path.join(SOURCE_ROOT, "datasets", "programs", "minilisp")
OBJECTS = ["builtins.o", "eval.o", "gc.o", "main.o", "reader.o"]


MOUNTS = {"full-record": "size=64k", "full-collect": "size=48k"}
READ_ONLY = ("readonly-record", "readonly-collect")


class Checks:
    def __init__(self):
        self.failures = []

    def expect(self, ok, message):
        if not ok:
            self.failures.append(message)
            print("FAIL " + message, flush=True)
        return ok


def make(args, directory, env, flags="-B"):
    env = dict(env, FAULTS_CLANG=args.clang)
    command = ["make", "-s", flags, "-j8", "-C", directory, "CC=" + args.wrapper]
    command.append("CFLAGS=-O2 -fpass-plugin=" + args.plugin)
    return run_make(command, env, 600)


def copy_program(to):
    shutil.rmtree(to, ignore_errors=True)
    shutil.copytree(PROGRAM, to)


def warnings_per_process(directory):
    counts = {}
    for path in glob.glob(os.path.join(directory, "*.stderr")):
        with open(path, errors="replace") as f:
            counts[os.path.basename(path)[: -len(".stderr")]] = f.read().count("optgym: warning")
    return counts


def read_warnings(directory):
    text = ""
    for path in sorted(glob.glob(os.path.join(directory, "*.stderr"))):
        with open(path, errors="replace") as f:
            text += f.read()
    return [line for line in text.splitlines() if "optgym: warning" in line]


def reference(args):
    """Objects of the build without the plugin's oracle (inert plugin)."""
    directory = os.path.join(args.work, "reference")
    copy_program(directory)
    done = make(args, directory, base_env())
    if done.returncode:
        raise SystemExit("disk_faults: the reference build failed: " + done.stderr)
    objects = {}
    for name in OBJECTS:
        with open(os.path.join(directory, name), "rb") as f:
            objects[name] = f.read()
    return objects


def check_build(checks, done, directory, objects, what):
    """make exited 0 and every object equals the reference's."""
    if not checks.expect(
        done.returncode == 0, "%s: make exited %d: %s" % (what, done.returncode, done.stderr[-600:])
    ):
        return
    for name in OBJECTS:
        with open(os.path.join(directory, name), "rb") as f:
            checks.expect(
                f.read() == objects[name],
                "%s: %s differs from the build without OptGym" % (what, name),
            )


def check_warnings(checks, directory, what, at_least_one):
    counts = warnings_per_process(directory)
    worst = max(counts.values(), default=0)
    warned = sum(1 for v in counts.values() if v)
    checks.expect(worst <= 1, "%s: a process warned %d times" % (what, worst))
    if at_least_one:
        checks.expect(warned >= 1, "%s: no process warned" % what)
    return warned, len(counts), worst


def check_trace(checks, path, what):
    """Every line whole: a JSON object with a kind and a key, ending in a newline."""
    if not os.path.exists(path):
        return 0
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    checks.expect(
        lines[-1] == b"",
        "%s: the trace does not end with a newline (a torn last line: %r)"
        % (what, lines[-1][-60:]),
    )
    torn = 0
    for number, line in enumerate(lines[:-1], 1):
        try:
            record = json.loads(line)
            ok = isinstance(record, dict) and "kind" in record and "key" in record
        except ValueError:
            ok = False
        if not ok:
            torn += 1
            if torn <= 3:
                checks.expect(
                    False, "%s: trace line %d is not a whole record: %r" % (what, number, line[:80])
                )
    if lines[-1]:
        torn += 1
    checks.expect(torn == 0, "%s: %d torn trace line(s)" % (what, torn))
    return len(lines) - 1


def check_units(checks, directory, what, llvm_dis, temporary_files=None):
    """Every unit whole, no temporary files (or, given a list, the
    temporary files appended to it); (units, orphan bitcode files)."""
    if not os.path.isdir(directory):
        return 0, 0
    names = os.listdir(directory)
    temporary = [n for n in names if ".tmp-" in n]
    if temporary_files is None:
        checks.expect(
            not temporary,
            "%s: temporary files left in the collection: %s" % (what, " ".join(temporary[:5])),
        )
    else:
        temporary_files += temporary
    units = 0
    described = set()
    for name in sorted(n for n in names if n.endswith(".json")):
        units += 1
        try:
            with open(os.path.join(directory, name)) as f:
                unit = json.load(f)
        except ValueError as e:
            checks.expect(False, "%s: %s is not JSON: %s" % (what, name, e))
            continue
        bitcode = os.path.join(directory, unit.get("bitcode", "?"))
        described.add(os.path.basename(bitcode))
        if not checks.expect(
            os.path.exists(bitcode), "%s: %s names %s, which is missing" % (what, name, bitcode)
        ):
            continue
        dis = subprocess.run([llvm_dis, bitcode, "-o", os.devnull], capture_output=True, text=True)
        checks.expect(
            dis.returncode == 0,
            "%s: %s is not whole bitcode: %s" % (what, bitcode, dis.stderr.strip()),
        )
    orphans = [n for n in names if n.endswith(".bc") and n not in described]
    return units, len(orphans)


def decisions_reported(directory):
    """The sum of "optgym: recorded N decisions" of every process."""
    total = 0
    for path in glob.glob(os.path.join(directory, "*.stderr")):
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("optgym: recorded "):
                    total += int(line.split()[2])
    return total


def scenario_full_or_readonly(args, checks, objects):
    kind = args.scenario
    directory = os.path.join(args.work, "build")
    copy_program(directory)
    target = args.target
    if kind.endswith("record"):
        trace = os.path.join(target, "trace.jsonl")
        env = base_env(OPTGYM_ORACLE="default", OPTGYM_RECORD=trace)
    else:
        units = os.path.join(target, "units")
        env = base_env(OPTGYM_COLLECT=units)
    done = make(args, directory, env)
    check_build(checks, done, directory, objects, kind)
    warned, processes, worst = check_warnings(checks, directory, kind, at_least_one=True)
    warnings = read_warnings(directory)
    if kind.startswith("full"):
        reasons = ["No space left on device"]
    else:
        reasons = ["Read-only file system", "Permission denied"]
    checks.expect(
        all(any(r in w for r in reasons) for w in warnings),
        "%s: a warning does not give the reason: %s" % (kind, warnings[:2]),
    )
    if kind.endswith("record"):
        lines = check_trace(checks, trace, kind)
        print(
            "%s: make %d, %d/%d processes warned, max %d, %d trace lines"
            % (kind, done.returncode, warned, processes, worst, lines)
        )
    else:
        collected, orphans = check_units(checks, units, kind, args.llvm_dis)
        print(
            "%s: make %d, %d/%d processes warned, max %d, %d units whole, %d bitcode without description"
            % (kind, done.returncode, warned, processes, worst, collected, orphans)
        )
    if warnings:
        print("first warning: " + warnings[0])


def scenario_sigkill(args, checks, objects):
    """SIGKILL clang at seeded times while it records and collects."""
    directory = os.path.join(args.work, "build")
    copy_program(directory)
    trace = os.path.join(args.work, "trace.jsonl")
    units = os.path.join(args.work, "units")
    env = base_env(
        OPTGYM_ORACLE="default", OPTGYM_RECORD=trace, OPTGYM_COLLECT=units, OPTGYM_DECISIONS="all"
    )
    command = [args.clang, "-O2", "-fpass-plugin=" + args.plugin, "-c", "eval.c", "-o", "killed.o"]
    started = time.monotonic()
    subprocess.run(command, cwd=directory, env=env, capture_output=True, check=True)
    whole = time.monotonic() - started
    os.remove(trace)
    shutil.rmtree(units)
    killed = 0
    for seed in range(args.seeds):
        delay = random.Random(seed).uniform(0, whole)
        process = subprocess.Popen(command, cwd=directory, env=env, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        if process.wait() == -signal.SIGKILL:
            killed += 1
    # The build that follows: same trace, same collection.
    done = make(args, directory, env)
    check_build(checks, done, directory, objects, "sigkill")
    warned, processes, worst = check_warnings(checks, directory, "sigkill", at_least_one=False)
    checks.expect(
        warned == 0, "sigkill: the build after the kills warned: %s" % read_warnings(directory)[:2]
    )
    lines = check_trace(checks, trace, "sigkill")
    # A kill between writing a temporary file and renaming it leaves the
    # file (rarely at random times: kill-at-rename hits it every time).
    temporary = []
    collected, orphans = check_units(checks, units, "sigkill", args.llvm_dis, temporary)
    print(
        "sigkill: %d of %d compiles killed (compile %.2f s), then make %d, %d warnings, %d trace lines, %d units whole, %d bitcode without description, %d temporary files"
        % (
            killed,
            args.seeds,
            whole,
            done.returncode,
            warned,
            lines,
            collected,
            orphans,
            len(temporary),
        )
    )


def scenario_kill_at_rename(args, checks, objects):
    """SIGKILL clang exactly when it renames (or links) a collected file into
    place (strace injects the signal): the moment a temporary file exists."""
    if not shutil.which("strace"):
        checks.expect(False, "kill-at-rename: needs strace")
        return
    directory = os.path.join(args.work, "build")
    copy_program(directory)
    units = os.path.join(args.work, "units")
    env = base_env(OPTGYM_COLLECT=units)
    renames = "rename,renameat,renameat2,linkat"
    killed = 0
    for when in (1, 2):  # the bitcode's rename, then the description's
        command = ["strace", "-f", "-o", os.devnull, "-e", "trace=" + renames]
        command += ["-e", "inject=%s:signal=SIGKILL:when=%d" % (renames, when)]
        command += [
            args.clang,
            "-O2",
            "-fpass-plugin=" + args.plugin,
            "-c",
            "gc.c",
            "-o",
            "killed.o",
        ]
        done = subprocess.run(command, cwd=directory, env=env, capture_output=True)
        killed += done.returncode != 0
    done = make(args, directory, env)
    check_build(checks, done, directory, objects, "kill-at-rename")
    checks.expect(not read_warnings(directory), "kill-at-rename: the build after the kills warned")
    collected, orphans = check_units(checks, units, "kill-at-rename", args.llvm_dis)
    print(
        "kill-at-rename: %d of 2 compiles killed at a rename, then make %d, %d units whole, %d bitcode without description"
        % (killed, done.returncode, collected, orphans)
    )


def scenario_torn_tail(args, checks, objects):
    """A trace whose last writer died in the middle of a line (as a SIGKILL
    during a write leaves it), then make -j8 recording into it."""
    directory = os.path.join(args.work, "build")
    copy_program(directory)
    trace = os.path.join(args.work, "trace.jsonl")
    whole = '{"key":"dead.c:f:loop#0","kind":"loop-unroll","chosen":"default"}\n'
    with open(trace, "w") as f:
        f.write(whole * 3 + whole[:25])
    env = base_env(OPTGYM_ORACLE="default", OPTGYM_RECORD=trace, OPTGYM_VERBOSE="1")
    done = make(args, directory, env)
    check_build(checks, done, directory, objects, "torn-tail")
    checks.expect(
        not read_warnings(directory), "torn-tail: warnings: %s" % read_warnings(directory)[:2]
    )
    lines = check_trace(checks, trace, "torn-tail")
    reported = decisions_reported(directory)
    checks.expect(
        lines == reported + 3,
        "torn-tail: %d trace lines, but 3 whole ones before and %d recorded" % (lines, reported),
    )
    print(
        "torn-tail: make %d, %d decisions recorded, %d trace lines"
        % (done.returncode, reported, lines)
    )


def scenario_concurrent(args, checks, objects):
    directory = os.path.join(args.work, "build")
    copy_program(directory)
    trace = os.path.join(args.work, "trace.jsonl")
    env = base_env(
        OPTGYM_ORACLE="default", OPTGYM_RECORD=trace, OPTGYM_DECISIONS="all", OPTGYM_VERBOSE="1"
    )
    reported = 0
    for round in range(2):
        done = make(args, directory, env)
        check_build(checks, done, directory, objects, "concurrent round %d" % round)
        reported += decisions_reported(directory)
        check_warnings(checks, directory, "concurrent", at_least_one=False)
        checks.expect(
            not read_warnings(directory), "concurrent: warnings: %s" % read_warnings(directory)[:2]
        )
    lines = check_trace(checks, trace, "concurrent")
    checks.expect(
        lines == reported,
        "concurrent: %d trace lines, but the processes recorded %d decisions" % (lines, reported),
    )
    checks.expect(lines > 0, "concurrent: nothing recorded")
    print(
        "concurrent: 2 x make -j8, %d decisions recorded, %d trace lines, %d bytes"
        % (reported, lines, os.path.getsize(trace))
    )


def can_mount():
    probe = subprocess.run(
        [
            "unshare",
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            "mount -t tmpfs -o size=4k tmpfs /mnt",
        ],
        capture_output=True,
    )
    return probe.returncode == 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "scenario",
        choices=sorted(
            list(MOUNTS)
            + list(READ_ONLY)
            + ["sigkill", "kill-at-rename", "torn-tail", "concurrent"]
        ),
    )
    parser.add_argument("--plugin", default=os.environ.get("OPTGYM_PLUGIN"))
    parser.add_argument("--clang", default=shutil.which("clang-19") or "clang")
    parser.add_argument("--work", required=True)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.plugin:
        parser.error("--plugin or $OPTGYM_PLUGIN is required")
    args.plugin = os.path.abspath(args.plugin)
    args.work = os.path.abspath(args.work)
    needs_mount = args.scenario in MOUNTS or args.scenario in READ_ONLY
    if needs_mount and not args.inside:
        if can_mount():
            # Again, in a private mount namespace: the tmpfs dies with it.
            shutil.rmtree(args.work, ignore_errors=True)
            os.makedirs(args.work)
            command = ["unshare", "-m", "--propagation", "private", sys.executable]
            os.execvp("unshare", command + [os.path.abspath(__file__)] + argv + ["--inside"])
        if args.scenario in MOUNTS:
            print(
                "FAIL %s needs a tmpfs of its own: root (CAP_SYS_ADMIN) for unshare -m and mount"
                % args.scenario
            )
            return 1
    if not args.inside:
        shutil.rmtree(args.work, ignore_errors=True)
        os.makedirs(args.work)
    bindir = os.path.dirname(os.path.realpath(args.clang))
    args.llvm_dis = os.path.join(bindir, "llvm-dis")
    args.wrapper = os.path.join(args.work, "cc")
    with open(args.wrapper, "w") as f:
        f.write(WRAPPER)
    os.chmod(args.wrapper, 0o755)

    objects = reference(args)
    if needs_mount:
        args.target = os.path.join(args.work, "target")
        os.makedirs(args.target)
        if args.inside:
            options = MOUNTS.get(args.scenario, "ro,size=64k")
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", options, "tmpfs", args.target], check=True
            )
            print("target: tmpfs -o %s" % options)
        else:
            os.chmod(args.target, 0o555)
            print("target: chmod 555")
    checks = Checks()
    try:
        if needs_mount:
            scenario_full_or_readonly(args, checks, objects)
        elif args.scenario == "sigkill":
            scenario_sigkill(args, checks, objects)
        elif args.scenario == "kill-at-rename":
            scenario_kill_at_rename(args, checks, objects)
        elif args.scenario == "torn-tail":
            scenario_torn_tail(args, checks, objects)
        else:
            scenario_concurrent(args, checks, objects)
    finally:
        if needs_mount and args.inside:
            subprocess.run(["umount", args.target])
    print(
        "%s: %s"
        % (
            args.scenario,
            "%d check(s) failed" % len(checks.failures) if checks.failures else "all checks passed",
        )
    )
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
