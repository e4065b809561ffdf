"""Tests of run_build, find_plugin, the built-in agents and the command line.

The "builds" here are fake_plugin.py processes playing compilers: they read
OPTGYM_ORACLE from their environment and talk to the agent like the plugin.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path
from typing import Any, Dict, List
from unittest import mock

from optgym import BuildResult, Query, find_plugin, run_build
from optgym import plugin as plugin_module
from optgym.agents import AgentSpecError, RandomAgent, load_agent

from fake_plugin import FakePlugin

FAKE = str(Path(__file__).resolve().parent / "fake_plugin.py")


def unroll_full(query: Query) -> Any:
    return "full" if query.kind == "loop-unroll" else None


def make_query(kind: str = "loop-unroll", key: str = "a.c:f:loop#0") -> Query:
    return Query(
        id=1,
        kind=kind,
        key=key,
        features={},
        choices=("default", "disable", "full", "count:2", "count:4"),
        default="default",
    )


class TempDirTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.temp = tempfile.TemporaryDirectory(prefix="optgym-test-")
        self.addCleanup(self.temp.cleanup)
        self.dir = Path(self.temp.name)
        self.plugin = self.dir / "OptGym.so"
        self.plugin.write_bytes(b"")
        self.log: List[str] = []

    def fake(self, *arguments: str) -> List[str]:
        return [sys.executable, FAKE, *arguments]

    def environment_seen(self) -> Dict[str, Any]:
        return json.loads((self.dir / "env.json").read_text())


class RunBuildTest(TempDirTestCase):
    def test_units_environment_and_plugin_placeholder(self) -> None:
        result = run_build(
            self.fake(
                "compile", "--env-out", str(self.dir / "env.json"), "--load={plugin}", "b.c", "a.c"
            ),
            unroll_full,
            plugin=self.plugin,
            decisions=["loop-unroll", "pass-gate"],
            timeout_ms=0,
            env={"FAKE_EXTRA": "1", "CCC_OVERRIDE_OPTIONS": None},
            log=self.log.append,
        )
        self.assertIsInstance(result, BuildResult)
        self.assertEqual(
            (result.returncode, result.ok, result.stdout, result.stderr), (0, True, None, None)
        )
        self.assertEqual([unit.module for unit in result.units], ["a.c", "b.c"])
        a = result.unit("a.c")
        self.assertEqual((a.queries, a.departures, a.stats["ir_instructions"]), (4, 1, 103))
        self.assertEqual(a.pid, result.unit("b.c").pid)
        self.assertEqual(len(result.decisions), 8)
        self.assertEqual(result.decisions[3].chosen, "full")

        seen = self.environment_seen()
        plugin = str(self.plugin.resolve())
        self.assertIn("--load=" + plugin, seen["argv"])
        oracle = seen["env"]["OPTGYM_ORACLE"]
        self.assertTrue(oracle.startswith("socket:/") and oracle.endswith("/agent.sock"), oracle)
        self.assertFalse(
            os.path.exists(oracle[len("socket:") :]), "the server's socket outlives the build"
        )
        self.assertEqual(
            seen["env"],
            {
                "OPTGYM_ORACLE": oracle,
                "OPTGYM_PLUGIN": plugin,
                "OPTGYM_DECISIONS": "loop-unroll,pass-gate",
                "OPTGYM_AGENT_TIMEOUT_MS": "0",
                "CCC_OVERRIDE_OPTIONS": None,
                "FAKE_EXTRA": "1",
            },
        )
        data = json.loads(json.dumps(result.to_json()))
        self.assertEqual(data["units"][0]["module"], "a.c")
        self.assertEqual(data["units"][0]["decisions"][3]["chosen"], "full")
        self.assertEqual(data["plugin"], plugin)
        self.assertNotIn("stdout", data)
        self.assertEqual(self.log, [])

    def test_unit_lookup_errors(self) -> None:
        result = run_build(
            self.fake("compile", "a.c", "a.c"), unroll_full, plugin=self.plugin, inject_clang=False
        )
        with self.assertRaisesRegex(KeyError, "no unit for module 'z.c' \\(modules: a.c\\)"):
            result.unit("z.c")
        # One process compiled a.c twice: a pid does not tell them apart.
        with self.assertRaisesRegex(LookupError, "compiled by 2 processes"):
            result.unit("a.c")

    def test_parallel_build(self) -> None:
        modules = ["e.c", "d.c", "c.c", "b.c", "a.c"]
        result = run_build(
            self.fake("build", "--jobs", "5", *modules), RandomAgent(3), plugin=self.plugin
        )
        self.assertTrue(result.ok)
        self.assertEqual([unit.module for unit in result.units], sorted(modules))
        self.assertEqual(len({unit.pid for unit in result.units}), 5)
        self.assertEqual(len({unit.connection for unit in result.units}), 5)
        for unit in result.units:
            self.assertEqual(unit.queries, 4)
            self.assertEqual(unit.stats["queries"], 4)
            self.assertEqual(unit.stats["departures"], unit.departures)
            self.assertTrue(
                all(decision.key.startswith(unit.module + ":") for decision in unit.decisions)
            )

    def test_clang_gets_the_plugin_through_its_driver(self) -> None:
        plugin = str(self.plugin.resolve())
        env_out = str(self.dir / "env.json")
        run_build(
            self.fake("compile", "--env-out", env_out),
            unroll_full,
            plugin=self.plugin,
            env={"CCC_OVERRIDE_OPTIONS": None},
        )
        self.assertEqual(
            self.environment_seen()["env"]["CCC_OVERRIDE_OPTIONS"], "# +-fpass-plugin=" + plugin
        )

        run_build(
            self.fake("compile", "--env-out", env_out),
            unroll_full,
            plugin=self.plugin,
            env={"CCC_OVERRIDE_OPTIONS": "# x-Werror"},
        )
        self.assertEqual(
            self.environment_seen()["env"]["CCC_OVERRIDE_OPTIONS"],
            "# x-Werror +-fpass-plugin=" + plugin,
        )

        run_build(
            self.fake("compile", "--env-out", env_out),
            unroll_full,
            plugin=self.plugin,
            inject_clang=False,
            env={"CCC_OVERRIDE_OPTIONS": None},
        )
        self.assertIsNone(self.environment_seen()["env"]["CCC_OVERRIDE_OPTIONS"])

        spaced = self.dir / "with space.so"
        spaced.write_bytes(b"")
        with self.assertRaisesRegex(ValueError, "white space"):
            run_build(self.fake("compile"), unroll_full, plugin=spaced)

    def test_shell_command_with_captured_output(self) -> None:
        command = "%s compile --exit 3 a.c; status=$?; echo built; exit $status" % " ".join(
            shlex.quote(argument) for argument in self.fake()
        )
        result = run_build(command, unroll_full, plugin=self.plugin, capture_output=True)
        self.assertEqual(
            (result.returncode, result.ok, result.stdout, result.stderr), (3, False, "built\n", "")
        )
        self.assertEqual(result.unit("a.c").queries, 4)
        self.assertEqual(result.to_json()["stdout"], "built\n")

    def test_check_raises_after_the_build(self) -> None:
        with self.assertRaises(subprocess.CalledProcessError) as caught:
            run_build(
                self.fake("compile", "--exit", "2", "a.c"),
                unroll_full,
                plugin=self.plugin,
                check=True,
            )
        self.assertEqual(caught.exception.returncode, 2)

    def test_a_failing_agent_does_not_fail_the_build(self) -> None:
        def decide(query: Query) -> Any:
            raise RuntimeError("agent bug")

        result = run_build(
            self.fake("compile", "a.c", "b.c"), decide, plugin=self.plugin, log=self.log.append
        )
        self.assertEqual(result.returncode, 0)
        self.assertFalse(result.ok)
        self.assertEqual(len(result.agent_errors), 8)
        self.assertEqual(sum(unit.departures for unit in result.units), 0)
        self.assertEqual(len([line for line in self.log if "agent bug" in line]), 1)

    def test_a_unit_without_module_end(self) -> None:
        # Paths are arguments too.
        command = [Path(sys.executable), Path(FAKE), "compile", "--no-module-end", "a.c"]
        result = run_build(command, unroll_full, plugin=self.plugin)
        self.assertIsNone(result.unit("a.c").stats)
        self.assertEqual(
            result.command, [sys.executable, FAKE, "compile", "--no-module-end", "a.c"]
        )

    def test_a_missing_plugin(self) -> None:
        with self.assertRaisesRegex(FileNotFoundError, "no such file"):
            run_build(self.fake("compile"), unroll_full, plugin=self.dir / "missing.so")


class FindPluginTest(TempDirTestCase):
    """find_plugin against fake installation roots: the package's own tree
    (what pip installs) first, then install prefixes (cmake --install)."""

    def setUp(self) -> None:
        super().setUp()
        patcher = mock.patch.dict(os.environ)
        patcher.start()
        self.addCleanup(patcher.stop)
        os.environ.pop("OPTGYM_PLUGIN", None)
        self.roots = [self.dir / "site" / "optgym" / "_native", self.dir / "prefix"]
        patcher = mock.patch.object(plugin_module, "installation_roots", lambda: self.roots)
        patcher.start()
        self.addCleanup(patcher.stop)
        # Which LLVM each fake plugin is for: the file says it.
        patcher = mock.patch(
            "optgym.plugin.plugin_llvm_major",
            lambda path: Path(path).read_text() or None,
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def install_plugin(self, root: Path, llvm_major: str) -> str:
        path = root / "lib" / "OptGym.so"
        path.parent.mkdir(parents=True)
        path.write_text(llvm_major)
        return str(path.resolve())

    def test_the_variable_wins(self) -> None:
        self.install_plugin(self.roots[0], "19")
        os.environ["OPTGYM_PLUGIN"] = str(self.plugin)
        self.assertEqual(find_plugin(), str(self.plugin.resolve()))
        os.environ["OPTGYM_PLUGIN"] = str(self.dir / "missing.so")
        with self.assertRaisesRegex(
            FileNotFoundError, "^OPTGYM_PLUGIN=.*missing.so: no such file$"
        ):
            find_plugin()

    def test_the_package_then_install_prefixes(self) -> None:
        with self.assertRaises(FileNotFoundError) as caught:
            find_plugin()
        message = str(caught.exception)
        for text in (
            "site/optgym/_native/lib/OptGym.so",
            "prefix/lib/OptGym.so",
            "pip install .",
            "OPTGYM_PLUGIN",
        ):
            self.assertIn(text, message)

        in_prefix = self.install_plugin(self.roots[1], "22")
        self.assertEqual(find_plugin(), in_prefix)
        in_package = self.install_plugin(self.roots[0], "19")
        self.assertEqual(find_plugin(), in_package)
        self.assertEqual(find_plugin("19"), in_package)
        self.assertEqual(find_plugin(22), in_prefix)

    def test_a_plugin_for_another_llvm_is_passed_over(self) -> None:
        self.install_plugin(self.roots[0], "19")
        with self.assertRaises(FileNotFoundError) as caught:
            find_plugin(22)
        self.assertIn("for LLVM 22", str(caught.exception))
        self.assertIn("(built for LLVM 19)", str(caught.exception))


class AgentsTest(TempDirTestCase):
    def test_default(self) -> None:
        self.assertIsNone(load_agent("default")(make_query()))

    def test_random_is_reproducible_and_order_independent(self) -> None:
        keys = ["a.c:f:loop#%d" % index for index in range(64)]
        first = [load_agent("random:7")(make_query(key=key)) for key in keys]
        second = [load_agent("random:seed=7")(make_query(key=key)) for key in reversed(keys)]
        self.assertEqual(first, list(reversed(second)))
        self.assertTrue(set(first) <= set(make_query().choices))
        self.assertGreater(len(set(first)), 1)
        self.assertNotEqual(first, [load_agent("random:8")(make_query(key=key)) for key in keys])
        self.assertEqual(load_agent("random")(make_query()), RandomAgent(0)(make_query()))

    def test_python_files_and_modules(self) -> None:
        (self.dir / "helper_for_agent.py").write_text("CHOICE = 'count:2'\n")
        agent_file = self.dir / "my-agent.py"
        agent_file.write_text(
            textwrap.dedent(
                """\
            from helper_for_agent import CHOICE
            def decide(query):
                return CHOICE
            def other(query):
                return 1
            """
            )
        )
        self.assertEqual(load_agent(str(agent_file))(make_query()), "count:2")
        self.assertEqual(load_agent("%s:other" % agent_file)(make_query()), 1)
        self.assertIs(load_agent("json:dumps"), json.dumps)

    def test_errors(self) -> None:
        for spec, text in (
            ("bogus", "expected default, random"),
            ("random:x", "seed must be a non-negative integer"),
            ("missing.py", "no such file"),
            ("no_such_module_for_optgym:f", "no module named 'no_such_module_for_optgym'"),
            ("json:no_such_function", "has no function 'no_such_function'"),
            ("json:__doc__", "is not callable"),
        ):
            with self.assertRaisesRegex(AgentSpecError, re.escape(text), msg=spec):
                load_agent(spec)


class CommandLineTest(TempDirTestCase):
    def run_optgym(self, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "optgym", *arguments],
            cwd=self.dir,
            env=self.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
            timeout=60,
        )

    def environment(self) -> Dict[str, str]:
        environment = dict(os.environ)
        environment.pop("OPTGYM_PLUGIN", None)
        return environment

    def test_run_build(self) -> None:
        completed = self.run_optgym(
            "run-build",
            "--agent",
            "random:1",
            "--plugin",
            str(self.plugin),
            "--json",
            "result.json",
            "--",
            *self.fake("compile", "--exit", "3", "b.c", "a.c"),
        )
        self.assertEqual(completed.returncode, 3, completed.stderr)
        lines = completed.stdout.splitlines()
        self.assertEqual(len(lines), 2, completed.stdout)
        for line, module in zip(lines, ("a.c", "b.c")):
            self.assertRegex(
                line, r"^%s queries=4 departures=\d ir_instructions=103$" % re.escape(module)
            )
        data = json.loads((self.dir / "result.json").read_text())
        self.assertEqual([unit["module"] for unit in data["units"]], ["a.c", "b.c"])
        self.assertEqual(data["returncode"], 3)

        completed = self.run_optgym(
            "run-build",
            "--plugin",
            str(self.plugin),
            *self.fake("compile", "--no-module-end", "a.c"),
        )
        self.assertEqual(
            (completed.returncode, completed.stdout),
            (0, "a.c queries=1 departures=0 ir_instructions=-\n"),
        )

    def test_usage_errors(self) -> None:
        completed = self.run_optgym("run-build", "--")
        self.assertEqual(completed.returncode, 2)
        self.assertIn(
            "optgym run-build: error: run-build needs a build command after --", completed.stderr
        )
        completed = self.run_optgym("run-build", "--agent", "bogus", "--", "true")
        self.assertEqual(completed.returncode, 2)
        self.assertIn("agent 'bogus': expected", completed.stderr)
        completed = self.run_optgym("serve", "--tcp", "x")
        self.assertEqual(completed.returncode, 2)
        self.assertIn("--tcp 'x': the port must be a number", completed.stderr)
        completed = self.run_optgym(
            "run-build", "--plugin", str(self.plugin), "--", "no-such-command-for-optgym"
        )
        self.assertEqual(completed.returncode, 127)
        self.assertIn("optgym: error: ", completed.stderr)

    def serve_and_stop(self, arguments: List[str], stop_signal: int) -> str:
        (self.dir / "agent.py").write_text("def decide(query):\n    return 'full'\n")
        process = subprocess.Popen(
            [sys.executable, "-m", "optgym", "serve", "--agent", "agent.py", *arguments],
            cwd=self.dir,
            env=self.environment(),
            stderr=subprocess.PIPE,
            universal_newlines=True,
            # A test runner may ignore SIGINT (lit's workers do), and an
            # ignored SIGINT is inherited: Python then installs no
            # KeyboardInterrupt handler, and Ctrl-C would not reach serve.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            assert process.stderr is not None
            first_line = process.stderr.readline()
            match = re.match(
                r"^optgym: serving on (socket:\S+); set OPTGYM_ORACLE=(socket:\S+)$", first_line
            )
            self.assertIsNotNone(match, first_line)
            assert match is not None
            self.assertEqual(match.group(1), match.group(2))
            with FakePlugin(match.group(1)) as plugin:
                plugin.hello()
                plugin.module("a.c")
                self.assertEqual(plugin.query("loop-unroll", "a.c:f:loop#0", [1, 4])["choice"], 2)
            process.send_signal(stop_signal)
            _, rest = process.communicate(timeout=30)
            self.assertEqual(process.returncode, 0)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        self.assertNotIn("Traceback", rest)
        self.assertIn("optgym: stopped after 1 connections, 1 units, 1 queries", rest)
        return match.group(1)

    def test_serve_until_ctrl_c(self) -> None:
        spec = self.serve_and_stop([], signal.SIGINT)
        self.assertFalse(os.path.exists(os.path.dirname(spec[len("socket:") :])))

    def test_serve_tcp_until_sigterm(self) -> None:
        spec = self.serve_and_stop(["--tcp", "127.0.0.1:0"], signal.SIGTERM)
        self.assertRegex(spec, r"^socket:tcp:127\.0\.0\.1:[1-9]\d*$")

    def test_serve_a_given_socket(self) -> None:
        path = self.dir / "named.sock"
        spec = self.serve_and_stop(["--socket", str(path)], signal.SIGINT)
        self.assertEqual(spec, "socket:" + str(path))
        self.assertFalse(path.exists())


if __name__ == "__main__":
    unittest.main()
