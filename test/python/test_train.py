"""Fitting policies (optgym.train) and the progress line (optgym.progress),
without a compiler: trees from synthetic examples and tune results."""

import io
import json
import tempfile
import unittest
from pathlib import Path

from optgym.progress import Deadline, Progress
from optgym.train import (
    Example,
    count_leaves,
    departing_leaves,
    fit_tree,
    read_examples,
    simplify,
    train_policy,
    with_leaf,
)


def answer(tree, features):
    """What a tree answers, as the plugin's DecisionModel evaluates it."""
    while "choice" not in tree:
        value = features[tree["feature"]]
        if "le" in tree:
            holds = value <= tree["le"]
        elif "eq" in tree:
            holds = value == tree["eq"]
        else:
            holds = value in tree["in"]
        tree = tree["then"] if holds else tree["else"]
    return tree["choice"]


class FitTreeTest(unittest.TestCase):
    def test_learns_a_threshold(self):
        rows = [
            Example({"size": size}, "skip" if size <= 40 else "run", "run") for size in range(100)
        ]
        tree = fit_tree(rows, "run", min_leaf=5)
        self.assertEqual(tree["feature"], "size")
        self.assertEqual(tree["le"], 40)
        for size in (0, 40, 41, 99):
            self.assertEqual(answer(tree, {"size": size}), "skip" if size <= 40 else "run")

    def test_string_feature_splits_into_the_departing_set(self):
        rows = []
        for name in ("a", "b", "c", "d", "e"):
            for i in range(20):
                label = "skip" if name in ("b", "d") else "run"
                rows.append(Example({"pass": name, "n": i}, label, "run"))
        tree = fit_tree(rows, "run", min_leaf=5)
        self.assertEqual(tree["feature"], "pass")
        self.assertEqual(sorted(tree["in"]), ["b", "d"])
        self.assertEqual(answer(tree, {"pass": "d", "n": 0}), "skip")
        self.assertEqual(answer(tree, {"pass": "a", "n": 0}), "run")

    def test_a_tie_answers_the_default(self):
        rows = [Example({"x": 1}, "skip", "run"), Example({"x": 1}, "run", "run")]
        self.assertEqual(fit_tree(rows, "run"), {"choice": "run"})

    def test_min_leaf_keeps_rare_departures_out(self):
        rows = [Example({"x": i}, "run", "run") for i in range(50)]
        rows.append(Example({"x": 100}, "skip", "run"))
        self.assertEqual(fit_tree(rows, "run", min_leaf=5), {"choice": "run"})

    def test_depth_limit(self):
        rows = [Example({"x": i}, "skip" if i % 2 else "run", "run") for i in range(64)]
        tree = fit_tree(rows, "run", max_depth=2, min_leaf=1)
        self.assertLessEqual(count_leaves(tree), 4)

    def test_leaf_surgery(self):
        tree = {
            "feature": "x",
            "le": 3,
            "then": {"choice": "skip"},
            "else": {
                "feature": "y",
                "eq": "a",
                "then": {"choice": "skip"},
                "else": {"choice": "run"},
            },
        }
        self.assertEqual(departing_leaves(tree, "run"), [("then",), ("else", "then")])
        pruned = simplify(with_leaf(tree, ("else", "then"), "run"))
        self.assertEqual(
            pruned, {"feature": "x", "le": 3, "then": {"choice": "skip"}, "else": {"choice": "run"}}
        )
        self.assertEqual(simplify(with_leaf(pruned, ("then",), "run")), {"choice": "run"})


