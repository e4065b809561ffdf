"""A built corpus as a :class:`~optgym.dataset.Dataset`:
``benchmark://debian-v0``, one benchmark per unique unit.

::

    from optgym.corpus import CorpusDataset

    corpus = CorpusDataset("debian-v0")             # $OPTGYM_DATASETS_DIR/debian-v0
    print(corpus.size)
    train = corpus.filter(split="train", min_instructions=100, max_instructions=20000)
    uris = train.sample(500, seed=1)                # the same 500 for the same index
    bench = corpus.benchmark("benchmark://debian-v0/lz4/programs/lz4cli.c")

Filters combine (each returns a new dataset); URIs name a unit by package
and its path in the package, and a unit several packages contain is
reachable through each of them.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple

from ..benchmark_base import Benchmark
from ..cache import Cache
from ..dataset_base import Dataset
from ..errors import UnknownBenchmark
from ..toolchain import Toolchain
from .benchmark import corpus_benchmark, open_index
from .index import CORPORA, FEATURES, CorpusIndex, datasets_dir
from .splits import SPLITS

__all__ = ["CorpusDataset"]


class CorpusDataset(Dataset):
    """A corpus, or the part of it that filters keep."""

    def __init__(
        self,
        name: str = "debian-v0",
        directory: Optional[Path] = None,
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
        _where: Tuple[Tuple[str, Any], ...] = (),
    ) -> None:
        if name.startswith("benchmark://"):
            name = name[len("benchmark://") :]
        if name not in CORPORA:
            raise UnknownBenchmark("unknown corpus (known: %s)" % ", ".join(CORPORA), name)
        super().__init__(
            "benchmark://" + name,
            description=CORPORA[name],
            license="Each unit under its package's license (the index's license column)",
            toolchain=toolchain,
            cache=cache,
        )
        self.directory = Path(directory or datasets_dir() / name)
        self._where = _where

    def _index(self) -> CorpusIndex:
        return open_index(self.dataset_name, self.directory, self.name)

    def _clause(self) -> Tuple[str, tuple]:
        return " AND ".join(c for c, _ in self._where), tuple(v for _, v in self._where)

    @property
    def installed(self) -> bool:
        return (self.directory / "index.sqlite").is_file()

    def install(self) -> None:
        if not self.installed:
            raise UnknownBenchmark(
                "not built yet: run `optgym datasets build %s --dir %s`"
                % (self.dataset_name, self.directory.parent),
                self.name,
            )

    @property
    def size(self) -> int:
        if not self.installed:
            return 0
        index = self._index()
        try:
            return index.count(*self._clause())
        finally:
            index.close()

    def benchmark_uris(self) -> Iterator[str]:
        index = self._index()
        try:
            uris = [index.uri(row["package"], row["name"]) for row in index.units(*self._clause())]
        finally:
            index.close()
        return iter(uris)

    def benchmark(self, uri: str) -> Benchmark:
        full = self._uri(uri)
        prefix = self.name + "/"
        if not full.startswith(prefix):
            raise UnknownBenchmark("not a benchmark of %s" % self.name, full)
        return corpus_benchmark(
            full, self.dataset_name, full[len(prefix) :], self.toolchain, self.cache, self.directory
        )

    def _uri(self, uri: str) -> str:
        text = str(uri).strip()
        if "://" not in text:
            if text.startswith(self.dataset_name + "/"):
                return "benchmark://" + text
            return "%s/%s" % (self.name, text)
        return text

    def sample(self, count: int, seed: int = 0) -> List[str]:
        """``count`` distinct URIs drawn with ``seed`` (all of them when
        there are fewer); the same index and seed give the same sample."""
        uris = sorted(self.benchmark_uris())
        return sorted(random.Random(seed).sample(uris, min(count, len(uris))))

    def filter(
        self,
        split: Optional[str] = None,
        package: Optional[str] = None,
        **bounds: Optional[int],
    ) -> "CorpusDataset":
        """The units of one split and/or package whose features lie within
        bounds: ``min_instructions=``, ``max_loops=``, ... (features:
        instructions, functions, loops, calls)."""
        where = list(self._where)
        if split is not None:
            if split not in [s for s, _ in SPLITS]:
                raise ValueError(
                    "unknown split %r (known: %s)" % (split, ", ".join(s for s, _ in SPLITS))
                )
            where.append(("split = ?", split))
        if package is not None:
            where.append(("package = ?", package))
        for key, value in bounds.items():
            if value is None:
                continue
            kind, _, feature = key.partition("_")
            if kind not in ("min", "max") or feature not in FEATURES:
                raise TypeError(
                    "unknown filter %r (expected min_/max_ + one of %s)"
                    % (key, ", ".join(FEATURES))
                )
            where.append(("%s %s ?" % (feature, ">=" if kind == "min" else "<="), int(value)))
        return CorpusDataset(
            self.dataset_name, self.directory, self.toolchain, self.cache, tuple(where)
        )
