"""Benchmarks made from the user's files: C/C++ sources, .ll and .bc
modules, in any mix, linked into one module (CompilerGym's
``make_benchmark``).

    bench = optgym.make_benchmark(["main.c", "lib.c"], copt=["-DNDEBUG"])
    env.reset(benchmark=bench)

Sources are compiled to bitcode at -O0 as every OptGym benchmark is
(:data:`~optgym.benchmark_base.BITCODE_FLAGS`) with ``copt``; .ll files are
assembled; .bc files are used as they are; several modules are linked with
llvm-link. The URI is ``benchmark://user-v0/HASH``, HASH covering the files'
contents and the flags, so that the same inputs make the same benchmark.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from .benchmark_base import BITCODE_FLAGS, Benchmark
from .cache import Cache, file_sha256
from .errors import UnknownBenchmark
from .toolchain import Toolchain

__all__ = ["LinkedBenchmark", "USER_DATASET", "make_benchmark", "system_include_flags"]

#: The dataset of benchmarks made from the user's files.
USER_DATASET = "user-v0"

_SOURCE_SUFFIXES = {".c": "c", ".cc": "c++", ".cpp": "c++", ".cxx": "c++"}
_MODULE_SUFFIXES = (".ll", ".bc")

PathLike = Union[str, "os.PathLike[str]"]


class LinkedBenchmark(Benchmark):
    """The module linked from ``inputs`` (sources compiled with ``copt``)."""

    dataset = USER_DATASET

    def __init__(
        self,
        inputs: Sequence[Path],
        copt: Sequence[str] = (),
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
    ) -> None:
        self.inputs = [Path(path).absolute() for path in inputs]
        self.copt = tuple(copt)
        # The inputs as they are now: the URI and the cached bitcode are
        # theirs, also once the files change or go away.
        try:
            files = [[path.name, file_sha256(path)] for path in self.inputs]
        except OSError as error:
            raise UnknownBenchmark("cannot read %s" % error.filename, str(error.filename)) from None
        self._key = [files, list(self.copt)]
        digest = hashlib.sha256(repr(self._key).encode("utf-8")).hexdigest()[:16]
        name = self.inputs[0].stem if len(self.inputs) == 1 else "linked"
        super().__init__("benchmark://%s/%s" % (USER_DATASET, digest), name, toolchain, cache)

    def source_key(self) -> Any:
        return self._key

    def _make_bitcode(self, out: Path, scratch: Path) -> Dict[str, Any]:
        modules: List[str] = []
        for index, path in enumerate(self.inputs):
            target = out if len(self.inputs) == 1 else scratch / ("%d-%s.bc" % (index, path.stem))
            self._module(path, target)
            modules.append(str(target))
        if len(modules) > 1:
            link = self.toolchain.require("llvm-link", self.uri)
            self.run_tool([link] + modules + ["-o", str(out)], "llvm-link")
        return {"inputs": [str(path) for path in self.inputs], "copt": list(self.copt)}

    def _module(self, path: Path, target: Path) -> None:
        suffix = path.suffix.lower()
        if suffix in _SOURCE_SUFFIXES:
            clang = self.toolchain.require("clang++" if suffix != ".c" else "clang", self.uri)
            # Compiled from its directory by name, as make does: the module
            # is named by the file, not by where the user keeps it.
            self.run_tool(
                [clang] + list(BITCODE_FLAGS) + list(self.copt) + [path.name, "-o", str(target)],
                "compiling %s at -O0" % path.name,
                cwd=str(path.parent),
            )
        else:
            self.ir_to_bitcode(path, suffix == ".ll", target)


def make_benchmark(
    inputs: Union[PathLike, Iterable[PathLike]],
    copt: Optional[Sequence[str]] = None,
    system_includes: bool = True,
    toolchain: Optional[Toolchain] = None,
    cache: Optional[Cache] = None,
) -> LinkedBenchmark:
    """A benchmark of ``inputs`` (a file or a list of files: .c, .cc/.cpp,
    .ll, .bc), sources compiled with ``copt``. ``system_includes``: clang
    finds its own system headers, so it changes nothing and is accepted for
    CompilerGym's callers. ValueError for an input of another kind,
    UnknownBenchmark for one that cannot be read."""
    del system_includes
    paths = [Path(inputs)] if isinstance(inputs, (str, os.PathLike)) else [Path(p) for p in inputs]
    if not paths:
        raise ValueError("make_benchmark: no input files")
    for path in paths:
        suffix = path.suffix.lower()
        if suffix not in _SOURCE_SUFFIXES and suffix not in _MODULE_SUFFIXES:
            raise ValueError(
                "make_benchmark: %s: unknown kind of input (expected %s)"
                % (path, ", ".join(sorted(_SOURCE_SUFFIXES) + list(_MODULE_SUFFIXES)))
            )
        if not path.is_file():
            raise UnknownBenchmark("no such file", os.fspath(path))
    return LinkedBenchmark(paths, copt or (), toolchain, cache)


_SEARCH_START = "#include <...> search starts here:"
_SEARCH_END = "End of search list."


def system_include_flags(language: str = "c++", toolchain: Optional[Toolchain] = None) -> List[str]:
    """``-isystem DIR`` for every directory clang searches for system
    headers of ``language`` (CompilerGym's ``get_system_library_flags``),
    read from ``clang -v -E``."""
    clang = (toolchain or Toolchain.default()).require("clang")
    completed = subprocess.run(
        [clang, "-x" + language, "-E", "-", "-v", "-o", os.devnull],
        input=b"",
        capture_output=True,
        timeout=60,
        check=False,
    )
    text = completed.stderr.decode("utf-8", "replace")
    if _SEARCH_START not in text:
        raise OSError("%s -v -E printed no include search list: %s" % (clang, text.strip()[:200]))
    listing = text.split(_SEARCH_START, 1)[1].split(_SEARCH_END, 1)[0]
    flags: List[str] = []
    for line in listing.splitlines():
        directory = re.sub(r"\s+\(framework directory\)$", "", line.strip())
        if directory:
            flags += ["-isystem", directory]
    return flags
