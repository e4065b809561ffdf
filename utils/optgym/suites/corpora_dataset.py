"""Corpora as :class:`~optgym.dataset.Dataset` objects
(``benchmark://anghabench-v1``, ``benchmark://jotaibench-v1``).

Apart from :mod:`optgym.suites.corpora` because :mod:`optgym.dataset`
imports :mod:`optgym.benchmarks`, which resolves corpus URIs: import this
module inside a function of those modules, never at their top.
"""

from __future__ import annotations

from typing import Any, Iterator, List, Optional, Sequence

from ..benchmark_base import Benchmark
from ..cache import Cache
from ..dataset_base import Dataset, random_generator
from ..errors import UnknownBenchmark
from ..toolchain import Toolchain
from .corpora import (
    PublicCorpus,
    public_corpora,
    public_corpus_benchmark,
    public_corpus_installed,
    public_corpus_programs,
)

__all__ = ["PublicCorpusDataset", "public_corpus_datasets"]


class PublicCorpusDataset(Dataset):
    """A corpus: installed once its archive is extracted; listing or
    iterating its benchmarks installs it (as CompilerGym's do)."""

    def __init__(
        self,
        corpus: PublicCorpus,
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
    ) -> None:
        super().__init__(
            corpus.uri,
            description=corpus.description,
            license=corpus.license,
            references=corpus.references,
            use=corpus.use,
            toolchain=toolchain,
            cache=cache,
        )
        self.corpus = corpus

    @property
    def size(self) -> int:
        """The number of programs: counted once installed, before that the
        upstream count the manifest gives (nothing is downloaded to say it)."""
        listed = public_corpus_programs(self.corpus, self.cache, install=False)
        return len(listed) if listed else self.corpus.size

    def benchmark_uris(self) -> Iterator[str]:
        return (
            "%s/%s" % (self.name, name) for name in public_corpus_programs(self.corpus, self.cache)
        )

    def benchmark(self, uri: str) -> Benchmark:
        full = self._uri(uri)
        if full.rstrip("/") == self.name:
            raise UnknownBenchmark("No benchmark specified: %s" % full)
        if not full.startswith(self.name + "/"):
            raise UnknownBenchmark("not a benchmark of %s" % self.name, full)
        program = full[len(self.name) + 1 :]
        return public_corpus_benchmark(
            full,
            self.corpus.name,
            program,
            self.toolchain,
            self.cache,
            {self.corpus.name: self.corpus},
        )

    def _uri(self, uri: str) -> str:
        # AnghaBench's names hold slashes: "linux/fs/x" is a name, not a URI.
        text = str(uri).strip()
        if "://" in text:
            return text
        if text.startswith(self.dataset_name + "/"):
            return "%s://%s" % (self.scheme, text)
        return "%s/%s" % (self.name, text)

    def random_benchmark(self, random_state: Any = None) -> Benchmark:
        names = public_corpus_programs(self.corpus, self.cache)
        if not names:
            raise UnknownBenchmark("has no benchmarks", self.name)
        return self.benchmark(names[int(random_generator(random_state).integers(len(names)))])

    @property
    def installed(self) -> bool:
        return public_corpus_installed(self.corpus, self.cache)

    def install(self) -> None:
        public_corpus_programs(self.corpus, self.cache)


def public_corpus_datasets(
    toolchain: Optional[Toolchain] = None,
    cache: Optional[Cache] = None,
    names: Optional[Sequence[str]] = None,
) -> List[PublicCorpusDataset]:
    """A :class:`PublicCorpusDataset` per corpus (all, or those of ``names``)."""
    known = public_corpora()
    chosen = list(known) if names is None else list(names)
    for name in chosen:
        if name not in known:
            raise UnknownBenchmark("unknown corpus (known: %s)" % ", ".join(known), name)
    return [PublicCorpusDataset(known[name], toolchain, cache) for name in chosen]
