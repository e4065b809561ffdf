"""Tests of optgym.jsonlines (the one rule every JSON-lines reader follows)
and of optgym.trace, which reads decision traces by it."""

from __future__ import annotations

import contextlib
import io
import tempfile
import unittest
import warnings
from pathlib import Path

from optgym.jsonlines import JSONLinesError, iter_json_lines, read_json_lines
from optgym.query import Decision
from optgym.trace import read_trace


class FilesTest(unittest.TestCase):
    """A scratch directory to write files in (no tests of its own)."""

    def setUp(self) -> None:
        temp = tempfile.TemporaryDirectory(prefix="optgym-jsonlines-")
        self.addCleanup(temp.cleanup)
        self.dir = Path(temp.name)

    def write(self, data: bytes, name: str = "lines.jsonl") -> Path:
        path = self.dir / name
        path.write_bytes(data)
        return path


class JSONLinesTest(FilesTest):
    def read(self, path: Path):
        """The lines and what was written on stderr."""
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            records = read_json_lines(path)
        return records, stderr.getvalue()

    def test_objects_in_order_blank_lines_skipped(self) -> None:
        path = self.write(b'{"a": 1}\n\n  \n{"b": [2]}\r\n')
        self.assertEqual(self.read(path), ([{"a": 1}, {"b": [2]}], ""))
        self.assertEqual([number for number, _ in iter_json_lines(path)], [1, 4])

    def test_an_empty_file_has_no_lines(self) -> None:
        self.assertEqual(self.read(self.write(b"")), ([], ""))

    def test_a_bad_line_is_an_error_naming_file_line_and_column(self) -> None:
        path = self.write(b'{"a": 1}\n{"b": 2,, "c": 3}\n{"d": 4}\n')
        with self.assertRaises(JSONLinesError) as caught:
            read_json_lines(path)
        error = caught.exception
        self.assertEqual((error.path, error.line, error.column), (str(path), 2, 9))
        self.assertEqual(
            str(error),
            "%s:2:9: not a JSON line: Expecting property name enclosed in double quotes" % path,
        )
        self.assertIsInstance(error, ValueError)

    def test_a_bad_last_line_with_its_newline_is_an_error(self) -> None:
        # A whole line was written: it is wrong, not unfinished.
        path = self.write(b'{"a": 1}\n{"b": \n')
        with self.assertRaisesRegex(JSONLinesError, r"lines\.jsonl:2:7: not a JSON line: "):
            read_json_lines(path)

    def test_an_unfinished_last_line_is_skipped_with_a_warning(self) -> None:
        path = self.write(b'{"a": 1}\n{"b": 2}\n{"c": [1, 2')
        records, stderr = self.read(path)
        self.assertEqual(records, [{"a": 1}, {"b": 2}])
        self.assertEqual(
            stderr,
            "optgym: warning: %s:3: skipped an unfinished last line (its writer stopped "
            "in the middle of it): Expecting ',' delimiter\n" % path,
        )

    def test_a_complete_last_line_without_newline_is_read(self) -> None:
        path = self.write(b'{"a": 1}\n{"b": 2}')
        self.assertEqual(self.read(path), ([{"a": 1}, {"b": 2}], ""))

    def test_a_line_must_hold_an_object(self) -> None:
        path = self.write(b'{"a": 1}\n  [1, 2]\n')
        with self.assertRaises(JSONLinesError) as caught:
            read_json_lines(path)
        self.assertEqual(
            str(caught.exception), "%s:2:3: not a JSON line: a JSON list, not an object" % path
        )

    def test_a_line_must_be_utf8(self) -> None:
        path = self.write(b'{"a": 1}\n{"b": "\xff"}\n')
        with self.assertRaisesRegex(JSONLinesError, r":2:8: not a JSON line: not UTF-8$"):
            read_json_lines(path)

    def test_a_missing_file_is_an_os_error(self) -> None:
        with self.assertRaises(FileNotFoundError):
            read_json_lines(self.dir / "missing.jsonl")

    def test_damaged_lines_anywhere_are_skipped_when_asked(self) -> None:
        # Parallel writers: one was cut short, the others wrote on after it.
        path = self.write(b'{"a": 1}\n{"b": [1,\n{"c": 3}\n[4]\n{"d": 5}\n')
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            records = read_json_lines(path, skip_damaged=True)
        self.assertEqual(records, [{"a": 1}, {"c": 3}, {"d": 5}])
        self.assertEqual(
            stderr.getvalue(),
            "optgym: warning: %s: skipped 2 damaged lines, the first: %s:2:10: not a JSON "
            "line: Expecting value\n" % (path, path),
        )


