"""Tests of CompilerGym compatibility (optgym.compat and its compiler_gym
package) with the real driver: CompilerGym's calling conventions, its views
and helpers, the switch that makes ``import compiler_gym`` work, and the
fall-through to a CompilerGym checkout for the modules OptGym does not
provide. CompilerGym's own client code and tests are run from a checkout by
utils/compiler-gym-acceptance.sh (CI has no checkout); these tests are
OptGym's, written from CompilerGym's documented behaviour.
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import gym
import gymnasium
import numpy as np

import optgym
from optgym.benchmark_base import ir_instruction_count
from optgym.cache import Cache
from optgym.compat import CompilerGymEnv
from optgym.compat import switch as compat_switch

from machine import TOOLCHAIN, driver_plugin, needs

CRC32 = "benchmark://optgym-v0/crc32"


def import_compiler_gym():
    """OptGym's compiler_gym, imported from the shim directory."""
    directory = str(compat_switch.SHIM_DIRECTORY)
    if directory not in sys.path:
        sys.path.append(directory)
    module = importlib.import_module("compiler_gym")
    assert compat_switch.SHIM_DIRECTORY in Path(module.__file__).resolve().parents
    return module


@needs(driver_plugin)
class ConventionsTest(unittest.TestCase):
    """gym 0.21's conventions and CompilerGym's views on the real driver."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.temp = tempfile.TemporaryDirectory(prefix="optgym-compat-")
        cls.cache = Cache(Path(cls.temp.name) / "cache")
        cls.compiler_gym = import_compiler_gym()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.temp.cleanup()

    def make(self, **kwargs) -> CompilerGymEnv:
        env = self.compiler_gym.make("llvm-v0", benchmark=CRC32, cache=self.cache, **kwargs)
        self.addCleanup(env.close)
        return env

    def test_make_ignores_service_arguments_and_registers_with_gym(self) -> None:
        service = importlib.import_module("compiler_gym.service")
        env = self.make(connection_settings=service.ConnectionOpts(rpc_call_max_seconds=3))
        self.assertIsInstance(env, gym.Env)
        self.assertIsInstance(env, self.compiler_gym.envs.LlvmEnv)
        made = gym.make("llvm-ic-v0", benchmark=CRC32, cache=self.cache, service="localhost:1")
        self.addCleanup(made.close)
        # Not wrapped: CompilerGym's clients check the class.
        self.assertIs(type(made), CompilerGymEnv)
        self.assertEqual(made.spec.id, "llvm-ic-v0")
        self.assertEqual(made.reward_space.name, "IrInstructionCountOz")

    def test_reset_and_step_follow_gym_021(self) -> None:
        env = self.make(observation_space="Autophase", reward_space="IrInstructionCount")
        self.assertIsInstance(env.action_space, gym.Space)
        self.assertIsInstance(env.observation_space, gym.Space)
        observation = env.reset()
        self.assertIsInstance(observation, np.ndarray)
        start = env.observation["IrInstructionCount"]
        result = env.step(env.action_space.flags.index("-mem2reg"))
        self.assertEqual(len(result), 4)
        observation, reward, done, info = result
        self.assertIsInstance(done, bool)
        self.assertFalse(done)
        self.assertEqual(reward, start - env.observation["IrInstructionCount"])
        self.assertGreater(reward, 0)
        self.assertFalse(info["action_had_no_effect"])
        observation, reward, done, info = env.multistep([env.action_space["-sroa"], 0])
        self.assertFalse(done)
        # The default stays Gymnasium's 5-tuple.
        with optgym.make("llvm-v0", benchmark=CRC32, cache=self.cache) as plain:
            self.assertEqual(len(plain.reset()), 2)
            self.assertEqual(len(plain.step(0)), 5)

    def test_commandline_is_compiler_gyms_and_replays(self) -> None:
        env = self.make()
        env.reset()
        self.assertEqual(env.commandline(), "opt  input.bc -o output.bc")
        env.step(env.action_space.flags.index("-mem2reg"))
        env.step(env.action_space.flags.index("-reg2mem"))
        self.assertEqual(env.commandline(), "opt -mem2reg -reg2mem input.bc -o output.bc")
        self.assertEqual(
            env.action_space.from_string(env.commandline()),
            [env.action_space.flags.index("-mem2reg"), env.action_space.flags.index("-reg2mem")],
        )
        self.assertTrue(env.validate().okay())

    def test_reward_view_and_requested_spaces(self) -> None:
        env = self.make(reward_space="IrInstructionCountOz")
        self.assertIn("IrInstructionCount", env.reward.spaces)
        env.reset()
        start = env.observation["IrInstructionCount"]
        self.assertEqual(env.reward["IrInstructionCount"], 0)
        observations, rewards, done, _ = env.step(
            env.action_space["-mem2reg"],
            observation_spaces=["IrInstructionCount", "Autophase"],
            reward_spaces=["IrInstructionCount"],
        )
        self.assertFalse(done)
        after = env.observation["IrInstructionCount"]
        self.assertEqual(observations[0], after)
        self.assertEqual(len(observations[1]), 56)
        self.assertEqual(rewards, [start - after])
        # The episode's own reward space was not computed.
        self.assertEqual(env.episode_reward, 0)
        # Asked again, a requested reward counts from where it was last asked.
        env.step(env.action_space["-sroa"], reward_spaces=["IrInstructionCount"])
        self.assertEqual(env.reward["IrInstructionCount"], 0)
        # The episode's reward then catches up with both steps at once.
        _, reward, _, _ = env.step(env.action_space["-dce"])
        self.assertAlmostEqual(reward, env.episode_reward)
        self.assertGreater(reward, 0)
        env.episode_reward = 5.0
        self.assertEqual(env.episode_reward, 5.0)
        space = env.reward.spaces["IrInstructionCountNorm"]
        self.assertEqual(space.range, (-np.inf, 1.0))
        self.assertEqual(space.reward_on_error(episode_reward=5), -5)
        with self.assertRaises(KeyError):
            env.reward["NoSuchReward"]
        with self.assertRaises(ValueError):
            env.step(0, reward_spaces=["NoSuchReward"])

    def test_observation_attributes_ir_and_metadata(self) -> None:
        env = self.make()
        env.reset()
        self.assertEqual(
            env.observation.IrInstructionCount(), env.observation["IrInstructionCount"]
        )
        with self.assertRaises(AttributeError):
            env.observation.NoSuchObservation  # noqa: B018
        self.assertEqual(instructions(env.ir), env.observation["IrInstructionCount"])
        self.assertEqual(len(env.ir_sha1), 40)
        self.assertIn("render.modes", env.metadata)
        self.assertEqual(env.version, optgym.__version__)
        self.assertEqual(env.seed(3), [3])
        self.assertIs(env.unwrapped, env)

    def test_close_then_reset_starts_again_and_forks_keep_conventions(self) -> None:
        env = self.make(observation_space="IrInstructionCount", reward_space="IrInstructionCount")
        start = env.reset()
        env.step(env.action_space["-mem2reg"])
        child = env.fork()
        self.addCleanup(child.close)
        self.assertIsInstance(child, CompilerGymEnv)
        self.assertEqual(len(child.step(env.action_space["-sroa"])), 4)
        env.close()
        # A fork of a closed environment: restarted, in the same state.
        with env.fork() as restarted:
            self.assertEqual(restarted.actions, [env.action_space["-mem2reg"]])
            self.assertEqual(restarted.benchmark, CRC32)
        env.close()
        self.assertEqual(env.reset(), start)
        self.assertEqual(env.actions, [])
        self.assertEqual(len(env.step(0)), 4)

    def test_datasets_view(self) -> None:
        env = self.make()
        datasets = importlib.import_module("compiler_gym.datasets")
        self.assertIsInstance(env.datasets, datasets.Datasets)
        self.assertIs(env.datasets, env.datasets)
        names = [dataset.name for dataset in env.datasets]
        self.assertIn("benchmark://optgym-v0", names)
        self.assertIn("benchmark://cbench-v1", names)
        bundled = env.datasets["optgym-v0"]
        self.assertIsInstance(bundled, datasets.Dataset)
        self.assertEqual(pickle.loads(pickle.dumps(bundled)), bundled)
        self.assertEqual(bundled, "optgym-v0")
        self.assertNotEqual(bundled, env.datasets["cbench-v1"])
        self.assertIn(CRC32, list(bundled.benchmark_uris()))
        self.assertEqual(bundled.benchmark(CRC32).uri, CRC32)
        picked = bundled.random_benchmark(np.random.default_rng(0))
        self.assertIsInstance(picked, datasets.Benchmark)
        # A dataset's benchmark is one an episode starts on.
        env.reset(benchmark=picked)
        self.assertEqual(env.benchmark.uri, picked.uri)
        source = Path(self.temp.name) / "answer.c"
        source.write_text("int main(void) { return 42; }\n")
        env.reset(benchmark=env.make_benchmark(source))
        self.assertTrue(env.benchmark.uri.startswith("benchmark://user-v0/"))
        env.reset(benchmark=picked)
        # Benchmarks equal their URIs, as clients compare them.
        self.assertEqual(env.benchmark, picked.uri)
        self.assertEqual(env.benchmark, picked.uri[len("benchmark://") :])
        self.assertNotEqual(env.benchmark, "benchmark://optgym-v0/no-such")
        self.assertEqual(len({env.benchmark, bundled.benchmark(picked.uri)}), 1)
        with self.assertRaises(datasets.BenchmarkInitError):
            env.datasets["no-such-v0"]  # noqa: B018

    def test_reward_spaces_of_the_users_own(self) -> None:
        class InstructionsSaved:
            """A reward as CompilerGym's clients write one (duck-typed)."""

            name = "saved"
            observation_spaces = ["IrInstructionCount"]
            range = (-np.inf, np.inf)

            def __init__(self) -> None:
                self.resets = []
                self.previous = None

            def reset(self, benchmark, observation_view) -> None:
                self.resets.append(benchmark)
                self.previous = observation_view["IrInstructionCount"]

            def update(self, actions, observations, observation_view) -> float:
                reward = self.previous - observations[0]
                self.previous = observations[0]
                return float(reward)

            def reward_on_error(self, episode_reward) -> float:
                return -episode_reward

        env = self.make()
        with self.assertRaises(LookupError) as caught:
            env.reward_space = "saved"
        self.assertEqual(str(caught.exception), "Reward space not found: saved")
        with self.assertRaises(KeyError) as caught:
            env.reward["saved"]  # noqa: B018
        self.assertEqual(str(caught.exception), "'saved'")
        env.reward.add_space(InstructionsSaved())
        with self.assertWarnsRegex(UserWarning, "Replacing existing reward space 'saved'"):
            env.reward.add_space(InstructionsSaved())
        env.reset(reward_space="saved")
        start = env.observation["IrInstructionCount"]
        space = env.reward_space
        self.assertEqual((space.name, space.resets), ("saved", [CRC32]))
        _, reward, _, _ = env.step(env.action_space["-mem2reg"])
        self.assertEqual(reward, env.reward["IrInstructionCount"])
        self.assertGreater(reward, 0)
        _, reward, _, _ = env.multistep([env.action_space["-sroa"], env.action_space["-dce"]])
        self.assertEqual(env.episode_reward, start - env.observation["IrInstructionCount"])
        fork = env.fork()
        self.addCleanup(fork.close)
        self.assertIsNot(fork.reward_space, space)
        self.assertEqual(fork.reward_space.previous, space.previous)
        self.assertEqual(fork.episode_reward, env.episode_reward)
        # Back to one of OptGym's.
        env.reward_space = "IrInstructionCount"
        self.assertEqual(env.reward_space.name, "IrInstructionCount")
        del env.reward.spaces["saved"]
        self.assertNotIn("saved", env.reward)

    def test_spaces_module_and_reward_base_class(self) -> None:
        spaces = importlib.import_module("compiler_gym.spaces")

        class Steps(spaces.Reward):
            def __init__(self) -> None:
                super().__init__(
                    "steps", default_value=-10, default_negates_returns=True, deterministic=True
                )

            def update(self, actions, observations, observation_view) -> float:
                return float(len(actions))

        env = self.make()
        self.assertIsInstance(env.observation.spaces["Ir"].space, spaces.Sequence)
        self.assertIsInstance(env.observation.spaces["IrInstructionCount"].space, spaces.Scalar)
        reward = Steps()
        self.assertEqual(reward.range, (-np.inf, np.inf))
        self.assertEqual(reward, "steps")
        self.assertEqual(reward.reward_on_error(episode_reward=5), -15)
        env.reward.add_space(reward)
        env.reset(reward_space="steps")
        self.assertEqual(env.reward_range, (-np.inf, np.inf))
        env.multistep([env.action_space["-mem2reg"], env.action_space["-sroa"]])
        self.assertEqual(env.episode_reward, 2.0)
        with self.assertRaises(NotImplementedError):
            spaces.Reward("abstract").update([], [], None)

    def test_runtime_counts_are_checked_under_both_names(self) -> None:
        env = self.make()
        with self.assertRaisesRegex(ValueError, "^runtimes_per_observation_count must be >= 1"):
            env.runtime_observation_count = 0
        env.runtime_warmup_runs_count = 2
        self.assertEqual(env.runtime_warmup_count, 2)
        with self.assertRaisesRegex(ValueError, "runtime_warmup_count must be an int >= 0"):
            env.runtime_warmup_runs_count = -1
        with optgym.make("llvm-v0", benchmark=CRC32, cache=self.cache) as plain:
            with self.assertRaisesRegex(ValueError, "must be an int >= 1, not True"):
                plain.runtime_observation_count = True
            plain.runtime_observation_count = 3
            self.assertEqual(plain.runtime_observation_count, 3)
        with self.assertRaisesRegex(ValueError, "runtime_observation_count must be an int >= 1"):
            optgym.make("llvm-v0", benchmark=CRC32, runtime_observation_count=0)

    def test_validation_and_benchmarks_as_compiler_gym_words_them(self) -> None:
        state_type = self.compiler_gym.CompilerEnvState
        state = state_type(CRC32, "opt  input.bc -o output.bc", walltime=1, reward=1)
        self.assertEqual((state.reward, state.walltime), (1.0, 1.0))
        with self.make() as env:
            with self.assertWarnsRegex(UserWarning, "environment has no reward space set"):
                self.assertTrue(env.validate(state).okay())
        with self.make(reward_space="IrInstructionCount") as env:
            result = env.validate(state)
        self.assertEqual(
            str(result), "❌  optgym-v0/crc32  Expected reward 1.0 but received reward 0.0"
        )
        bundled = self.make().datasets["optgym-v0"]
        for uri in ("benchmark://optgym-v0", "benchmark://optgym-v0/"):
            with self.assertRaises(LookupError) as caught:
                bundled.benchmark(uri)
            self.assertEqual(str(caught.exception), "No benchmark specified: %s" % uri)
        # Built when made, as CompilerGym's were: the file may go away.
        with tempfile.TemporaryDirectory() as directory:
            source = Path(directory) / "gone.c"
            source.write_text("int main(void) { return 0; }\n")
            env = self.make()
            bench = env.make_benchmark(source)
        env.reset(benchmark=bench)
        self.assertEqual(env.benchmark.uri, bench.uri)

    def test_validate_states(self) -> None:
        state_type = self.compiler_gym.CompilerEnvState
        states = [
            state_type(CRC32, "opt -mem2reg -sroa input.bc -o output.bc", 1.0),
            state_type(CRC32, "opt -no-such-pass input.bc -o output.bc", 1.0),
        ]
        results = list(
            self.compiler_gym.validate_states(lambda: self.make(), states, nproc=2, inorder=True)
        )
        self.assertEqual([result.okay() for result in results], [True, False])


