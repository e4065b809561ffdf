"""Tests of optgym.server.AgentServer against fake plugin clients."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import gc
import os
import re
import socket
import stat
import struct
import tempfile
import threading
import time
import unittest
from pathlib import Path
from typing import Any, Iterator, List
from unittest import mock

from optgym import AgentServer, Decision, Query, __version__
from optgym.server import parse_tcp_address

from fake_plugin import FakePlugin, frame


class Log:
    """Collects what a server logs."""

    def __init__(self) -> None:
        self.lines: List[str] = []

    def __call__(self, text: str) -> None:
        self.lines.append(text)

    def matching(self, pattern: str) -> List[str]:
        return [line for line in self.lines if re.search(pattern, line)]


class IndexLike:
    """An integer-like answer such as numpy's, which is not an int."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


def default_decide(query: Query) -> None:
    return None


def module_key(module: str, index: int) -> str:
    return "%s:f:loop#%d" % (module, index)


class ServerTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.log = Log()

    @contextlib.contextmanager
    def serving(self, decide: Any = default_decide, **kwargs: Any) -> Iterator[AgentServer]:
        kwargs.setdefault("log", self.log)
        server = AgentServer(decide, **kwargs)
        try:
            yield server
        finally:
            server.close()

    def assert_no_server_threads(self) -> None:
        names = [
            thread.name for thread in threading.enumerate() if thread.name.startswith("optgym-")
        ]
        self.assertEqual(names, [])


