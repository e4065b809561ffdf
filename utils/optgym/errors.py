"""The errors of benchmarks, generators, the toolchain and the cache.

Every one names the benchmark it is about (its URI) first, so that a line of
a long listing or a failed validation says which program it concerns.
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "BenchmarkError",
    "BuildError",
    "SkippedBenchmark",
    "ToolchainError",
    "UnknownBenchmark",
    "first_line",
]


def first_line(text: str) -> str:
    """The first non-blank line of a tool's output, stripped: what a
    one-line summary of a failure quotes."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


class BenchmarkError(Exception):
    """A benchmark cannot be resolved, built, run or measured.

    Attributes:
        uri: the benchmark's URI (None when the problem concerns no single
            benchmark).
        detail: the message without the URI.
    """

    def __init__(self, detail: str, uri: Optional[str] = None) -> None:
        self.uri = uri
        self.detail = detail
        super().__init__("%s: %s" % (uri, detail) if uri else detail)


class UnknownBenchmark(BenchmarkError, ValueError, LookupError):
    """A URI that names no benchmark (unknown scheme, dataset or name, or a
    file that does not exist); a LookupError too, as CompilerGym's is."""


class ToolchainError(BenchmarkError):
    """A tool the benchmark needs (clang, opt, csmith, the plugin, ...) is
    missing or does not work."""


class BuildError(BenchmarkError):
    """A build step failed.

    Attributes:
        stage: which one: ``"source"`` (the benchmark's own -O0 bitcode),
            ``"optimize"`` (the pipeline, with the oracle), ``"verify"``
            (the IR verifier on the optimized module), ``"codegen"`` (code
            generation and linking), ``"reference"`` (the -O0 reference run).
        command: the command that failed, as a list.
        output: what it printed on stderr (possibly shortened).
    """

    def __init__(
        self,
        detail: str,
        uri: Optional[str] = None,
        stage: str = "source",
        command: Optional[list] = None,
        output: str = "",
    ) -> None:
        super().__init__(detail, uri)
        self.stage = stage
        self.command = command or []
        self.output = output


class SkippedBenchmark(BenchmarkError):
    """A generated program that fails to compile, crashes or times out at
    -O0: the generator skips its seed, deterministically (the decision is
    cached)."""