class DatasetClassesTest(unittest.TestCase):
    """compiler_gym.envs.llvm.datasets: CompilerGym's dataset classes by
    name, and a clear refusal for the ones OptGym does not offer."""

    def setUp(self) -> None:
        import_compiler_gym()
        self.datasets = importlib.import_module("compiler_gym.envs.llvm.datasets")

    def test_classes_of_offered_datasets(self) -> None:
        cbench = self.datasets.CBenchDataset(site_data_base=Path("/nonexistent"))
        self.assertEqual(cbench.name, "benchmark://cbench-v1")
        self.assertEqual(cbench.size, 23)
        self.assertEqual(self.datasets.CHStoneDataset().size, 12)
        chstone = importlib.import_module("compiler_gym.envs.llvm.datasets.chstone")
        self.assertEqual(chstone.URIS, sorted(chstone.URIS))
        self.assertIn("benchmark://chstone-v0/gsm", chstone.URIS)
        names = [dataset.name for dataset in self.datasets.get_llvm_datasets()]
        self.assertIn("generator://csmith-v0", names)
        self.assertIs(self.datasets.CsmithBenchmark, optgym.generators.CsmithBenchmark)
        generators = {d.name: d for d in optgym.dataset.llvm_datasets()}
        self.assertIsInstance(generators["generator://csmith-v0"], self.datasets.CsmithDataset)
        self.assertIsInstance(
            generators["generator://llvm-stress-v0"], self.datasets.LlvmStressDataset
        )
        cbench_module = importlib.import_module("compiler_gym.envs.llvm.datasets.cbench")
        self.assertIn("benchmark://cbench-v1/crc32", cbench_module.VALIDATORS)
        self.assertNotIn("benchmark://cbench-v1/sha", cbench_module.VALIDATORS)

    def test_corpus_classes_name_their_datasets(self) -> None:
        # CompilerGym's constructor arguments, nothing downloaded: a corpus
        # not yet installed says the upstream size its manifest gives.
        expected = {
            "AnghaBenchDataset": "benchmark://anghabench-v1",
            "CLgenDataset": "benchmark://clgen-v0",
            "JotaiBenchDataset": "benchmark://jotaibench-v1",
            "POJ104Dataset": "benchmark://poj104-v1",
            "MibenchDataset": "benchmark://mibench-v1",
        }
        with tempfile.TemporaryDirectory() as site:
            for class_name, name in expected.items():
                dataset = getattr(self.datasets, class_name)(site_data_base=Path(site))
                self.assertEqual(dataset.name, name)
                self.assertGreater(dataset.size, 0)
            self.assertEqual(os.listdir(site), [])
        self.assertEqual(self.datasets.JotaiBenchDataset(Path("/unused")).size, 18761)

    def test_datasets_not_offered_say_so(self) -> None:
        with self.assertRaisesRegex(ImportError, "TensorFlowDataset: OptGym does not offer"):
            from compiler_gym.envs.llvm.datasets import TensorFlowDataset  # noqa: F401
        with self.assertRaises(AttributeError):
            self.datasets.NoSuchDataset  # noqa: B018