class ConversationTest(ServerTestCase):
    def test_hello_queries_and_the_query_object(self) -> None:
        seen: List[Query] = []

        def decide(query: Query) -> Any:
            seen.append(query)
            return "full" if query.kind == "loop-unroll" else None

        with self.serving(decide) as server, FakePlugin(server.oracle_spec, pid=4242) as plugin:
            self.assertEqual(
                plugin.hello(),
                {"type": "hello", "protocol": 1, "agent": "optgym-python " + __version__},
            )
            plugin.module("src/a.c")
            self.assertEqual(
                plugin.query("pass-gate", "src/a.c:f:gvn#1", ["gvn", "function", 12, 1, 0]),
                {"type": "answer", "id": 1, "choice": 0},
            )
            self.assertEqual(
                plugin.query("loop-unroll", "src/a.c:f:loop#0", [1, 8]),
                {"type": "answer", "id": 2, "choice": 2},
            )

        gate, unroll = seen
        self.assertEqual(gate.id, 1)
        self.assertEqual(
            dict(gate.features),
            {"pass": "gvn", "unit": "function", "unit_size": 12, "ordinal": 1, "loop_depth": 0},
        )
        self.assertEqual(
            list(gate.features), ["pass", "unit", "unit_size", "ordinal", "loop_depth"]
        )
        self.assertEqual(gate.choices, ("run", "skip"))
        self.assertEqual((gate.default, gate.default_index), ("run", 0))
        self.assertEqual(
            (unroll.kind, unroll.key, unroll.module, unroll.pid),
            ("loop-unroll", "src/a.c:f:loop#0", "src/a.c", 4242),
        )
        self.assertEqual(unroll.choices, ("default", "disable", "full", "count:2", "count:4"))
        self.assertEqual(self.log.lines, [])

    def test_query_is_read_only(self) -> None:
        query = Query(
            id=3,
            kind="loop-unroll",
            key="a.c:f:loop#0",
            features={"depth": 1},
            choices=["default", "full"],
            default="default",
            module="a.c",
        )
        with self.assertRaises(TypeError):
            query.features["depth"] = 2  # type: ignore[index]
        with self.assertRaises(dataclasses.FrozenInstanceError):
            query.kind = "inline"  # type: ignore[misc]
        self.assertIsInstance(query.choices, tuple)
        self.assertEqual(
            repr(query),
            "Query(id=3, kind='loop-unroll', key='a.c:f:loop#0', default='default', "
            "module='a.c', features={'depth': 1})",
        )
        with self.assertRaises(ValueError):
            Query(id=1, kind="k", key="k", features={}, choices=["a"], default="b")

    def test_every_answer_form(self) -> None:
        answers = {"k#0": "count:4", "k#1": 1, "k#2": None, "k#3": IndexLike(2), "k#4": "default"}
        with (
            self.serving(lambda query: answers[query.key]) as server,
            FakePlugin(server.oracle_spec) as plugin,
        ):
            plugin.hello()
            plugin.module("a.c")
            choices = [
                plugin.query("loop-unroll", key, [1, 4])["choice"] for key in sorted(answers)
            ]
        self.assertEqual(choices, [4, 1, 0, 2, 0])
        self.assertEqual(server.errors, [])

    def test_units_record_decisions_and_statistics(self) -> None:
        with self.serving(lambda query: "skip" if query.key.endswith("gvn#1") else None) as server:
            with FakePlugin(server.oracle_spec, pid=7) as plugin:
                plugin.hello()
                plugin.module("a.c")
                plugin.query("pass-gate", "a.c:f:gvn#1", ["gvn", "function", 12, 1, 0])
                plugin.query("pass-gate", "a.c:f:licm#1", ["licm", "loop", 5, 1, 1])
                plugin.module_end("a.c", ir_instructions=321)
                plugin.module("b.c")
                plugin.query("loop-unroll", "b.c:f:loop#0", [1, 4])
            self.assertTrue(server.wait_idle(5))
            first, second = server.units()

        self.assertEqual((first.module, first.pid, first.connection), ("a.c", 7, 0))
        self.assertEqual(
            first.decisions,
            (
                Decision(
                    "pass-gate",
                    "a.c:f:gvn#1",
                    "skip",
                    "run",
                    {
                        "pass": "gvn",
                        "unit": "function",
                        "unit_size": 12,
                        "ordinal": 1,
                        "loop_depth": 0,
                    },
                ),
                Decision(
                    "pass-gate",
                    "a.c:f:licm#1",
                    "run",
                    "run",
                    {"pass": "licm", "unit": "loop", "unit_size": 5, "ordinal": 1, "loop_depth": 1},
                ),
            ),
        )
        self.assertEqual((first.queries, first.departures), (2, 1))
        self.assertEqual(
            first.stats,
            {
                "ir_instructions": 321,
                "functions": 1,
                "basic_blocks": 3,
                "queries": 2,
                "departures": 1,
            },
        )
        # b.c's module-end never came: the compiler died before it.
        self.assertEqual((second.module, second.queries, second.stats), ("b.c", 1, None))
        self.assertEqual(first.to_json()["decisions"][0]["chosen"], "skip")

    def test_queries_before_any_module_are_kept(self) -> None:
        with self.serving() as server:
            with FakePlugin(server.oracle_spec) as plugin:
                plugin.hello()
                plugin.query("loop-unroll", "x:f:loop#0", [1, 4])
            server.wait_idle(5)
            (unit,) = server.units()
        self.assertEqual((unit.module, unit.queries), (None, 1))

    def test_module_end_callback_gets_the_unit(self) -> None:
        ended: List[Any] = []
        with self.serving(on_module_end=ended.append) as server:
            with FakePlugin(server.oracle_spec) as plugin:
                plugin.hello()
                plugin.module("a.c")
                plugin.query("loop-unroll", "a.c:f:loop#0", [1, 4])
                plugin.module_end("a.c", ir_instructions=10)
            server.wait_idle(5)
        (unit,) = ended
        self.assertEqual((unit.module, unit.queries, unit.stats["ir_instructions"]), ("a.c", 1, 10))

    def test_unknown_message_types_and_members_are_ignored(self) -> None:
        with self.serving(lambda query: 1) as server, FakePlugin(server.oracle_spec) as plugin:
            plugin.send({"type": "telemetry", "data": [1, 2]})
            plugin.hello()
            plugin.send({"type": "answer", "id": 1, "choice": 0})
            plugin.send({"type": "module", "module": "a.c", "flags": "-O2"})
            plugin.send(
                {
                    "type": "query",
                    "id": 1,
                    "kind": "loop-unroll",
                    "key": "a.c:f:loop#0",
                    "default": 0,
                    "features": [1, 4],
                    "hint": {"x": 1},
                }
            )
            self.assertEqual(plugin.receive(), {"type": "answer", "id": 1, "choice": 1})
        self.assertEqual(server.connection_errors, [])

    def test_parse_tcp_address(self) -> None:
        self.assertEqual(parse_tcp_address("8000"), ("127.0.0.1", 8000))
        self.assertEqual(parse_tcp_address("0.0.0.0:0"), ("0.0.0.0", 0))
        self.assertEqual(parse_tcp_address("[::1]:9"), ("::1", 9))
        self.assertEqual(parse_tcp_address("localhost:9"), ("localhost", 9))
        for bad in ("", "x", "1:70000", "::1:9", "host:"):
            with self.assertRaises(ValueError, msg=bad):
                parse_tcp_address(bad)


