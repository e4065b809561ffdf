"""docs/mlir.md's tutorial: an episode by hand, a greedy search, and the
policy file that replays what it found in mlir-opt.

    python3 docs/examples/mlir_tutorial.py [KERNEL] [POLICY_OUT]
"""

import sys

import optgym
from optgym.mlir.agents import greedy_search

kernel = sys.argv[1] if len(sys.argv) > 1 else "benchmark://mlir-v0/jacobi-2d"
policy_out = sys.argv[2] if len(sys.argv) > 2 else "jacobi-2d-policy.json"

with optgym.make("mlir-v0", benchmark=kernel, reward_space="IrInstructionCount") as env:
    # One episode by hand: the first decision is a tile size.
    observation, info = env.reset()
    print("first decision:", info["query"].kind, info["query"].key)
    print("its features:", info["query"].features)
    observation, reward, terminated, truncated, info = env.step("size:8")
    print("after size:8, reward %.4f, next: %s" % (reward, info["kind"]))

    # A baseline: greedy search over every decision, cheapest state kept.
    result = greedy_search(env, "IrInstructionCount")
    print(
        "greedy: %d -> %d instructions (%.2fx), %d decisions"
        % (result.default_cost, result.best_cost, result.improvement, len(result.best))
    )

    # Its decisions, as a policy file mlir-opt replays with OptGymMLIR.so.
    env.apply(result.best)
    print("validated:", env.validate().okay)
    env.save_policy(policy_out)
    print("policy written to", policy_out)