class ResultTypesTest(unittest.TestCase):
    """The state and validation types as CompilerGym's clients use them:
    json()/dict() round trips, join, equality and the printed lines."""

    def setUp(self) -> None:
        self.compiler_gym = import_compiler_gym()
        self.state = self.compiler_gym.CompilerEnvState(
            CRC32, "opt -mem2reg input.bc -o output.bc", walltime=1.5, reward=0.25
        )

    def result(self, **kwargs):
        return self.compiler_gym.ValidationResult(state=self.state, **kwargs)

    def test_state_round_trips(self) -> None:
        state_type = self.compiler_gym.CompilerEnvState
        text = self.state.json()
        self.assertEqual(json.loads(text), self.state.dict())
        self.assertEqual(state_type(**json.loads(text)), self.state)
        self.assertEqual(state_type(**json.loads(text)).walltime, 1.5)
        # Walltime does not count, rewards within 1e-5 do.
        self.assertEqual(state_type(CRC32, self.state.commandline, 9.0, 0.250001), self.state)
        self.assertNotEqual(state_type(CRC32, self.state.commandline, 1.5, 0.3), self.state)
        copy = self.state.copy()
        copy.walltime = 7.0
        self.assertEqual((copy.walltime, self.state.walltime), (7.0, 1.5))

    def test_validation_error_round_trips(self) -> None:
        error_type = self.compiler_gym.ValidationError
        error = error_type(type="Reward validation failed", data={"expected": 1, "actual": 2})
        self.assertEqual(error_type(**json.loads(error.json())), error)
        self.assertEqual(json.loads(error.json())["type"], "Reward validation failed")
        self.assertEqual(
            str(error_type("Runtime error", {"details": "exit 1"})), "Runtime error: exit 1"
        )

    def test_validation_result_round_trips_and_prints(self) -> None:
        error_type = self.compiler_gym.ValidationError
        failed = self.result(
            walltime=2.0,
            reward_validated=True,
            reward_validation_failed=True,
            errors=[error_type("Reward validation failed", {"details": "0.25 != 0.5"})],
        )
        copy = self.compiler_gym.ValidationResult(**json.loads(failed.json()))
        self.assertEqual(copy, failed)
        self.assertEqual(copy.errors[0].type, "Reward validation failed")
        self.assertEqual(failed.dict()["state"], self.state.dict())
        self.assertFalse(failed.okay())
        self.assertEqual(str(failed), "❌  optgym-v0/crc32  Reward validation failed: 0.25 != 0.5")
        passed = self.result(reward_validated=True)
        self.assertTrue(passed.okay())
        self.assertEqual(str(passed), "✅  optgym-v0/crc32  0.2500")
        # Equality ignores walltime and the order of errors.
        a, b = error_type("A"), error_type("B")
        self.assertEqual(
            self.result(walltime=1.0, errors=[a, b]), self.result(walltime=5.0, errors=[b, a])
        )
        self.assertNotEqual(self.result(errors=[a]), self.result(errors=[b]))

    def test_join(self) -> None:
        error_type = self.compiler_gym.ValidationError
        joined = self.compiler_gym.ValidationResult.join(
            [
                self.result(walltime=1.0, reward_validated=True),
                self.result(
                    walltime=2.0,
                    benchmark_semantics_validated=True,
                    benchmark_semantics_validation_failed=True,
                    errors=[error_type("Execution timeout")],
                ),
            ]
        )
        self.assertEqual(joined.walltime, 3.0)
        self.assertTrue(joined.reward_validated and joined.benchmark_semantics_validated)
        self.assertTrue(joined.benchmark_semantics_validation_failed)
        self.assertEqual([error.type for error in joined.errors], ["Execution timeout"])
        with self.assertRaises(ValueError):
            self.compiler_gym.ValidationResult.join([])
        other = self.compiler_gym.CompilerEnvState("benchmark://optgym-v0/sha256", "opt")
        with self.assertRaises(ValueError):
            self.compiler_gym.ValidationResult.join(
                [self.result(), self.compiler_gym.ValidationResult(state=other)]
            )


