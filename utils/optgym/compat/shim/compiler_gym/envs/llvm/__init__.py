"""CompilerGym's ``compiler_gym.envs.llvm``: the LLVM environment and its
helpers, on OptGym's."""

from compiler_gym.source_checkout import extend_path

__path__ = extend_path(__path__, __name__)

from compiler_gym.envs.llvm.llvm_env import LlvmEnv  # noqa: E402
from optgym.compat.llvm import (  # noqa: E402
    compute_observation,
    get_system_library_flags,
    make_benchmark,
    merge_benchmarks,
    split_benchmark_by_function,
)

__all__ = [
    "LlvmEnv",
    "compute_observation",
    "get_system_library_flags",
    "make_benchmark",
    "merge_benchmarks",
    "split_benchmark_by_function",
]
