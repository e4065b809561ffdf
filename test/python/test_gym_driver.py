"""End-to-end tests of optgym.gym with the real driver (opt with OptGym.so).

They need the plugin optgym selects, with its pass-choice driver, and the
LLVM toolchain, and fail without them (test/python/machine.py). Every result is checked against an independent
computation: ``opt -passes=...`` on the benchmark's bitcode and a separate opt with the
plugin's ``print<optgym-instcount>`` for rewards and the final module, ``clang -c`` and
``llvm-size`` for .text sizes, a build with the exported policy for
export_policy, the plugin's printer passes for Autophase and InstCount. The
benchmarks are built into a temporary cache. The frame reader the driver's
connections use is tested here too, on a socket pair.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import socket
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Dict, List
from unittest import mock

import optgym
from optgym.benchmark_base import ir_instruction_count
from optgym.cache import Cache
from optgym.gym import CompilerEnvState, LlvmEnv
from optgym.gym.process import fixed_address_space
from optgym.protocol import MAX_FRAME_BYTES, FrameReader, ProtocolError, encode_frame
from optgym.toolchain import tool_environment

from machine import TOOLCHAIN, driver_plugin, needs, require_csmith

_REPO = Path(__file__).resolve().parents[2]
CRC32 = "benchmark://optgym-v0/crc32"
#: A pass sequence that changes crc32 in many ways.
SEQUENCE = [
    "-mem2reg",
    "-sroa",
    "-instcombine",
    "-simplifycfg",
    "-gvn",
    "-licm",
    "-loop-rotate",
    "-loop-unroll<O3;runtime>",
    "-inline",
    "-dce",
    "-early-cse-memssa",
    "-jump-threading",
    "-reg2mem",
    "-mem2reg",
]


def instructions(ir: str) -> int:
    """The instructions of textual IR, counted by a separate opt with the
    plugin's printer (the driver counts in its own process)."""
    with tempfile.TemporaryDirectory(prefix="optgym-test-count-") as scratch:
        path = Path(scratch) / "module.ll"
        path.write_text(ir)
        return ir_instruction_count(path, TOOLCHAIN)


def without_module_id(text: str) -> List[str]:
    return [line for line in text.splitlines() if not line.startswith("; ModuleID")]


