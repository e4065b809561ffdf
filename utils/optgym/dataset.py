"""Datasets as objects, in CompilerGym's shape: a :class:`Datasets`
collection of :class:`Dataset` s, each a named set of benchmarks.

::

    from optgym.dataset import llvm_datasets

    datasets = llvm_datasets()
    cbench = datasets["cbench-v1"]                  # or "benchmark://cbench-v1"
    print(cbench.size, cbench.license, cbench.installed)
    bench = cbench.benchmark("benchmark://cbench-v1/crc32")
    bench = datasets.random_benchmark(random_state=np.random.default_rng(1))

The datasets are ``benchmark://optgym-v0`` (the bundled programs), one per
public suite of :mod:`optgym.suites` (``benchmark://cbench-v1``, ...), and
the generators ``generator://csmith-v0`` and ``generator://llvm-stress-v0``,
whose size is 0 (unbounded, as CompilerGym counts them). Their benchmarks
are :class:`~optgym.benchmark_base.Benchmark` s, resolved as
:func:`optgym.benchmark` resolves a URI; nothing is built until used.
(:func:`optgym.datasets` is something else: a list of URIs for the command
line's ``optgym datasets``.)
"""

from __future__ import annotations

import itertools
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Union

from .benchmark_base import Benchmark, full_uri
from .benchmarks import BUILTIN_DATASET, builtin_uris
from .benchmarks import benchmark as resolve_benchmark
from .cache import Cache
from .dataset_base import Dataset, random_generator
from .errors import SkippedBenchmark, ToolchainError, UnknownBenchmark
from .generators import CSMITH_DATASET, LLVM_STRESS_DATASET
from .suites import DEPRECATED_NAMES, Suite, current_name, install_suite, suite_installed, suites
from .toolchain import Toolchain

__all__ = [
    "Dataset",
    "Datasets",
    "BundledDataset",
    "SuiteDataset",
    "GeneratorDataset",
    "CsmithDataset",
    "LlvmStressDataset",
    "llvm_datasets",
]

#: Seeds a generator's random_benchmark tries before it gives up.
GENERATOR_ATTEMPTS = 20
_MAX_SEED = 2**32


class BundledDataset(Dataset):
    """``benchmark://optgym-v0``: the programs that ship with OptGym."""

    def __init__(self, toolchain: Optional[Toolchain] = None, cache: Optional[Cache] = None):
        super().__init__(
            "benchmark://%s" % BUILTIN_DATASET,
            description="Runnable, self-checking C programs written for OptGym",
            license="Apache-2.0",
            toolchain=toolchain,
            cache=cache,
        )

    @property
    def size(self) -> int:
        return len(builtin_uris())

    def benchmark_uris(self) -> Iterator[str]:
        return iter(builtin_uris())


class SuiteDataset(Dataset):
    """A public suite (:mod:`optgym.suites`): ``benchmark://cbench-v1``.
    Installed when its archives are in the cache; :meth:`install`
    downloads them (programs are built on first use)."""

    def __init__(
        self, suite: Suite, toolchain: Optional[Toolchain] = None, cache: Optional[Cache] = None
    ) -> None:
        super().__init__(
            suite.uri,
            description=suite.description,
            license=suite.license,
            references=suite.references,
            use=suite.use,
            toolchain=toolchain,
            cache=cache,
        )
        self.suite = suite

    @property
    def size(self) -> int:
        return len(self.suite.programs)

    def benchmark_uris(self) -> Iterator[str]:
        return ("%s/%s" % (self.name, name) for name in self.suite.programs)

    @property
    def installed(self) -> bool:
        return suite_installed(self.suite, self.cache)

    def install(self) -> None:
        install_suite(self.suite, self.cache)


