"""Runs every non-Excluded action of oracle/ActionSpace.def through opt on one
module: once with -disable-output, then twice printing the module (-S), which
must come out identical (the action is deterministic).

Prints one "FAIL: ..." line per failing action and a summary line
"actions: N of M run on LLVM X"; exits 1 if any action failed.

  check-actions.py --opt PATH --input FILE.ll --def ActionSpace.def
  check-actions.py --def ActionSpace.def --markdown   (the docs table's rows)
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

ACTION = re.compile(
    r'^OPTGYM_ACTION\(\s*"([^"]*)"\s*,\s*"([^"]*)"\s*,\s*(\w+)\s*,\s*"([^"]*)"\s*\)\s*$'
)
STATUSES = {"Same", "Renamed", "Parameterized", "Excluded"}


def parse_def(path):
    actions = []
    with open(path) as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.startswith("OPTGYM_ACTION("):
                continue
            m = ACTION.match(line.strip())
            if not m or m.group(3) not in STATUSES:
                raise SystemExit("%s:%d: malformed action: %s" % (path, lineno, line.strip()))
            actions.append(m.groups())
    return actions


def markdown_rows(actions):
    """The rows of docs/action-space.md's "All actions" table."""
    rows, index = [], 0
    for flag, pipeline, status, note in actions:
        if flag:
            number, shown_flag = str(index), "`%s`" % flag
            index += 1
        else:
            number, shown_flag = "—", "(added)"
        shown_pipeline = "`%s`" % pipeline if pipeline else "—"
        rows.append(
            "| %s | %s | %s | %s | %s |" % (number, shown_flag, shown_pipeline, status, note)
        )
    return rows


def llvm_version(opt):
    out = subprocess.run([opt, "--version"], capture_output=True, text=True).stdout
    m = re.search(r"LLVM version (\d+)", out)
    return m.group(1) if m else "?"


def first_line(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def check(opt, module, pipeline):
    """Returns None when the action runs and is deterministic, else why not."""
    base = [opt, "-passes=" + pipeline, module]
    r = subprocess.run(base + ["-disable-output"], capture_output=True, text=True)
    if r.returncode != 0:
        return "exit %d: %s" % (r.returncode, first_line(r.stderr))
    outs = []
    for _ in range(2):
        r = subprocess.run(base + ["-S", "-o", "-"], capture_output=True, text=True)
        if r.returncode != 0:
            return "exit %d with -S: %s" % (r.returncode, first_line(r.stderr))
        outs.append(r.stdout)
    if outs[0] != outs[1]:
        return "nondeterministic: two runs printed different modules"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--opt")
    ap.add_argument("--input")
    ap.add_argument("--def", dest="def_path", required=True)
    ap.add_argument(
        "--markdown",
        action="store_true",
        help="print the rows of docs/action-space.md's table and exit",
    )
    args = ap.parse_args()

    actions = parse_def(args.def_path)
    if args.markdown:
        print("\n".join(markdown_rows(actions)))
        return 0
    if not args.opt or not args.input:
        ap.error("--opt and --input are required to run the actions")
    to_run = [a for a in actions if a[2] != "Excluded"]
    for flag, pipeline, status, _ in to_run:
        if not pipeline:
            raise SystemExit("%s action %s has no pipeline" % (status, flag or "(added)"))

    jobs = min(8, os.cpu_count() or 1)
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda a: check(args.opt, args.input, a[1]), to_run))

    failed = 0
    for (flag, pipeline, status, _), why in zip(to_run, results):
        if why is not None:
            failed += 1
            print("FAIL: %s '%s' (%s): %s" % (flag or "(added)", pipeline, status, why))
    print(
        "actions: %d of %d run on LLVM %s (%d excluded, %d in all)"
        % (
            len(to_run) - failed,
            len(to_run),
            llvm_version(args.opt),
            len(actions) - len(to_run),
            len(actions),
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