class DecideFailureTest(ServerTestCase):
    def test_decide_raising_answers_the_default_and_warns_once(self) -> None:
        def decide(query: Query) -> Any:
            raise ValueError("boom")

        with self.serving(decide) as server, FakePlugin(server.oracle_spec) as plugin:
            plugin.hello()
            plugin.module("a.c")
            answers = [
                plugin.query("loop-unroll", module_key("a.c", i), [1, 4], default=1)["choice"]
                for i in range(3)
            ]
            errors = server.errors
        self.assertEqual(answers, [1, 1, 1])
        self.assertEqual(len(errors), 3)
        self.assertIn(
            "query 1 (loop-unroll 'a.c:f:loop#0'): decide raised ValueError: boom", errors[0]
        )
        (warning,) = self.log.matching("decide raised")
        self.assertTrue(warning.startswith("optgym: warning: connection 0"), warning)
        self.assertIn("Traceback (most recent call last)", warning)
        self.assertIn("answered LLVM's default", warning)
        # close() sums up the failures that were not printed.
        self.assertEqual(
            len(
                self.log.matching("3 callback failures in all \\(AgentServer.errors lists them\\)")
            ),
            1,
        )

    def test_invalid_answers_answer_the_default(self) -> None:
        answers = {"k#0": "bogus", "k#1": 5, "k#2": True, "k#3": 1.5, "k#4": -1}
        with (
            self.serving(lambda query: answers[query.key]) as server,
            FakePlugin(server.oracle_spec) as plugin,
        ):
            plugin.hello()
            plugin.module("a.c")
            choices = [
                plugin.query("loop-unroll", key, [1, 4])["choice"] for key in sorted(answers)
            ]
            errors = server.errors
        self.assertEqual(choices, [0] * 5)
        self.assertEqual(
            [error.split(": ", 1)[1] for error in errors],
            [
                "decide returned 'bogus', which is not a choice of loop-unroll "
                "(default, disable, full, count:2, count:4)",
                "decide returned index 5; loop-unroll has 5 choices",
                "decide returned True; return a choice name, an index or None",
                "decide returned 1.5 (a float); return a choice name, an index or None",
                "decide returned index -1; loop-unroll has 5 choices",
            ],
        )
        self.assertEqual(len(self.log.matching("^optgym: warning: .*decide returned")), 1)

    def test_module_end_callback_failure_does_not_stop_serving(self) -> None:
        def on_module_end(unit: Any) -> None:
            raise RuntimeError("callback")

        with (
            self.serving(on_module_end=on_module_end) as server,
            FakePlugin(server.oracle_spec) as plugin,
        ):
            plugin.hello()
            for module in ("a.c", "b.c"):
                plugin.module(module)
                plugin.module_end(module, ir_instructions=1)
            self.assertEqual(plugin.query("loop-unroll", "b.c:f:loop#0", [1, 4])["choice"], 0)
            self.assertEqual(len(server.errors), 2)
        self.assertEqual(len(self.log.matching("on_module_end raised RuntimeError: callback")), 1)


