"""Reading JSON-lines files: one JSON object per line.

OptGym writes them in several places: the decision traces of
``OPTGYM_RECORD`` (docs/trace-format.md, appended to by every compiler
process of a build), and the results of ``optgym search`` and ``optgym
tune`` (docs/search.md, one line per benchmark as each finishes). Every
reader of them reads through :func:`iter_json_lines`, with one rule:

* a blank line is skipped;
* a line that is not a JSON object is an error naming ``FILE:LINE:COLUMN``
  (:class:`JSONLinesError`, a ValueError);
* except the last line when it does not end with a newline and is not
  JSON: what a writer killed in the middle of a line leaves. It is skipped
  with a warning on stderr, and the lines before it are read.

A file that several processes append to (a trace of a parallel build) can
have such a torn line anywhere: the others go on writing after it. A
reader that only summarizes such a file asks for ``skip_damaged=True``:
every damaged line is skipped, and one warning names how many and where
the first one is.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict, Iterator, List, Tuple, Union

__all__ = ["JSONLinesError", "read_json_lines", "iter_json_lines"]

PathLike = Union[str, "os.PathLike[str]"]


class JSONLinesError(ValueError):
    """A line of a JSON-lines file that is not a JSON object.

    Attributes:
        path: the file.
        line: the line's number (from 1).
        column: where on the line it goes wrong (from 1).
        detail: what is wrong, without the place.
    """

    def __init__(self, path: PathLike, line: int, column: int, detail: str) -> None:
        self.path = os.fspath(path)
        self.line = line
        self.column = column
        self.detail = detail
        super().__init__("%s:%d:%d: not a JSON line: %s" % (self.path, line, column, detail))


def _parse(path: PathLike, number: int, raw: bytes) -> Dict[str, Any]:
    try:
        text = raw.rstrip(b"\r\n").decode("utf-8")
    except UnicodeDecodeError as error:
        raise JSONLinesError(path, number, error.start + 1, "not UTF-8") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise JSONLinesError(path, number, error.colno, error.msg) from None
    if not isinstance(value, dict):
        column = len(text) - len(text.lstrip()) + 1
        raise JSONLinesError(
            path, number, column, "a JSON %s, not an object" % type(value).__name__
        )
    return value


def iter_json_lines(
    path: PathLike, skip_damaged: bool = False
) -> Iterator[Tuple[int, Dict[str, Any]]]:
    """``(line number, object)`` for each line of ``path``, by the module's
    rule (``skip_damaged``: see the module). OSError when the file cannot be
    read."""
    damaged: List[JSONLinesError] = []
    with open(path, "rb") as stream:
        for number, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            try:
                value = _parse(path, number, raw)
            except JSONLinesError as error:
                if skip_damaged:
                    damaged.append(error)
                    continue
                # Only the last line can lack its newline.
                if raw.endswith(b"\n"):
                    raise
                sys.stderr.write(
                    "optgym: warning: %s:%d: skipped an unfinished last line "
                    "(its writer stopped in the middle of it): %s\n"
                    % (os.fspath(path), number, error.detail)
                )
                sys.stderr.flush()
                return
            yield number, value
    if damaged:
        sys.stderr.write(
            "optgym: warning: %s: skipped %d damaged line%s, the first: %s\n"
            % (os.fspath(path), len(damaged), "" if len(damaged) == 1 else "s", damaged[0])
        )
        sys.stderr.flush()


def read_json_lines(path: PathLike, skip_damaged: bool = False) -> List[Dict[str, Any]]:
    """The objects of ``path``'s lines, in order (see the module's rule)."""
    return [value for _, value in iter_json_lines(path, skip_damaged)]
