"""CompilerGym's 124 flags in the gym's action space: every one parses, the
excluded ones as replay-only actions that are never offered or sampled, and
commandlines round-trip in opt's ``-passes=`` form and CompilerGym's.

The flags come from oracle/ActionSpace.def (the source tree), never from
CompilerGym. The first tests build the space as the driver's hello does,
without a driver; the last ones replay states through the real driver.
"""

from __future__ import annotations

import io
import re
import tempfile
import unittest
from pathlib import Path
from typing import List, Tuple

import optgym
from optgym.cache import Cache
from optgym.gym import CompilerEnvState, CompilerEnvStateReader
from optgym.gym.spaces import REPLAY_ONLY_FLAGS, ActionSpace

from machine import driver_plugin, needs

_DEF = Path(__file__).resolve().parents[2] / "oracle" / "ActionSpace.def"
_ACTION = re.compile(r'^OPTGYM_ACTION\("([^"]*)", "([^"]*)", (\w+), ')
_REPLAY = re.compile(r'^OPTGYM_REPLAY_ACTION\("([^"]*)", "([^"]*)", ')
CRC32 = "benchmark://optgym-v0/crc32"


def def_rows() -> Tuple[List[Tuple[str, str, str]], List[Tuple[str, str]]]:
    """ActionSpace.def's (flag, pipeline, status) and replay (flag, pipeline) rows."""
    actions, replay = [], []
    for line in _DEF.read_text().splitlines():
        match = _ACTION.match(line)
        if match:
            actions.append(match.groups())
        match = _REPLAY.match(line)
        if match:
            replay.append(match.groups())
    return actions, replay


ROWS, REPLAY_ROWS = def_rows()
#: CompilerGym's flags, in CompilerGym's order.
FLAGS = [flag for flag, _, _ in ROWS if flag]
EXCLUDED = [flag for flag, _, status in ROWS if status == "Excluded"]


def driver_like_space() -> ActionSpace:
    """The space as the driver's hello makes it: the offered actions (named
    as ActionSpace.h names them), then the replay-only ones; the .def's
    pipeline texts stand for the driver's printed ones."""
    names, pipelines = [], []
    for flag, pipeline, status in ROWS:
        if status != "Excluded":
            names.append(flag or "-" + pipeline)
            pipelines.append(pipeline)
    for flag, pipeline in REPLAY_ROWS:
        names.append(flag)
        pipelines.append(pipeline)
    return ActionSpace(names, pipelines)


class DefinitionTest(unittest.TestCase):
    def test_the_def_has_compiler_gyms_124_flags(self) -> None:
        self.assertEqual(len(FLAGS), 124)
        self.assertEqual(len(set(FLAGS)), 124)
        self.assertEqual(len(EXCLUDED), 22)

    def test_one_replay_row_per_excluded_flag_in_order(self) -> None:
        self.assertEqual([flag for flag, _ in REPLAY_ROWS], EXCLUDED)

    def test_replay_only_flags_are_the_excluded_ones(self) -> None:
        self.assertEqual(REPLAY_ONLY_FLAGS, frozenset(EXCLUDED))


