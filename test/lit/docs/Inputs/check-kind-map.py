"""Checks the map from decision kinds to their parts in docs/decision-points.md.

The map is the table between "<!-- BEGIN decision-kind map -->" and
"<!-- END decision-kind map -->", one row per kind:

  | kind | decision point | features | hook | `.def` entry | lit tests | docs |

Every kind of oracle/DecisionKinds.def must have a row and every row a kind;
every `file` of the decision point and features columns must exist
(`passes/X.{h,cpp}` names two); every `name` of the hook column must occur in
plugin/Registration.cpp or in the decision point's files; the `.def` entry
must be the kind's Id there; the lit folder must hold at least one test; every
[link](file.md#anchor) of the docs column must lead to a heading.

Prints "DOC:LINE: KIND: what is wrong" for each problem and exits 1;
otherwise prints how many kinds the map covers.

  check-kind-map.py --root SOURCE_DIR [--doc DOC]
"""

import argparse
import os
import re
import sys

COLUMNS = [
    "kind",
    "decision point",
    "features",
    "hook",
    "`.def` entry",
    "lit tests",
    "docs",
]
BEGIN = "<!-- BEGIN decision-kind map -->"
END = "<!-- END decision-kind map -->"
DEF_FILE = "oracle/DecisionKinds.def"
REGISTRATION = "plugin/Registration.cpp"
# What lit runs as a test (test/lit/lit.cfg.py's suffixes).
TEST_SUFFIXES = (".ll", ".c", ".test")
KIND = re.compile(r'^OPTGYM_KIND\(\s*(\w+)\s*,\s*"([^"]+)"', re.MULTILINE)
CODE = re.compile(r"`([^`]+)`")
LINK = re.compile(r"\[[^\]]*\]\(([^)]+)\)")


def def_kinds(root):
    """The kinds of the .def file: name -> Id, in their order."""
    with open(os.path.join(root, DEF_FILE), encoding="utf-8") as f:
        return {name: ident for ident, name in KIND.findall(f.read())}


def expand(path):
    """passes/X.{h,cpp} -> passes/X.h, passes/X.cpp."""
    match = re.match(r"^(.*)\{([^}]*)\}(.*)$", path)
    if not match:
        return [path]
    head, alternatives, tail = match.groups()
    return [head + alternative + tail for alternative in alternatives.split(",")]


def slug(heading):
    """The anchor GitHub gives a heading."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    """The anchors of a Markdown file's headings (code blocks skipped)."""
    seen = {}
    result = set()
    fenced = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                fenced = not fenced
                continue
            match = re.match(r"^#{1,6}\s+(.*)$", line)
            if fenced or not match:
                continue
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            result.add(base if count == 0 else "%s-%d" % (base, count))
    return result


def read_map(doc):
    """The map's rows as (line number, cells); raises ValueError when the
    map or its header is missing."""
    with open(doc, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if BEGIN not in lines or END not in lines:
        raise ValueError("no map: expected %s ... %s" % (BEGIN, END))
    start, end = lines.index(BEGIN), lines.index(END)
    rows = [
        (number, [cell.strip() for cell in line.strip().strip("|").split("|")])
        for number, line in enumerate(lines[start + 1 : end], start + 2)
        if line.startswith("|")
    ]
    if not rows or rows[0][1] != COLUMNS:
        raise ValueError("the map's header must be | %s |" % " | ".join(COLUMNS))
    if len(rows) < 2 or any(cell.strip("-: ") for cell in rows[1][1]):
        raise ValueError("the map's header must be followed by its |---| line")
    return rows[2:]


def check_row(root, doc, cells, kinds, problem):
    """Calls problem(message) for each part of a row that is not as it says."""
    kind, point, features, hook, entry, tests, links = cells
    point_files = [p for code in CODE.findall(point) for p in expand(code)]
    for path in point_files + [p for code in CODE.findall(features) for p in expand(code)]:
        if not os.path.isfile(os.path.join(root, path)):
            problem("no file %s" % path)
    if not point_files:
        problem("the decision point names no file")

    sources = ""
    for path in [REGISTRATION] + point_files:
        full = os.path.join(root, path)
        if os.path.isfile(full):
            with open(full, encoding="utf-8") as f:
                sources += f.read()
    for name in CODE.findall(hook):
        if name not in sources:
            problem("hook %s occurs neither in %s nor in the decision point" % (name, REGISTRATION))

    ident = entry.strip("`")
    if kind in kinds and kinds[kind] != ident:
        problem("%s names it %s, not %s" % (DEF_FILE, kinds[kind], ident))

    folders = CODE.findall(tests)
    for folder in folders:
        full = os.path.join(root, folder)
        if not os.path.isdir(full):
            problem("no folder %s" % folder)
        elif not any(name.endswith(TEST_SUFFIXES) for name in os.listdir(full)):
            problem("%s holds no test" % folder)
    if not folders:
        problem("no lit folder")

    targets = LINK.findall(links)
    for target in targets:
        path, _, anchor = target.partition("#")
        full = os.path.join(os.path.dirname(doc), path) if path else doc
        if not os.path.isfile(full):
            problem("link %s: no file %s" % (target, path))
        elif anchor and anchor not in anchors(full):
            problem("link %s: no heading #%s in %s" % (target, anchor, os.path.basename(full)))
    if not targets:
        problem("no link to the kind's documentation")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="the source tree")
    parser.add_argument("--doc", help="the map (default: docs/decision-points.md of the root)")
    args = parser.parse_args()
    doc = args.doc or os.path.join(args.root, "docs", "decision-points.md")
    shown = os.path.basename(doc)

    kinds = def_kinds(args.root)
    try:
        rows = read_map(doc)
    except ValueError as e:
        print("%s: %s" % (shown, e))
        return 1

    problems = []
    seen = set()
    for number, cells in rows:
        kind = cells[0].strip("`")

        def problem(message, number=number, kind=kind):
            problems.append("%s:%d: %s: %s" % (shown, number, kind, message))

        if len(cells) != len(COLUMNS):
            problem("%d cells, expected %d" % (len(cells), len(COLUMNS)))
            continue
        if kind in seen:
            problem("a second row")
        seen.add(kind)
        if kind not in kinds:
            problem("not a kind of %s" % DEF_FILE)
        cells[0] = kind
        check_row(args.root, doc, cells, kinds, problem)
    for kind in kinds:
        if kind not in seen:
            problems.append("%s: %s: no row in the map" % (shown, kind))

    for line in problems:
        print(line)
    if problems:
        return 1
    print("%d kinds: every part the map names exists" % len(kinds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
