"""optgym portfolio: policies combined into one guarded file."""

import argparse
import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path

from optgym.policyfile import policy_kinds
from optgym.portfolio import combine, run

SKIP_GVN = {"pass-gate": {"model": {"tree": {"choice": "skip"}}}}
UNROLL = {"loop-unroll": {"fallback": "count:8"}}


def policy(decisions, **extra):
    return dict({"format": "optgym-policy", "version": 1, "decisions": decisions}, **extra)


class CombineTest(unittest.TestCase):
    def test_first_decides_and_the_rest_are_alternatives(self):
        portfolio = combine([policy(SKIP_GVN), policy(UNROLL)], ["a.json", "b.json"], 16)
        self.assertEqual(portfolio["version"], 2)
        self.assertEqual(portfolio["guard"], {"scope": "unit", "min_saving_bytes": 16})
        self.assertEqual(portfolio["decisions"], SKIP_GVN)
        self.assertEqual(
            portfolio["alternatives"], [{"description": "b.json", "decisions": UNROLL}]
        )
        self.assertEqual(
            [m["from"] for m in portfolio["metadata"]["members"]], ["a.json", "b.json"]
        )

    def test_kinds_include_the_alternatives(self):
        portfolio = combine([policy(SKIP_GVN), policy(UNROLL)], ["a.json", "b.json"])
        self.assertEqual(policy_kinds(portfolio), ["loop-unroll", "pass-gate"])
        self.assertEqual(policy_kinds(policy(UNROLL)), ["loop-unroll"])

    def test_one_policy_is_a_guarded_policy(self):
        portfolio = combine([policy(UNROLL, guard={"scope": "unit"})], ["a.json"])
        self.assertNotIn("alternatives", portfolio)
        self.assertEqual(portfolio["guard"]["min_saving_bytes"], 1)

    def test_bad_inputs_name_the_file(self):
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            (root / "notes.json").write_text('{"format": "something-else"}')
            (root / "broken.json").write_text("{oops")
            (root / "nested.json").write_text(
                json.dumps(policy(UNROLL, alternatives=[{"decisions": {}}]))
            )
            for name, message in [
                ("notes.json", "not an OptGym policy"),
                ("broken.json", "broken.json:1:2: not JSON: Expecting property name"),
                ("nested.json", "already a portfolio"),
                ("missing.json", "missing.json: no such file"),
            ]:
                args = argparse.Namespace(
                    policies=[root / name],
                    out=root / "out.json",
                    min_saving_bytes=1,
                    description="",
                )
                err = io.StringIO()
                with self.subTest(name=name):
                    with contextlib.redirect_stderr(err):
                        self.assertEqual(run(args), 1)
                    self.assertIn(message, err.getvalue())
                    self.assertFalse((root / "out.json").exists())
        with self.assertRaisesRegex(ValueError, "at least one policy"):
            combine([], [])
        with self.assertRaisesRegex(ValueError, "min-saving-bytes"):
            combine([policy(UNROLL)], ["a.json"], -1)


if __name__ == "__main__":
    unittest.main()