def instructions(ir: str) -> int:
    with tempfile.TemporaryDirectory(prefix="optgym-compat-count-") as scratch:
        path = Path(scratch) / "module.ll"
        path.write_text(ir)
        return ir_instruction_count(path, TOOLCHAIN)


@needs(driver_plugin)
class LlvmHelpersTest(unittest.TestCase):
    """compiler_gym.envs.llvm's helpers."""

    def setUp(self) -> None:
        temp = tempfile.TemporaryDirectory(prefix="optgym-compat-files-")
        self.addCleanup(temp.cleanup)
        self.dir = Path(temp.name)
        self.llvm = (
            importlib.import_module("compiler_gym.envs.llvm") if import_compiler_gym() else None
        )

    def write(self, name: str, text: str) -> Path:
        path = self.dir / name
        path.write_text(text)
        return path

    def test_make_benchmark_links_sources_and_modules_with_flags(self) -> None:
        main = self.write("main.c", "int lib(int);\nint main(void) { return lib(VALUE); }\n")
        lib = self.write("lib.c", "int lib(int x) { return x * 2; }\n")
        assembly = self.write("extra.ll", "define i32 @extra() {\n  ret i32 7\n}\n")
        bitcode = self.dir / "extra2.bc"
        subprocess.run(
            [TOOLCHAIN.path("llvm-as"), "-o", str(bitcode), "-"],
            input=b"define i32 @extra2() {\n  ret i32 8\n}\n",
            check=True,
        )
        bench = self.llvm.make_benchmark([main, lib, assembly, bitcode], copt=["-DVALUE=21"])
        self.assertTrue(bench.uri.startswith("benchmark://user-v0/"))
        self.assertEqual(
            bench.uri,
            self.llvm.make_benchmark([main, lib, assembly, bitcode], copt=["-DVALUE=21"]).uri,
        )
        self.assertNotEqual(
            bench.uri,
            self.llvm.make_benchmark([main, lib, assembly, bitcode], copt=["-DVALUE=1"]).uri,
        )
        with self.llvm.LlvmEnv(benchmark=bench) as env:
            env.reset()
            ir = env.ir
        for function in ("@main", "@lib", "@extra", "@extra2"):
            self.assertIn(
                "define dso_local i32 %s(" % function
                if function in ("@main", "@lib")
                else "define i32 %s(" % function,
                ir,
            )
        self.assertIn("21", ir)
        with self.assertRaises(ValueError):
            self.llvm.make_benchmark(self.write("notes.txt", "x"))
        with self.assertRaises(optgym.BenchmarkError):
            self.llvm.make_benchmark(self.dir / "missing.c")

    def test_split_and_merge_keep_every_instruction_and_the_behaviour(self) -> None:
        # Static functions and data, an available_externally definition (as
        # glibc's headers give atol) and a program that prints its argv[0].
        main = self.write(
            "main.c",
            "#include <stdio.h>\n#include <stdlib.h>\n"
            "static int table[4] = {3, 1, 4, 1};\n"
            "static int twice(int x) { return 2 * x; }\n"
            "int total(void) { int s = 0; for (int i = 0; i < 4; ++i) s += twice(table[i]);"
            " return s; }\n"
            'int main(int argc, char **argv) { printf("%s %d %ld\\n", argv[0], total(),'
            ' atol("12")); return 0; }\n',
        )
        inline_atol = self.write(
            "atol.ll",
            "declare i64 @strtol(ptr, ptr, i32)\n"
            "define available_externally i64 @atol(ptr %s) {\n"
            "  %v = call i64 @strtol(ptr %s, ptr null, i32 10)\n  ret i64 %v\n}\n",
        )
        bench = self.llvm.make_benchmark([main, inline_atol])
        pieces = self.llvm.split_benchmark_by_function(bench)
        self.assertEqual(
            [piece.uri.rpartition("?")[2] for piece in pieces],
            ["function=0", "function=1", "function=2", "function=rest"],
        )
        merged = self.llvm.merge_benchmarks(pieces)
        self.assertTrue(merged.uri.startswith("benchmark://llvm-link-v0/"))
        self.assertEqual(merged.uri, self.llvm.merge_benchmarks(pieces).uri)
        with self.llvm.LlvmEnv(benchmark=bench) as env:
            env.reset()
            count = env.observation["IrInstructionCount"]
            env.reset(benchmark=merged)
            self.assertEqual(env.observation["IrInstructionCount"], count)
            self.assertIn("define available_externally i64 @atol(", env.ir)
            env.step(env.action_space["-mem2reg"])
            # Built and run elsewhere than its -O0 reference, with the same
            # output: argv[0] does not depend on where.
            result = env.validate()
            self.assertTrue(result.benchmark_semantics_validated, str(result))
            self.assertTrue(result.okay(), str(result))
        with self.assertRaises(ValueError):
            self.llvm.merge_benchmarks([])

    def test_a_program_whose_output_varies_validates_without_comparison(self) -> None:
        # Prints a stack address, which address-space randomization moves.
        varies = self.write(
            "varies.c",
            '#include <stdio.h>\nint main(void) { int x; printf("%p\\n", (void *)&x);'
            " return 0; }\n",
        )
        with self.llvm.LlvmEnv(benchmark=self.llvm.make_benchmark(varies)) as env:
            env.reset()
            self.assertFalse(env.benchmark.reference().deterministic)
            env.step(env.action_space["-mem2reg"])
            result = env.validate()
            self.assertTrue(result.okay(), str(result))
            self.assertFalse(result.benchmark_semantics_validated)
            self.assertIn("differs from one run to the next", result.semantics.detail)

    def test_split_names_unnamed_functions_and_refuses_an_empty_module(self) -> None:
        make = optgym.Benchmark.from_file_contents
        stripped = make(
            "benchmark://test-v0/stripped",
            b"define internal i32 @0() {\n  ret i32 1\n}\n"
            b"define i32 @f() {\n  %v = call i32 @0()\n  ret i32 %v\n}\n",
        )
        pieces = self.llvm.split_benchmark_by_function(stripped)
        self.assertEqual(len(pieces), 3)
        merged = self.llvm.merge_benchmarks(pieces)
        self.assertEqual(instructions(merged.disassemble(merged.bitcode_path())), 3)
        empty = make("benchmark://test-v0/empty", b"@g = global i32 1\n")
        with self.assertRaisesRegex(ValueError, "test-v0/empty: the module defines no function"):
            self.llvm.split_benchmark_by_function(empty)

    def test_benchmarks_from_file_contents_and_bitcode_as_bytes(self) -> None:
        datasets = importlib.import_module("compiler_gym.datasets")
        text = b"define i32 @main() {\n  ret i32 0\n}\n"
        bench = datasets.Benchmark.from_file_contents("benchmark://test-v0/text", text)
        with self.llvm.LlvmEnv(benchmark=bench) as env:
            env.reset()
            bitcode = env.observation.Bitcode()
            self.assertIsInstance(bitcode, np.ndarray)
            self.assertEqual(bitcode.dtype, np.int8)
            self.assertEqual(bitcode[:4].tobytes(), b"BC\xc0\xde")
            with open(env.observation.BitcodeFile(), "rb") as stream:
                self.assertEqual(stream.read(), bitcode.tobytes())
            again = datasets.Benchmark.from_file_contents(bench, bitcode.tobytes())
            self.assertEqual(again.uri, bench.uri)
            env.reset(benchmark=again)
            self.assertEqual(env.observation["IrInstructionCount"], 1)
            garbage = datasets.Benchmark.from_file_contents("benchmark://test-v0/bad", b"nonsense")
            with self.assertRaisesRegex(datasets.BenchmarkInitError, "test-v0/bad"):
                env.reset(benchmark=garbage)
        with self.assertRaisesRegex(datasets.BenchmarkInitError, "cannot read"):
            datasets.Benchmark.from_file("benchmark://test-v0/gone", self.dir / "gone.bc")

    def test_compute_observation_and_system_flags(self) -> None:
        source = self.write("one.c", "int one(void) { return 1; }\n")
        bitcode = self.dir / "one.bc"
        subprocess.run(
            [TOOLCHAIN.path("clang"), "-c", "-emit-llvm", "-O0", str(source), "-o", str(bitcode)],
            check=True,
        )
        count = self.llvm.compute_observation("IrInstructionCount", bitcode)
        self.assertEqual(count, ir_instruction_count(bitcode, TOOLCHAIN))
        with self.assertRaises(FileNotFoundError):
            self.llvm.compute_observation("IrInstructionCount", self.dir / "missing.bc")
        with self.assertRaisesRegex(ValueError, "^Invalid observation space name: NOT_A_REAL"):
            self.llvm.compute_observation("NotARealName", bitcode)
        # A graph of some thousand instructions takes far longer than 1 ms.
        functions = "".join(
            "int f%d(int *a, int n) { int s = 0; for (int i = 0; i < n; ++i) s += a[i] * %d;"
            " return s; }\n" % (i, i)
            for i in range(300)
        )
        large = self.write("large.ll", "")
        subprocess.run(
            [TOOLCHAIN.path("clang"), "-S", "-emit-llvm", "-O0", "-x", "c", "-", "-o", str(large)],
            input=functions.encode(),
            check=True,
        )
        with self.assertRaisesRegex(
            TimeoutError, "^Failed to compute ProgramlJson observation in 0.001 seconds$"
        ):
            self.llvm.compute_observation("ProgramlJson", large, timeout=0.001)
        flags = self.llvm.get_system_library_flags()
        self.assertEqual(flags[0], "-isystem")
        self.assertTrue(all(os.path.isdir(path) for path in flags[1::2]))
        self.assertIn("/usr/include", flags[1::2])


