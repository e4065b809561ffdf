"""The base class of every dataset: a named set of benchmarks, in
CompilerGym's shape (:mod:`optgym.dataset` has the datasets themselves and
their collection). A module of its own so that datasets defined elsewhere
(:mod:`optgym.corpus.dataset`, :mod:`optgym.suites.corpora_dataset`) can
subclass it without importing the collection that lists them.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Optional

from .benchmark_base import Benchmark, full_uri
from .benchmarks import benchmark as resolve_benchmark
from .cache import Cache
from .errors import UnknownBenchmark
from .toolchain import Toolchain

__all__ = ["Dataset", "random_generator"]


def random_generator(random_state: Any) -> Any:
    """A numpy Generator: the one given, one seeded by an int, or a fresh
    one (numpy is imported here only: the agent side never needs it)."""
    import numpy as np

    if random_state is None or isinstance(random_state, (int, np.integer)):
        return np.random.default_rng(random_state)
    return random_state


class Dataset:
    """A named set of benchmarks.

    Attributes:
        name: the dataset's URI, ``benchmark://cbench-v1`` or
            ``generator://csmith-v0`` (as CompilerGym names them).
        description, license: one line each.
        references: name -> URL (paper, homepage).
        use: what the dataset may be used for: ``evaluation`` (report
            results on it; never train or tune on it), or '' (anything).
    """

    def __init__(
        self,
        name: str,
        description: str = "",
        license: str = "",
        references: Optional[Mapping[str, str]] = None,
        use: str = "",
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
    ) -> None:
        self.name = name
        self.description = description
        self.license = license
        self.references = dict(references or {})
        self.use = use
        self.toolchain = toolchain
        self.cache = cache

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self.name)

    def __eq__(self, other: Any) -> bool:
        # A dataset is its name (as CompilerGym's: a pickled copy equals it).
        if isinstance(other, Dataset):
            return self.name == other.name
        if isinstance(other, str):
            return self.name == full_uri(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)

    @property
    def scheme(self) -> str:
        """``benchmark`` or ``generator``."""
        return self.name.partition("://")[0]

    @property
    def dataset_name(self) -> str:
        """The name without the scheme: ``cbench-v1``."""
        return self.name.partition("://")[2]

    @property
    def version(self) -> int:
        """N of the name's ``-vN``."""
        tail = self.dataset_name.rpartition("-v")[2]
        return int(tail) if tail.isdigit() else 0

    @property
    def deprecated(self) -> bool:
        return False

    # -- size and contents ---------------------------------------------------------------

    @property
    def size(self) -> int:
        """How many benchmarks it has; 0 when unbounded (a generator)."""
        return 0

    def __len__(self) -> int:
        return self.size

    def benchmark_uris(self) -> Iterator[str]:
        """Its benchmarks' URIs (endless for a generator)."""
        raise NotImplementedError

    def benchmarks(self) -> Iterator[Benchmark]:
        """Its benchmarks, one by one (nothing is built)."""
        for uri in self.benchmark_uris():
            yield self.benchmark(uri)

    def __iter__(self) -> Iterator[Benchmark]:
        return self.benchmarks()

    def _uri(self, uri: str) -> str:
        """A full URI of this dataset: ``crc32`` is ``NAME/crc32``."""
        text = str(uri).strip()
        if "://" not in text and "/" not in text:
            return "%s/%s" % (self.name, text)
        if "://" not in text and text.startswith(self.dataset_name + "/"):
            return "%s://%s" % (self.scheme, text)
        return text

    def benchmark(self, uri: str) -> Benchmark:
        """The benchmark of a URI of this dataset (or of its name alone:
        ``crc32``); UnknownBenchmark for one of another dataset."""
        full = self._uri(uri)
        if full.rstrip("/") == self.name:
            # CompilerGym's words, uri and all.
            raise UnknownBenchmark("No benchmark specified: %s" % full)
        if not full.startswith(self.name + "/"):
            raise UnknownBenchmark("not a benchmark of %s" % self.name, full)
        return resolve_benchmark(full, self.toolchain, self.cache)

    def __getitem__(self, uri: str) -> Benchmark:
        return self.benchmark(uri)

    def __contains__(self, uri: object) -> bool:
        if not isinstance(uri, str):
            return False
        try:
            self.benchmark(uri)
        except UnknownBenchmark:
            return False
        return True

    def random_benchmark(self, random_state: Any = None) -> Benchmark:
        """A benchmark chosen uniformly with ``random_state`` (a numpy
        Generator, an int seed, or None for a fresh one)."""
        uris = list(self.benchmark_uris())
        if not uris:
            raise UnknownBenchmark("has no benchmarks", self.name)
        return self.benchmark(uris[int(random_generator(random_state).integers(len(uris)))])

    # -- installation ----------------------------------------------------------------------

    @property
    def installed(self) -> bool:
        """Whether its benchmarks can be built without downloading anything."""
        return True

    def install(self) -> None:
        """Downloads what it needs (nothing for most); building stays lazy."""
