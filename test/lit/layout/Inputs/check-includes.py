"""Checks that every #include of OptGym's C++ sources points down the layers.

  layer      what it is                         may include
  oracle     queries, oracles, policies, traces  oracle, llvm/{ADT,Support,Config}
  session    configuration, process state        session, oracle, llvm/{ADT,Support,Config}
  passes     decision points, features, Compat.h passes, session, oracle, llvm/*
  plugin     entry point, registration           plugin, passes, session, oracle, llvm/*
  mlir-plugin  MLIR's decision points and entry   mlir-plugin, session, oracle, llvm/*, mlir/*
  tools, bench (link OptGymOracle)               oracle, llvm/{ADT,Support}
  test/unit  (links OptGymSession)               session, oracle, llvm/{ADT,Support}, gtest
  test/fuzz  the fuzzers (OptGymSession)        test/fuzz, session, oracle, llvm/{ADT,Support}

The oracle and session layers never see LLVM IR, pass or target types, so the
tools and unit tests link them without the plugin, and a decision point on
another IR (MLIR) can reuse them. Prints "FILE:LINE: LAYER may not include
PATH" for every include that breaks the rules and "FILE: in no layer" for a
C++ file outside the layers, then exits 1; the rules themselves must not let
two layers include each other ("the rules allow a cycle: ..."). Otherwise
prints the layers bottom up and exits 0.

  check-includes.py --root SOURCE_DIR [--allow LAYER=TARGET ...]

--allow adds a rule (for testing this script's cycle check).
"""

import argparse
import os
import re
import sys

LLVM_BASE = ["llvm/ADT", "llvm/Support", "llvm/Config"]
RULES = {
    "oracle": ["oracle"] + LLVM_BASE,
    "session": ["session", "oracle"] + LLVM_BASE,
    "passes": ["passes", "session", "oracle", "llvm/*"],
    "plugin": ["plugin", "passes", "session", "oracle", "llvm/*"],
    "mlir-plugin": ["mlir-plugin", "session", "oracle", "llvm/*", "mlir/*"],
    "tools": ["oracle", "llvm/ADT", "llvm/Support"],
    "bench": ["oracle", "llvm/ADT", "llvm/Support"],
    "test/unit": ["session", "oracle", "llvm/ADT", "llvm/Support", "gtest"],
    "test/fuzz": ["test/fuzz", "session", "oracle", "llvm/ADT", "llvm/Support"],
}
# Folders whose C++ files are not part of the build: programs compiled as
# test data, and lit inputs (among them this script's own bad examples).
NOT_BUILT = ["datasets", "test/lit"]
CXX_SUFFIXES = (".h", ".hpp", ".cpp", ".cc", ".c", ".def", ".inc")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def layer_of(path):
    """The layer a file (a path relative to the root) belongs to, or None."""
    for layer in sorted(RULES, key=len, reverse=True):
        if path.startswith(layer + "/"):
            return layer
    return None


def target_of(include):
    """What an include names, in the terms of RULES: a layer, llvm/SUBDIR,
    llvm-c or gtest; anything else is returned as it is and never allowed."""
    layer = layer_of(include)
    if layer is not None:
        return layer
    parts = include.split("/")
    if parts[0] == "llvm" and len(parts) > 2:
        return "llvm/" + parts[1]
    if parts[0] == "llvm-c":
        return "llvm-c"
    if parts[0] == "mlir" and len(parts) > 2:
        return "mlir/" + parts[1]
    if parts[0] in ("gtest", "gmock"):
        return "gtest"
    return include


def allowed(layer, target):
    for rule in RULES[layer]:
        if rule == target:
            return True
        if rule == "llvm/*" and (target.startswith("llvm/") or target == "llvm-c"):
            return True
        if rule == "mlir/*" and target.startswith("mlir/"):
            return True
    return False


def find_cycle():
    """A cycle of layers that may include each other, as a list, or None."""
    edges = {
        layer: sorted(t for t in targets if t in RULES and t != layer)
        for layer, targets in RULES.items()
    }
    state = {}  # layer -> "open" while on the DFS path, "done" after

    def visit(layer, path):
        state[layer] = "open"
        for target in edges[layer]:
            if state.get(target) == "open":
                return path[path.index(target) :] + [target]
            if target not in state:
                cycle = visit(target, path + [target])
                if cycle:
                    return cycle
        state[layer] = "done"
        return None

    for layer in sorted(RULES):
        if layer not in state:
            cycle = visit(layer, [layer])
            if cycle:
                return cycle
    return None


def bottom_up():
    """The layers in an order where each includes only those before it."""
    order = []
    while len(order) < len(RULES):
        for layer in RULES:
            if layer not in order and all(
                t in order for t in RULES[layer] if t in RULES and t != layer
            ):
                order.append(layer)
                break
    return order


def source_files(root):
    """Every C++ file under root that the build may compile, relative to
    root, skipping hidden folders and build trees."""
    for folder, subfolders, files in os.walk(root):
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        rel_folder = "" if rel_folder == "." else rel_folder + "/"
        subfolders[:] = sorted(
            d
            for d in subfolders
            if not d.startswith(".")
            and (rel_folder + d) not in NOT_BUILT
            and not os.path.exists(os.path.join(folder, d, "CMakeCache.txt"))
        )
        for name in sorted(files):
            if name.endswith(CXX_SUFFIXES):
                yield rel_folder + name


def check(root):
    """Prints every broken rule under root; returns how many files it read
    and how many rules they break."""
    files = problems = 0
    for path in source_files(root):
        files += 1
        layer = layer_of(path)
        if layer is None:
            print(
                "%s: in no layer (add its folder to the rules of %s)"
                % (path, os.path.basename(__file__))
            )
            problems += 1
            continue
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                bracket, include = match.groups()
                target = target_of(include)
                # <...> names a system header unless it is one of ours or LLVM's.
                if bracket == "<" and target == include:
                    continue
                if not allowed(layer, target):
                    print("%s:%d: %s may not include %s" % (path, number, layer, include))
                    problems += 1
    return files, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="the source tree")
    parser.add_argument("--allow", action="append", default=[], metavar="LAYER=TARGET")
    args = parser.parse_args()
    for extra in args.allow:
        layer, _, target = extra.partition("=")
        if layer not in RULES or not target:
            parser.error(
                "--allow %s: expected LAYER=TARGET with LAYER one of %s"
                % (extra, ", ".join(sorted(RULES)))
            )
        RULES[layer].append(target)

    cycle = find_cycle()
    if cycle:
        print("the rules allow a cycle: %s" % " -> ".join(cycle))
        return 1
    print("layers, bottom up: %s" % " ".join(bottom_up()))
    files, problems = check(args.root)
    if problems:
        print("%d includes or files of %d break the layers" % (problems, files))
        return 1
    print("%d files: no include breaks the layers" % files)
    return 0


if __name__ == "__main__":
    sys.exit(main())