class TrainPolicyTest(unittest.TestCase):
    def write_results(self, directory, lines):
        path = Path(directory) / "tune.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        return path

    def decision(self, loop_insts, chosen, tried=True):
        return {
            "kind": "codegen-gate",
            "key": "x.c:f:codegen:loop-reduce:loop#%d" % loop_insts,
            "features": {"pass": "loop-reduce", "loop_insts": loop_insts},
            "default": "run",
            "chosen": chosen,
            "tried": tried,
        }

    def test_policy_has_trees_and_no_tables(self):
        decisions = [self.decision(n, "skip" if n < 30 else "run") for n in range(60)]
        decisions.append(self.decision(5, "run", tried=False))
        with tempfile.TemporaryDirectory() as directory:
            results = self.write_results(
                directory,
                [
                    {"benchmark": "b", "error": None, "validated": True, "decisions": decisions},
                    {"benchmark": "broken", "error": "it failed", "decisions": decisions},
                    {"benchmark": "wrong", "validated": False, "decisions": decisions},
                ],
            )
            examples = read_examples([results])
            self.assertEqual(len(examples["codegen-gate"]), 60)
            document = train_policy([results], min_leaf=5)
        self.assertEqual(document["format"], "optgym-policy")
        self.assertEqual(document["version"], 1)
        entry = document["decisions"]["codegen-gate"]
        self.assertEqual(list(entry), ["model"])
        tree = entry["model"]["tree"]
        self.assertEqual(answer(tree, {"pass": "loop-reduce", "loop_insts": 10}), "skip")
        self.assertEqual(answer(tree, {"pass": "loop-reduce", "loop_insts": 50}), "run")
        self.assertEqual(
            document["metadata"]["examples"]["codegen-gate"],
            {"examples": 60, "departures": 30, "weight": 60.0},
        )

    def test_a_guarded_policy_is_version_two(self):
        decisions = [self.decision(n, "skip" if n < 30 else "run") for n in range(60)]
        with tempfile.TemporaryDirectory() as directory:
            results = self.write_results(directory, [{"benchmark": "b", "decisions": decisions}])
            plain = train_policy([results], min_leaf=5)
            guarded = train_policy([results], min_leaf=5, guard=True)
        self.assertNotIn("guard", plain)
        self.assertEqual(guarded["version"], 2)
        self.assertEqual(guarded["guard"], {"scope": "unit"})
        self.assertEqual(guarded["decisions"], plain["decisions"])

    def test_measured_effects_weigh_the_examples(self):
        # Skipping saved bytes in small loops and cost more in big ones; a
        # change that did nothing teaches nothing. Weighted, the costly big
        # loops outvote the many small savings below 30 instructions only
        # where they are.
        def measured(loop_insts, delta):
            line = self.decision(loop_insts, "skip" if delta < 0 else "run")
            line["effect"] = {"choice": "skip", "delta": delta}
            return line

        decisions = (
            [measured(n, -2.0) for n in range(30)]
            + [measured(n, 40.0) for n in range(30, 40)]
            + [measured(n, 0.0) for n in range(40, 100)]
        )
        with tempfile.TemporaryDirectory() as directory:
            results = self.write_results(directory, [{"benchmark": "b", "decisions": decisions}])
            examples = read_examples([results])["codegen-gate"]
            self.assertEqual(len(examples), 40)
            self.assertEqual(sum(e.weight for e in examples), 30 * 2.0 + 10 * 40.0)
            tree = train_policy([results], min_leaf=5)["decisions"]["codegen-gate"]["model"]["tree"]
        self.assertEqual(answer(tree, {"pass": "loop-reduce", "loop_insts": 10}), "skip")
        self.assertEqual(answer(tree, {"pass": "loop-reduce", "loop_insts": 35}), "run")

    def test_nothing_to_learn_is_an_error(self):
        with tempfile.TemporaryDirectory() as directory:
            results = self.write_results(directory, [{"benchmark": "b", "error": "failed"}])
            with self.assertRaisesRegex(ValueError, "no decisions to learn from"):
                train_policy([results])

    def test_bad_line_names_the_file_and_line(self):
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "tune.jsonl"
            path.write_text('{"benchmark": "b"}\n{oops\n')
            with self.assertRaisesRegex(ValueError, r"tune.jsonl:2:2: not a JSON line"):
                read_examples([path])


class ProgressTest(unittest.TestCase):
    def test_log_lines_without_a_terminal(self):
        stream = io.StringIO()
        with Progress("tune", total=4, stream=stream, interval=0) as progress:
            progress.update(advance=1, status="crc32: 1.010x")
            progress.update(advance=3)
        lines = stream.getvalue().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertRegex(lines[0], r"^tune \[#{6}\.{18}\] 1/4 \d+s  crc32: 1\.010x$")
        self.assertRegex(lines[1], r"^tune \[#{24}\] 4/4 ")

    def test_disabled_is_silent(self):
        stream = io.StringIO()
        Progress("x", stream=stream, enabled=False).update(advance=1)
        self.assertEqual(stream.getvalue(), "")

    def test_deadline(self):
        self.assertFalse(Deadline(None).expired())
        self.assertIsNone(Deadline(None).remaining())
        self.assertTrue(Deadline(0).expired())
        with self.assertRaises(ValueError):
            Deadline(-1)


if __name__ == "__main__":
    unittest.main()
