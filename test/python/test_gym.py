"""Tests of optgym.gym (LlvmEnv and its parts) against fake_driver.py.

The fake driver speaks the driver's protocol with its own framing; its
module is a number of instructions that each action changes by a fixed rule
(fake_driver.apply), so every reward here is computed by hand. Faults of the
driver (dying mid-step, garbage, silence, a verifier error) are injected with
its --fault options. No plugin, no clang: the benchmarks are fake too.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import sys
import tempfile
import time
import unittest
import warnings
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional
from unittest import mock

import gymnasium
import numpy as np
from gymnasium.utils.env_checker import check_env
from gymnasium.wrappers import RecordEpisodeStatistics, TimeLimit

import optgym
from optgym.benchmarks import Benchmark
from optgym.cache import Cache, file_sha256
from optgym.gym import (
    REWARD_SPACES,
    CompilerEnvState,
    CompilerEnvStateReader,
    CompilerEnvStateWriter,
    DriverError,
    DriverLauncher,
    DriverProtocolError,
    DriverStartError,
    LlvmEnv,
    ObservationError,
    make,
)
from optgym.gym import roots as roots_module
from optgym.gym.driver import DriverConnection
from optgym.gym.observations import BASELINE_OBSERVATIONS, STATIC_OBSERVATIONS
from optgym.gym.rewards import RewardState, reward_space
from optgym.gym.spaces import (
    ActionSpace,
    Box,
    DictSpace,
    NoObservation,
    Scalar,
    Sequence,
    split_pipeline,
)

import fake_driver

FAKE = fake_driver.__file__
ACTIONS = fake_driver.ACTIONS
START = 100  # the fake module's instructions at step 0


def launcher(*faults: str) -> DriverLauncher:
    command = [sys.executable, FAKE]
    for fault in faults:
        command += ["--fault", fault]
    return DriverLauncher(command, files=[FAKE])


def expected_ir(actions: List[int], start: int = START) -> int:
    ir = start
    for action in actions:
        ir = fake_driver.apply(ir, ACTIONS[action])
    return ir


def process_gone(pid: int, within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/stat" % pid, "rb") as stream:
                state = stream.read().rsplit(b")", 1)[-1].split()[0]
        except OSError:
            return True
        if state in (b"Z", b"X"):
            return True
        time.sleep(0.02)
    return False


class FakeBenchmark(Benchmark):
    """A benchmark whose bitcode is the fake driver's JSON module."""

    dataset = "fake-v0"

    def __init__(
        self, directory: Path, name: str = "small", ir: int = START, runnable: bool = False
    ) -> None:
        super().__init__("benchmark://fake-v0/%s" % name, name)
        self.path = directory / ("%s.bc" % name)
        self.path.write_text(json.dumps({"source": "%s.c" % name, "ir": ir}))
        self._runnable = runnable
        self.built: List[str] = []

    def bitcode_path(self) -> Path:
        return self.path

    def bitcode_sha256(self) -> str:
        return file_sha256(self.path)

    @property
    def runnable(self) -> bool:
        return self._runnable

    @property
    def not_runnable_reason(self) -> Optional[str]:
        return None if self._runnable else "no main (fake)"

    def _script(self, out: Any) -> Path:
        path = Path(out)
        path.write_text("#!/bin/sh\necho fake\n")
        path.chmod(0o755)
        return path

    def codegen(
        self,
        bitcode: Any,
        out: Any,
        level: str = "O2",
        link: Optional[bool] = None,
        extra_flags: Any = (),
    ) -> Path:
        self.built.append("codegen %s" % level)
        return self._script(out)

    def build(self, out_exe: Any, level: str = "O2", **kwargs: Any) -> Path:
        self.built.append("build %s" % level)
        return self._script(out_exe)

    def verify(self, bitcode: Any) -> None:
        pass

    def reference(self, timeout: Any = None) -> Any:
        return optgym.Reference(stdout=b"fake\n", returncode=0, walltime=0.001)


class GymTestCase(unittest.TestCase):
    def setUp(self) -> None:
        temp = tempfile.TemporaryDirectory(prefix="optgym-gym-test-")
        self.addCleanup(temp.cleanup)
        self.dir = Path(temp.name)
        self.cache = Cache(self.dir / "cache")
        self.bench = FakeBenchmark(self.dir)

    def make(self, *faults: str, **kwargs: Any) -> LlvmEnv:
        kwargs.setdefault("benchmark", self.bench)
        kwargs.setdefault("cache", self.cache)
        kwargs.setdefault("numpy", False)
        env = LlvmEnv(launcher=launcher(*faults), **kwargs)
        self.addCleanup(env.close)
        return env

    @contextlib.contextmanager
    def counting(self) -> Iterator[Dict[str, List[Any]]]:
        """Records every answer and observe request sent to drivers."""
        calls: Dict[str, List[Any]] = {"answer": [], "observe": []}
        answer, observe = DriverConnection.answer, DriverConnection.observe

        def counted_answer(connection: DriverConnection, choice: int, suffix: bytes = b"") -> Any:
            calls["answer"].append((choice, suffix))
            return answer(connection, choice, suffix)

        def counted_observe(connection: DriverConnection, names: Any) -> Any:
            calls["observe"].append(list(names))
            return observe(connection, names)

        with (
            mock.patch.object(DriverConnection, "answer", counted_answer),
            mock.patch.object(DriverConnection, "observe", counted_observe),
        ):
            yield calls


# -- spaces, rewards, states: no driver -------------------------------------------------


