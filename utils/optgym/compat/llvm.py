"""CompilerGym's LLVM helpers (``compiler_gym.envs.llvm``) on OptGym's."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterable, List, Optional, Sequence, Union

from ..benchmark_base import Benchmark
from ..benchmarks import benchmark as resolve_benchmark
from ..gym.driver import DriverTimeout
from ..gym.observations import ObservationSpaceSpec
from ..linked_benchmark import LinkedBenchmark, system_include_flags
from ..linked_benchmark import make_benchmark as make_linked_benchmark
from ..module_split import merge, split_by_function
from .env import CompilerGymEnv

__all__ = [
    "compute_observation",
    "get_system_library_flags",
    "make_benchmark",
    "merge_benchmarks",
    "split_benchmark_by_function",
]


def make_benchmark(
    inputs: Union[str, "os.PathLike[str]", Iterable[Union[str, "os.PathLike[str]"]]],
    copt: Optional[Sequence[str]] = None,
    system_includes: bool = True,
    timeout: int = 600,
) -> LinkedBenchmark:
    """CompilerGym's ``make_benchmark``: :func:`optgym.make_benchmark`,
    built now, as CompilerGym's was (the files may go away; ``timeout`` is
    the build's own limit)."""
    del timeout
    bench = make_linked_benchmark(inputs, copt, system_includes)
    bench.bitcode_path()
    return bench


def compute_observation(
    observation_space: Union[str, ObservationSpaceSpec],
    bitcode: Union[str, Path],
    timeout: float = 300,
) -> Any:
    """The value of ``observation_space`` for the module in ``bitcode`` (a
    .bc or .ll file), computed by a driver of its own. CompilerGym's errors:
    ValueError for an unknown space, FileNotFoundError for a missing file,
    TimeoutError when the value takes longer than ``timeout`` seconds (the
    driver's start and the module's load are not counted)."""
    name = (
        observation_space.id
        if isinstance(observation_space, ObservationSpaceSpec)
        else observation_space
    )
    path = Path(bitcode)
    if not path.is_file():
        raise FileNotFoundError("compute_observation: no such file: %s" % path)
    with CompilerGymEnv(resolve_benchmark(os.fspath(path.absolute()))) as env:
        env.reset()
        if name not in env.observation.spaces:
            raise ValueError(
                "Invalid observation space name: %s (known: %s)"
                % (_enum_name(name), ", ".join(sorted(env.observation.spaces)))
            )
        env.step_timeout = timeout
        try:
            return env.observation[name]
        except DriverTimeout:
            raise TimeoutError(
                "Failed to compute %s observation in %g seconds" % (name, timeout)
            ) from None


def _enum_name(name: str) -> str:
    """CompilerGym's spelling of a space in errors, its protocol enum's:
    ``NotARealName`` is ``NOT_A_REAL_NAME``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).upper()


def get_system_library_flags(compiler: Optional[str] = None) -> List[str]:
    """CompilerGym's ``get_system_library_flags``: the ``-isystem`` flags of
    clang's system header directories (``compiler`` is accepted and
    ignored: OptGym's clang is its LLVM's)."""
    del compiler
    return system_include_flags("c++")


def split_benchmark_by_function(
    benchmark: Benchmark, maximum_function_count: int = 0, timeout: float = 300
) -> List[Benchmark]:
    """CompilerGym's ``split_benchmark_by_function``: the module's global
    variables, then one benchmark per defined function
    (:func:`optgym.module_split.split_by_function`). ValueError when it
    defines no function."""
    return split_by_function(resolve_benchmark(benchmark), maximum_function_count, timeout)


def merge_benchmarks(benchmarks: Sequence[Benchmark], timeout: float = 300) -> Benchmark:
    """CompilerGym's ``merge_benchmarks``: the modules linked into one
    (:func:`optgym.module_split.merge`). ValueError when they do not link."""
    return merge([resolve_benchmark(b) for b in benchmarks], timeout)
