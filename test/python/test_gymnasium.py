"""OptGym's environments through Gymnasium, on the real driver (opt with
the plugin): registration, Gymnasium's own environment checker, its
wrappers and its vector environments. Also: the installed package's
version is the one the plugin says in its hello.

They need the plugin with its pass-choice driver and fail without it
(test/python/machine.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import unittest
import warnings
from pathlib import Path
from unittest import mock

import gymnasium
import numpy as np
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AsyncVectorEnv
from gymnasium.wrappers import RecordEpisodeStatistics

import optgym
import optgym.mlir
from optgym.cache import Cache
from optgym.envs import ENVIRONMENTS
from optgym.protocol import read_frame, validate_client_hello
from optgym.toolchain import tool_environment

from machine import TOOLCHAIN, driver_plugin, needs

CRC32 = "benchmark://optgym-v0/crc32"
_LOOPS = Path(__file__).resolve().parents[1] / "lit" / "Inputs" / "loops.ll"


def _make_env(env_id: str = "optgym/llvm-autophase-ic-v0", **kwargs):
    """A Gymnasium-made environment on crc32 (module-level: vector
    environments pickle it into their workers)."""
    return gymnasium.make(env_id, benchmark=CRC32, **kwargs)


@needs(driver_plugin)
class GymnasiumTest(unittest.TestCase):
    def setUp(self) -> None:
        self.temp = tempfile.TemporaryDirectory(prefix="optgym-gymnasium-")
        self.addCleanup(self.temp.cleanup)
        # One cache for the benchmarks and baselines of every environment,
        # workers of vector environments included.
        environment = {"OPTGYM_PLUGIN": driver_plugin(), "OPTGYM_CACHE": self.temp.name}
        patch = mock.patch.dict(os.environ, environment)
        patch.start()
        self.addCleanup(patch.stop)

    def test_every_environment_is_registered_and_passes_check_env(self) -> None:
        for env_id in ENVIRONMENTS:
            with self.subTest(env_id=env_id):
                self.assertIn("optgym/" + env_id, gymnasium.registry)
                if env_id.startswith("mlir-"):
                    env = gymnasium.make("optgym/" + env_id, benchmark="jacobi-1d")
                    expected = optgym.mlir.MlirEnv
                else:
                    env = _make_env("optgym/" + env_id)
                    expected = optgym.LlvmEnv
                self.addCleanup(env.close)
                self.assertIsInstance(env.unwrapped, expected)
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    check_env(env.unwrapped, skip_render_check=True)

    def test_gymnasium_make_equals_optgym_make(self) -> None:
        through_gymnasium = _make_env()
        self.addCleanup(through_gymnasium.close)
        direct = optgym.make(
            "llvm-autophase-ic-v0", benchmark=CRC32, cache=Cache(os.environ["OPTGYM_CACHE"])
        )
        self.addCleanup(direct.close)
        actions = ["-sroa", "-instcombine", "-simplifycfg"]
        first, _ = through_gymnasium.reset(seed=0)
        second, _ = direct.reset(seed=0)
        np.testing.assert_array_equal(first, second)
        for action in actions:
            index = direct.action_space.index(action)
            first, first_reward, *_ = through_gymnasium.step(index)
            second, second_reward, *_ = direct.step(index)
            np.testing.assert_array_equal(first, second)
            self.assertEqual(first_reward, second_reward)

    def test_time_limit_and_episode_statistics(self) -> None:
        env = RecordEpisodeStatistics(_make_env(max_episode_steps=4))
        self.addCleanup(env.close)
        env.reset(seed=1)
        rewards = []
        terminated = truncated = False
        while not (terminated or truncated):
            _, reward, terminated, truncated, info = env.step(env.action_space.sample())
            rewards.append(reward)
        self.assertTrue(truncated)
        self.assertEqual(info["episode"]["l"], 4)
        self.assertAlmostEqual(float(info["episode"]["r"]), sum(rewards), places=5)

    def test_async_vector_env(self) -> None:
        envs = AsyncVectorEnv([_make_env, _make_env, _make_env])
        self.addCleanup(envs.close)
        observations, _ = envs.reset(seed=7)
        self.assertEqual(observations.shape, (3, 56))
        # The same start everywhere: every worker resets the same benchmark.
        self.assertTrue((observations == observations[0]).all())
        for _ in range(3):
            actions = envs.action_space.sample()
            observations, rewards, terminated, truncated, _ = envs.step(actions)
            self.assertEqual(observations.shape, (3, 56))
            self.assertEqual(rewards.shape, (3,))
            self.assertFalse(terminated.any())


@needs(driver_plugin)
class VersionTest(unittest.TestCase):
    def test_the_plugin_says_the_package_version_in_its_hello(self) -> None:
        with tempfile.TemporaryDirectory(prefix="optgym-hello-") as directory:
            path = os.path.join(directory, "agent.sock")
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
                server.bind(path)
                server.listen(1)
                server.settimeout(60)
                opt = subprocess.Popen(
                    [
                        TOOLCHAIN.path("opt"),
                        "-load-pass-plugin=" + driver_plugin(),
                        "-passes=default<O1>",
                        "-disable-output",
                        str(_LOOPS),
                    ],
                    env=dict(tool_environment(), OPTGYM_ORACLE="socket:" + path),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                try:
                    connection, _ = server.accept()
                    with connection, connection.makefile("rb") as stream:
                        hello = validate_client_hello(read_frame(stream))
                finally:
                    # Without an answer the compile goes on with LLVM's
                    # defaults; it must still finish cleanly.
                    _, stderr = opt.communicate(timeout=120)
        self.assertEqual(opt.returncode, 0, stderr)
        self.assertEqual(hello.client, "optgym " + optgym.__version__)
        self.assertEqual(hello.llvm.split(".")[0], TOOLCHAIN.llvm_version)
