"""CompilerGym's ``compiler_gym.envs.llvm.llvm_benchmark``: making,
splitting and merging LLVM benchmarks, on OptGym's."""

from optgym.compat.llvm import (
    get_system_library_flags,
    make_benchmark,
    merge_benchmarks,
    split_benchmark_by_function,
)

__all__ = [
    "get_system_library_flags",
    "make_benchmark",
    "merge_benchmarks",
    "split_benchmark_by_function",
]
