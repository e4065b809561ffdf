"""Reading the decision traces ``OPTGYM_RECORD=FILE`` writes.

A trace has one JSON line per decision (docs/trace-format.md), appended to
by every compiler process of a build. :func:`read_trace` reads one into
:class:`~optgym.query.Decision` records, by the rule of
:mod:`optgym.jsonlines`.
"""

from __future__ import annotations

import os
import sys
from typing import List, Union

from .jsonlines import JSONLinesError, iter_json_lines
from .query import Decision

__all__ = ["read_trace"]


def read_trace(path: Union[str, "os.PathLike[str]"], skip_damaged: bool = False) -> List[Decision]:
    """The decisions of a trace file, in order; none when the file does
    not exist (no decision was recorded). JSONLinesError (a ValueError)
    for a line that is not a decision record; with ``skip_damaged``, such
    lines are skipped with a warning instead (a trace of a parallel build
    whose writer was cut short in the middle of a line)."""
    decisions = []
    try:
        for number, record in iter_json_lines(path, skip_damaged):
            if not isinstance(record.get("kind"), str) or not isinstance(record.get("key"), str):
                error = JSONLinesError(path, number, 1, 'a decision needs a "kind" and a "key"')
                if not skip_damaged:
                    raise error
                sys.stderr.write("optgym: warning: skipped %s\n" % error)
                continue
            decisions.append(
                Decision(
                    kind=record["kind"],
                    key=record["key"],
                    features=dict(record.get("features") or {}),
                    choices=[str(choice) for choice in record.get("choices") or ()],
                    default=str(record.get("default", "")),
                    chosen=str(record.get("chosen", "")),
                )
            )
    except FileNotFoundError:
        return []
    return decisions
