"""Public benchmark suites under their CompilerGym names, built from their
published sources (docs/suites.md).

``benchmark://cbench-v1/crc32`` (or ``cbench-v1/crc32``) names the cBench
program CompilerGym calls crc32. What a suite is — the archives its
programs come from and how each is built — is a small declarative manifest
(:mod:`optgym.suites.manifest`; the shipped ones are
``optgym/suites/manifests/*.json``, ``$OPTGYM_SUITES`` adds or overrides).
On first use of a program its archive is downloaded (``$OPTGYM_DOWNLOAD_MIRROR``
first), checked against the manifest's sha256 and kept in the cache
(:mod:`optgym.suites.fetch`); the program's sources are compiled to bitcode
and linked into one module (:class:`SuiteBenchmark`), cached like every
benchmark's.

cBench, CHStone and MiBench are for evaluation only in OptGym: build and
run them to report results, never train or tune on them.
"""

from __future__ import annotations

import warnings
from typing import Dict, List, Mapping, Optional, Tuple

from ..cache import Cache
from ..errors import UnknownBenchmark
from ..toolchain import Toolchain
from .benchmark import SuiteBenchmark
from .fetch import (
    DOWNLOAD_TIMEOUT,
    MIRROR_ENV,
    DownloadError,
    UnsafeArchive,
    archive_candidates,
    cached_archive,
    fetch_archive,
)
from .manifest import (
    SUITES_ENV,
    Archive,
    Edit,
    ManifestError,
    Program,
    Suite,
    load_suites,
    manifests_dir,
    manifests_stamp,
)

__all__ = [
    "MIRROR_ENV",
    "SUITES_ENV",
    "DEPRECATED_NAMES",
    "DOWNLOAD_TIMEOUT",
    "Archive",
    "DownloadError",
    "Edit",
    "ManifestError",
    "Program",
    "Suite",
    "SuiteBenchmark",
    "UnsafeArchive",
    "archive_candidates",
    "cached_archive",
    "current_name",
    "fetch_archive",
    "install_suite",
    "load_suites",
    "manifests_dir",
    "suite_benchmark",
    "suite_installed",
    "suites",
]

_memo: Dict[Tuple, Dict[str, Suite]] = {}

#: CompilerGym's deprecated names of suites, and the suite each now is.
DEPRECATED_NAMES = {"cBench-v0": "cbench-v1", "cBench-v1": "cbench-v1"}


def current_name(dataset: str) -> str:
    """The name of the suite ``dataset`` stands for: itself, or the suite a
    deprecated name of CompilerGym's stands for, with a DeprecationWarning
    (CompilerGym's wording; its states name ``benchmark://cBench-v1/...``)."""
    current = DEPRECATED_NAMES.get(dataset)
    if current is None:
        return dataset
    warnings.warn(
        "Dataset '%s' is deprecated. Please use 'benchmark://%s'" % (dataset, current),
        DeprecationWarning,
        stacklevel=3,
    )
    return current


def suites() -> Dict[str, Suite]:
    """The suites by name (the shipped manifests and ``$OPTGYM_SUITES``),
    read again when a manifest file changes."""
    stamp = manifests_stamp()
    found = _memo.get(stamp)
    if found is None:
        found = load_suites()
        _memo.clear()
        _memo[stamp] = found
    return found


def suite_benchmark(
    uri: str,
    suite: str,
    program: str,
    toolchain: Optional[Toolchain] = None,
    cache: Optional[Cache] = None,
    known: Optional[Mapping[str, Suite]] = None,
) -> SuiteBenchmark:
    """The benchmark ``benchmark://SUITE/PROGRAM`` (nothing is downloaded or
    built yet). UnknownBenchmark naming ``uri`` for an unknown suite or
    program. ``known``: what :func:`suites` returns, when the caller has
    it already."""
    if known is None:
        known = suites()
    if suite not in known:
        raise UnknownBenchmark(
            "unknown dataset %r (known suites: %s)" % (suite, ", ".join(known)), uri
        )
    programs: List[str] = list(known[suite].programs)
    if not program or "/" in program:
        raise UnknownBenchmark("expected benchmark://%s/PROGRAM" % suite, uri)
    if program not in known[suite].programs:
        raise UnknownBenchmark(
            "no program %r in suite %s (known: %s)" % (program, suite, ", ".join(programs)), uri
        )
    return SuiteBenchmark(known[suite], program, toolchain, cache)


def suite_installed(suite: Suite, cache: Optional[Cache] = None) -> bool:
    """Whether every archive of the suite is in the cache."""
    cache = cache or Cache.default()
    return all(cached_archive(archive, cache) is not None for archive in suite.archives.values())


def install_suite(suite: Suite, cache: Optional[Cache] = None) -> None:
    """Downloads (and checks) every archive of the suite into the cache;
    programs are still built on first use."""
    cache = cache or Cache.default()
    for archive in suite.archives.values():
        fetch_archive(archive, cache, suite.uri)
