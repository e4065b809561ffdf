"""Guarded portfolios: several policies in one file, the best per unit.

``optgym portfolio A.json B.json ... -o P.json`` writes a version 2 policy
(docs/policy-format.md) whose decisions are A's and whose alternatives are
B's and the rest, with a unit guard: each unit is compiled with whichever
of them gives it the smallest .text, or with LLVM's default when none saves
at least ``--min-saving-bytes``. Every member is rehearsed on every unit, so
a portfolio of N policies optimizes each unit N + 2 times.
"""

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import List, Sequence

from .policyfile import PolicyFileError, read_policy


def _read_member(path: Path) -> dict:
    document = read_policy(path)
    if document.get("alternatives"):
        raise PolicyFileError("%s: already a portfolio (it has alternatives)" % path)
    return document


def combine(
    documents: Sequence[dict],
    names: Sequence[str],
    min_saving_bytes: int = 1,
    description: str = "",
) -> dict:
    """One guarded policy holding ``documents``' decisions, the first as its
    own and the others as alternatives, in that order."""
    if not documents:
        raise ValueError("a portfolio needs at least one policy")
    if min_saving_bytes < 0:
        raise ValueError("--min-saving-bytes must be >= 0")
    first, rest = documents[0], documents[1:]
    portfolio = {
        "format": "optgym-policy",
        "version": 2,
        "description": description
        or "a guarded portfolio of %d policies: %s" % (len(documents), ", ".join(names)),
        "metadata": {
            "combined": datetime.date.today().isoformat(),
            "members": [
                {"from": name, "description": document.get("description", "")}
                for name, document in zip(names, documents)
            ],
        },
        "guard": {"scope": "unit", "min_saving_bytes": min_saving_bytes},
        "decisions": first.get("decisions", {}),
    }
    if rest:
        portfolio["alternatives"] = [
            {"description": name, "decisions": document.get("decisions", {})}
            for name, document in zip(names[1:], rest)
        ]
    return portfolio


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "policies",
        nargs="+",
        type=Path,
        metavar="POLICY.json",
        help="the member policies; the first answers ties",
    )
    parser.add_argument("-o", "--out", required=True, type=Path, metavar="PORTFOLIO.json")
    parser.add_argument(
        "--min-saving-bytes",
        type=int,
        default=1,
        help="a unit keeps LLVM's default unless a member saves this many bytes (default: 1)",
    )
    parser.add_argument("--description", default="", help="the portfolio's description")


def run(args: argparse.Namespace) -> int:
    try:
        documents: List[dict] = [_read_member(path) for path in args.policies]
        portfolio = combine(
            documents,
            [str(path) for path in args.policies],
            args.min_saving_bytes,
            args.description,
        )
    except ValueError as error:
        sys.stderr.write("optgym: error: %s\n" % error)
        return 1
    args.out.write_text(json.dumps(portfolio, indent=1) + "\n")
    print(
        "wrote %s: %d policies, each unit compiled with the smallest or LLVM's default"
        % (args.out, len(documents))
    )
    return 0