class ActionSpaceTest(unittest.TestCase):
    def setUp(self) -> None:
        self.space = ActionSpace(ACTIONS, fake_driver.PIPELINES)

    def test_names_flags_and_indices(self) -> None:
        space = self.space
        self.assertEqual(space.n, len(ACTIONS))
        self.assertEqual(space.names, ACTIONS)
        self.assertEqual(space.flags, ACTIONS)
        self.assertEqual(space.index("-gvn"), 2)
        self.assertEqual(space.index("gvn"), 2)
        self.assertEqual(space.index(3), 3)
        for bad in (-1, len(ACTIONS), "-nope", 1.5, True, None):
            with self.assertRaises(ValueError):
                space.index(bad)
        self.assertTrue(space.contains(0) and 9 in space)
        self.assertNotIn(10, space)

    def test_sample_is_seeded(self) -> None:
        self.space.seed(7)
        first = [self.space.sample() for _ in range(20)]
        self.space.seed(7)
        self.assertEqual([self.space.sample() for _ in range(20)], first)
        self.assertTrue(all(self.space.contains(action) for action in first))
        self.assertGreater(len(set(first)), 3)

    def test_commandline_round_trip(self) -> None:
        actions = [0, 4, 7, 1, 1, 9]
        text = self.space.to_string(actions)
        self.assertEqual(
            text,
            "opt -passes='adce,function(loop-mssa(licm)),function(loop-unroll<O3;runtime>),"
            "instcombine<no-verify-fixpoint>,instcombine<no-verify-fixpoint>,sroa' "
            "input.bc -o output.bc",
        )
        self.assertEqual(self.space.from_string(text), actions)
        self.assertEqual(self.space.to_string([]), "opt input.bc -o output.bc")
        self.assertEqual(self.space.from_string("opt input.bc -o output.bc"), [])

    def test_compiler_gym_commandlines(self) -> None:
        space = self.space
        self.assertEqual(space.from_string("opt -adce -gvn input.bc -o output.bc"), [0, 2])
        self.assertEqual(
            space.from_string("/usr/bin/opt -S -gvn '-loop-unroll<O3;runtime>' x.bc -o y.ll"),
            [2, 7],
        )
        self.assertEqual(space.from_string("opt -passes=gvn,dce in.bc"), [2, 8])
        self.assertEqual(space.from_string("opt -passes 'gvn' -dce in.bc"), [2, 8])

    def test_unknown_passes_are_errors(self) -> None:
        with self.assertRaisesRegex(ValueError, "unknown pass '-frobnicate'"):
            self.space.from_string("opt -adce -frobnicate input.bc -o output.bc")
        with self.assertRaisesRegex(ValueError, "unknown pass 'frobnicate'"):
            self.space.from_string("opt -passes='adce,frobnicate' input.bc -o output.bc")
        with self.assertRaisesRegex(ValueError, "cannot parse"):
            self.space.from_string("opt -passes='adce")

    def test_split_pipeline(self) -> None:
        self.assertEqual(
            split_pipeline("function(a,b),c<x;y>,cgscc(d(e,f)), g"),
            ["function(a,b)", "c<x;y>", "cgscc(d(e,f))", "g"],
        )

    def test_multi_element_pipelines(self) -> None:
        space = ActionSpace(["-a", "-b", "-ab"], ["a", "b", "a,b"])
        self.assertEqual(space.from_string(space.to_string([2, 0, 1, 2])), [2, 2, 2])
        self.assertEqual(space.from_string("opt -passes='a' x.bc"), [0])


