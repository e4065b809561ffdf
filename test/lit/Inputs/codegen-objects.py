"""Compiles sources with and without OptGym (OPTGYM_DECISIONS=codegen-gate
and the given oracle) at each level and compares the objects byte for byte.

  codegen-objects.py --clang CLANG --plugin SO --source A.c [--source B.c]
      --levels O0,O2 --oracle SPEC [--record TRACE]

Prints DIFFERS lines and a summary with the number of codegen-gate queries
(from the trace when --record is given, else 0).
"""

import argparse
import filecmp
import os
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clang", required=True)
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--source", action="append", required=True)
    parser.add_argument("--levels", required=True)
    parser.add_argument("--oracle", required=True)
    parser.add_argument("--record")
    args = parser.parse_args()
    total = same = 0
    env = dict(os.environ, OPTGYM_ORACLE=args.oracle, OPTGYM_DECISIONS="codegen-gate")
    if args.record:
        env["OPTGYM_RECORD"] = args.record
    for source in args.source:
        stem = os.path.splitext(os.path.basename(source))[0]
        for level in args.levels.split(","):
            plain, gated = "%s.%s.plain.o" % (stem, level), "%s.%s.gated.o" % (stem, level)
            subprocess.run([args.clang, "-" + level, "-c", source, "-o", plain], check=True)
            subprocess.run(
                [
                    args.clang,
                    "-" + level,
                    "-fpass-plugin=" + args.plugin,
                    "-c",
                    source,
                    "-o",
                    gated,
                ],
                check=True,
                env=env,
            )
            total += 1
            if filecmp.cmp(plain, gated, shallow=False):
                same += 1
            else:
                print("DIFFERS %s -%s" % (source, level))
    queries = 0
    if args.record and os.path.exists(args.record):
        with open(args.record) as f:
            queries = sum('"kind":"codegen-gate"' in line for line in f)
    print("%d of %d objects identical, %d codegen-gate queries" % (same, total, queries))
    return 0 if same == total else 1


if __name__ == "__main__":
    sys.exit(main())
