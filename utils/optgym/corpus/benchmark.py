"""A unit of a built corpus as a benchmark: ``benchmark://debian-v0/PACKAGE/UNIT``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from ..benchmark_base import Benchmark
from ..cache import Cache
from ..errors import UnknownBenchmark
from ..toolchain import Toolchain
from .index import CorpusIndex, datasets_dir

__all__ = ["CorpusBenchmark", "corpus_benchmark", "open_index"]


class CorpusBenchmark(Benchmark):
    """A unit of a corpus: its stored bitcode, as collected. ``unit`` is
    its row of the index (package, source, features, flags, ...)."""

    def __init__(
        self,
        uri: str,
        path: Path,
        dataset: str,
        row: Any,
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
    ) -> None:
        super().__init__(uri, Path(row["name"]).name, toolchain, cache)
        self.path = path
        self.dataset = dataset
        self.unit = dict(row)

    def source_key(self) -> Any:
        # The store is content-addressed: the hash is the content.
        return self.unit["hash"]

    def _make_bitcode(self, out: Path, scratch: Path) -> Dict[str, Any]:
        self.ir_to_bitcode(self.path, False, out)
        return {"path": str(self.path)}


def _split_uri(dataset: str, rest: str, uri: str) -> Tuple[str, str]:
    package, _, name = rest.partition("/")
    if not package or not name:
        raise UnknownBenchmark("expected benchmark://%s/PACKAGE/UNIT" % dataset, uri)
    return package, name


def open_index(dataset: str, directory: Optional[Path], uri: str) -> CorpusIndex:
    try:
        return CorpusIndex(Path(directory or datasets_dir() / dataset), dataset)
    except (FileNotFoundError, ValueError) as error:
        raise UnknownBenchmark(str(error), uri) from None


def corpus_benchmark(
    uri: str,
    dataset: str,
    rest: str,
    toolchain: Optional[Toolchain] = None,
    cache: Optional[Cache] = None,
    directory: Optional[Path] = None,
) -> CorpusBenchmark:
    """The benchmark of ``benchmark://DATASET/PACKAGE/UNIT``."""
    package, name = _split_uri(dataset, rest, uri)
    index = open_index(dataset, directory, uri)
    try:
        row = index.lookup(package, name)
        if row is None:
            raise UnknownBenchmark("no such unit in %s" % index.directory, uri)
        path = index.store_path(row["hash"])
    finally:
        index.close()
    if not path.is_file():
        raise UnknownBenchmark("the store lacks %s" % path, uri)
    return CorpusBenchmark(uri, path, dataset, row, toolchain=toolchain, cache=cache)