class GeneratorDataset(Dataset):
    """A program generator: ``generator://csmith-v0`` or
    ``generator://llvm-stress-v0``, one benchmark per seed (0 to 2**32-1);
    size 0, as CompilerGym gives an unbounded dataset. A seed the generator
    skips raises SkippedBenchmark when built; :meth:`random_benchmark`
    passes over such seeds."""

    def __init__(
        self,
        generator: str,
        description: str,
        license: str = "",
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
    ) -> None:
        super().__init__(
            "generator://%s" % generator,
            description=description,
            license=license,
            toolchain=toolchain,
            cache=cache,
        )

    def benchmark_uris(self) -> Iterator[str]:
        return ("%s/%d" % (self.name, seed) for seed in range(_MAX_SEED))

    def random_benchmark(self, random_state: Any = None) -> Benchmark:
        rng = random_generator(random_state)
        for _ in range(GENERATOR_ATTEMPTS):
            bench = self.benchmark("%s/%d" % (self.name, int(rng.integers(_MAX_SEED))))
            if bench.skipped is None:
                return bench
        raise SkippedBenchmark(
            "%d random seeds in a row are skipped" % GENERATOR_ATTEMPTS, self.name
        )

    @property
    def installed(self) -> bool:
        toolchain = self.toolchain or Toolchain.default()
        try:
            if self.dataset_name == CSMITH_DATASET:
                toolchain.require_csmith(self.name)
            else:
                toolchain.require("llvm-stress", self.name)
        except ToolchainError:
            return False
        return True


class CsmithDataset(GeneratorDataset):
    """``generator://csmith-v0``: random conformant C99 programs."""

    def __init__(self, toolchain: Optional[Toolchain] = None, cache: Optional[Cache] = None):
        super().__init__(
            CSMITH_DATASET,
            "Random conformant C99 programs generated by csmith",
            license="BSD 2-Clause (csmith)",
            toolchain=toolchain,
            cache=cache,
        )

    def benchmark_from_seed(
        self, seed: int, max_retries: int = 3, retry_count: int = 0
    ) -> Benchmark:
        """The benchmark of ``seed``, or of the next seed the generator does
        not skip, trying at most ``max_retries`` seeds after ``retry_count``
        tries already made (CompilerGym's signature); OSError naming the
        first seed when none of them builds."""
        first = seed
        while retry_count <= max_retries:
            bench = self.benchmark("%s/%d" % (self.name, seed % _MAX_SEED))
            if bench.skipped is None:
                return bench
            seed += 1
            retry_count += 1
        raise OSError("Csmith failed after %d attempts with seed %d" % (retry_count, first))


class LlvmStressDataset(GeneratorDataset):
    """``generator://llvm-stress-v0``: random LLVM-IR modules (no main)."""

    def __init__(self, toolchain: Optional[Toolchain] = None, cache: Optional[Cache] = None):
        super().__init__(
            LLVM_STRESS_DATASET,
            "Random LLVM-IR modules generated by llvm-stress (not runnable)",
            license="Apache-2.0 with LLVM Exceptions",
            toolchain=toolchain,
            cache=cache,
        )


