"""End-to-end test of optgym.rl: PPO trained for a few hundred steps in the
real gym, evaluated, and its pass order exported and replayed by opt and by
clang with the plugin.

It needs the plugin optgym selects, with its pass-choice driver
(test/python/machine.py), and Stable-Baselines3 with torch (the package's
``rl`` extra); a missing one fails the test, never skips it. The training
is far too short to learn anything useful: the test checks that the pieces
fit (shapes, that gradient steps change the network, the files train
writes, results that replay exactly), not what PPO reaches (bench/ppo/).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shlex
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.env_checker import check_env

from optgym import rl
from optgym.benchmark_base import ir_instruction_count
from optgym.benchmarks import benchmark
from optgym.toolchain import tool_environment

from machine import TOOLCHAIN, driver_plugin, needs

#: Two of the smallest training programs (under 600 instructions at -O0).
PROGRAMS = ["benchmark://optgym-v0/stencil_double", "benchmark://optgym-v0/nbody"]
#: A multi-source training program: its policy has a table per source.
MULTI_SOURCE = "benchmark://optgym-v0/compress"
EPISODE_LENGTH = 12
#: Four PPO updates of 96 steps: a few seconds.
TIMESTEPS = 384
#: The keys optgym leaderboard --results reads from a results line.
RESULT_KEYS = {
    "agent",
    "benchmark",
    "walltime",
    "evaluations",
    "ir_instruction_count",
    "ir_instruction_count_oz",
    "ir_instruction_count_o0",
    "actions",
    "commandline",
    "trajectory",
    "validated",
    "error",
}


def _passes(commandline: str) -> str:
    (word,) = [w for w in shlex.split(commandline) if w.startswith("-passes=")]
    return word[len("-passes=") :]


@needs(driver_plugin)
class RlTest(unittest.TestCase):
    temp: "tempfile.TemporaryDirectory[str]"
    directory: Path
    model_dir: Path
    summary: dict

    @classmethod
    def setUpClass(cls) -> None:
        cls.temp = tempfile.TemporaryDirectory(prefix="optgym-test-rl-")
        cls.directory = Path(cls.temp.name)
        cls.model_dir = cls.directory / "model"
        cls.config = rl.TrainConfig(
            benchmarks=PROGRAMS,
            validation=PROGRAMS[:1],
            total_timesteps=TIMESTEPS,
            episode_length=EPISODE_LENGTH,
            n_steps=96,
            batch_size=48,
            n_epochs=2,
            validate_every=192,
            seed=3,
        )
        cls.summary = rl.train(cls.config, cls.model_dir, plugin=driver_plugin(), quiet=True)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.temp.cleanup()

    def make_env(self, programs=PROGRAMS) -> rl.PassOrderEnv:
        env = rl.PassOrderEnv(programs, episode_length=EPISODE_LENGTH, plugin=driver_plugin())
        self.addCleanup(env.close)
        return env

    def test_environment(self) -> None:
        env = self.make_env()
        actions = len(rl.ACTIONS)
        self.assertEqual(env.action_space.n, actions)
        self.assertEqual(env.observation_space.shape, (56 + 3 + 2 * actions,))
        observation, info = env.reset(seed=0)
        self.assertIn(info["benchmark"], PROGRAMS)
        self.assertIn(observation, env.observation_space)
        start = info["ir_instruction_count"]
        self.assertEqual(start, env.env.observation["IrInstructionCountO0"])
        # The features per instruction: TotalInsts / TotalInsts is 1.
        self.assertEqual(observation[51], 1.0)
        mem2reg = rl.ACTIONS.index("-mem2reg")
        observation, reward, terminated, truncated, info = env.step(mem2reg)
        self.assertFalse(terminated or truncated, info)
        self.assertLess(info["ir_instruction_count"], start)
        self.assertEqual(info["ir_instruction_count"], env.env.observation["IrInstructionCount"])
        # The reward is the gym's IrInstructionCountOz.
        oz = env.oz_count
        self.assertAlmostEqual(reward, (start - info["ir_instruction_count"]) / (start - oz))
        history = observation[59 : 59 + actions]
        self.assertEqual(history[mem2reg], 1 / EPISODE_LENGTH)
        self.assertEqual(history.sum(), 1 / EPISODE_LENGTH)
        # mem2reg again does nothing: it is then idle, until a change.
        self.assertFalse(env.idle.any())
        observation, _, _, _, info = env.step(mem2reg)
        self.assertTrue(info["action_had_no_effect"])
        self.assertEqual(list(np.flatnonzero(env.idle)), [mem2reg])
        self.assertEqual(observation[59 + actions + mem2reg], 1.0)
        env.step(rl.ACTIONS.index("-instcombine"))
        self.assertFalse(env.idle.any())
        for _ in range(EPISODE_LENGTH - 4):
            _, _, _, truncated, _ = env.step(env.action_space.sample())
            self.assertFalse(truncated)
        _, _, _, truncated, _ = env.step(env.action_space.sample())
        self.assertTrue(truncated)
        check_env(env, skip_render_check=True)

    def test_training_writes_a_model_that_learned(self) -> None:
        self.assertEqual(self.summary["timesteps"], TIMESTEPS)
        self.assertEqual(self.summary["actions"], list(rl.ACTIONS))
        for name in ("model.zip", "deterministic.zip", "last.zip", "config.json", "training.jsonl"):
            self.assertTrue((self.model_dir / name).is_file(), name)
        self.assertEqual(
            (self.model_dir / "training-curve.png").read_bytes()[:8], b"\x89PNG\r\n\x1a\n"
        )
        episodes, validations = rl.read_training_log(self.model_dir / "training.jsonl")
        self.assertEqual(len(episodes), TIMESTEPS // EPISODE_LENGTH)
        self.assertTrue(all(line["benchmark"] in PROGRAMS for line in episodes))
        self.assertEqual([line["timestep"] for line in validations], [192, 384])
        self.assertAlmostEqual(
            self.summary["best_validation_score"], max(v["score"] for v in validations), places=5
        )
        self.assertAlmostEqual(
            self.summary["best_deterministic_score"],
            max(v["deterministic"] for v in validations),
            places=5,
        )
        # Sampled rollouts add to the deterministic one, never take away.
        for line in validations:
            self.assertGreaterEqual(line["score"], line["deterministic"])
        # Gradient steps changed the network: the trained weights differ
        # from the initial ones of a model built with the same seed.
        env = self.make_env()
        torch.manual_seed(self.config.seed)
        fresh = PPO(
            "MlpPolicy",
            env,
            n_steps=self.config.n_steps,
            batch_size=self.config.batch_size,
            policy_kwargs={"net_arch": self.config.net_arch},
            seed=self.config.seed,
            device="cpu",
        )
        trained = [rl.load_model(self.model_dir, c)[0] for c in rl.CHECKPOINTS]
        trained_last = trained[-1]
        before = fresh.policy.state_dict()
        for model in trained:
            after = model.policy.state_dict()
            self.assertEqual(set(before), set(after))
        self.assertTrue(
            any(not torch.equal(before[k], trained_last.policy.state_dict()[k]) for k in before)
        )

    def test_evaluate_replays_and_exports(self) -> None:
        uri = PROGRAMS[0]
        (result,) = rl.evaluate(
            self.model_dir,
            [uri],
            seed=1,
            max_rollouts=2,
            plugin=driver_plugin(),
            policies=self.directory / "policies",
            validate=True,
        )
        self.assertIsNone(result.error)
        self.assertTrue(result.validated)
        self.assertGreater(result.evaluations, 0)
        self.assertLessEqual(result.evaluations, 3 * EPISODE_LENGTH)
        self.assertLessEqual(result.ir_instruction_count, result.ir_instruction_count_o0)
        line = result.to_json()
        self.assertLessEqual(RESULT_KEYS, set(line))
        self.assertEqual(line["agent"], "ppo")
        counts = [count for _, count in line["trajectory"]]
        self.assertEqual(counts[0], result.ir_instruction_count_o0)
        self.assertEqual(counts[-1], result.ir_instruction_count)
        bench = benchmark(uri)
        if result.actions:
            replayed = ir_instruction_count(
                bench.bitcode_path(), TOOLCHAIN, passes=_passes(result.commandline)
            )
            self.assertEqual(replayed, result.ir_instruction_count)
        policy = Path(line["policy"])
        table = json.loads(policy.read_text())["decisions"]["pass-choice"]["table"]
        self.assertEqual(
            table,
            dict(
                {"stencil_double.c:step#%d" % i: a for i, a in enumerate(result.actions)},
                **{"stencil_double.c:step#%d" % len(result.actions): "stop"},
            ),
        )
        # clang replays the table at the start of its pipeline: at the gym's
        # starting point, -O0 without optnone, the IR has the result's
        # instruction count. Only pass-choice may be active: the loop
        # decision points are loop passes, and their loop pass manager puts
        # the loops in LCSSA form, phis the gym's module does not have. The
        # benchmark names its source relative to the program's directory,
        # which is not the root of a repository: the key root says so.
        (source,) = bench.sources
        environment = dict(
            tool_environment(),
            OPTGYM_ORACLE="policy:%s" % policy,
            OPTGYM_DECISIONS="pass-choice",
            OPTGYM_VERBOSE="1",
            OPTGYM_KEY_ROOT=str(source.parent),
        )
        completed = subprocess.run(
            [
                TOOLCHAIN.path("clang"),
                "-O0",
                "-Xclang",
                "-disable-O0-optnone",
                "-fpass-plugin=" + driver_plugin(),
                "-S",
                "-emit-llvm",
                source.name,
                "-o",
                "-",
            ],
            cwd=str(source.parent),
            capture_output=True,
            text=True,
            env=environment,
        )
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertIn("%d table hits" % (len(result.actions) + 1), completed.stderr)
        ir = self.directory / "replayed.ll"
        ir.write_text(completed.stdout)
        self.assertEqual(ir_instruction_count(ir, TOOLCHAIN), result.ir_instruction_count)

    def test_multi_source_export_has_a_table_per_source(self) -> None:
        model, config = rl.load_model(self.model_dir)
        env = self.make_env([MULTI_SOURCE])
        result = rl.evaluate_program(model, env, MULTI_SOURCE)
        self.assertIsNone(result.error)
        policy = rl.export_policy(env.env, result, self.directory / "compress.json")
        table = policy["decisions"]["pass-choice"]["table"]
        sources = sorted(s.name for s in benchmark(MULTI_SOURCE).sources)
        self.assertEqual(sources, ["bitio.c", "huffman.c", "lz77.c", "main.c"])
        steps = len(result.actions) + 1
        # The linked module's keys (what the gym and opt see) and each
        # source's (what the units of a build see).
        labels = ["llvm-link"] + sources
        self.assertEqual(len(table), steps * len(labels))
        for label in labels:
            self.assertEqual(table["%s:step#%d" % (label, steps - 1)], "stop")
            for step, action in enumerate(result.actions):
                self.assertEqual(table["%s:step#%d" % (label, step)], action)
        self.assertEqual(json.loads((self.directory / "compress.json").read_text()), policy)

    def test_command_line(self) -> None:
        parser = argparse.ArgumentParser()
        rl.configure_parser(parser)
        out = self.directory / "cli.jsonl"
        args = parser.parse_args(
            ["evaluate", str(self.model_dir), PROGRAMS[1], "--out", str(out), "--quiet"]
        )
        args.plugin = driver_plugin()
        self.assertEqual(rl.run(args), 0)
        (line,) = [json.loads(text) for text in out.read_text().splitlines()]
        self.assertEqual(
            (line["agent"], line["benchmark"], line["error"]), ("ppo", PROGRAMS[1], None)
        )
        policy = self.directory / "nbody.json"
        args = parser.parse_args(
            ["export", str(self.model_dir), PROGRAMS[1], "-o", str(policy), "--rollouts", "1"]
        )
        args.plugin = driver_plugin()
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            self.assertEqual(rl.run(args), 0)
        self.assertIn("nbody:", stdout.getvalue())
        self.assertIn("nbody.c:step#0", policy.read_text())

    def test_leaderboard_row(self) -> None:
        board = self.directory / "board.md"
        command = [sys.executable, "-m", "optgym", "leaderboard", "--programs", "1"]
        command += ["--agents", "ppo", "--budget", "0", "-j", "1", "--quiet", "-o", str(board)]
        environment = dict(os.environ, OPTGYM_PLUGIN=driver_plugin())
        missing = subprocess.run(
            command + ["--ppo-model", str(self.directory / "nothing")],
            env=environment,
            capture_output=True,
            text=True,
        )
        self.assertEqual(missing.returncode, 2)
        self.assertIn("--ppo-model: no trained model in", missing.stderr)
        completed = subprocess.run(
            command + ["--ppo-model", str(self.model_dir)],
            env=environment,
            capture_output=True,
            text=True,
        )
        self.assertEqual(completed.returncode, 0, completed.stderr)
        (row,) = [line for line in board.read_text().splitlines() if line.startswith("| ppo |")]
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        self.assertIn("PPO policy rollouts", cells[1])
        # IR count and .text against -Oz, measured; validated against -O0.
        self.assertRegex(cells[4], r"^\d\.\d{3}×$")
        self.assertRegex(cells[5], r"^\d\.\d{3}×$")
        self.assertEqual(cells[6], "1/1")


if __name__ == "__main__":
    unittest.main()
