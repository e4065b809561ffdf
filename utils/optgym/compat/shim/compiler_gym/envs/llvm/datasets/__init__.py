"""CompilerGym's ``compiler_gym.envs.llvm.datasets``: its dataset classes by
name, for the datasets OptGym offers (:mod:`optgym.dataset`).

``site_data_base``, where CompilerGym kept a dataset's files, is accepted
and ignored: OptGym's suites and corpora live in its cache
(``OPTGYM_CACHE``). AnghaBench, CLgen, JotaiBench and POJ-104 are built from
their published source archives, MiBench from its programs' sources
(docs/datasets.md, docs/suites.md). The datasets CompilerGym downloaded as
LLVM 10 bitcode archives with no source route here (BLAS, GitHub, Linux,
NPB, OpenCV, TensorFlow) are not offered: importing their classes raises
ImportError saying so (docs/compiler-gym.md).
"""

from pathlib import Path
from typing import Any, Iterable, Optional

from optgym.dataset import CsmithDataset, Dataset, LlvmStressDataset, SuiteDataset, llvm_datasets
from optgym.generators import CsmithBenchmark, LlvmStressBenchmark
from optgym.suites import suites
from optgym.suites.corpora import public_corpora
from optgym.suites.corpora_dataset import PublicCorpusDataset

__all__ = [
    "AnghaBenchDataset",
    "CBenchDataset",
    "CHStoneDataset",
    "CLgenDataset",
    "CsmithBenchmark",
    "CsmithDataset",
    "JotaiBenchDataset",
    "LlvmStressBenchmark",
    "LlvmStressDataset",
    "MibenchDataset",
    "POJ104Dataset",
    "get_llvm_datasets",
]

#: CompilerGym's dataset classes whose datasets OptGym does not offer.
NOT_OFFERED = (
    "BlasDataset",
    "GitHubDataset",
    "LinuxDataset",
    "MibenchV0Dataset",
    "NPBDataset",
    "OpenCVDataset",
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


class MibenchDataset(_SuiteDatasetNamed):
    """``benchmark://mibench-v1`` (reserved for evaluation: docs/suites.md)."""

    suite_name = "mibench-v1"


class _CorpusDatasetNamed(PublicCorpusDataset):
    """A public corpus's dataset under the class name CompilerGym gave it;
    CompilerGym's manifest and sort options are accepted and ignored (the
    corpus's own manifest pins the archive)."""

    corpus_name = ""

    def __init__(self, site_data_base: Optional[Path] = None, **kwargs: Any) -> None:
        del site_data_base
        super().__init__(
            public_corpora()[self.corpus_name], kwargs.get("toolchain"), kwargs.get("cache")
        )


class AnghaBenchDataset(_CorpusDatasetNamed):
    """``benchmark://anghabench-v1``."""

    corpus_name = "anghabench-v1"


class CLgenDataset(_CorpusDatasetNamed):
    """``benchmark://clgen-v0``."""

    corpus_name = "clgen-v0"


class JotaiBenchDataset(_CorpusDatasetNamed):
    """``benchmark://jotaibench-v1`` (CompilerGym's ``jotaibench-v0``
    programs, runnable)."""

    corpus_name = "jotaibench-v1"


class POJ104Dataset(_CorpusDatasetNamed):
    """``benchmark://poj104-v1``."""

    corpus_name = "poj104-v1"


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
