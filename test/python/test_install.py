"""The package as a user installs it: a wheel, built by pip from the source
tree, installed into a fresh virtual environment, used from outside the
source tree with no OptGym variable set. And the install's one clear error
when LLVM's development files are missing.

The wheel is built from the build directory of the plugin under test (the
one $OPTGYM_PLUGIN names, as utils/test.sh sets it), so nothing is compiled
again; its dependencies come from PyPI (pip's cache). Marked slow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

import pytest

import optgym

from machine import TOOLCHAIN, driver_plugin, needs

_ROOT = Path(__file__).resolve().parents[2]

# What a user runs after `pip install optgym`: an episode through Gymnasium,
# Gymnasium's checker, the plugin and the bundled programs found by the
# package alone.
_USER_SCRIPT = textwrap.dedent(
    """\
    import json
    import gymnasium, optgym
    from gymnasium.utils.env_checker import check_env

    env = gymnasium.make("optgym/llvm-autophase-ic-v0",
                         benchmark="benchmark://optgym-v0/crc32")
    observation, info = env.reset(seed=0)
    total = 0.0
    for action in ("-sroa", "-instcombine", "-simplifycfg"):
        observation, reward, terminated, truncated, info = env.step(
            env.unwrapped.action_space.index(action))
        assert not terminated, info
        total += reward
    check_env(env.unwrapped, skip_render_check=True)
    env.close()
    print(json.dumps({"plugin": optgym.find_plugin(), "reward": total,
                      "observation": len(observation), "version": optgym.__version__,
                      "programs": len(optgym.datasets()),
                      "splits": len(optgym.datasets(split="test"))}))
    """
)


def _clean_environment(**extra: str) -> dict:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OPTGYM_", "PYTHON", "VIRTUAL_ENV"))
    }
    environment.update(extra)
    return environment


def _run(argv, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, **kwargs)


@pytest.mark.slow
@needs(driver_plugin)
class WheelTest(unittest.TestCase):
    def test_a_fresh_environment_runs_an_episode_from_the_wheel(self) -> None:
        build_dir = Path(driver_plugin()).parents[1]
        with tempfile.TemporaryDirectory(prefix="optgym-wheel-") as directory:
            scratch = Path(directory)
            wheel = _run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "wheel",
                    "--no-build-isolation",
                    "--no-deps",
                    "--wheel-dir",
                    str(scratch / "dist"),
                    "--config-settings",
                    "build-dir=%s" % build_dir,
                    str(_ROOT),
                ],
                env=dict(os.environ, OPTGYM_LLVM_VERSION=TOOLCHAIN.llvm_version),
                timeout=900,
            )
            self.assertEqual(wheel.returncode, 0, wheel.stdout + wheel.stderr)
            (wheel_path,) = (scratch / "dist").glob("optgym-*.whl")
            self.assertIn("py3-none-linux", wheel_path.name)

            venv = scratch / "venv"
            created = _run(["/usr/bin/python3", "-m", "venv", str(venv)], timeout=120)
            self.assertEqual(created.returncode, 0, created.stderr)
            installed = _run(
                [
                    str(venv / "bin" / "pip"),
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    str(wheel_path),
                ],
                env=_clean_environment(),
                timeout=900,
            )
            self.assertEqual(installed.returncode, 0, installed.stdout + installed.stderr)

            # Outside the source tree, with no OptGym variable set.
            environment = _clean_environment(OPTGYM_CACHE=str(scratch / "cache"))
            used = _run(
                [str(venv / "bin" / "python"), "-c", _USER_SCRIPT],
                env=environment,
                cwd=str(scratch),
                timeout=600,
            )
            self.assertEqual(used.returncode, 0, used.stderr)
            result = json.loads(used.stdout.strip().splitlines()[-1])
            site = venv / "lib"
            self.assertTrue(result["plugin"].startswith(str(site)), result["plugin"])
            self.assertTrue(result["plugin"].endswith("optgym/_native/lib/OptGym.so"))
            self.assertEqual(result["observation"], 56)
            self.assertGreater(result["reward"], 0)
            self.assertEqual(result["version"], optgym.__version__)
            self.assertEqual(result["programs"], len(optgym.datasets()))
            self.assertEqual(result["splits"], len(optgym.datasets(split="test")))

            helped = _run(
                [str(venv / "bin" / "optgym"), "--help"],
                env=environment,
                cwd=str(scratch),
                timeout=120,
            )
            self.assertEqual(helped.returncode, 0, helped.stderr)
            for command in ("usage: optgym", "run-build", "search", "leaderboard"):
                self.assertIn(command, helped.stdout)
            listed = _run(
                [str(venv / "bin" / "optgym"), "datasets"],
                env=environment,
                cwd=str(scratch),
                timeout=120,
            )
            self.assertEqual(listed.returncode, 0, listed.stderr)
            self.assertIn("benchmark://optgym-v0/crc32", listed.stdout)


class MissingLlvmTest(unittest.TestCase):
    """Without LLVM's development files the install stops with one message
    that names what is missing and the command that installs it."""

    def configure_for_llvm_22(self, prefix: str) -> str:
        """CMake's error text (on one line) when LLVM 22 is looked for in
        PREFIX ({build} is the build directory)."""
        with tempfile.TemporaryDirectory(prefix="optgym-nollvm-") as build:
            configured = _run(
                ["cmake", "-S", str(_ROOT), "-B", build, "-G", "Ninja",
                 "-DOPTGYM_LLVM_VERSION=22",
                 "-DOPTGYM_LLVM_PREFIX=" + prefix.format(build=build)],
                timeout=120,
            )  # fmt: skip
        self.assertNotEqual(configured.returncode, 0)
        message = " ".join(configured.stderr.split())
        self.assertIn("OptGym: LLVM 22 not found", message)
        self.assertIn("apt-get install llvm-22-dev clang-22 llvm-22-tools", message)
        self.assertIn("OPTGYM_LLVM_VERSION", message)
        return message

    def test_cmake_says_what_to_install(self) -> None:
        message = self.configure_for_llvm_22("{build}/none")
        self.assertIn("no LLVMConfig.cmake under", message)

    def test_another_major_than_the_one_asked_for(self) -> None:
        # LLVM 19's files where 22's are expected.
        message = self.configure_for_llvm_22("/usr/lib/llvm-19")
        self.assertIn("/usr/lib/llvm-19 holds LLVM 19.", message)