class LauncherTest(unittest.TestCase):
    def test_environment(self) -> None:
        with mock.patch.dict(
            os.environ,
            {"OPTGYM_MAX_PASSES": "7", "OPTGYM_VERBOSE": "1", "OPTGYM_RECORD": "/tmp/t.jsonl"},
        ):
            environment = launcher().environment("socket:/x/y.sock")
        self.assertEqual(environment["OPTGYM_ORACLE"], "socket:/x/y.sock")
        self.assertEqual(environment["OPTGYM_AGENT_TIMEOUT_MS"], "0")
        self.assertEqual(environment["OPTGYM_DECISIONS"], "pass-choice")
        self.assertEqual(environment["OPTGYM_MAX_PASSES"], "7")
        self.assertNotIn("OPTGYM_VERBOSE", environment)
        self.assertNotIn("OPTGYM_RECORD", environment)

    def test_identity_follows_the_files(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "plugin.so"
            path.write_bytes(b"one")
            first = DriverLauncher(["opt", "-load-pass-plugin=" + str(path)], files=[str(path)])
            identity = first.identity
            self.assertEqual(first.identity, identity)
            path.write_bytes(b"two!")
            self.assertNotEqual(first.identity, identity)


class ObservationSpacesTest(unittest.TestCase):
    def test_contains(self) -> None:
        box = Box(0, None, 3, "int64")
        self.assertEqual(box.shape, (3,))
        self.assertTrue(box.contains([1, 2, 3]))
        self.assertFalse(box.contains([1, 2]))
        self.assertFalse(box.contains([1, -2, 3]))
        self.assertTrue(Box(0, 1, 2, "float32").contains([0.5, 1.0]))
        self.assertTrue(Scalar(0, None, int).contains(5))
        self.assertFalse(Scalar(0, None, int).contains(-1))
        self.assertFalse(Scalar(0, None, int).contains("5"))
        self.assertTrue(Scalar(0, 1, bool).contains(True))
        self.assertTrue(Sequence((0, None), str).contains("text"))
        self.assertTrue(Sequence((0, None), bytes).contains(b"\0"))
        self.assertTrue(Sequence((0, None), float).contains([0.5, 1.5]))
        self.assertFalse(Sequence((40, 40), str).contains("short"))
        space = DictSpace({"a": Scalar(0, None, int)})
        self.assertTrue(space.contains({"a": 1}))
        self.assertFalse(space.contains({"b": 1}))
        for each in (box, Scalar(0, 10, int), Sequence((1, 4), str), space):
            each.seed(3)
            self.assertTrue(each.contains(each.sample()), each)


class RewardTest(unittest.TestCase):
    def test_the_twelve_spaces(self) -> None:
        self.assertEqual(
            sorted(REWARD_SPACES),
            sorted(
                [
                    "IrInstructionCount",
                    "IrInstructionCountNorm",
                    "IrInstructionCountO3",
                    "IrInstructionCountOz",
                    "ObjectTextSizeBytes",
                    "ObjectTextSizeNorm",
                    "ObjectTextSizeO3",
                    "ObjectTextSizeOz",
                    "Runtime",
                    "RuntimeNorm",
                    "RuntimeO3",
                    "RuntimeOz",
                ]
            ),
        )
        self.assertTrue(REWARD_SPACES["IrInstructionCountOz"].deterministic)
        self.assertFalse(REWARD_SPACES["Runtime"].deterministic)
        self.assertTrue(REWARD_SPACES["ObjectTextSizeOz"].platform_dependent)
        self.assertEqual(REWARD_SPACES["IrInstructionCountO3"].success_threshold, 1.0)
        with self.assertRaisesRegex(ValueError, "unknown reward space 'Bogus'"):
            reward_space("Bogus")

    def test_definitions(self) -> None:
        costs = [100, 90, 95, 60]
        for name, divisor in (
            ("IrInstructionCount", 1),
            ("IrInstructionCountNorm", 100),
            ("IrInstructionCountOz", 50),
            ("IrInstructionCountO3", 25),
        ):
            state = RewardState(reward_space(name))
            state.reset(100, {"IrInstructionCountOz": 50, "IrInstructionCountO3": 75}.get(name))
            rewards = [state.update(cost) for cost in costs[1:]]
            self.assertEqual(rewards, [(a - b) / divisor for a, b in zip(costs, costs[1:])], name)
            self.assertEqual(state.episode_reward, 40 / divisor)
        # A baseline no better than C0: the divisor is one unit.
        state = RewardState(reward_space("ObjectTextSizeOz"))
        state.reset(100, 120)
        self.assertEqual(state.update(90), 10)
        state = RewardState(reward_space("RuntimeOz"))
        state.reset(0.5, 0.5)
        self.assertEqual(state.divisor, 1e-6)


class StateTest(unittest.TestCase):
    def test_csv_round_trip(self) -> None:
        states = [
            CompilerEnvState(
                "benchmark://optgym-v0/crc32",
                "opt -passes='function(gvn<>),mem2reg' input.bc -o output.bc",
                1.25,
                0.125,
            ),
            CompilerEnvState("file:///tmp/a,b.c", 'opt "-x" input.bc', 0.0, None),
        ]
        buffer = io.StringIO()
        writer = CompilerEnvStateWriter(buffer)
        for state in states:
            writer.write_state(state)
        text = buffer.getvalue()
        self.assertTrue(text.startswith("benchmark,reward,walltime,commandline\n"))
        read = list(CompilerEnvStateReader(io.StringIO(text)))
        self.assertEqual(read, states)
        self.assertEqual([state.walltime for state in read], [1.25, 0.0])
        self.assertIsNone(read[1].reward)
        # Without a header, and with the columns in another order.
        rows = text.splitlines()[1:]
        self.assertEqual(list(CompilerEnvStateReader(io.StringIO("\n".join(rows)))), states)
        shuffled = 'commandline,benchmark,walltime,reward\n"opt -gvn x.bc",b://x,2,1.5\n'
        (state,) = CompilerEnvStateReader(io.StringIO(shuffled))
        self.assertEqual(
            (state.benchmark, state.reward, state.walltime, state.commandline),
            ("b://x", 1.5, 2.0, "opt -gvn x.bc"),
        )
        self.assertEqual(CompilerEnvState.from_csv(states[0].to_csv()), states[0])
        with self.assertRaisesRegex(ValueError, "line 4: expected 4 columns"):
            list(CompilerEnvStateReader(io.StringIO(text + "a,b\n")))

    def test_csv_carriage_returns(self) -> None:
        # Found by test/fuzz/python/fuzz_state_csv.py: a field holding a
        # carriage return was written unquoted and read back cut; and csv's
        # own error for a stray one escaped without a line number.
        state = CompilerEnvState("b://x", "opt\r-gvn x.bc", 1.0, None)
        self.assertEqual(CompilerEnvState.from_csv(state.to_csv()), state)
        buffer = io.StringIO()
        CompilerEnvStateWriter(buffer).write_state(state)
        self.assertEqual(list(CompilerEnvStateReader(io.StringIO(buffer.getvalue()))), [state])
        text = 'b://x,1,2,"multi\nline"\nb://y,,,\r x\n'
        with self.assertRaisesRegex(ValueError, "line 3: new-line character seen"):
            list(CompilerEnvStateReader(io.StringIO(text)))

    def test_equality_ignores_walltime(self) -> None:
        a = CompilerEnvState("b://x", "opt x.bc", 1.0, 0.5)
        self.assertEqual(a, CompilerEnvState("b://x", "opt x.bc", 9.0, 0.5000001))
        self.assertNotEqual(a, CompilerEnvState("b://x", "opt x.bc", 1.0, 0.6))
        self.assertNotEqual(a, CompilerEnvState("b://y", "opt x.bc", 1.0, 0.5))
        self.assertEqual(CompilerEnvState.from_json(a.json()), a)


# -- the environment against the fake driver ------------------------------------------------


class EpisodeTest(GymTestCase):
    def test_make(self) -> None:
        with self.assertRaisesRegex(ValueError, "unknown environment 'llvm-v9'"):
            make("llvm-v9")
        env = make(
            "llvm-autophase-ic-v0",
            benchmark=self.bench,
            launcher=launcher(),
            cache=self.cache,
            numpy=False,
        )
        self.addCleanup(env.close)
        self.assertEqual(env.observation_space_spec.id, "Autophase")
        self.assertEqual(env.reward_space.name, "IrInstructionCountOz")
        self.assertEqual(env.observation_space.shape, (56,))
        with self.assertRaisesRegex(ValueError, "unknown observation space 'Bogus'"):
            env.observation_space = "Bogus"

    def test_episode_rewards_by_hand(self) -> None:
        env = self.make(observation_space="IrInstructionCount", reward_space="IrInstructionCountOz")
        observation, info = env.reset()
        self.assertEqual((observation, info), (START, {}))
        self.assertEqual(env.action_space.names, ACTIONS)
        divisor = START - fake_driver.oz(START)
        actions = [0, 5, 1, 4, 9]
        ir = START
        for action in actions:
            after = fake_driver.apply(ir, ACTIONS[action])
            observation, reward, terminated, truncated, info = env.step(action)
            self.assertEqual(observation, after)
            self.assertEqual(reward, (ir - after) / divisor)
            self.assertEqual((terminated, truncated), (False, False))
            self.assertEqual(info, {"action_had_no_effect": after == ir})
            ir = after
        self.assertEqual(env.actions, actions)
        self.assertEqual(env.episode_reward, (START - ir) / divisor)
        self.assertEqual(env.observation["IrInstructionCountOz"], fake_driver.oz(START))
        self.assertEqual(
            env.observation.raw("IrInstructionCountOz"),
            {"IrInstructionCountOz": fake_driver.oz(ir)},
        )
        state = env.state
        self.assertEqual(state.benchmark, "benchmark://fake-v0/small")
        self.assertEqual(env.action_space.from_string(state.commandline), actions)
        self.assertAlmostEqual(state.reward, (START - ir) / divisor)
        self.assertGreater(state.walltime, 0)

    def test_every_reward_space_of_the_driver(self) -> None:
        actions = [0, 5, 1]
        final = expected_ir(actions)
        for name, initial, last, baseline in (
            ("IrInstructionCount", START, final, None),
            ("IrInstructionCountNorm", START, final, None),
            ("IrInstructionCountO3", START, final, fake_driver.o3(START)),
            (
                "ObjectTextSizeBytes",
                fake_driver.text_size(START),
                fake_driver.text_size(final),
                None,
            ),
            (
                "ObjectTextSizeNorm",
                fake_driver.text_size(START),
                fake_driver.text_size(final),
                None,
            ),
            (
                "ObjectTextSizeOz",
                fake_driver.text_size(START),
                fake_driver.text_size(final),
                fake_driver.text_size(fake_driver.oz(START)),
            ),
        ):
            with self.subTest(name):
                env = self.make(reward_space=name)
                env.reset()
                with self.counting() as calls:
                    rewards = [env.step(action)[1] for action in actions]
                # The cost comes with each query: no observe round trip.
                self.assertEqual(calls["observe"], [])
                divisor = 1.0
                if name.endswith("Norm"):
                    divisor = initial
                elif baseline is not None:
                    divisor = max(initial - baseline, 1)
                self.assertAlmostEqual(sum(rewards), (initial - last) / divisor)
                self.assertAlmostEqual(env.episode_reward, (initial - last) / divisor)
                env.close()

    def test_multistep_sends_no_intermediate_observations(self) -> None:
        env = self.make(observation_space="Autophase", reward_space="ObjectTextSizeNorm")
        env.reset()
        with self.counting() as calls:
            observation, reward, terminated, _, info = env.multistep([0, "-reg2mem", 1, 2])
        self.assertFalse(terminated)
        suffixes = [suffix for _, suffix in calls["answer"]]
        self.assertEqual(suffixes[:3], [b"", b"", b""])
        self.assertEqual(
            json.loads(b"{" + suffixes[3][1:] + b"}"),
            {"observe": ["Autophase", "ObjectTextSizeBytes"]},
        )
        self.assertEqual(calls["observe"], [])
        final = expected_ir([0, 5, 1, 2])
        self.assertEqual(observation[51], final)
        self.assertAlmostEqual(
            reward,
            (fake_driver.text_size(START) - fake_driver.text_size(final))
            / fake_driver.text_size(START),
        )
        self.assertEqual(info, {"action_had_no_effect": False})
        # The same as stepping one at a time.
        other = self.make(observation_space="Autophase", reward_space="ObjectTextSizeNorm")
        other.reset()
        for action in (0, 5, 1, 2):
            stepped = other.step(action)
        self.assertEqual(stepped[0], observation)
        self.assertAlmostEqual(other.episode_reward, env.episode_reward)
        self.assertEqual(env.multistep([])[1], 0.0)

    def test_actions_by_name_and_index_like(self) -> None:
        class IndexLike:
            def __index__(self) -> int:
                return 2

        env = self.make(observation_space="IrInstructionCount")
        env.reset()
        self.assertEqual(env.step("-adce")[0], expected_ir([0]))
        self.assertEqual(env.step(IndexLike())[0], expected_ir([0, 2]))
        self.assertEqual(env.step("licm")[4], {"action_had_no_effect": True})
        for bad in (10, -1, "-frobnicate", 2.0):
            with self.assertRaises(ValueError):
                env.step(bad)
        self.assertEqual(env.actions, [0, 2, 4])

    def test_step_before_reset_and_after_close(self) -> None:
        env = self.make()
        with self.assertRaisesRegex(RuntimeError, "reset"):
            env.step(0)
        env.reset()
        env.close()
        with self.assertRaisesRegex(RuntimeError, "closed"):
            env.step(0)
        with self.assertRaisesRegex(RuntimeError, "closed"):
            env.reset()
        env.close()  # idempotent

    def test_sample_and_seed(self) -> None:
        env = self.make()
        env.reset(seed=11)
        first = [env.action_space.sample() for _ in range(10)]
        env.reset(seed=11)
        self.assertEqual([env.action_space.sample() for _ in range(10)], first)

    def test_reset_changes_benchmark_and_spaces(self) -> None:
        other = FakeBenchmark(self.dir, "big", ir=400)
        env = self.make()
        self.assertEqual(env.reset(), (None, {}))
        observation, _ = env.reset(
            benchmark=other,
            observation_space="IrInstructionCount",
            reward_space="IrInstructionCount",
        )
        self.assertEqual(observation, 400)
        self.assertEqual(env.benchmark.uri, "benchmark://fake-v0/big")
        self.assertEqual(env.step(0)[1], 40)
        observation, _ = env.reset(options={"benchmark": self.bench.uri})
        self.assertEqual(observation, START)
        self.assertEqual(env.actions, [])
        self.assertEqual(env.episode_reward, 0)


class ObservationTest(GymTestCase):
    def test_every_observation(self) -> None:
        env = self.make()
        env.reset()
        env.step(0)
        ir = expected_ir([0])
        names = set(env.observation)
        self.assertTrue(
            {
                "IrInstructionCount",
                "Autophase",
                "AutophaseDict",
                "InstCount",
                "InstCountDict",
                "InstCountNorm",
                "InstCountNormDict",
                "Ir",
                "IrSha1",
                "Bitcode",
                "BitcodeFile",
                "ObjectTextSizeBytes",
                "IsRunnable",
                "Runtime",
                "Buildtime",
                "IrInstructionCountO0",
                "IrInstructionCountOz",
                "IrInstructionCountO3",
                "ObjectTextSizeO0",
                "ObjectTextSizeOz",
                "ObjectTextSizeO3",
                "AutophaseNames",
                "InstCountNames",
                "ActionPipelines",
            }
            <= names
        )
        observation = env.observation
        self.assertEqual(observation["IrInstructionCount"], ir)
        self.assertEqual(observation["IrInstructionCountO0"], START)
        self.assertEqual(observation["IrInstructionCountO3"], fake_driver.o3(START))
        self.assertEqual(observation["ObjectTextSizeO0"], fake_driver.text_size(START))
        self.assertEqual(
            observation["ObjectTextSizeOz"], fake_driver.text_size(fake_driver.oz(START))
        )
        self.assertEqual(observation["ObjectTextSizeBytes"], fake_driver.text_size(ir))
        autophase = observation["Autophase"]
        self.assertEqual((len(autophase), autophase[51]), (56, ir))
        self.assertEqual(observation["AutophaseDict"]["TotalInsts"], ir)
        self.assertEqual(observation["AutophaseNames"], fake_driver.AUTOPHASE_NAMES)
        counts = observation["InstCount"]
        self.assertEqual(
            observation["InstCountDict"],
            {
                "TotalInstsCount": counts[0],
                "TotalBlocksCount": counts[1],
                "TotalFuncsCount": counts[2],
                "RetCount": counts[3],
                "BrCount": counts[4],
                "AddCount": counts[5],
                "LoadCount": counts[6],
                "StoreCount": counts[7],
            },
        )
        self.assertEqual(observation["InstCountNorm"], [value / ir for value in counts[1:]])
        self.assertEqual(observation["InstCountNormDict"]["RetDensity"], counts[3] / ir)
        self.assertIsInstance(env.observation_space, NoObservation)
        text = observation["Ir"]
        self.assertIn('source_filename = "small.c"', text)
        import hashlib

        self.assertEqual(observation["IrSha1"], hashlib.sha1(text.encode()).hexdigest())
        self.assertEqual(json.loads(observation["Bitcode"])["ir"], ir)
        path = observation["BitcodeFile"]
        self.assertEqual(json.loads(Path(path).read_text())["history"], [1])
        self.assertEqual(observation["ActionPipelines"], fake_driver.PIPELINES)
        self.assertIs(observation["IsRunnable"], False)
        with self.assertRaisesRegex(ObservationError, "not runnable"):
            observation["Runtime"]
        with self.assertRaises(KeyError):
            observation["Bogus"]
        with self.assertRaisesRegex(ObservationError, "unknown observation Bogus"):
            observation.raw("Bogus")
        # Every value belongs to its space.
        for name in (
            "IrInstructionCount",
            "Autophase",
            "AutophaseDict",
            "InstCount",
            "InstCountDict",
            "InstCountNorm",
            "InstCountNormDict",
            "Ir",
            "IrSha1",
            "Bitcode",
            "BitcodeFile",
            "ObjectTextSizeBytes",
            "IsRunnable",
            "IrInstructionCountOz",
        ):
            spec = observation.spaces[name]
            self.assertTrue(spec.space.contains(observation[name]), name)

    def test_one_round_trip_per_state(self) -> None:
        env = self.make()
        env.reset()
        with self.counting() as calls:
            for _ in range(3):
                env.observation["Autophase"]
                env.observation["AutophaseDict"]
                env.observation["InstCountNorm"]
                env.observation["InstCountDict"]
                env.observation["IrInstructionCount"]
                env.observation["IrInstructionCountOz"]
        self.assertEqual(calls["observe"], [["Autophase"], ["InstCount"]])
        env.step(1)
        with self.counting() as calls:
            env.observation["Autophase"]
        self.assertEqual(calls["observe"], [["Autophase"]])

    def test_observation_space_comes_with_the_query(self) -> None:
        env = self.make(observation_space="InstCountNorm")
        observation, _ = env.reset()
        self.assertEqual(len(observation), len(fake_driver.INST_COUNT_NAMES) - 1)
        self.assertEqual(env.observation_space.shape, (len(fake_driver.INST_COUNT_NAMES) - 1,))
        with self.counting() as calls:
            observation = env.step(0)[0]
            env.observation["InstCount"]
        self.assertEqual(calls["observe"], [])
        self.assertTrue(env.observation_space.contains(observation))

    def test_large_ir_comes_through_a_file(self) -> None:
        env = self.make("ir-too-large", observation_space="IrSha1")
        observation, _ = env.reset()
        self.assertEqual(len(observation), 40)
        self.assertIn("define i32 @main()", env.observation["Ir"])
        self.assertEqual(os.listdir(env._workdir), [])

    def test_bitcode_files(self) -> None:
        env = self.make(observation_space="Bitcode")
        env.reset()
        for action in (0, 1, 2):
            observation = env.step(action)[0]
            self.assertEqual(json.loads(observation)["history"], [1, 2, 3][: action + 1])
        # Only the current state's file is kept; BitcodeFile's stays.
        self.assertEqual(len(os.listdir(env._workdir)), 1)
        kept = env.observation["BitcodeFile"]
        env.step(3)
        self.assertTrue(os.path.exists(kept))
        target = self.dir / "out.bc"
        self.assertEqual(env.write_bitcode(target), target)
        self.assertEqual(json.loads(target.read_text())["ir"], expected_ir([0, 1, 2, 3]))
        target.unlink()
        env.write_bitcode(target)  # asked again, not remembered
        self.assertTrue(target.exists())
        env.write_ir(self.dir / "out.ll")
        self.assertIn("define", (self.dir / "out.ll").read_text())
        workdir = env._workdir
        env.close()
        self.assertFalse(os.path.exists(workdir))

    def test_numpy_arrays(self) -> None:
        env = self.make(observation_space="Autophase", numpy=True)
        observation, _ = env.reset()
        self.assertIsInstance(observation, np.ndarray)
        self.assertEqual(observation.dtype, np.int64)
        self.assertEqual(env.observation["InstCountNorm"].dtype, np.float32)
        listed = self.make(observation_space="Autophase", numpy=False)
        self.assertIsInstance(listed.reset()[0], list)

    def test_runtime(self) -> None:
        bench = FakeBenchmark(self.dir, "runnable", runnable=True)
        env = self.make(
            benchmark=bench,
            observation_space="Runtime",
            reward_space="RuntimeOz",
            runtime_observation_count=3,
        )
        observation, _ = env.reset()
        self.assertEqual(len(observation), 3)
        self.assertTrue(all(isinstance(value, float) and value > 0 for value in observation))
        observation, reward, terminated, _, info = env.step(0)
        self.assertFalse(terminated, info)
        self.assertIsInstance(reward, float)
        self.assertEqual(len(env.observation["Buildtime"]), 1)
        self.assertIs(env.observation["IsRunnable"], True)
        # The -Oz baseline is built once, the module at every step, once.
        self.assertEqual(bench.built.count("build Oz"), 1)
        self.assertEqual(bench.built.count("codegen O2"), 2)
        # Only the current state's bitcode is kept.
        self.assertEqual(len(os.listdir(env._workdir)), 1)

    def test_runtime_reward_needs_a_runnable_benchmark(self) -> None:
        env = self.make(reward_space="Runtime")
        with self.assertRaisesRegex(ObservationError, "not runnable"):
            env.reset()


class FailureTest(GymTestCase):
    def assert_failed(self, result: Any, error_type: str, pattern: str = "") -> None:
        observation, reward, terminated, truncated, info = result
        self.assertTrue(terminated)
        self.assertFalse(truncated)
        self.assertEqual(info["error_type"], error_type, info)
        if pattern:
            self.assertRegex(info["error_details"], pattern)

    def test_driver_dies_mid_step(self) -> None:
        env = self.make(
            "die-at-step=2",
            observation_space="IrInstructionCount",
            reward_space="IrInstructionCount",
        )
        env.reset()
        good = env.step(0)[0]
        result = env.step(1)
        self.assert_failed(result, "crashed", "dying at step 2")
        self.assertEqual(result[0], good)
        self.assertEqual(result[1], 0)
        # The state stays the last good one.
        self.assertEqual(env.actions, [0])
        self.assertEqual(env.episode_reward, START - good)
        again = env.step(0)
        self.assert_failed(again, "episode-ended", "crashed")
        self.assert_failed(env.multistep([0, 1]), "episode-ended")
        with self.assertRaises(ObservationError):
            env.observation["Autophase"]
        self.assertFalse(env.in_episode)
        # A reset starts over; the root is fine.
        self.assertEqual(env.reset()[0], START)
        self.assertEqual(env.step(0)[0], good)

    def test_multistep_failure_keeps_the_state_before_the_call(self) -> None:
        env = self.make("die-at-step=3", observation_space="IrInstructionCount")
        env.reset()
        env.step(0)
        result = env.multistep([1, 2, 3])
        self.assert_failed(result, "crashed")
        self.assertEqual(result[0], expected_ir([0]))
        self.assertEqual(env.actions, [0])

    def test_garbage(self) -> None:
        env = self.make("garbage-at-step=1")
        env.reset()
        self.assert_failed(env.step(0), "protocol-error", "not valid JSON")

    def test_timeout_abandons_the_driver(self) -> None:
        env = self.make("sleep-at-step=1:30", step_timeout=0.3)
        env.reset()
        pid = env._connection.pid
        start = time.monotonic()
        result = env.step(0)
        self.assertLess(time.monotonic() - start, 5)
        self.assert_failed(result, "timeout", "within 0.3 s")
        self.assertTrue(process_gone(pid), "the abandoned driver still runs")

    def test_verifier_error(self) -> None:
        env = self.make("error-at-step=2", reward_space="IrInstructionCount")
        env.reset()
        env.step(0)
        self.assert_failed(env.step("-gvn"), "driver-error", "after -gvn: verifier: fake broken IR")
        self.assertEqual(env.actions, [0])

    def test_pass_limit_truncates(self) -> None:
        env = self.make(
            "max-passes=3",
            observation_space="IrInstructionCount",
            reward_space="IrInstructionCount",
        )
        env.reset()
        env.multistep([0, 1])
        observation, reward, terminated, truncated, info = env.step(2)
        self.assertEqual((terminated, truncated), (False, True))
        self.assertEqual(observation, expected_ir([0, 1, 2]))
        self.assertEqual(reward, expected_ir([0, 1]) - observation)
        self.assertTrue(info["truncated_reason"].startswith("pass limit: 3 passes"))
        self.assertEqual(env.actions, [0, 1, 2])
        self.assertEqual(env.observation["IrInstructionCount"], observation)
        self.assert_failed(env.step(0), "episode-ended", "pass-limit")
        self.assertTrue(env.validate().okay())
        # A multistep past the limit stops at it.
        env.reset()
        result = env.multistep([0, 1, 2, 3, 4])
        self.assertEqual(result[3], True)
        self.assertEqual(env.actions, [0, 1, 2])

    def test_observation_error_ends_the_episode(self) -> None:
        env = self.make("obs-error=InstCount")
        env.reset()
        env.observation_space = "InstCount"
        self.assert_failed(env.step(0), "observation-error", "fake failure of InstCount")
        with self.assertRaisesRegex(ObservationError, "fake failure"):
            self.make("obs-error=InstCount", observation_space="InstCount").reset()

    def test_driver_dies_while_observing(self) -> None:
        env = self.make("die-on-observe=Autophase")
        env.reset()
        with self.assertRaises(DriverError):
            env.observation["Autophase"]
        self.assert_failed(env.step(0), "crashed")

    def test_start_failures(self) -> None:
        with self.assertRaisesRegex(DriverStartError, "cannot read"):
            self.make("exit-before-hello").reset()
        with self.assertRaisesRegex(DriverProtocolError, "declares no pass-choice kind"):
            self.make("no-pass-choice").reset()
        with self.assertRaisesRegex(DriverStartError, "cannot run"):
            env = LlvmEnv(
                self.bench, launcher=DriverLauncher(["/nonexistent/opt"]), cache=self.cache
            )
            self.addCleanup(env.close)
            env.reset()

    def test_bad_fork_token_is_refused(self) -> None:
        with self.assertRaisesRegex(DriverProtocolError, "wrong fork token"):
            self.make("bad-fork-token").reset()

    def test_fork_failure_leaves_the_parent(self) -> None:
        env = self.make("fork-error", observation_space="IrInstructionCount")
        # reset forks too, so it fails the same way.
        with self.assertRaisesRegex(DriverError, "fake fork failure"):
            env.reset()


class ForkTest(GymTestCase):
    def test_fork_is_independent(self) -> None:
        env = self.make(observation_space="IrInstructionCount", reward_space="IrInstructionCountOz")
        env.reset()
        env.multistep([0, 5])
        before = (env.actions, env.episode_reward, env.observation["Autophase"], env.state)
        with env.fork() as forked:
            self.assertIsNot(forked, env)
            self.assertEqual(forked.actions, env.actions)
            self.assertEqual(forked.episode_reward, env.episode_reward)
            self.assertGreaterEqual(forked.episode_walltime, env.episode_walltime - 1)
            self.assertEqual(forked.state, env.state)
            self.assertNotEqual(forked._connection.pid, env._connection.pid)
            observation, reward, _, _, _ = forked.step(1)
            self.assertEqual(observation, expected_ir([0, 5, 1]))
            forked.multistep([2, 3, 9])
            self.assertEqual(len(forked.actions), 6)
            # The parent is untouched.
            self.assertEqual(
                (env.actions, env.episode_reward, env.observation["Autophase"], env.state), before
            )
            grandchild = forked.fork()
            self.addCleanup(grandchild.close)
            self.assertEqual(grandchild.actions, forked.actions)
        self.assertEqual(env.step(1)[0], expected_ir([0, 5, 1]))
        self.assertEqual(grandchild.step(0)[0], expected_ir([0, 5, 1, 2, 3, 9, 0]))

    def test_fork_before_reset_and_after_failure(self) -> None:
        env = self.make("die-at-step=3", observation_space="IrInstructionCount")
        forked = env.fork()
        self.addCleanup(forked.close)
        self.assertTrue(env.in_episode and forked.in_episode)
        env.multistep([0, 1])
        self.assertEqual(env.step(2)[4]["error_type"], "crashed")
        # An ended episode forks by replaying its last good state.
        replayed = env.fork()
        self.addCleanup(replayed.close)
        self.assertEqual(replayed.actions, [0, 1])
        self.assertEqual(replayed.observation["IrInstructionCount"], expected_ir([0, 1]))

    def test_fork_closing_frees_the_child_only(self) -> None:
        env = self.make()
        env.reset()
        forked = env.fork()
        child = forked._connection.pid
        forked.close()
        self.assertTrue(process_gone(child))
        self.assertFalse(env._pool.closed)
        self.assertEqual(env.step(0)[2], False)


class StateAndValidationTest(GymTestCase):
    def test_commandline_apply_and_csv(self) -> None:
        env = self.make(reward_space="IrInstructionCountNorm")
        env.reset()
        env.multistep([0, 7, 1, 1, 4])
        state = env.state
        self.assertEqual(env.commandline(), env.action_space.to_string([0, 7, 1, 1, 4]))
        buffer = io.StringIO()
        CompilerEnvStateWriter(buffer).write_state(state)
        (read,) = CompilerEnvStateReader(io.StringIO(buffer.getvalue()))
        self.assertEqual(read, state)
        other = self.make(reward_space="IrInstructionCountNorm")
        other.apply(read)
        self.assertEqual(other.actions, [0, 7, 1, 1, 4])
        self.assertEqual(other.episode_reward, state.reward)
        with self.assertRaisesRegex(ValueError, "unknown pass"):
            other.apply(CompilerEnvState(state.benchmark, "opt -bogus x.bc"))

    def test_validate(self) -> None:
        env = self.make(reward_space="IrInstructionCountOz")
        env.reset()
        env.multistep([0, 5, 1, 2])
        result = env.validate()
        self.assertTrue(result.okay(), result)
        self.assertTrue(result.reward_validated)
        self.assertFalse(result.benchmark_semantics_validated)
        self.assertEqual(str(result), "✅  fake-v0/small  %.4f" % env.episode_reward)
        # The episode itself is untouched.
        self.assertEqual(env.actions, [0, 5, 1, 2])
        self.assertEqual(env.step(0)[2], False)

    def test_tampered_states_are_rejected(self) -> None:
        env = self.make(reward_space="IrInstructionCountOz")
        env.reset()
        env.multistep([0, 5, 1, 2])
        state = env.state
        other = FakeBenchmark(self.dir, "other", ir=300)
        env._resolve(other)
        cases = {
            "wrong reward": (
                CompilerEnvState(state.benchmark, state.commandline, 0, state.reward + 0.01),
                "Expected reward %s but received reward %s" % (state.reward + 0.01, state.reward),
            ),
            "unknown pass": (
                CompilerEnvState(
                    state.benchmark, state.commandline.replace("gvn", "frobnicate"), 0, state.reward
                ),
                "Invalid commandline",
            ),
            "other benchmark": (
                CompilerEnvState(other.uri, state.commandline, 0, state.reward),
                "Expected reward %s but received reward " % state.reward,
            ),
            "unknown benchmark": (
                CompilerEnvState("benchmark://nowhere-v0/x", state.commandline, 0, state.reward),
                "Unknown benchmark",
            ),
        }
        for name, (tampered, error) in cases.items():
            with self.subTest(name):
                result = env.validate(tampered)
                self.assertFalse(result.okay())
                self.assertIn(error, result.error_details)
                self.assertTrue(str(result).startswith("❌  "), str(result))
        self.assertTrue(env.validate(state).okay())
        self.assertTrue(env.validate(CompilerEnvState(state.benchmark, state.commandline)).okay())

    def test_validate_replay_failure_and_semantics(self) -> None:
        env = self.make("error-at-step=3", reward_space="IrInstructionCount")
        env.reset()
        env.multistep([0, 1])
        result = env.validate(
            CompilerEnvState(env.benchmark.uri, env.action_space.to_string([0, 1, 2]), 0, 3.0)
        )
        self.assertTrue(result.actions_replay_failed)
        self.assertIn("verifier", result.error_details)
        bench = FakeBenchmark(self.dir, "runnable", runnable=True)
        runnable = self.make(benchmark=bench)
        runnable.reset()
        runnable.step(0)
        result = runnable.validate()
        self.assertTrue(result.okay(), result)
        self.assertTrue(result.benchmark_semantics_validated)
        self.assertEqual(result.semantics.outcome, "ok")
        with mock.patch.dict(os.environ, {"OPTGYM_TEST_FAULT": "wrong-output"}):
            result = runnable.validate()
        self.assertTrue(result.benchmark_semantics_validation_failed)
        self.assertIn("output-mismatch", result.json())

    def test_export_policy(self) -> None:
        env = self.make()
        env.reset()
        env.multistep([0, 7, 1])
        policy = env.export_policy(self.dir / "policy.json")
        self.assertEqual(json.loads((self.dir / "policy.json").read_text()), policy)
        self.assertEqual((policy["format"], policy["version"]), ("optgym-policy", 1))
        self.assertEqual(
            policy["decisions"],
            {
                "pass-choice": {
                    "table": {
                        "small.c:step#0": "-adce",
                        "small.c:step#1": "-loop-unroll<O3;runtime>",
                        "small.c:step#2": "-instcombine",
                        "small.c:step#3": "stop",
                    }
                }
            },
        )
        relabeled = env.export_policy(self.dir / "p2.json", label="src/small.c")
        self.assertIn("src/small.c:step#3", relabeled["decisions"]["pass-choice"]["table"])


# A stand-in for gymnasium with the API optgym.gym relies on (gymnasium 1.x's
# signatures), to check that the gymnasium-based classes fit together.
class GymnasiumTest(GymTestCase):
    """The environment as Gymnasium sees it, on the fake driver
    (test_gymnasium repeats the essentials on the real one)."""

    def make_gymnasium_env(
        self,
        observation_space: Optional[str] = "Autophase",
        reward_space: Optional[str] = "IrInstructionCountOz",
    ) -> LlvmEnv:
        env = LlvmEnv(
            self.bench, observation_space, reward_space, launcher=launcher(), cache=self.cache
        )
        self.addCleanup(env.close)
        return env

    def test_classes_and_spaces(self) -> None:
        env = self.make_gymnasium_env()
        self.assertIsInstance(env, gymnasium.Env)
        self.assertIsInstance(env.action_space, gymnasium.spaces.Discrete)
        self.assertIsInstance(env.observation_space, gymnasium.spaces.Box)
        observation, _ = env.reset(seed=1)
        self.assertIsInstance(observation, np.ndarray)
        self.assertIn(observation, env.observation_space)
        action = env.action_space.sample()
        self.assertIn(action, env.action_space)
        observation, reward, terminated, _, info = env.step(action)
        self.assertFalse(terminated, info)
        self.assertIn(observation, env.observation_space)
        self.assertIsInstance(reward, float)
        for name in (
            "AutophaseDict",
            "InstCountNorm",
            "InstCountDict",
            "IrInstructionCount",
            "Ir",
            "IsRunnable",
            "InstCount",
        ):
            with self.subTest(observation=name):
                space = env.observation.spaces[name].space
                self.assertIsInstance(space, gymnasium.spaces.Space)
                self.assertIn(env.observation[name], space)
        env.action_space.seed(3)
        first = [env.action_space.sample() for _ in range(5)]
        env.action_space.seed(3)
        self.assertEqual(first, [env.action_space.sample() for _ in range(5)])
        with env.fork() as forked:
            self.assertIsInstance(forked, gymnasium.Env)

    def test_no_observation_and_no_reward(self) -> None:
        env = self.make_gymnasium_env(None, None)
        self.assertIsInstance(env.observation_space, gymnasium.spaces.Space)
        observation, _ = env.reset()
        self.assertIsNone(observation)
        self.assertIn(None, env.observation_space)
        observation, reward, _, _, _ = env.step(0)
        self.assertIsNone(observation)
        self.assertEqual(reward, 0.0)

    def test_check_env(self) -> None:
        for observation_name, reward_name in (
            ("Autophase", "IrInstructionCountOz"),
            ("InstCount", "IrInstructionCount"),
            (None, None),
        ):
            with self.subTest(observation_space=observation_name):
                env = self.make_gymnasium_env(observation_name, reward_name)
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    check_env(env, skip_render_check=True)

    def test_wrappers(self) -> None:
        env = RecordEpisodeStatistics(TimeLimit(self.make_gymnasium_env(), max_episode_steps=3))
        env.reset(seed=0)
        steps = 0
        truncated = terminated = False
        while not (terminated or truncated):
            _, _, terminated, truncated, info = env.step(env.action_space.sample())
            steps += 1
        self.assertEqual(steps, 3)
        self.assertTrue(truncated)
        self.assertEqual(info["episode"]["l"], 3)


class ProcessTest(GymTestCase):
    def pids(self, env: LlvmEnv) -> List[int]:
        pids = [root.connection.pid for root in env._pool.roots.values()]
        if env._connection is not None:
            pids.append(env._connection.pid)
        return pids

    def test_close_leaves_nothing_behind(self) -> None:
        env = self.make(observation_space="BitcodeFile")
        env.reset()
        env.step(0)
        forked = env.fork()
        pids = self.pids(env) + [forked._connection.pid]
        # A fork makes its directory only when it needs one.
        directories = [d for d in (env._workdir, forked._workdir, env._pool._workdir) if d]
        self.assertEqual(len(set(pids)), 3)
        env.close()
        # The fork holds the pool: the root lives on.
        self.assertFalse(process_gone(pids[0], within=0.2))
        self.assertTrue(process_gone(pids[1]))
        forked.close()
        for pid in pids:
            self.assertTrue(process_gone(pid), pid)
        for directory in directories:
            self.assertFalse(os.path.exists(directory), directory)

    def test_garbage_collection_closes(self) -> None:
        env = LlvmEnv(self.bench, launcher=launcher(), cache=self.cache)
        env.reset()
        pids = self.pids(env)
        del env
        gc.collect()
        for pid in pids:
            self.assertTrue(process_gone(pid), pid)

    def test_roots_lru(self) -> None:
        env = self.make(root_cache_size=1)
        env.reset()
        first = [root.connection.pid for root in env._pool.roots.values()]
        env.reset(benchmark=FakeBenchmark(self.dir, "second"))
        self.assertEqual(list(env._pool.roots), ["benchmark://fake-v0/second"])
        self.assertTrue(process_gone(first[0]))
        roomy = self.make(root_cache_size=2)
        roomy.reset()
        root = roomy._pool.roots[self.bench.uri].connection.pid
        roomy.reset(benchmark=FakeBenchmark(self.dir, "second"))
        roomy.reset(benchmark=self.bench)
        self.assertEqual(roomy._pool.roots[self.bench.uri].connection.pid, root)

    def test_roots_are_recycled(self) -> None:
        env = self.make(observation_space="IrInstructionCount")
        with mock.patch.object(roots_module, "ROOT_FORK_LIMIT", 3):
            forks = []
            for _ in range(3):
                env.reset()
                forks.append(env.fork())
                self.addCleanup(forks[-1].close)
            (root,) = env._pool.roots.values()
            self.assertEqual(root.forks, 3)  # env.fork() forks the episode, not the root
            self.assertEqual(env.reset()[0], START)
            (fresh,) = env._pool.roots.values()
            self.assertNotEqual(fresh.connection.pid, root.connection.pid)
            self.assertTrue(process_gone(root.connection.pid))
        # The children of the old root live on.
        for forked in forks:
            self.assertEqual(forked.step(0)[0], expected_ir([0]))

    def test_a_dead_root_is_restarted(self) -> None:
        env = self.make(observation_space="IrInstructionCount")
        env.reset()
        (root,) = env._pool.roots.values()
        root.connection.process.kill()
        root.connection.process.wait()
        self.assertEqual(env.reset()[0], START)
        (again,) = env._pool.roots.values()
        self.assertNotEqual(again.connection.pid, root.connection.pid)

    def test_baselines_are_cached_on_disk(self) -> None:
        starts: List[List[str]] = []
        asked: List[List[str]] = []
        start, observe = DriverConnection.start, DriverConnection.observe

        def recorded(*args: Any, **kwargs: Any) -> Any:
            starts.append(list(kwargs.get("observe", ())))
            return start(*args, **kwargs)

        def recorded_observe(connection: Any, names: Any, *args: Any, **kwargs: Any) -> Any:
            asked[-1].extend(names)
            return observe(connection, names, *args, **kwargs)

        roots_module._driver_info.clear()
        with (
            mock.patch.object(DriverConnection, "start", recorded),
            mock.patch.object(DriverConnection, "observe", recorded_observe),
        ):
            asked.append([])
            first = self.make(reward_space="ObjectTextSizeOz")
            first.reset()
            first.close()
            asked.append([])
            second = self.make(reward_space="ObjectTextSizeOz")
            second.reset()
        # The baselines are computed once (on a fork of the root, which
        # stays small), then come from the cache.
        self.assertEqual(starts, [list(STATIC_OBSERVATIONS), []])
        self.assertTrue(set(BASELINE_OBSERVATIONS.values()) <= set(asked[0]), asked[0])
        self.assertFalse(set(BASELINE_OBSERVATIONS.values()) & set(asked[1]), asked[1])
        self.assertEqual(
            second.observation["ObjectTextSizeOz"], fake_driver.text_size(fake_driver.oz(START))
        )
        self.assertAlmostEqual(
            second.step(0)[1],
            (fake_driver.text_size(START) - fake_driver.text_size(expected_ir([0])))
            / (fake_driver.text_size(START) - fake_driver.text_size(fake_driver.oz(START))),
        )


if __name__ == "__main__":
    unittest.main()