class ConcurrencyTest(ServerTestCase):
    CLIENTS = 8
    QUERIES = 20

    def run_clients(self, server: AgentServer) -> List[List[int]]:
        barrier = threading.Barrier(self.CLIENTS)
        answers: List[List[int]] = [[] for _ in range(self.CLIENTS)]
        failures: List[BaseException] = []

        def client(index: int) -> None:
            try:
                module = "m%d.c" % index
                with FakePlugin(server.oracle_spec, pid=1000 + index) as plugin:
                    plugin.hello()
                    plugin.module(module)
                    barrier.wait(10)
                    for query_index in range(self.QUERIES):
                        reply = plugin.query(
                            "loop-unroll", module_key(module, query_index), [index, query_index]
                        )
                        answers[index].append(reply["choice"])
                    plugin.module_end(module, ir_instructions=index)
            except BaseException as error:  # reported by the main thread
                failures.append(error)

        threads = [threading.Thread(target=client, args=(index,)) for index in range(self.CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(failures, [])
        return answers

    @staticmethod
    def expected_choice(client: int, query: int) -> int:
        return (client + query) % 5

    def make_decide(
        self, active: List[int], peak: List[int], lock: threading.Lock, pause: float
    ) -> Any:
        def decide(query: Query) -> int:
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            time.sleep(pause)
            with lock:
                active[0] -= 1
            client, query_index = query.features["depth"], query.features["trip_count"]
            return self.expected_choice(client, query_index)

        return decide

    def test_clients_get_their_own_answers_and_units(self) -> None:
        active, peak, lock = [0], [0], threading.Lock()
        with self.serving(self.make_decide(active, peak, lock, 0.001)) as server:
            answers = self.run_clients(server)
            self.assertTrue(server.wait_idle(5))
            units = server.units()
        for client in range(self.CLIENTS):
            self.assertEqual(
                answers[client], [self.expected_choice(client, q) for q in range(self.QUERIES)]
            )
        self.assertEqual(peak[0], 1, "serialize=True must call decide from one thread at a time")
        self.assertEqual(len(units), self.CLIENTS)
        self.assertEqual(len({unit.connection for unit in units}), self.CLIENTS)
        for unit in units:
            client = unit.pid - 1000
            self.assertEqual(unit.module, "m%d.c" % client)
            self.assertEqual(
                [d.key for d in unit.decisions],
                [module_key(unit.module, q) for q in range(self.QUERIES)],
            )
            self.assertTrue(all(d.features["depth"] == client for d in unit.decisions))
            self.assertEqual(unit.stats["ir_instructions"], client)
        self.assertEqual(self.log.lines, [])

    def test_peak_connections_and_answer_latencies(self) -> None:
        # Every client is connected at the barrier, so the peak is all of
        # them; a later lone client does not lower it.
        pause = 0.002
        with self.serving(self.make_decide([0], [0], threading.Lock(), pause)) as server:
            self.assertEqual((server.peak_connections, server.answer_latencies()), (0, []))
            self.run_clients(server)
            self.assertTrue(server.wait_idle(5))
            with FakePlugin(server.oracle_spec) as plugin:
                plugin.hello()
                plugin.query("loop-unroll", "late.c:f:loop#0", [0, 0])
            self.assertTrue(server.wait_idle(5))
            self.assertEqual(server.peak_connections, self.CLIENTS)
            latencies = server.answer_latencies()
        # One per answered query, each covering its decide call.
        self.assertEqual(len(latencies), self.CLIENTS * self.QUERIES + 1)
        self.assertTrue(all(latency >= pause for latency in latencies), min(latencies))

    def test_unserialized_decide_runs_concurrently(self) -> None:
        active, peak, lock = [0], [0], threading.Lock()
        with self.serving(self.make_decide(active, peak, lock, 0.02), serialize=False) as server:
            self.run_clients(server)
        self.assertGreater(peak[0], 1)


class TransportTest(ServerTestCase):
    def test_private_directory_and_socket_modes(self) -> None:
        previous_umask = os.umask(0)
        try:
            server = AgentServer(default_decide, log=self.log)
        finally:
            os.umask(previous_umask)
        try:
            path = server.socket_path
            assert path is not None
            directory = os.path.dirname(path)
            self.assertEqual(server.oracle_spec, "socket:" + path)
            self.assertEqual(os.path.basename(path), "agent.sock")
            self.assertTrue(os.path.basename(directory).startswith("optgym-"))
            self.assertEqual(stat.S_IMODE(os.stat(directory).st_mode), 0o700)
            self.assertTrue(stat.S_ISSOCK(os.lstat(path).st_mode))
            self.assertEqual(stat.S_IMODE(os.lstat(path).st_mode), 0o600)
            with FakePlugin(server.oracle_spec) as plugin:
                self.assertEqual(plugin.hello()["type"], "hello")
        finally:
            server.close()
        self.assertFalse(os.path.exists(path))
        self.assertFalse(os.path.exists(directory))

    def test_a_given_path(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "my.sock")
            with self.serving(path=path) as server:
                self.assertEqual(server.oracle_spec, "socket:" + path)
                self.assertEqual(stat.S_IMODE(os.lstat(path).st_mode), 0o600)
                with FakePlugin(server.oracle_spec) as plugin:
                    plugin.hello()
            self.assertFalse(os.path.exists(path))
            self.assertTrue(os.path.isdir(directory), "only a directory the server made is removed")

    def test_a_stale_socket_is_replaced(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "agent.sock")
            dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            dead.bind(path)
            dead.close()
            with self.serving(path=path) as server, FakePlugin(server.oracle_spec) as plugin:
                plugin.hello()

    def test_a_live_socket_or_another_file_is_not_replaced(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "agent.sock")
            with self.serving(path=path) as server:
                with self.assertRaises(OSError) as caught:
                    AgentServer(default_decide, path)
                self.assertEqual(caught.exception.errno, errno.EADDRINUSE)
                with FakePlugin(server.oracle_spec) as plugin:
                    plugin.hello()
            Path(path).write_text("precious")
            with self.assertRaises(FileExistsError):
                AgentServer(default_decide, path)
            self.assertEqual(Path(path).read_text(), "precious")
        self.assert_no_server_threads()

    def test_tcp_on_loopback(self) -> None:
        for tcp in (True, "127.0.0.1:0"):
            with self.serving(lambda query: "full", tcp=tcp) as server:
                self.assertRegex(server.oracle_spec, r"^socket:tcp:127\.0\.0\.1:\d+$")
                self.assertEqual(server.oracle_spec, "socket:tcp:127.0.0.1:%d" % server.port)
                self.assertIsNone(server.socket_path)
                with FakePlugin(server.oracle_spec) as plugin:
                    plugin.hello()
                    plugin.module("a.c")
                    self.assertEqual(
                        plugin.query("loop-unroll", "a.c:f:loop#0", [1, 4])["choice"], 2
                    )

    def test_a_token_admits_only_compilers_that_know_it(self) -> None:
        with self.serving(lambda query: "full", tcp=True, token="s3cret") as server:
            with FakePlugin(server.oracle_spec) as plugin:
                reply = plugin.hello(token="s3cret")
                self.assertEqual(reply["token"], "s3cret")
                plugin.module("a.c")
                self.assertEqual(plugin.query("loop-unroll", "a.c:f:loop#0", [1, 4])["choice"], 2)
            for token, why in (("guess", "the wrong"), (None, "no")):
                with FakePlugin(server.oracle_spec) as plugin:
                    with self.assertRaises(AssertionError):
                        plugin.hello(token=token)
                deadline = time.monotonic() + 10
                while len(server.connection_errors) < 1 + (token is None):
                    self.assertLess(time.monotonic(), deadline, server.connection_errors)
                    time.sleep(0.01)
                self.assertIn(
                    "hello: the compiler sent %s token (OPTGYM_AGENT_TOKEN)" % why,
                    server.connection_errors[-1],
                )
        # The environment's token, unless one is given.
        with mock.patch.dict(os.environ, {"OPTGYM_AGENT_TOKEN": "from-env"}):
            with self.serving(default_decide) as server, FakePlugin(server.oracle_spec) as plugin:
                self.assertEqual(plugin.hello(token="from-env")["token"], "from-env")
            with (
                self.serving(default_decide, token="") as server,
                FakePlugin(server.oracle_spec) as plugin,
            ):
                self.assertNotIn("token", plugin.hello())

    def test_tcp_on_ipv6_loopback(self) -> None:
        try:
            server = AgentServer(default_decide, tcp=True, host="::1", log=self.log)
        except OSError as error:
            self.skipTest("no IPv6 loopback: %s" % error)
        with server, FakePlugin(server.oracle_spec) as plugin:
            self.assertEqual(server.oracle_spec, "socket:tcp:[::1]:%d" % server.port)
            plugin.hello()

    def test_path_and_tcp_together_are_an_error(self) -> None:
        with self.assertRaises(ValueError):
            AgentServer(default_decide, "/tmp/x.sock", tcp=True)


def garbage_collector_load() -> int:
    """What a full collection visits: the objects the garbage collector
    tracks, and the references they hold."""
    # Three times: a collection may look at a tuple before the tuples it
    # holds, and then keeps tracking it until a later one (in a live server,
    # the next collections of the young generations).
    for _ in range(3):
        gc.collect()
    tracked = gc.get_objects()
    return len(tracked) + sum(len(gc.get_referents(item)) for item in tracked)


class MemoryTest(ServerTestCase):
    def serve_units(self, server: AgentServer, prefix: str, queries: int) -> int:
        """Three units of ``queries`` each: two ended by module-end, one by
        its connection closing. Returns how much more the collector visits
        afterwards."""
        before = garbage_collector_load()
        for index in range(3):
            module = "%s%d.c" % (prefix, index)
            with FakePlugin(server.oracle_spec) as plugin:
                plugin.hello()
                plugin.module(module)
                for query in range(queries):
                    plugin.query("loop-unroll", module_key(module, query), [1, query])
                if index < 2:
                    plugin.module_end(module, ir_instructions=1)
        self.assertTrue(server.wait_idle(5))
        return garbage_collector_load() - before

    def test_held_decisions_do_not_slow_the_garbage_collector(self) -> None:
        # A full collection holds the GIL, so it stalls every connection;
        # the decisions of a whole build, which the server keeps, must not
        # make it longer (past OPTGYM_AGENT_TIMEOUT_MS compilers give up).
        # What three connections of 10 queries add is the cost of the
        # connections; three of 1500 (more than one frozen chunk, and not a
        # multiple) may add little more.
        queries = 1500
        with self.serving() as server:
            self.serve_units(server, "warm", 10)
            few = self.serve_units(server, "few", 10)
            many = self.serve_units(server, "many", queries)
            units = server.units()
        self.assertEqual([unit.queries for unit in units[-3:]], [queries] * 3)
        self.assertEqual(units[-1].decisions[-1].features, {"depth": 1, "trip_count": queries - 1})
        self.assertLess(many - few, queries // 10, "the collector visits every held decision")

    def test_connections_with_the_same_hello_share_its_kinds(self) -> None:
        # Every compile of a build sends the same hello, the plugin's nine
        # kinds and their hundred-odd features; the server keeps each
        # unit's kinds, so it must keep one copy, not one per compile.
        kinds = [
            {
                "name": "kind-%d" % kind,
                "features": [{"name": "f%d" % f, "type": "int"} for f in range(12)],
                "choices": ["default", "a", "b", "c"],
                "default": 0,
            }
            for kind in range(9)
        ]
        connections = 20

        def serve(count: int) -> None:
            for index in range(count):
                with FakePlugin(server.oracle_spec, kinds=kinds) as plugin:
                    plugin.hello()
                    plugin.module("m%d.c" % index)
                    plugin.query("kind-3", "m.c:f:x#%d" % index, list(range(12)))
                    plugin.module_end("m%d.c" % index, ir_instructions=1)
            self.assertTrue(server.wait_idle(5))

        with self.serving() as server:
            serve(1)
            before = garbage_collector_load()
            serve(connections)
            growth = garbage_collector_load() - before
            units = server.units()
        self.assertEqual(units[-1].decisions[0].features["f11"], 11)
        self.assertEqual(units[-1].decisions[0].chosen, "default")
        # A unit's own record, its lists and statistics, cost some 15.
        self.assertLess(growth / connections, 60, "every connection keeps its own kinds")


class RobustnessTest(ServerTestCase):
    """A client that breaks the protocol loses its own connection only."""

    def check_bad_client(self, send_bad: Any, reason: str) -> None:
        self.log.lines.clear()
        with (
            self.serving(lambda query: "full") as server,
            FakePlugin(server.oracle_spec, pid=1) as good,
        ):
            good.hello()
            good.module("good.c")
            self.assertEqual(good.query("loop-unroll", "good.c:f:loop#0", [1, 4])["choice"], 2)
            with FakePlugin(server.oracle_spec, pid=2) as bad:
                send_bad(bad)
                self.assertTrue(bad.at_eof(), "the server must close the bad connection")
            self.assertEqual(good.query("loop-unroll", "good.c:f:loop#1", [1, 4])["choice"], 2)
            (error,) = server.connection_errors
            self.assertIn(reason, error)
            self.assertTrue(error.startswith("connection 1"), error)
            good.module_end("good.c", ir_instructions=1)
            good.close()
            self.assertTrue(server.wait_idle(5))
            units = server.units()
        (warning,) = self.log.lines
        self.assertEqual(warning, "optgym: warning: %s; closing that connection" % error)
        self.assertNotIn("\n", warning)
        (good_unit,) = [unit for unit in units if unit.pid == 1]
        self.assertEqual(
            (good_unit.module, good_unit.queries, good_unit.stats["ir_instructions"]),
            ("good.c", 2, 1),
        )

    def test_http_request(self) -> None:
        self.check_bad_client(
            lambda bad: bad.send_raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
            "frame of 1195725856 bytes exceeds the limit of 1048576 bytes",
        )

    def test_oversized_frame(self) -> None:
        self.check_bad_client(
            lambda bad: bad.send_raw(struct.pack(">I", (1 << 20) + 1)), "exceeds the limit"
        )

    def test_truncated_frame(self) -> None:
        def send(bad: FakePlugin) -> None:
            bad.send_raw(frame({"type": "hello"})[:7])
            bad.sock.shutdown(socket.SHUT_WR)

        size = len(frame({"type": "hello"})) - 4
        self.check_bad_client(send, "stream ended inside a frame (after 3 of %d bytes)" % size)

    def test_not_json(self) -> None:
        self.check_bad_client(
            lambda bad: bad.send_raw(struct.pack(">I", 3) + b"{x}"), "frame is not valid JSON"
        )

    def test_not_an_object(self) -> None:
        self.check_bad_client(
            lambda bad: bad.send(["hello"]), "frame holds an array, not a JSON object"
        )

    def test_query_before_hello(self) -> None:
        self.check_bad_client(
            lambda bad: bad.send({"type": "query", "id": 1}), "query: arrived before the hello"
        )

    def test_invalid_hello(self) -> None:
        self.check_bad_client(
            lambda bad: bad.send({"type": "hello", "protocol": 1, "kinds": [{"name": 3}]}),
            "connection 1: hello: kinds[0]: name must be a string, not 3",
        )

    def test_invalid_query(self) -> None:
        def send(bad: FakePlugin) -> None:
            bad.hello()
            bad.send(
                {
                    "type": "query",
                    "id": 17,
                    "kind": "loop-unroll",
                    "key": "k",
                    "default": 0,
                    "features": [1, "x"],
                }
            )

        self.check_bad_client(
            send, 'connection 1 (pid 2): query 17: features[1] must be an int, not "x"'
        )

    def test_second_hello(self) -> None:
        def send(bad: FakePlugin) -> None:
            bad.hello()
            bad.send({"type": "hello", "protocol": 1, "kinds": []})

        self.check_bad_client(send, "connection 1 (pid 2): hello: sent twice on one connection")


class HangUpTest(ServerTestCase):
    def test_a_plugin_that_stops_waiting_for_its_answer(self) -> None:
        # The plugin gives up on a slow answer (OPTGYM_AGENT_TIMEOUT_MS) and
        # closes its connection; the answer cannot be delivered.
        hung_up = threading.Event()

        def slow_decide(query: Query) -> str:
            hung_up.wait(10)
            return "full"

        with self.serving(slow_decide) as server:
            with FakePlugin(server.oracle_spec, pid=9) as plugin:
                plugin.hello()
                plugin.module("a.c")
                plugin.send(
                    {
                        "type": "query",
                        "id": 1,
                        "kind": "loop-unroll",
                        "key": "a.c:f:loop#0",
                        "default": 0,
                        "features": [1, 4],
                    }
                )
            hung_up.set()
            self.assertTrue(server.wait_idle(5))
            (error,) = server.connection_errors
            (unit,) = server.units()
        self.assertTrue(
            error.startswith("connection 0 (pid 9): query 1: the plugin hung up before its answer"),
            error,
        )
        self.assertIn("OPTGYM_AGENT_TIMEOUT_MS", error)
        self.assertEqual(unit.queries, 0, "an undelivered answer decided nothing")

    def test_an_internal_error_drops_only_its_connection(self) -> None:
        with mock.patch("optgym.server.validate_module", side_effect=RuntimeError("library bug")):
            with self.serving() as server, FakePlugin(server.oracle_spec) as plugin:
                plugin.hello()
                plugin.module("a.c")
                self.assertTrue(plugin.at_eof())
                with FakePlugin(server.oracle_spec) as other:
                    self.assertEqual(other.hello()["type"], "hello")
        (warning,) = self.log.lines
        self.assertIn("connection 0", warning)
        self.assertIn("internal error of the agent server", warning)
        self.assertIn("RuntimeError: library bug", warning)


class ShutdownTest(ServerTestCase):
    def test_close_ends_open_connections_and_joins_threads(self) -> None:
        server = AgentServer(default_decide, log=self.log)
        path = server.socket_path
        plugin = FakePlugin(server.oracle_spec)
        try:
            plugin.hello()
            plugin.module("a.c")
            plugin.send_raw(frame({"type": "query"})[:6])  # in the middle of a frame
            started = time.monotonic()
            server.close()
            self.assertLess(time.monotonic() - started, 2.0)
            self.assertTrue(plugin.at_eof())
        finally:
            plugin.close()
        server.close()  # idempotent
        self.assertFalse(os.path.exists(os.path.dirname(path)))
        self.assert_no_server_threads()
        # Cutting connections on purpose is no news.
        self.assertEqual(self.log.lines, [])
        self.assertEqual(server.connection_errors, [])

    def test_wait_idle(self) -> None:
        with self.serving() as server:
            plugin = FakePlugin(server.oracle_spec)
            try:
                plugin.hello()
                self.assertFalse(server.wait_idle(0.1))
            finally:
                plugin.close()
            self.assertTrue(server.wait_idle(5))
            self.assertEqual(server.connection_count, 1)

    def test_wait_idle_counts_connections_not_yet_accepted(self) -> None:
        with self.serving() as server:
            # Connected, then gone, possibly before the server accepted it:
            # its messages must still be read.
            plugin = FakePlugin(server.oracle_spec)
            plugin.hello()
            plugin.module("late.c")
            plugin.close()
            self.assertTrue(server.wait_idle(5))
            self.assertEqual([unit.module for unit in server.units()], ["late.c"])

    def test_construction_failure_leaves_nothing_behind(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            with self.assertRaises(OSError):
                AgentServer(default_decide, os.path.join(directory, "no", "such", "dir", "a.sock"))
        self.assert_no_server_threads()


if __name__ == "__main__":
    unittest.main()
