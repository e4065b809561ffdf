"""End-to-end tests of optgym.search.passorder with the real driver.

They need the plugin optgym selects, with its pass-choice driver, and fail
without it (test/python/machine.py). Budgets are evaluation counts, so every result is
reproducible and each test takes a few seconds; the reported counts are
checked against ``opt -passes=...`` on the benchmark's bitcode.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import tempfile
import time
import unittest
from pathlib import Path
from unittest import mock

from optgym import cli
from optgym.benchmark_base import ir_instruction_count
from optgym.benchmarks import benchmark
from optgym.search.passorder import AGENTS, SearchResult, search

from machine import TOOLCHAIN, driver_plugin, needs

_REPO = Path(__file__).resolve().parents[2]

CRC32 = "benchmark://optgym-v0/crc32"
#: Enough for a greedy descent of crc32 to go several steps deep.
EVALUATIONS = 250
#: The keys of a results line, as the leaderboard reads them.
KEYS = {
    "agent",
    "benchmark",
    "seed",
    "budget_seconds",
    "max_evaluations",
    "walltime",
    "evaluations",
    "ir_instruction_count",
    "ir_instruction_count_oz",
    "ir_instruction_count_o0",
    "improvement_over_oz",
    "actions",
    "commandline",
    "trajectory",
    "validated",
    "error",
}


def _search(agent: str, seed: int = 0, evaluations: int = EVALUATIONS) -> SearchResult:
    result = search(
        agent,
        CRC32,
        seed=seed,
        budget_seconds=None,
        max_evaluations=evaluations,
        plugin=driver_plugin(),
    )
    if result.error:
        raise AssertionError("%s: %s" % (agent, result.error))
    return result


def _cli(*argv: str) -> "tuple[int, str, str]":
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(["search", *argv])
    return status, out.getvalue(), err.getvalue()


@needs(driver_plugin)
class PassOrderSearchTest(unittest.TestCase):
    def setUp(self) -> None:
        # The CLI's worker processes find the plugin through the environment.
        patch = mock.patch.dict(os.environ, {"OPTGYM_PLUGIN": driver_plugin()})
        patch.start()
        self.addCleanup(patch.stop)

    def test_every_agent_improves_or_matches_its_start(self) -> None:
        for agent in AGENTS:
            with self.subTest(agent=agent):
                result = _search(agent)
                self.assertLessEqual(result.ir_instruction_count, result.ir_instruction_count_o0)
                self.assertEqual(result.evaluations, EVALUATIONS)
                # The trajectory starts at the unoptimized module and only falls.
                counts = [count for _, count in result.trajectory]
                self.assertEqual(counts[0], result.ir_instruction_count_o0)
                self.assertEqual(counts, sorted(counts, reverse=True))
                self.assertEqual(counts[-1], result.ir_instruction_count)
        # Greedy must do what a greedy descent of crc32 trivially does.
        self.assertLess(_search("greedy").ir_instruction_count, 432)

    def test_same_seed_and_evaluations_give_the_same_result(self) -> None:
        for agent in ("random", "greedy", "beam"):
            with self.subTest(agent=agent):
                first, second = _search(agent, seed=3), _search(agent, seed=3)
                self.assertEqual(first.actions, second.actions)
                self.assertEqual(first.ir_instruction_count, second.ir_instruction_count)

    def test_commandline_replays_to_the_reported_count(self) -> None:
        bench = benchmark(CRC32)
        for agent in ("random", "greedy"):
            with self.subTest(agent=agent):
                result = _search(agent)
                self.assertTrue(result.actions)
                passes = [
                    word for word in shlex.split(result.commandline) if word.startswith("-passes=")
                ]
                self.assertEqual(len(passes), 1)
                replayed = ir_instruction_count(
                    bench.bitcode_path(), TOOLCHAIN, passes=passes[0][len("-passes=") :]
                )
                self.assertEqual(replayed, result.ir_instruction_count)

    def test_cli_writes_the_results_file_and_the_table(self) -> None:
        with tempfile.TemporaryDirectory(prefix="optgym-search-") as temp:
            path = os.path.join(temp, "results.jsonl")
            status, out, _ = _cli(
                "greedy",
                CRC32,
                "--max-evaluations",
                "150",
                "--budget",
                "0",
                "--jobs",
                "1",
                "--out",
                path,
                "--validate",
            )
            self.assertEqual(status, 0)
            lines = [json.loads(line) for line in Path(path).read_text().splitlines()]
        self.assertEqual(len(lines), 1)
        line = lines[0]
        self.assertEqual(set(line), KEYS)
        self.assertEqual(
            (line["agent"], line["benchmark"], line["evaluations"]), ("greedy", CRC32, 150)
        )
        self.assertIsNone(line["error"])
        self.assertTrue(line["validated"])
        self.assertAlmostEqual(
            line["improvement_over_oz"],
            line["ir_instruction_count_oz"] / line["ir_instruction_count"],
            places=5,
        )
        self.assertIn("crc32", out)
        self.assertIn("geomean improvement over -Oz", out)

    def test_a_bad_benchmark_is_an_error_line(self) -> None:
        with tempfile.TemporaryDirectory(prefix="optgym-search-") as temp:
            path = os.path.join(temp, "results.jsonl")
            status, out, err = _cli(
                "random",
                "benchmark://optgym-v0/no-such-program",
                CRC32,
                "--max-evaluations",
                "20",
                "--budget",
                "0",
                "--jobs",
                "2",
                "--out",
                path,
                "--quiet",
            )
            lines = {
                line["benchmark"]: line
                for line in map(json.loads, Path(path).read_text().splitlines())
            }
        self.assertEqual(status, 1)
        self.assertEqual(out, "")
        self.assertNotIn("Traceback", err)
        self.assertIn("no-such-program", err)
        self.assertIn("no-such-program", lines["benchmark://optgym-v0/no-such-program"]["error"])
        self.assertIsNone(lines[CRC32]["error"])

    def test_a_time_budget_ends_the_search(self) -> None:
        for agent in ("greedy", "beam"):
            with self.subTest(agent=agent):
                start = time.monotonic()
                result = search(agent, CRC32, budget_seconds=2.0, plugin=driver_plugin())
                self.assertIsNone(result.error)
                self.assertLess(time.monotonic() - start, 10.0)


if __name__ == "__main__":
    unittest.main()
