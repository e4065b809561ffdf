"""The MLIR environment end to end: mlir-opt with OptGymMLIR.so (found as
the package finds it, or through $OPTGYM_MLIR_PLUGIN), clang, and the
bundled kernels installed with the package."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import gymnasium
import numpy as np
import pytest

import optgym
from optgym.errors import BuildError, UnknownBenchmark
from optgym.mlir import MlirEnv
from optgym.mlir.agents import function_of, greedy_search, random_search
from optgym.mlir.env import CHOICES, FEATURES, op_counts
from optgym.mlir.generator import generate_kernel
from optgym.mlir.kernels import kernel_names


@pytest.fixture
def env():
    with MlirEnv("benchmark://mlir-v0/matmul", reward_space="IrInstructionCount") as environment:
        yield environment


def _upstream_text(environment: MlirEnv) -> str:
    """The kernel after MLIR's own affine-loop-tile, affine-loop-unroll-jam
    (factor 1, as in the environment's pipeline) and affine-loop-unroll."""
    toolchain = environment.toolchain
    completed = subprocess.run(
        [
            toolchain.tool("mlir-opt"),
            "--pass-pipeline=builtin.module(func.func(affine-loop-tile,"
            "affine-loop-unroll-jam{unroll-jam-factor=1},affine-loop-unroll))",
            str(environment.kernel.path),
        ],
        capture_output=True,
        check=True,
    )
    return completed.stdout.decode()


def test_bundled_kernels_are_installed():
    assert len(kernel_names()) >= 12
    assert {"matmul", "conv2d", "2mm", "jacobi-2d", "seidel-2d", "gemver"} <= set(kernel_names())


def test_choices_and_features_match_the_plugin(env):
    env.reset()
    queries = env.toolchain.optimize(env.kernel.path, {}).queries
    assert {query.kind for query in queries} == {
        "affine-tile",
        "affine-unroll-jam",
        "affine-unroll",
    }
    for query in queries:
        assert query.choices == CHOICES[query.kind]
        assert tuple(query.features) == FEATURES[query.kind]


def test_linalg_kernels_keep_their_output_under_random_tiling():
    """linalg-tile's choices and features match the plugin's, and a Linalg
    kernel (a fill, then a matmul) keeps its output through random tiling."""
    kernel = os.path.join(os.path.dirname(__file__), "..", "lit", "Inputs", "linalg-kernel.mlir")
    with MlirEnv(kernel, pipeline="optgym-linalg-tile", kinds=("linalg-tile",)) as environment:
        environment.action_space.seed(2)
        _, info = environment.reset()
        query = info["query"]
        assert query.kind == "linalg-tile" and query.features["op"] == "linalg.fill"
        assert query.choices == CHOICES["linalg-tile"]
        assert tuple(name for name in query.features if name != "op") == FEATURES["linalg-tile"]
        while environment.query is not None:
            _, _, _, _, info = environment.step(
                environment.action_space.sample(mask=info["action_mask"])
            )
        assert len(environment.answers) == 2 + 3
        assert "scf.for" in environment.observation["MlirText"]
        assert environment.validate().okay


def test_default_episode_is_the_upstream_pipeline(env):
    observation, info = env.reset()
    assert observation.shape == env.observation_space.shape
    assert info["kind"] == "affine-tile" and observation[0] == 1
    steps = 0
    terminated = False
    while not terminated:
        observation, reward, terminated, truncated, info = env.step(0)
        assert reward == 0.0 and not truncated
        steps += 1
    assert steps == len(env.answers) > 5
    assert env.observation["MlirText"] == _upstream_text(env)
    assert env.cost("IrInstructionCount") == env.default_cost("IrInstructionCount")
    assert not info["action_mask"].any()
    with pytest.raises(RuntimeError, match="episode has ended"):
        env.step(0)


def test_random_episode_rewards_add_up_and_the_kernel_validates(env):
    env.action_space.seed(3)
    _, info = env.reset(seed=3)
    total = 0.0
    terminated = False
    while not terminated:
        action = env.action_space.sample(mask=info["action_mask"])
        _, reward, terminated, _, info = env.step(action)
        total += reward
    default = env.default_cost("IrInstructionCount")
    final = env.cost("IrInstructionCount")
    assert total == pytest.approx(1 - final / default)
    assert any(choice != "default" for _, _, choice in env.answers)
    assert env.validate().okay


def test_actions_by_name_and_bad_actions(env):
    _, info = env.reset()
    assert info["query"].kind == "affine-tile"
    with pytest.raises(ValueError, match="is not a choice of affine-tile"):
        env.step("factor:4")
    with pytest.raises(ValueError, match=r"action 34 is outside the action space \(0 to 33\)"):
        env.step(34)
    env.step("size:8")
    assert env.answers[0][2] == "size:8"
    env.step(11 + 3)  # past affine-tile's 11 choices: wraps to size:4
    assert env.answers[1][2] == "size:4"


def test_fork_is_independent(env):
    env.reset()
    env.step("size:16")
    fork = env.fork()
    assert fork.answers == env.answers and fork.query == env.query
    fork.step("none")
    env.step("size:4")
    assert fork.answers[-1][2] == "none" and env.answers[-1][2] == "size:4"
    assert len(fork.answers) == len(env.answers) == 2


def test_policy_reproduces_the_state(env, tmp_path):
    env.reset()
    for action in ("size:8", "none", "size:4"):
        env.step(action)
    policy = tmp_path / "policy.json"
    env.save_policy(str(policy))
    table = json.loads(policy.read_text())["decisions"]["affine-tile"]["table"]
    assert list(table.values()) == ["size:8", "none", "size:4"]
    completed = subprocess.run(
        [
            env.toolchain.tool("mlir-opt"),
            "--load-pass-plugin=" + env.toolchain.plugin,
            "--pass-pipeline=builtin.module(%s)" % env.pipeline,
            str(env.kernel.path),
        ],
        capture_output=True,
        check=True,
        env=dict(os.environ, OPTGYM_ORACLE="policy:%s" % policy),
    )
    assert completed.stdout.decode() == env.observation["MlirText"]


def test_observations(env):
    env.reset()
    counts = env.observation["OpCounts"]
    assert counts.dtype == np.int64 and counts[1] > 0  # affine.for
    assert env.observation["Query"].key == "matmul.mlir:main:affine.for#0"
    assert op_counts("%0 = arith.addi %a, %b : i64\naffine.for %i = 0 to 4 {\n}").tolist() == [
        2,
        1,
        0,
        0,
        1,
        0,
        0,
    ]
    with pytest.raises(KeyError, match="unknown observation space"):
        env.observation["Autophase"]


def test_makers_and_bad_arguments():
    with optgym.make("mlir-v0", benchmark="jacobi-1d") as made:
        assert made.benchmark == "benchmark://mlir-v0/jacobi-1d"
    made = gymnasium.make("optgym/mlir-v0", benchmark="generator://mlir-affine-v0/1")
    try:
        observation, _ = made.reset()
        assert made.observation_space.contains(observation)
    finally:
        made.close()
    with pytest.raises(ValueError, match="unknown reward space 'Speed'"):
        MlirEnv("matmul", reward_space="Speed")
    with pytest.raises(ValueError, match="unknown observation space"):
        MlirEnv("matmul", observation_space="Autophase")
    with pytest.raises(UnknownBenchmark, match="no kernel 'nope' in mlir-v0"):
        MlirEnv("benchmark://mlir-v0/nope")
    with pytest.raises(UnknownBenchmark, match="seed must be a non-negative integer"):
        MlirEnv("generator://mlir-affine-v0/x")


def test_generated_kernels_keep_their_output_under_random_decisions():
    assert generate_kernel(5) == generate_kernel(5) != generate_kernel(6)
    for seed in range(6):
        with MlirEnv("generator://mlir-affine-v0/%d" % seed) as environment:
            environment.action_space.seed(seed)
            _, info = environment.reset()
            while environment.query is not None:
                _, _, _, _, info = environment.step(
                    environment.action_space.sample(mask=info["action_mask"])
                )
            result = environment.validate()
            assert result.okay, (seed, result.error)


def test_runtime_reward(tmp_path):
    with MlirEnv("jacobi-1d", reward_space="Runtime", runtime_runs=2) as environment:
        environment.reset()
        assert environment.default_cost("Runtime") > 0
        _, reward, _, _, _ = environment.step("none")
        assert isinstance(reward, float)


def test_baselines_improve_or_keep_the_default():
    with MlirEnv("jacobi-2d") as environment:
        greedy = greedy_search(environment, "IrInstructionCount")
        assert greedy.best_cost < greedy.default_cost
        environment.apply(greedy.best)
        assert environment.cost("IrInstructionCount") == greedy.best_cost
        assert environment.validate().okay
        first = random_search(environment, "IrInstructionCount", 3, seed=4, functions=["main"])
        second = random_search(environment, "IrInstructionCount", 3, seed=4, functions=["main"])
        assert first.costs == second.costs and first.best == second.best
    assert function_of("a.mlir:kernel:affine.for#2") == "kernel"


def test_search_command_prints_a_validated_result():
    completed = subprocess.run(
        [sys.executable, "-m", "optgym", "mlir-search", "jacobi-1d", "--agent", "random"]
        + ["--episodes", "2", "--json"],
        capture_output=True,
        check=True,
    )
    row = json.loads(completed.stdout)
    assert row["benchmark"] == "benchmark://mlir-v0/jacobi-1d" and row["validated"]
    assert row["best"] <= row["default"]


def test_tutorial_example_runs(tmp_path):
    example = os.path.join(
        os.path.dirname(__file__), "..", "..", "docs", "examples", "mlir_tutorial.py"
    )
    policy = tmp_path / "policy.json"
    completed = subprocess.run(
        [sys.executable, example, "jacobi-1d", str(policy)],
        capture_output=True,
        cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr.decode()[-3000:]
    assert b"validated: True" in completed.stdout
    assert json.loads(policy.read_text())["format"] == "optgym-policy"


def test_tune_knobs_on_llvm_22():
    """On LLVM 22 an episode fills a transform schedule's knobs and the
    interpreter runs it; LLVM 19 has no Tune extension, and the pass is
    not there."""
    schedule = os.path.join(os.path.dirname(__file__), "..", "lit", "Inputs", "tune-knobs.mlir")
    environment = MlirEnv(
        schedule,
        pipeline="optgym-tune-knobs,transform-interpreter",
        kinds=("tune-knob",),
        undecided={"tune-knob": "option:0"},
    )
    with environment:
        if int(environment.toolchain.llvm_version) < 22:
            with pytest.raises(BuildError, match="'transform.tune.knob' is unknown"):
                environment.reset()
            return
        _, info = environment.reset()
        assert info["query"].key == "tune-knobs.mlir:tile_i#0"
        assert info["query"].choices == CHOICES["tune-knob"]
        assert tuple(info["query"].features) == FEATURES["tune-knob"]
        for choice in ("option:3", "option:1", "option:0"):
            environment.step(choice)
        assert environment.query is None
        text = environment.observation["MlirText"]
        assert "step %c32" in text and 'transform.tune.knob<"tile_i"> = 32' in text


def test_unreadable_kernels_name_the_file_and_position(tmp_path):
    broken = tmp_path / "broken.mlir"
    broken.write_text("func.func @main() {\n  %x = arith.addi %y, %y : i64\n  return\n}\n")
    with MlirEnv(str(broken)) as environment:
        with pytest.raises(
            BuildError, match=r"broken\.mlir:2:\d+: error: use of undeclared SSA value"
        ):
            environment.reset()
    silent = tmp_path / "silent.mlir"
    silent.write_text("func.func @kernel() {\n  return\n}\n")
    with MlirEnv(str(silent)) as environment:
        environment.reset()
        assert environment.query is None
        result = environment.validate()
        assert not result.okay and "no func.func @main() without arguments" in result.error
