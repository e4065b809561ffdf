"""CompilerGym's ``compiler_gym.envs.llvm.datasets``: its dataset classes by
name, for the datasets OptGym offers (:mod:`optgym.dataset`).

``site_data_base``, where CompilerGym kept a dataset's files, is accepted
and ignored: OptGym's suites live in its cache (``OPTGYM_CACHE``). The
datasets CompilerGym downloaded as LLVM 10 bitcode archives (AnghaBench,
BLAS, CLgen, GitHub, JotaiBench, Linux, MiBench, NPB, OpenCV, POJ-104,
TensorFlow) are not offered: importing their classes raises ImportError
saying so (docs/compiler-gym.md).
"""

from pathlib import Path
from typing import Any, Iterable, Optional

from optgym.dataset import CsmithDataset, Dataset, LlvmStressDataset, SuiteDataset, llvm_datasets
from optgym.generators import CsmithBenchmark, LlvmStressBenchmark
from optgym.suites import suites

__all__ = [
    "CBenchDataset",
    "CHStoneDataset",
    "CsmithBenchmark",
    "CsmithDataset",
    "LlvmStressBenchmark",
    "LlvmStressDataset",
    "get_llvm_datasets",
]

#: CompilerGym's dataset classes whose datasets OptGym does not offer.
NOT_OFFERED = (
    "AnghaBenchDataset",
    "BlasDataset",
    "CLgenDataset",
    "GitHubDataset",
    "JotaiBenchDataset",
    "LinuxDataset",
    "MibenchDataset",
    "MibenchV0Dataset",
    "NPBDataset",
    "OpenCVDataset",
    "POJ104Dataset",
    "TensorFlowDataset",
)


class _SuiteDatasetNamed(SuiteDataset):
    """A suite's dataset under the class name CompilerGym gave it."""

    suite_name = ""

    def __init__(self, site_data_base: Optional[Path] = None, **kwargs: Any) -> None:
        del site_data_base
        super().__init__(suites()[self.suite_name], kwargs.get("toolchain"), kwargs.get("cache"))


class CBenchDataset(_SuiteDatasetNamed):
    """``benchmark://cbench-v1``."""

    suite_name = "cbench-v1"


class CHStoneDataset(_SuiteDatasetNamed):
    """``benchmark://chstone-v0``."""

    suite_name = "chstone-v0"


def get_llvm_datasets(site_data_base: Optional[Path] = None) -> Iterable[Dataset]:
    """The datasets of the LLVM environment (``site_data_base`` ignored)."""
    del site_data_base
    return llvm_datasets().datasets()


def __getattr__(name: str) -> Any:
    if name in NOT_OFFERED:
        raise ImportError(
            "compiler_gym.envs.llvm.datasets.%s: OptGym does not offer this dataset "
            "(CompilerGym downloaded it as LLVM 10 bitcode); see docs/compiler-gym.md" % name
        )
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