class ActionSpaceFlagsTest(unittest.TestCase):
    def setUp(self) -> None:
        self.space = driver_like_space()

    def test_every_flag_parses(self) -> None:
        space = self.space
        for flag in FLAGS:
            with self.subTest(flag=flag):
                (index,) = space.from_string("opt %s input.bc -o output.bc" % flag)
                self.assertEqual(space.action_name(index), flag)
                self.assertEqual(space[flag], index)
                self.assertEqual(space.is_replay_only(index), flag in REPLAY_ONLY_FLAGS)
        everything = space.from_string("opt %s input.bc -o output.bc" % " ".join(FLAGS))
        self.assertEqual([space.action_name(index) for index in everything], FLAGS)

    def test_offered_indices_are_unchanged(self) -> None:
        space = self.space
        self.assertEqual(space.n, 108)
        offered = [flag or "-" + pipeline for flag, pipeline, s in ROWS if s != "Excluded"]
        self.assertEqual(space.names, offered)
        self.assertEqual(space.flags, offered)
        self.assertEqual(space["-mem2reg"], offered.index("-mem2reg"))
        self.assertEqual(space.index("mem2reg"), offered.index("-mem2reg"))
        self.assertEqual(space.replay_only_names, EXCLUDED)
        self.assertEqual(space["-add-discriminators"], 108)
        self.assertEqual(space["-strip"], 108 + 21)

    def test_replay_only_flags_are_not_offered(self) -> None:
        space = self.space
        for flag in EXCLUDED:
            self.assertNotIn(flag, space.names)
            self.assertNotIn(flag, space.flags)
            self.assertFalse(space.contains(space[flag]))
        space.seed(1)
        sampled = {space.sample() for _ in range(5000)}
        self.assertEqual(sampled, set(range(108)))
        with self.assertRaises(ValueError):
            space.index(108 + len(EXCLUDED))
        self.assertIn("22 replay-only", repr(space))

    def test_compiler_gym_round_trip(self) -> None:
        space = self.space
        actions = [space[flag] for flag in ("-mem2reg", "-prune-eh", "-gvn", "-lowerinvoke")]
        actions += [space["-barrier"], space["-loop-unroll<O3;runtime>"], space["-strip"]]
        text = space.to_string(actions, style="compiler_gym")
        self.assertEqual(
            text,
            "opt -mem2reg -prune-eh -gvn -lowerinvoke -barrier '-loop-unroll<O3;runtime>' "
            "-strip input.bc -o output.bc",
        )
        self.assertEqual(space.from_string(text), actions)
        everything = list(range(108 + len(EXCLUDED)))
        self.assertEqual(
            space.from_string(space.to_string(everything, style="compiler_gym")), everything
        )
        self.assertEqual(space.to_string([], style="compiler_gym"), "opt  input.bc -o output.bc")
        self.assertEqual(space.from_string("opt  input.bc -o output.bc"), [])
        with self.assertRaisesRegex(ValueError, "unknown commandline style"):
            space.to_string(actions, style="gcc")

    def test_opt_round_trip(self) -> None:
        space = self.space
        offered = list(range(108))
        self.assertEqual(space.from_string(space.to_string(offered)), offered)
        # Replay-only actions with a pass of their own read back as themselves.
        actions = [space["-mem2reg"], space["-lowerinvoke"], space["-strip"], space["-gvn"]]
        text = space.to_string(actions)
        self.assertEqual(text, "opt -passes='mem2reg,lower-invoke,strip,gvn' input.bc -o output.bc")
        self.assertEqual(space.from_string(text), actions)
        # One that runs nothing leaves nothing; one that runs offered actions'
        # passes reads back as those, which do the same.
        actions = [space["-barrier"], space["-die"], space["-prune-eh"]]
        text = space.to_string(actions)
        self.assertEqual(
            text,
            "opt -passes='dce,cgscc(function-attrs),function(simplifycfg)' input.bc -o output.bc",
        )
        self.assertEqual(space.from_string(text), [space["-dce"], space["-prune-eh"]])

    def test_a_state_with_replay_only_flags_reads(self) -> None:
        csv = (
            "benchmark,reward,walltime,commandline\n"
            "benchmark://cbench-v1/crc32,1.01,3.5,"
            "opt -sroa -prune-eh -lowerinvoke -instcombine input.bc -o output.bc\n"
        )
        (state,) = CompilerEnvStateReader(io.StringIO(csv))
        actions = self.space.from_string(state.commandline)
        self.assertEqual(
            [self.space.action_name(index) for index in actions],
            ["-sroa", "-prune-eh", "-lowerinvoke", "-instcombine"],
        )


@needs(driver_plugin)
class ReplayOnlyDriverTest(unittest.TestCase):
    temp: "tempfile.TemporaryDirectory[str]"
    cache: Cache

    @classmethod
    def setUpClass(cls) -> None:
        cls.temp = tempfile.TemporaryDirectory(prefix="optgym-replay-only-")
        cls.cache = Cache(Path(cls.temp.name) / "cache")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.temp.cleanup()

    def make(self, **kwargs: object) -> "optgym.gym.LlvmEnv":
        env = optgym.make("llvm-v0", benchmark=CRC32, cache=self.cache, numpy=False, **kwargs)
        self.addCleanup(env.close)
        return env

    def test_the_driver_says_the_replay_only_actions(self) -> None:
        env = self.make()
        env.reset()
        space = env.action_space
        self.assertEqual(space.n, 108)
        self.assertEqual(space.replay_only_names, EXCLUDED)
        self.assertEqual(space.names, driver_like_space().names)

    def test_a_state_with_prune_eh_and_lowerinvoke_replays(self) -> None:
        env = self.make(reward_space="IrInstructionCountOz")
        commandline = (
            "opt -mem2reg -prune-eh -sroa -lowerinvoke -barrier -instcombine "
            "-insert-gcov-profiling -rewrite-statepoints-for-gc -gvn input.bc -o output.bc"
        )
        env.apply(CompilerEnvState(CRC32, commandline))
        space = env.action_space
        self.assertEqual(space.to_string(env.actions, style="compiler_gym"), commandline)
        self.assertGreater(env.episode_reward, 0)
        # The same module as the offered passes the replay-only ones stand for.
        other = self.make(reward_space="IrInstructionCountOz")
        other.reset()
        other.multistep(
            ["-mem2reg", "-functionattrs", "-simplifycfg", "-sroa", "-instcombine", "-gvn"]
        )
        self.assertEqual(other.episode_reward, env.episode_reward)
        # The state validates, in both forms, and the opt form is equivalent.
        state = env.state
        result = env.validate()
        self.assertTrue(result.okay(), str(result))
        compiler_gym = CompilerEnvState(CRC32, commandline, reward=state.reward)
        self.assertTrue(env.validate(compiler_gym).okay())
        forged = CompilerEnvState(CRC32, commandline, reward=state.reward + 0.5)
        self.assertFalse(env.validate(forged).okay())