class TraceTest(FilesTest):
    LINE = (
        b'{"key":"a.c:f:loop#0","kind":"loop-unroll","features":{"depth":1},'
        b'"choices":["default","disable"],"default":"default","chosen":"disable",'
        b'"oracle":"random:seed=1"}\n'
    )

    def test_decisions_with_the_trace_names(self) -> None:
        path = self.write(
            self.LINE + self.LINE.replace(b'"chosen":"disable"', b'"chosen":"default"')
        )
        decisions = read_trace(path)
        self.assertEqual(
            decisions[0],
            Decision(
                kind="loop-unroll",
                key="a.c:f:loop#0",
                chosen="disable",
                default="default",
                features={"depth": 1},
                choices=("default", "disable"),
            ),
        )
        self.assertEqual([d.departed for d in decisions], [True, False])
        self.assertEqual(
            decisions[0].to_json(),
            {
                "kind": "loop-unroll",
                "key": "a.c:f:loop#0",
                "features": {"depth": 1},
                "choices": ["default", "disable"],
                "default": "default",
                "chosen": "disable",
            },
        )

    def test_a_missing_trace_holds_no_decision(self) -> None:
        self.assertEqual(read_trace(self.dir / "none.jsonl"), [])

    def test_a_record_that_is_no_decision_is_an_error(self) -> None:
        path = self.write(self.LINE + b'{"kind": "inline"}\n')
        with self.assertRaisesRegex(
            JSONLinesError, r':2:1: not a JSON line: a decision needs a "kind" and a "key"$'
        ):
            read_trace(path)

    def test_an_unfinished_last_decision_is_skipped(self) -> None:
        path = self.write(self.LINE + self.LINE[:40])
        with contextlib.redirect_stderr(io.StringIO()) as stderr:
            self.assertEqual(len(read_trace(path)), 1)
        self.assertIn(":2: skipped an unfinished last line", stderr.getvalue())

    def test_a_parallel_build_trace_with_a_torn_line_is_read_when_asked(self) -> None:
        path = self.write(self.LINE + self.LINE[:40] + b"\n" + b'{"kind": "inline"}\n' + self.LINE)
        with self.assertRaises(JSONLinesError):
            read_trace(path)
        with contextlib.redirect_stderr(io.StringIO()) as stderr:
            self.assertEqual(len(read_trace(path, skip_damaged=True)), 2)
        self.assertIn(':3:1: not a JSON line: a decision needs a "kind"', stderr.getvalue())
        self.assertIn("skipped 1 damaged line, the first: %s:2:" % path, stderr.getvalue())

    def test_choices_are_written_only_when_known(self) -> None:
        decision = Decision(kind="inline", key="a.c:f:g", chosen="no", default="yes")
        self.assertNotIn("choices", decision.to_json())


class DecisionTest(unittest.TestCase):
    def test_old_names_still_work_with_a_warning(self) -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            decision = Decision(kind="inline", key="a.c:f:g", choice="no", default="yes")
            self.assertEqual((decision.chosen, decision.choice), ("no", "no"))
        self.assertEqual([w.category for w in caught], [DeprecationWarning] * 2)
        self.assertIn("chosen", str(caught[0].message))
        # The old positional order (kind, key, choice, default, features) holds.
        self.assertEqual(
            Decision("inline", "a.c:f:g", "no", "yes", {"n": 1}),
            Decision(kind="inline", key="a.c:f:g", chosen="no", default="yes", features={"n": 1}),
        )
        with self.assertRaises(TypeError):
            Decision(kind="inline", key="k", default="yes")


if __name__ == "__main__":
    unittest.main()
