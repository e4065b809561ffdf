"""Load: one Python agent serving a parallel build of many translation units.

The CI-sized version of bench/load/run.py, on a generated program of 64
translation units, with the real clang and plugin ($OPTGYM_PLUGIN):

* ``make -j16`` with the agent answering LLVM's default to everything: the
  build and every compile finish before a generous deadline (no deadlock),
  no compile warns or falls back to LLVM's defaults (no dropped query), the
  agent answered exactly the queries each compile counted (OPTGYM_VERBOSE),
  and the objects equal those of a build without the plugin;
* ``make -j64``, 64 compiles at once, with a decide function that holds
  each compiler's first query until all 64 are connected and waiting: the
  server must serve 64 connections at the same time (a server that
  serialized them, or ran fewer threads, never gets there and the build
  hits its deadline), and all the checks above hold.

No timing is asserted; bench/load/README.md has the figures.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import unittest
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

import pytest

import optgym
from optgym.toolchain import Toolchain, tool_environment

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "load"))

import generate  # noqa: E402
import loadlib  # noqa: E402

pytestmark = pytest.mark.slow

#: 63 units and main.c: 64 compiles, so make -j64 runs them all at once.
UNITS = 63
COMPILES = UNITS + 1
#: Generous: a loaded 2-core machine builds this in well under a minute.
DEADLINE_SECONDS = 600
#: How long the burst's first queries wait for all 64 compilers (each
#: needs a fraction of a second of CPU to get there).
GATE_SECONDS = 120
#: The burst holds compilers waiting on purpose; they must not give up.
BURST_TIMEOUT_MS = 600_000


class AllConnectedGate:
    """A decide function that holds each process's first query until
    ``parties`` processes are waiting, then answers everything at once with
    LLVM's default. Thread-safe (for ``serialize=False``)."""

    def __init__(self, parties: int, timeout: float) -> None:
        self.parties = parties
        self.timeout = timeout
        self.lock = threading.Lock()
        self.waiting: Set[Optional[int]] = set()
        self.open = threading.Event()
        self.most_waiting = 0

    def __call__(self, query: optgym.Query) -> None:
        if self.open.is_set():
            return None
        with self.lock:
            self.waiting.add(query.pid)
            self.most_waiting = max(self.most_waiting, len(self.waiting))
            if len(self.waiting) >= self.parties:
                self.open.set()
        if not self.open.wait(self.timeout):
            raise RuntimeError(
                "only %d of %d compilers reached the agent at once"
                % (len(self.waiting), self.parties)
            )
        return None


class LoadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        toolchain = Toolchain.default()
        cls.cc = toolchain.require("clang")
        cls.cflags = "-O2 -fpass-plugin=" + toolchain.plugin()
        cls.temp = tempfile.TemporaryDirectory(prefix="optgym-load-")
        cls.root = cls.temp.name
        cls.sources = generate.generate(os.path.join(cls.root, "plain"), UNITS, seed=7)
        result = loadlib.run_make(
            os.path.join(cls.root, "plain"),
            cls.sources,
            ["-s", "-j16", "CC=" + cls.cc, "CFLAGS=-O2"],
            tool_environment(),
            DEADLINE_SECONDS,
        )
        assert result.status == 0, result.output

    @classmethod
    def tearDownClass(cls) -> None:
        cls.temp.cleanup()

    def build_with_agent(
        self, name: str, jobs: int, decide: Any, timeout_ms: int, **server_options: Any
    ) -> Dict[str, Any]:
        directory = os.path.join(self.root, name)
        self.assertEqual(generate.generate(directory, UNITS, seed=7), self.sources)
        log: List[str] = []
        with optgym.AgentServer(decide, log=log.append, token="", **server_options) as server:
            environment = tool_environment()
            environment.update(
                OPTGYM_ORACLE=server.oracle_spec,
                OPTGYM_VERBOSE="1",
                OPTGYM_AGENT_TIMEOUT_MS=str(timeout_ms),
            )
            result = loadlib.run_make(
                directory,
                self.sources,
                ["-s", "-j%d" % jobs, "CC=" + self.cc, "CFLAGS=" + self.cflags],
                environment,
                DEADLINE_SECONDS,
                os.path.join(self.root, name + "-logs"),
            )
            self.assertTrue(server.wait_idle(60), "connections still open after the build")
            units = server.units()
            check = loadlib.check_build(result, units, server.errors + server.connection_errors)
            peak = server.peak_connections
            connections = server.connection_count
        self.assertEqual(check.problems, [])
        self.assertEqual(log, [])
        self.assertEqual(connections, COMPILES)
        self.assertEqual(len(units), COMPILES)
        # Every compile asked something, so a silent plugin cannot pass.
        self.assertTrue(all(log.total_queries > 0 for log in result.logs.values()))
        self.assertEqual(check.server_queries, check.client_queries)
        return {"directory": directory, "peak": peak, "units": units}

    def test_make_j16_default_answers_give_the_plain_objects(self) -> None:
        built = self.build_with_agent("agent-j16", 16, lambda query: None, 2000)
        self.assertLessEqual(built["peak"], 16)
        kinds = {decision.kind for unit in built["units"] for decision in unit.decisions}
        self.assertLessEqual({"pass-gate", "loop-unroll", "loop-vectorize", "inline"}, kinds)
        differing = []
        for source in self.sources:
            name = source[: -len(".c")] + ".o"
            with open(os.path.join(built["directory"], name), "rb") as ours:
                with open(os.path.join(self.root, "plain", name), "rb") as plain:
                    if ours.read() != plain.read():
                        differing.append(name)
        self.assertEqual(differing, [])

    def test_make_j64_holds_64_connections_at_once(self) -> None:
        gate = AllConnectedGate(COMPILES, timeout=GATE_SECONDS)
        built = self.build_with_agent(
            "agent-j64", COMPILES, gate, BURST_TIMEOUT_MS, serialize=False
        )
        self.assertTrue(gate.open.is_set())
        self.assertEqual(gate.most_waiting, COMPILES)
        self.assertEqual(built["peak"], COMPILES)
