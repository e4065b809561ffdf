"""OptGym's Python library: agents that make LLVM's optimization decisions.

The OptGym plugin asks an *agent* for every decision when a compile runs with
``OPTGYM_ORACLE=socket:...``; docs/protocol.md is the wire protocol. This
package is the Python side:

* :class:`AgentServer`, :func:`serve`, :func:`serve_tcp`: answer the plugin's
  queries with a Python ``decide(query)`` function.
* :func:`run_build`: run a whole build with an agent deciding, and get back
  every decision and each module's statistics as a :class:`BuildResult`.
* :func:`find_plugin`: locate OptGym.so.
* :func:`benchmark`, :func:`benchmarks`, :func:`datasets`: programs to learn
  from, named by URIs (``benchmark://optgym-v0/NAME``,
  ``generator://csmith-v0/SEED``, ``file:///PATH``), built to bitcode on
  demand into an on-disk cache; :func:`validate`: check a build of one
  against its -O0 reference; :func:`collect`: turn the units an
  ``OPTGYM_COLLECT`` build wrote into a dataset; :func:`make_benchmark`: a
  benchmark from the user's sources and modules. See docs/datasets.md.
* :func:`make`, :class:`LlvmEnv`: a CompilerGym-style environment for pass
  ordering on the plugin's pass-choice driver, with
  :class:`CompilerEnvState` and its CSV files (:mod:`optgym.gym`,
  docs/gym.md).

``python3 -m optgym`` is the command line (``serve``, ``run-build``,
``datasets``, ``validate``, ``collect``).
The agent side (server, protocol, builds) needs the standard library only;
the gym needs gymnasium and numpy, which the package declares.
"""

from ._version import __version__
from .benchmarks import Benchmark, Reference, benchmark, benchmarks, datasets
from .build import BuildResult, run_build
from .cache import Cache
from .collect import CollectResult, collect
from .deprecation import renamed as _renamed
from .envs import register_environments
from .errors import (
    BenchmarkError,
    BuildError,
    SkippedBenchmark,
    ToolchainError,
    UnknownBenchmark,
)
from .linked_benchmark import make_benchmark
from .plugin import find_plugin
from .protocol import ProtocolError
from .query import Decision, Query, Unit
from .server import AgentServer, serve, serve_tcp
from .toolchain import RunResult, Toolchain
from .validation import OUTCOMES, BuildValidation, validate

register_environments()

# The gym's names, imported on first use: the gym's modules (driver,
# observations, rewards) are work to import that the agent side and most of
# the command line never need.
_GYM_EXPORTS = (
    "CompilerEnvState",
    "CompilerEnvStateReader",
    "CompilerEnvStateWriter",
    "LlvmEnv",
    "make",
)


def _gym_export(name: str) -> object:
    if name in _GYM_EXPORTS:
        from . import gym

        return getattr(gym, name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


__getattr__ = _renamed(
    __name__, {"ValidationResult": "optgym.validation:BuildValidation"}, otherwise=_gym_export
)


__all__ = [
    "__version__",
    "AgentServer",
    "Benchmark",
    "BenchmarkError",
    "BuildError",
    "BuildResult",
    "BuildValidation",
    "Cache",
    "CollectResult",
    "CompilerEnvState",
    "CompilerEnvStateReader",
    "CompilerEnvStateWriter",
    "Decision",
    "LlvmEnv",
    "OUTCOMES",
    "ProtocolError",
    "Query",
    "Reference",
    "RunResult",
    "SkippedBenchmark",
    "Toolchain",
    "ToolchainError",
    "Unit",
    "UnknownBenchmark",
    "benchmark",
    "benchmarks",
    "collect",
    "datasets",
    "find_plugin",
    "make",
    "make_benchmark",
    "run_build",
    "serve",
    "serve_tcp",
    "validate",
]
