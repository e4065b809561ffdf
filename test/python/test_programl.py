"""The Programl and ProgramlJson observations on the real driver: graphs of
the current module that hold ProGraML's schema (docs/gym.md, "Program
graphs"), agree with the instruction counts, and follow the module as the
episode changes it."""

from __future__ import annotations

import collections
import json
import os
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any, Dict
from unittest import mock

import networkx

import optgym
from optgym.cache import Cache
from optgym.gym import LlvmEnv
from optgym.gym.observations import ObservationError

from machine import driver_plugin, needs

CRC32 = "benchmark://optgym-v0/crc32"
INSTRUCTION, VARIABLE, CONSTANT = 0, 1, 2
CONTROL, DATA, CALL = 0, 1, 2


def check_schema(test: unittest.TestCase, graph: Dict[str, Any], instructions: int) -> None:
    """The invariants every ProgramlJson graph holds."""
    test.assertIs(graph["directed"], True)
    test.assertIs(graph["multigraph"], True)
    nodes, links = graph["nodes"], graph["links"]
    functions = graph["graph"]["functions"]
    test.assertEqual([node["id"] for node in nodes], list(range(len(nodes))))
    root = nodes[0]
    test.assertEqual((root["type"], root["text"]), (INSTRUCTION, "[external]"))
    test.assertIsNone(root["function"])
    test.assertIsNone(root["block"])
    types = collections.Counter(node["type"] for node in nodes)
    test.assertEqual(set(types), {INSTRUCTION, VARIABLE, CONSTANT})
    # The root aside, one node per instruction the module counts.
    test.assertEqual(types[INSTRUCTION] - 1, instructions)
    for node in nodes[1:]:
        test.assertIn(node["function"], range(len(functions)))
        test.assertGreaterEqual(node["block"], 0)
        test.assertTrue(node["text"] and node["full_text"], node)
    keys: Dict[Any, int] = collections.Counter()
    for link in links:
        source, target = link["source"], link["target"]
        test.assertIn(source, range(len(nodes)))
        test.assertIn(target, range(len(nodes)))
        test.assertEqual(link["key"], keys[source, target])
        keys[source, target] += 1
        test.assertGreaterEqual(link["position"], 0)
        kinds = (nodes[source]["type"], nodes[target]["type"])
        if link["flow"] == DATA:
            test.assertIn(
                kinds, [(VARIABLE, INSTRUCTION), (CONSTANT, INSTRUCTION), (INSTRUCTION, VARIABLE)]
            )
        else:
            test.assertIn(link["flow"], (CONTROL, CALL))
            test.assertEqual(kinds, (INSTRUCTION, INSTRUCTION))
    # Every value node feeds an instruction; every function is entered from
    # the root.
    used = {link["source"] for link in links if link["flow"] == DATA}
    test.assertTrue(all(node["id"] in used for node in nodes if node["type"] != INSTRUCTION))
    entered = {nodes[link["target"]]["function"] for link in links if link["source"] == 0}
    test.assertTrue(set(range(len(functions))) <= entered)


