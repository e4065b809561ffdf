"""Compares the size of two textual IR modules of the same program.

  ir-growth.py BASELINE.ll FORCED.ll (--max-ratio R | --max-added N)

Prints each module's instruction count and largest function, the ratio of
the totals and the instructions added; exits 1 when the ratio exceeds R or
more than N instructions were added. Instructions are the indented lines of
function bodies that are not labels or comments.
"""

import argparse
import re
import sys


def function_sizes(path):
    sizes = {}
    current = None
    with open(path) as f:
        for line in f:
            if line.startswith("define "):
                current = re.search(r"@([-\w.$\"]+)\(", line).group(1)
                sizes[current] = 0
            elif line.startswith("}"):
                current = None
            elif current and line.startswith("  ") and not line.lstrip().startswith(";"):
                sizes[current] += 1
    return sizes


def describe(name, sizes):
    largest = max(sizes, key=sizes.get)
    print(
        "%s: %d instructions, largest @%s %d" % (name, sum(sizes.values()), largest, sizes[largest])
    )
    return sum(sizes.values())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("baseline")
    parser.add_argument("forced")
    limit = parser.add_mutually_exclusive_group(required=True)
    limit.add_argument("--max-ratio", type=float)
    limit.add_argument("--max-added", type=int)
    args = parser.parse_args()
    base = describe("baseline", function_sizes(args.baseline))
    grown = describe("forced", function_sizes(args.forced))
    print("ratio %.2f, %d instructions added" % (grown / base, grown - base))
    if args.max_ratio is not None:
        return 0 if grown / base <= args.max_ratio else 1
    return 0 if grown - base <= args.max_added else 1


if __name__ == "__main__":
    sys.exit(main())
