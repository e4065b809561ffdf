"""Generated benchmarks: csmith programs and llvm-stress modules, by seed.

* ``generator://csmith-v0/SEED``: ``csmith --seed SEED`` (csmith's default
  options), compiled with ``-I/usr/include/csmith -w``. Runnable: it prints
  a checksum of its globals.
* ``generator://llvm-stress-v0/SEED``: ``llvm-stress -seed=SEED -size=100``
  of the toolchain's LLVM. Not runnable (no ``main``); validating one means
  it builds and its optimized IR verifies.

A seed whose program fails to compile at -O0, or (csmith) crashes or runs
longer than :data:`GENERATOR_TIMEOUT` seconds at -O0, is *skipped*:
resolving it raises :class:`~optgym.errors.SkippedBenchmark` with the
reason, and listings pass over it. The decision is cached with the
benchmark, so it is made once per machine and toolchain, deterministically.
"""

from __future__ import annotations

import concurrent.futures
import os
from pathlib import Path
from typing import Any, Dict, List, Optional

from .benchmark_base import BITCODE_FLAGS, Benchmark
from .cache import Cache, file_sha256
from .errors import BuildError, SkippedBenchmark, UnknownBenchmark, first_line
from .toolchain import Toolchain, tool_environment

__all__ = [
    "CSMITH_DATASET",
    "LLVM_STRESS_DATASET",
    "CSMITH_ARGS",
    "LLVM_STRESS_SIZE",
    "GENERATOR_TIMEOUT",
    "CsmithBenchmark",
    "LlvmStressBenchmark",
    "first_seeds",
    "generator_benchmark",
]

CSMITH_DATASET = "csmith-v0"
LLVM_STRESS_DATASET = "llvm-stress-v0"
#: Options given to csmith besides --seed (none: csmith's defaults).
CSMITH_ARGS: tuple = ()
#: llvm-stress -size.
LLVM_STRESS_SIZE = 100
#: Seconds a generated program may run at -O0 before its seed is skipped.
GENERATOR_TIMEOUT = 10.0
#: Seconds generating or compiling one may take before its seed is skipped.
GENERATOR_COMPILE_TIMEOUT = 120.0

_MAX_SEED = 2**32


class _Generated(Benchmark):
    """A benchmark a generator makes from a seed; unbuildable seeds are
    skipped, and the decision cached."""

    dataset = ""
    # What the -O0 check of the seed includes: running it (csmith) or not.
    _runs = True

    def __init__(self, seed: int, toolchain: Optional[Toolchain], cache: Optional[Cache]) -> None:
        uri = "generator://%s/%d" % (self.dataset, seed)
        super().__init__(uri, str(seed), toolchain, cache)
        self.seed = seed

    def _build_bitcode_entry(self, directory: Path) -> Dict[str, Any]:
        try:
            data = super()._build_bitcode_entry(directory)
            if self._runs:
                if not data.get("runnable"):
                    raise SkippedBenchmark(
                        "does not link at -O0 (%s)" % data.get("not_runnable"), self.uri
                    )
                self._probe(directory / "bench.bc", directory / "scratch")
            return data
        except SkippedBenchmark as error:
            reason = error.detail
        except BuildError as error:
            reason = error.detail
        # The skip decision is the entry; the generated source stays, to look at.
        for path in directory.iterdir():
            if path.is_file() and path.suffix not in (".c", ".ll"):
                path.unlink()
        return {"skipped": reason}

    def _probe(self, bitcode: Path, scratch: Path) -> None:
        """Builds and runs the -O0 program; skips the seed when it hangs or
        crashes, and otherwise keeps its output as the cached reference."""
        exe = scratch / "probe"
        clang = self.toolchain.require("clang", self.uri)
        self.toolchain.check(
            [clang, "-O0", str(bitcode), "-o", str(exe)] + list(self.link_flags),
            self.uri,
            "does not link at -O0",
            "source",
            env=tool_environment(),
            timeout=GENERATOR_COMPILE_TIMEOUT,
        )
        result = self.run(exe, GENERATOR_TIMEOUT)
        if result.timed_out:
            raise SkippedBenchmark("times out at -O0 (after %g s)" % GENERATOR_TIMEOUT, self.uri)
        if result.signal is not None:
            raise SkippedBenchmark("crashes at -O0 (%s)" % result.describe(), self.uri)

        def write(directory: Path) -> Dict[str, Any]:
            return self.record_reference(directory, exe, result, GENERATOR_TIMEOUT)

        self.cache.get_or_build(
            "reference", self.reference_key(file_sha256(bitcode)), write, label=self.uri
        )

    @property
    def skipped(self) -> Optional[str]:
        """Why the generator skips this seed, or None (builds it first)."""
        try:
            self.bitcode_entry()
        except SkippedBenchmark as error:
            return error.detail[len("skipped: ") :]
        return None