class Datasets:
    """A collection of datasets, in a fixed order (the bundled programs, the
    suites, the generators)."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self._datasets: Dict[str, Dataset] = {}
        for dataset in datasets:
            self._datasets[dataset.name] = dataset

    def __repr__(self) -> str:
        return "Datasets(%s)" % ", ".join(self._datasets)

    def datasets(self) -> List[Dataset]:
        return list(self._datasets.values())

    def __iter__(self) -> Iterator[Dataset]:
        return iter(self.datasets())

    def __len__(self) -> int:
        """The number of datasets."""
        return len(self._datasets)

    @property
    def size(self) -> int:
        return len(self)

    def _key(self, name: str) -> Optional[str]:
        text = str(name).strip().rstrip("/")
        if text in self._datasets:
            return text
        bare = text.rpartition("://")[2]
        if bare in DEPRECATED_NAMES:
            text = current_name(bare)
        for key, dataset in self._datasets.items():
            if dataset.dataset_name == text:
                return key
        return None

    def dataset(self, name: str) -> Dataset:
        """A dataset by name: ``cbench-v1`` or ``benchmark://cbench-v1``;
        LookupError (an UnknownBenchmark) naming the known ones."""
        key = self._key(name)
        if key is None:
            raise UnknownBenchmark(
                "unknown dataset (known: %s)" % ", ".join(self._datasets), str(name)
            )
        return self._datasets[key]

    def __getitem__(self, name: str) -> Dataset:
        return self.dataset(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._key(name) is not None

    def _owner(self, uri: str) -> Optional[Dataset]:
        scheme, _, rest = full_uri(str(uri).strip()).partition("://")
        return self._datasets.get("%s://%s" % (scheme, rest.partition("/")[0]))

    def benchmark(self, uri: Union[str, Benchmark]) -> Benchmark:
        """The benchmark a URI names: one of a dataset here, or any URI
        :func:`optgym.benchmark` resolves (``file:///...``, a path)."""
        if isinstance(uri, Benchmark):
            return uri
        owner = self._owner(uri)
        if owner is not None:
            return owner.benchmark(uri)
        any_dataset = next(iter(self._datasets.values()), None)
        toolchain = any_dataset.toolchain if any_dataset else None
        cache = any_dataset.cache if any_dataset else None
        return resolve_benchmark(uri, toolchain, cache)

    def benchmark_uris(self) -> Iterator[str]:
        """Every dataset's URIs in turn (endless once a generator's come)."""
        return itertools.chain.from_iterable(d.benchmark_uris() for d in self._datasets.values())

    def benchmarks(self) -> Iterator[Benchmark]:
        return itertools.chain.from_iterable(d.benchmarks() for d in self._datasets.values())

    def random_benchmark(
        self,
        random_state: Any = None,
        weighted: bool = False,
        weights: Optional[Mapping[str, float]] = None,
    ) -> Benchmark:
        """A dataset chosen uniformly (or, ``weighted``, by its size, which
        leaves the unbounded generators out; ``weights`` maps dataset names
        to weights and implies ``weighted``), then a benchmark of it."""
        rng = random_generator(random_state)
        names = list(self._datasets)
        if weighted or weights:
            given = {self.dataset(k).name: float(v) for k, v in (weights or {}).items()}
            chances = [given.get(n, float(self._datasets[n].size)) for n in names]
            total = sum(chances)
            if total <= 0:
                raise UnknownBenchmark("no dataset has a weight above 0", "datasets")
            name = names[int(rng.choice(len(names), p=[c / total for c in chances]))]
        else:
            name = names[int(rng.integers(len(names)))]
        return self._datasets[name].random_benchmark(rng)


def llvm_datasets(
    toolchain: Optional[Toolchain] = None,
    cache: Optional[Cache] = None,
    suite_names: Optional[Sequence[str]] = None,
) -> Datasets:
    """The datasets of the ``llvm-v0`` environment: ``benchmark://optgym-v0``,
    a :class:`SuiteDataset` per suite (all of :func:`optgym.suites.suites`,
    or those of ``suite_names``), ``generator://csmith-v0`` and
    ``generator://llvm-stress-v0``. ``toolchain`` and ``cache`` are what
    their benchmarks are built with (default: the environment's)."""
    known = suites()
    chosen = list(known) if suite_names is None else list(suite_names)
    for name in chosen:
        if name not in known:
            raise UnknownBenchmark("unknown suite (known: %s)" % ", ".join(known), name)
    found: List[Dataset] = [BundledDataset(toolchain, cache)]
    found += [SuiteDataset(known[name], toolchain, cache) for name in chosen]
    found += [CsmithDataset(toolchain, cache), LlvmStressDataset(toolchain, cache)]
    from .corpus.dataset import CORPORA, CorpusDataset

    # A corpus is listed once built (optgym datasets build NAME).
    built = [CorpusDataset(name, toolchain=toolchain, cache=cache) for name in CORPORA]
    from .suites.corpora_dataset import public_corpus_datasets

    # Public corpora too are listed once installed (downloaded and extracted).
    found += [corpus for corpus in public_corpus_datasets(toolchain, cache) if corpus.installed]
    return Datasets(found + [corpus for corpus in built if corpus.installed])