class SwitchTest(unittest.TestCase):
    """optgym compiler-gym install/uninstall, and the checkout fall-through."""

    def run_python(self, code: str, env: dict) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )

    def test_install_writes_a_pth_that_appends_the_shim(self) -> None:
        with tempfile.TemporaryDirectory(prefix="optgym-compat-site-") as site:
            path = compat_switch.install(Path(site))
            self.assertEqual(path.read_text().strip(), str(compat_switch.SHIM_DIRECTORY))
            self.assertEqual(compat_switch.uninstall(Path(site)), path)
            self.assertFalse(path.exists())
            self.assertIsNone(compat_switch.uninstall(Path(site)))

    def test_cli_path_and_status(self) -> None:
        completed = subprocess.run(
            [sys.executable, "-m", "optgym", "compiler-gym", "path"],
            capture_output=True,
            text=True,
            check=True,
        )
        self.assertEqual(completed.stdout.strip(), str(compat_switch.SHIM_DIRECTORY))
        env = dict(os.environ, PYTHONPATH=str(compat_switch.SHIM_DIRECTORY))
        completed = subprocess.run(
            [sys.executable, "-m", "optgym", "compiler-gym", "status"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        self.assertIn("OptGym's", completed.stdout)

    def test_modules_fall_through_to_a_checkout_after_optgyms_own(self) -> None:
        with tempfile.TemporaryDirectory(prefix="optgym-compat-checkout-") as checkout:
            package = Path(checkout) / "compiler_gym"
            (package / "util").mkdir(parents=True)
            (package / "__init__.py").write_text("raise ImportError('the checkout wins')\n")
            (package / "util" / "__init__.py").write_text("")
            (package / "util" / "timer.py").write_text("WHO = 'checkout'\n")
            (package / "util" / "registration.py").write_text("raise ImportError('shadowed')\n")
            env = dict(
                os.environ,
                PYTHONPATH=str(compat_switch.SHIM_DIRECTORY),
                COMPILER_GYM_SOURCE=checkout,
            )
            completed = self.run_python(
                "import compiler_gym.util.timer as t, compiler_gym.util.registration as r; "
                "print(t.WHO, r.__file__)",
                env,
            )
            self.assertEqual(completed.returncode, 0, completed.stderr)
            who, registration = completed.stdout.split()
            self.assertEqual(who, "checkout")
            self.assertIn(str(compat_switch.SHIM_DIRECTORY), registration)
            env["COMPILER_GYM_SOURCE"] = str(Path(checkout) / "missing")
            completed = self.run_python("import compiler_gym", env)
            self.assertNotEqual(completed.returncode, 0)
            self.assertIn("COMPILER_GYM_SOURCE", completed.stderr)

    def test_the_plain_package_does_not_need_gym(self) -> None:
        # optgym.make works without the compiler-gym extra's gym.
        self.assertTrue(issubclass(optgym.gym.LlvmEnv, gymnasium.Env))
        self.assertFalse(issubclass(optgym.gym.LlvmEnv, gym.Env))
        json.dumps(optgym.envs.ENVIRONMENTS)