@needs(driver_plugin)
class ProgramlTest(unittest.TestCase):
    cache: Cache
    temp: "tempfile.TemporaryDirectory[str]"

    @classmethod
    def setUpClass(cls) -> None:
        cls.temp = tempfile.TemporaryDirectory(prefix="optgym-programl-")
        cls.cache = Cache(Path(cls.temp.name) / "cache")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.temp.cleanup()

    def make(self, **kwargs: Any) -> LlvmEnv:
        kwargs.setdefault("benchmark", CRC32)
        env = optgym.make("llvm-v0", cache=self.cache, **kwargs)
        self.addCleanup(env.close)
        return env

    def test_graph_holds_the_schema_and_follows_the_module(self) -> None:
        env = self.make()
        env.reset()
        graph = env.observation["ProgramlJson"]
        count = env.observation["IrInstructionCount"]
        self.assertEqual(count, env.observation["InstCountDict"]["TotalInstsCount"])
        check_schema(self, graph, count)
        nodes = graph["nodes"]
        # crc32 at -O0: allocas, loads and stores everywhere, and calls.
        texts = collections.Counter(node["text"] for node in nodes if node["type"] == INSTRUCTION)
        allocas = texts["alloca"]
        self.assertEqual(allocas, env.observation["InstCountDict"]["AllocaCount"])
        self.assertEqual(texts["call"], env.observation["InstCountDict"]["CallCount"])
        flows = collections.Counter(link["flow"] for link in graph["links"])
        self.assertTrue(flows[CONTROL] and flows[DATA] and flows[CALL], flows)

        # A step that changes nothing leaves the graph as it was; -mem2reg
        # promotes the scalar allocas to phis.
        _, _, terminated, _, info = env.step("-loop-deletion")
        self.assertFalse(terminated, info)
        self.assertTrue(info["action_had_no_effect"])
        self.assertEqual(env.observation["ProgramlJson"], graph)
        _, _, terminated, _, info = env.step("-mem2reg")
        self.assertFalse(terminated, info)
        self.assertFalse(info["action_had_no_effect"])
        after = env.observation["ProgramlJson"]
        self.assertNotEqual(after, graph)
        check_schema(self, after, env.observation["IrInstructionCount"])
        counts = env.observation["InstCountDict"]
        texts = collections.Counter(node["text"] for node in after["nodes"])
        self.assertEqual(texts["alloca"], counts["AllocaCount"])
        self.assertLess(texts["alloca"], allocas)
        self.assertEqual(texts["phi"], counts["PHICount"])
        self.assertGreater(texts["phi"], 0)
        self.assertLess(len(after["nodes"]), len(nodes))

    def test_networkx_graph_is_the_node_link_graph(self) -> None:
        env = self.make(observation_space="Programl")
        observation, _ = env.reset()
        self.assertIsInstance(observation, networkx.MultiDiGraph)
        self.assertIn(observation, env.observation_space)
        data = env.observation["ProgramlJson"]
        self.assertIn(data, env.observation.spaces["ProgramlJson"].space)
        self.assertEqual(observation.number_of_nodes(), len(data["nodes"]))
        self.assertEqual(observation.number_of_edges(), len(data["links"]))
        # What networkx itself reads from the JSON (its keyword for the
        # edge list changed in networkx 3.4).
        try:
            expected = networkx.node_link_graph(data, edges="links")
        except TypeError:
            expected = networkx.node_link_graph(data, link="links")
        self.assertEqual(dict(observation.nodes(data=True)), dict(expected.nodes(data=True)))
        self.assertEqual(
            sorted(observation.edges(keys=True, data="flow")),
            sorted(expected.edges(keys=True, data="flow")),
        )
        self.assertEqual(
            sorted(observation.edges(keys=True, data="position")),
            sorted(expected.edges(keys=True, data="position")),
        )
        self.assertEqual(observation.graph, expected.graph)
        root = observation.nodes[0]
        self.assertEqual(root["text"], "[external]")
        # The step's observation comes with the answer.
        observation, _, terminated, _, info = env.step("-mem2reg")
        self.assertFalse(terminated, info)
        self.assertIsInstance(observation, networkx.MultiDiGraph)
        self.assertEqual(
            observation.number_of_nodes(), len(env.observation["ProgramlJson"]["nodes"])
        )

    def test_values_are_the_callers_and_the_file_holds_the_same_graph(self) -> None:
        env = self.make(observation_space="ProgramlJson")
        graph, _ = env.reset()
        graph["nodes"][1]["text"] = "changed"
        graph["links"].clear()
        again = env.observation["ProgramlJson"]
        self.assertNotEqual(again["nodes"][1]["text"], "changed")
        self.assertTrue(again["links"])
        path = os.path.join(self.temp.name, "graph.json")
        written = env.observation.raw("ProgramlJson=" + path)["ProgramlJson=" + path]
        self.assertEqual(written, os.path.getsize(path))
        with open(path, encoding="utf-8") as stream:
            self.assertEqual(json.load(stream), again)
        with env.fork() as forked:
            self.assertEqual(forked.observation["ProgramlJson"], again)

    def test_a_graph_too_large_for_a_message_comes_through_a_file(self) -> None:
        env = self.make(benchmark="benchmark://optgym-v0/minilisp")
        env.reset()
        with self.assertRaisesRegex(ObservationError, r"bytes of JSON.*ProgramlJson=PATH"):
            env.observation.raw("ProgramlJson")
        graph = env.observation["ProgramlJson"]
        check_schema(self, graph, env.observation["IrInstructionCount"])
        self.assertGreater(len(json.dumps(graph)), 900 * 1024)
        # The file it came through is gone.
        self.assertEqual(os.listdir(env._workdir_path()), [])

    def test_without_networkx_programl_says_what_to_install(self) -> None:
        env = self.make()
        env.reset()
        with mock.patch.dict(sys.modules, {"networkx": None}):
            with self.assertRaisesRegex(ObservationError, r"pip install networkx"):
                env.observation["Programl"]
        # ProgramlJson needs nothing beyond the standard library.
        with mock.patch.dict(sys.modules, {"networkx": None}):
            self.assertTrue(env.observation["ProgramlJson"]["nodes"])


if __name__ == "__main__":
    unittest.main()