class CsmithBenchmark(_Generated):
    """``generator://csmith-v0/SEED``."""

    dataset = CSMITH_DATASET

    def source_key(self) -> Any:
        return [
            self.seed,
            self.toolchain.csmith_version(self.uri),
            list(CSMITH_ARGS),
            GENERATOR_TIMEOUT,
        ]

    def _make_bitcode(self, out: Path, scratch: Path) -> Dict[str, Any]:
        csmith = self.toolchain.require_csmith(self.uri)
        source = out.parent / ("csmith-%d.c" % self.seed)
        # In the scratch directory: csmith writes platform.info into its
        # working directory.
        self.toolchain.check(
            [csmith, "--seed", str(self.seed)] + list(CSMITH_ARGS),
            self.uri,
            "csmith",
            "source",
            env=tool_environment(),
            timeout=GENERATOR_COMPILE_TIMEOUT,
            stdout_path=str(source),
            cwd=str(scratch),
        )
        clang = self.toolchain.require("clang", self.uri)
        try:
            self.toolchain.check(
                [clang]
                + list(BITCODE_FLAGS)
                + ["-I" + self.toolchain.csmith_include, "-w", source.name, "-o", str(out)],
                self.uri,
                "clang -O0",
                "source",
                env=tool_environment(),
                timeout=GENERATOR_COMPILE_TIMEOUT,
                cwd=str(source.parent),
            )
        except BuildError as error:
            raise SkippedBenchmark(
                "does not compile at -O0: %s" % first_line(error.output or error.detail), self.uri
            ) from None
        return {"generator": "csmith", "seed": self.seed}

    @property
    def source(self) -> str:
        """The C program csmith generated for the seed (generated first
        when needed; SkippedBenchmark for a skipped seed)."""
        path = self.bitcode_entry().dir / ("csmith-%d.c" % self.seed)
        return path.read_text(encoding="utf-8", errors="replace")

    def write_sources_to_directory(self, directory: "str | os.PathLike[str]") -> List[Path]:
        """Writes the program to ``directory``/source.c (CompilerGym's
        name); returns the files written."""
        target = Path(directory) / "source.c"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.source, encoding="utf-8")
        return [target]


class LlvmStressBenchmark(_Generated):
    """``generator://llvm-stress-v0/SEED``."""

    dataset = LLVM_STRESS_DATASET
    _runs = False

    def source_key(self) -> Any:
        return [self.seed, LLVM_STRESS_SIZE]

    def _make_bitcode(self, out: Path, scratch: Path) -> Dict[str, Any]:
        stress = self.toolchain.require("llvm-stress", self.uri)
        source = out.parent / ("llvm-stress-%d.ll" % self.seed)
        self.toolchain.check(
            [stress, "-seed=%d" % self.seed, "-size=%d" % LLVM_STRESS_SIZE, "-o", str(source)],
            self.uri,
            "llvm-stress",
            "source",
            env=tool_environment(),
            timeout=GENERATOR_COMPILE_TIMEOUT,
        )
        assembler = self.toolchain.require("llvm-as", self.uri)
        clang = self.toolchain.require("clang", self.uri)
        for argv, what in (
            ([assembler, str(source), "-o", str(out)], "llvm-as"),
            ([clang, "-O0", "-c", str(out), "-o", str(scratch / "probe.o")], "clang -O0 -c"),
        ):
            try:
                self.toolchain.check(
                    argv,
                    self.uri,
                    what,
                    "source",
                    env=tool_environment(),
                    timeout=GENERATOR_COMPILE_TIMEOUT,
                )
            except BuildError as error:
                raise SkippedBenchmark(
                    "does not compile at -O0: %s: %s"
                    % (what, first_line(error.output or error.detail)),
                    self.uri,
                ) from None
        return {"generator": "llvm-stress", "seed": self.seed, "size": LLVM_STRESS_SIZE}


_GENERATORS = {CSMITH_DATASET: CsmithBenchmark, LLVM_STRESS_DATASET: LlvmStressBenchmark}


def _parse_seed(text: str, uri: str) -> int:
    if not text.isdigit() or int(text) >= _MAX_SEED:
        raise UnknownBenchmark("the seed must be an integer from 0 to %d" % (_MAX_SEED - 1), uri)
    return int(text)


def generator_benchmark(
    uri: str,
    dataset: str,
    seed: str,
    toolchain: Optional[Toolchain] = None,
    cache: Optional[Cache] = None,
) -> Benchmark:
    """The benchmark of ``generator://DATASET/SEED``."""
    if dataset not in _GENERATORS:
        raise UnknownBenchmark(
            "unknown generator %r (known: %s)" % (dataset, ", ".join(sorted(_GENERATORS))), uri
        )
    return _GENERATORS[dataset](_parse_seed(seed, uri), toolchain, cache)


def first_seeds(
    dataset: str,
    count: int,
    toolchain: Optional[Toolchain] = None,
    cache: Optional[Cache] = None,
    start: int = 0,
    jobs: Optional[int] = None,
) -> List[str]:
    """The URIs of the first ``count`` seeds from ``start`` the generator
    does not skip (each candidate is built, and run, once; then cached)."""
    if dataset not in _GENERATORS:
        raise UnknownBenchmark("unknown generator %r" % dataset, "generator://%s" % dataset)
    cls = _GENERATORS[dataset]
    jobs = jobs or os.cpu_count() or 2
    found: List[str] = []
    seed = start
    limit = start + 10 * count + 100
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        while len(found) < count:
            if seed >= limit:
                raise SkippedBenchmark(
                    "only %d of seeds %d to %d are not skipped" % (len(found), start, seed - 1),
                    "generator://%s" % dataset,
                )
            size = max(jobs, count - len(found))
            batch = [cls(s, toolchain, cache) for s in range(seed, seed + size)]
            seed += len(batch)
            for candidate, skipped in zip(batch, pool.map(lambda b: b.skipped, batch)):
                if skipped is None and len(found) < count:
                    found.append(candidate.uri)
    return found
