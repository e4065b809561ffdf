"""CompilerGym's ``compiler_gym.datasets``: the dataset and benchmark types
client code names and type-checks against (``isinstance(d, Dataset)``), as
OptGym's (:mod:`optgym.dataset`). ``env.datasets`` is a :class:`Datasets`."""

from optgym import Benchmark
from optgym.dataset import Dataset, Datasets
from optgym.errors import BenchmarkError

#: CompilerGym raises this when a benchmark cannot be set up: OptGym's
#: BenchmarkError covers the same failures.
BenchmarkInitError = BenchmarkError

__all__ = ["Benchmark", "BenchmarkInitError", "Dataset", "Datasets"]