@needs(driver_plugin)
class RealDriverTest(unittest.TestCase):
    cache: Cache
    temp: "tempfile.TemporaryDirectory[str]"

    @classmethod
    def setUpClass(cls) -> None:
        cls.temp = tempfile.TemporaryDirectory(prefix="optgym-gym-driver-")
        cls.cache = Cache(Path(cls.temp.name) / "cache")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.temp.cleanup()

    def make(self, benchmark: str = CRC32, **kwargs: object) -> LlvmEnv:
        env = optgym.make("llvm-v0", benchmark=benchmark, cache=self.cache, numpy=False, **kwargs)
        self.addCleanup(env.close)
        return env

    def opt(self, *args: str) -> str:
        completed = subprocess.run(
            [TOOLCHAIN.path("opt"), *args], capture_output=True, text=True, env=tool_environment()
        )
        self.assertEqual(completed.returncode, 0, completed.stderr)
        return completed.stdout

    def replay_with_opt(self, env: LlvmEnv) -> str:
        """The IR ``opt`` makes of the benchmark with env.commandline()."""
        words = shlex.split(env.commandline())
        passes = [word for word in words if word.startswith("-passes=")]
        bitcode = str(env.benchmark.bitcode_path())
        return self.opt(*passes, bitcode, "-S", "-o", "-")

    def test_rewards_and_commandline_match_opt(self) -> None:
        env = self.make(observation_space="IrInstructionCount", reward_space="IrInstructionCountOz")
        observation, _ = env.reset()
        bitcode = str(env.benchmark.bitcode_path())
        initial = instructions(self.opt("-passes=verify", bitcode, "-S", "-o", "-"))
        oz = instructions(self.opt("-passes=default<Oz>", bitcode, "-S", "-o", "-"))
        self.assertEqual((observation, env.observation["IrInstructionCountOz"]), (initial, oz))
        previous = initial
        for name in SEQUENCE:
            observation, reward, terminated, truncated, info = env.step(name)
            self.assertFalse(terminated or truncated, info)
            self.assertAlmostEqual(reward, (previous - observation) / (initial - oz))
            previous = observation
        replayed = self.replay_with_opt(env)
        self.assertEqual(instructions(replayed), observation)
        self.assertEqual(without_module_id(replayed), without_module_id(env.observation["Ir"]))
        self.assertAlmostEqual(env.episode_reward, (initial - observation) / (initial - oz))
        self.assertEqual(
            env.action_space.from_string(env.commandline()),
            [env.action_space.index(name) for name in SEQUENCE],
        )

    def printed_vectors(self, env: LlvmEnv) -> Dict[str, List[int]]:
        """The Autophase and InstCount vectors the plugin's printer passes
        print for the module opt makes of env.commandline()."""
        words = shlex.split(env.commandline())
        passes = [word for word in words if word.startswith("-passes=")]
        completed = subprocess.run(
            [
                TOOLCHAIN.path("opt"),
                "-load-pass-plugin=" + driver_plugin(),
                passes[0] + ",print<optgym-autophase>,print<optgym-instcount>",
                "-disable-output",
                str(env.benchmark.bitcode_path()),
            ],
            capture_output=True,
            text=True,
            env=tool_environment(),
        )
        self.assertEqual(completed.returncode, 0, completed.stderr)
        vectors: Dict[str, List[int]] = {}
        name = ""
        for line in completed.stderr.splitlines():
            if line.startswith("  "):
                vectors[name].append(int(line.rsplit(":", 1)[1]))
            else:
                name = line.split()[0]
                vectors[name] = []
        self.assertEqual(sorted(vectors), ["Autophase", "InstCount"])
        return vectors

    def test_step_observations_match_the_printers(self) -> None:
        """What a step returns is what the printers say of the module opt
        makes of the commandline, also after steps that changed nothing
        (the driver keeps its counts until a pass changes the module) and
        after the step that follows them."""
        envs = {
            space: self.make(observation_space=space, reward_space="IrInstructionCount")
            for space in ("Autophase", "InstCount")
        }
        for env in envs.values():
            env.reset()
        previous = None
        for name in [
            "-globaldce",
            "-mem2reg",
            "-mem2reg",
            "-globaldce",
            "-instcombine",
            "-instcombine",
            "-reg2mem",
            "-simplifycfg",
        ]:
            observed = {}
            for space, env in envs.items():
                observed[space], reward, terminated, truncated, info = env.step(name)
                self.assertFalse(terminated or truncated, info)
                self.assertIsInstance(observed[space], list)
            printed = self.printed_vectors(envs["Autophase"])
            self.assertEqual(observed, printed, name)
            env = envs["Autophase"]
            instructions = printed["InstCount"][0]
            self.assertEqual(env.observation["IrInstructionCount"], instructions)
            self.assertEqual(
                env.observation.raw("IrInstructionCount", "InstCount"),
                {"IrInstructionCount": instructions, "InstCount": printed["InstCount"]},
            )
            if previous is not None:
                self.assertEqual(reward, previous - instructions)
            previous = instructions

    def test_text_size_matches_clang(self) -> None:
        env = self.make(reward_space="ObjectTextSizeBytes")
        env.reset()
        env.multistep(["-mem2reg", "-instcombine", "-simplifycfg"])
        directory = Path(self.temp.name)
        bitcode = env.write_bitcode(directory / "text.bc")
        subprocess.run(
            [
                TOOLCHAIN.path("clang"),
                "-O2",
                "-c",
                "-Xclang",
                "-disable-llvm-passes",
                str(bitcode),
                "-o",
                str(directory / "text.o"),
            ],
            check=True,
            env=tool_environment(),
        )
        sizes = subprocess.run(
            [TOOLCHAIN.path("llvm-size"), "-A", str(directory / "text.o")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        text = sum(
            int(line.split()[1])
            for line in sizes.splitlines()
            if line.split() and line.split()[0].startswith(".text")
        )
        self.assertEqual(env.observation["ObjectTextSizeBytes"], text)
        self.assertEqual(env.episode_reward, env.observation["ObjectTextSizeO0"] - text)
        # A pass that changes nothing: the driver answers with the size it kept.
        _, reward, _, _, info = env.step("-mem2reg")
        self.assertTrue(info["action_had_no_effect"], info)
        self.assertEqual((reward, env.observation["ObjectTextSizeBytes"]), (0, text))
        # And one that changes it: the size is the new module's.
        env.step("-reg2mem")
        self.assertGreater(env.observation["ObjectTextSizeBytes"], text)
        self.assertEqual(
            env.observation["ObjectTextSizeOz"], env.benchmark.metrics()["text_bytes_Oz"]
        )

    def test_the_same_actions_give_the_same_ir_in_every_process(self) -> None:
        """Drivers run without address space randomization: 60 random
        passes on raytrace gave value names that differed between two
        processes before (LLVM orders some work by pointer)."""
        script = (
            "import random, sys, optgym\n"
            "env = optgym.make('llvm-v0', benchmark='benchmark://optgym-v0/raytrace')\n"
            "env.reset()\n"
            "rng = random.Random(3)\n"
            "for _ in range(60):\n"
            "    env.step(rng.randrange(env.action_space.n))\n"
            "print(env.observation['IrSha1'])\n"
            "env.close()\n"
        )
        hashes = {
            subprocess.run(
                [sys.executable, "-c", script], capture_output=True, text=True, check=True
            ).stdout.strip()
            for _ in range(3)
        }
        self.assertEqual(len(hashes), 1, hashes)
        personality = subprocess.run(
            fixed_address_space() + ["cat", "/proc/self/personality"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        address_no_randomize = 0x0040000
        self.assertTrue(int(personality, 16) & address_no_randomize)

    def test_fork_leaves_the_parent_untouched(self) -> None:
        env = self.make(reward_space="IrInstructionCount")
        env.reset()
        env.multistep(SEQUENCE[:4])
        before = (env.observation["IrSha1"], env.actions, env.episode_reward)
        with env.fork() as forked:
            self.assertEqual(forked.observation["IrSha1"], before[0])
            forked.multistep(SEQUENCE[4:])
            self.assertNotEqual(forked.observation["IrSha1"], before[0])
            self.assertEqual((env.observation["IrSha1"], env.actions, env.episode_reward), before)
            self.assertEqual(
                without_module_id(self.replay_with_opt(forked)),
                without_module_id(forked.observation["Ir"]),
            )
        self.assertEqual(env.step("-gvn")[2], False)

    def test_validate(self) -> None:
        env = self.make(reward_space="IrInstructionCountOz")
        env.reset()
        env.multistep(SEQUENCE)
        result = env.validate()
        self.assertTrue(result.okay(), result)
        self.assertTrue(result.reward_validated and result.benchmark_semantics_validated)
        self.assertEqual(result.semantics.outcome, "ok")
        state = env.state
        for tampered in (
            CompilerEnvState(state.benchmark, state.commandline, 0, state.reward * 1.01),
            CompilerEnvState(
                state.benchmark,
                state.commandline.replace("function(dce)", "bogus"),
                0,
                state.reward,
            ),
            CompilerEnvState("benchmark://optgym-v0/md5", state.commandline, 0, state.reward),
        ):
            self.assertFalse(env.validate(tampered).okay(), tampered)

    def test_export_policy_replays_the_episode(self) -> None:
        env = self.make()
        env.reset()
        env.multistep(SEQUENCE[:8])
        policy = Path(self.temp.name) / "policy.json"
        env.export_policy(policy)
        environment = dict(
            tool_environment(), OPTGYM_ORACLE="policy:%s" % policy, OPTGYM_DECISIONS="pass-choice"
        )
        completed = subprocess.run(
            [
                TOOLCHAIN.path("opt"),
                "-load-pass-plugin=" + driver_plugin(),
                "-passes=optgym-driver",
                str(env.benchmark.bitcode_path()),
                "-S",
                "-o",
                "-",
            ],
            capture_output=True,
            text=True,
            env=environment,
        )
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertEqual(
            without_module_id(completed.stdout), without_module_id(env.observation["Ir"])
        )
        # clang replays the table at the start of its pipeline: built from
        # the source like the benchmark (-O0 without optnone), the IR has
        # the episode's instruction count. The benchmark names its source
        # relative to the program's directory, which is not the root of a
        # repository: the key root says so.
        completed = subprocess.run(
            [
                TOOLCHAIN.path("clang"),
                "-O0",
                "-Xclang",
                "-disable-O0-optnone",
                "-fpass-plugin=" + driver_plugin(),
                "-S",
                "-emit-llvm",
                "crc32.c",
                "-o",
                "-",
            ],
            cwd=str(_REPO / "datasets" / "programs"),
            capture_output=True,
            text=True,
            env=dict(
                environment,
                OPTGYM_VERBOSE="1",
                OPTGYM_KEY_ROOT=str(_REPO / "datasets" / "programs"),
            ),
        )
        self.assertEqual(completed.returncode, 0, completed.stderr)
        self.assertIn("9 table hits", completed.stderr)
        self.assertEqual(instructions(completed.stdout), env.observation["IrInstructionCount"])

    def test_generated_benchmark(self) -> None:
        require_csmith()
        env = self.make(
            "generator://csmith-v0/1",
            observation_space="Autophase",
            reward_space="IrInstructionCountNorm",
        )
        observation, _ = env.reset(seed=5)
        self.assertEqual(len(observation), 56)
        initial = env.observation["IrInstructionCount"]
        for _ in range(25):
            observation, reward, terminated, truncated, info = env.step(env.action_space.sample())
            self.assertFalse(terminated, info)
        final = env.observation["IrInstructionCount"]
        self.assertAlmostEqual(env.episode_reward, (initial - final) / initial)
        self.assertEqual(instructions(self.replay_with_opt(env)), final)
        result = env.validate()
        self.assertTrue(result.okay(), result)

    def test_documentation_examples_run(self) -> None:
        """Every Python example of docs/gym.md runs, in a scratch directory,
        with this test's cache."""
        text = (_REPO / "docs" / "gym.md").read_text(encoding="utf-8")
        blocks = re.findall(r"^```python\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
        self.assertGreaterEqual(len(blocks), 7)
        scratch = Path(self.temp.name) / "docs"
        scratch.mkdir(exist_ok=True)
        previous = os.getcwd()
        os.chdir(str(scratch))
        try:
            with (
                mock.patch.dict(os.environ, {"OPTGYM_CACHE": str(self.cache.root)}),
                contextlib.redirect_stdout(io.StringIO()) as output,
            ):
                for block in blocks:
                    with self.subTest(
                        block.splitlines()[2] if len(block.splitlines()) > 2 else block
                    ):
                        exec(compile(block, "docs/gym.md", "exec"), {"__name__": "__doc__"})
        finally:
            os.chdir(previous)
        self.assertIn("episode reward", output.getvalue())


class FrameReaderTest(unittest.TestCase):
    """optgym.protocol.FrameReader, with which a DriverConnection reads: one
    recv per message when it comes whole, and frames cut anywhere, joined in
    one recv, or interrupted by a receive timeout all read the same."""

    def pair(self) -> "tuple[socket.socket, socket.socket]":
        left, right = socket.socketpair()
        self.addCleanup(left.close)
        self.addCleanup(right.close)
        return left, right

    def test_frames_joined_and_cut(self) -> None:
        left, right = self.pair()
        reader = FrameReader(right)
        messages = [
            {"type": "m", "n": index, "pad": "x" * size}
            for index, size in enumerate((0, 10, 70000, 3))
        ]
        left.sendall(b"".join(encode_frame(message) for message in messages))
        self.assertEqual([reader.read() for _ in messages], messages)
        frame = encode_frame({"type": "cut"})
        right.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("@ll", 0, 20000))
        for cut in (1, 4, 9):
            left.sendall(frame[:cut])
            with self.assertRaises(BlockingIOError):
                reader.read()
            left.sendall(frame[cut:] + frame)
            self.assertEqual(reader.read(), {"type": "cut"})
            self.assertEqual(reader.read(), {"type": "cut"})
        left.close()
        self.assertIsNone(reader.read())

    def test_broken_streams(self) -> None:
        for data, error in (
            (encode_frame({"type": "a"})[:7], "stream ended inside a frame"),
            (b"\0\0", "stream ended inside a frame's length"),
            (struct.pack(">I", MAX_FRAME_BYTES + 1), "exceeds the limit"),
            (struct.pack(">I", 2) + b"[]", "not a JSON object"),
        ):
            with self.subTest(error):
                left, right = self.pair()
                left.sendall(data)
                left.shutdown(socket.SHUT_WR)
                with self.assertRaisesRegex(ProtocolError, re.escape(error)):
                    FrameReader(right).read()


if __name__ == "__main__":
    unittest.main()
