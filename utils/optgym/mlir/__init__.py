"""MLIR loop-nest decisions as a Gymnasium environment: ``optgym.make("mlir-v0")``.

    import optgym

    with optgym.make("mlir-v0", benchmark="benchmark://mlir-v0/matmul",
                     reward_space="IrInstructionCount") as env:
        observation, info = env.reset()
        while True:
            action = env.action_space.sample(mask=info["action_mask"])
            observation, reward, terminated, truncated, info = env.step(action)
            if terminated:
                break

Each step answers one decision of ``OptGymMLIR.so``'s passes
(``optgym-affine-tile``, ``optgym-affine-unroll-jam``, then
``optgym-affine-unroll``) in the order mlir-opt asks them. docs/mlir.md is the documentation. Modules: :mod:`.kernels`
(benchmarks: the bundled kernels, files, the random affine nest generator),
:mod:`.pipeline` (running mlir-opt with decisions, lowering, building and
timing a kernel), :mod:`.env` (MlirEnv), :mod:`.generator`, :mod:`.agents`
(random and greedy baselines).
"""

from __future__ import annotations

from .env import MlirEnv, MlirValidationResult
from .kernels import MLIR_DATASET, kernel_names, resolve_kernel
from .pipeline import DEFAULT_PIPELINE, MlirToolchain

__all__ = [
    "DEFAULT_PIPELINE",
    "MLIR_DATASET",
    "MlirEnv",
    "MlirToolchain",
    "MlirValidationResult",
    "kernel_names",
    "resolve_kernel",
]
