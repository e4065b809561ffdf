"""A program of a public suite as a benchmark: its archive fetched (once,
into the cache), its directory extracted into the build's scratch space,
each source compiled to bitcode with the suite's flags and the modules
linked into one with ``llvm-link`` — on first use, then cached like every
benchmark's bitcode (keyed by the manifest's entry for it, the archive's
checksum and the clang version)."""

from __future__ import annotations

import concurrent.futures
import fnmatch
import os
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..benchmark_base import Benchmark
from ..cache import Cache
from ..errors import BuildError
from ..toolchain import Toolchain
from .fetch import extract_directory, fetch_archive
from .manifest import Suite

__all__ = ["SuiteBenchmark"]

# Sources compiled at once (each clang is one process; the machine decides).
_JOBS = max(1, min(4, os.cpu_count() or 1))


class SuiteBenchmark(Benchmark):
    """``benchmark://SUITE/PROGRAM``: one program of a suite's manifest."""

    def __init__(
        self,
        suite: Suite,
        program: str,
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
    ) -> None:
        super().__init__("%s/%s" % (suite.uri, program), program, toolchain, cache)
        self.suite = suite
        self.program = suite.programs[program]
        self.dataset = suite.name
        self.link_flags = tuple(self.program.link_flags)

    def source_key(self) -> Any:
        return ["suite", self.suite.name, self.suite.program_key(self.program.name)]

    def _sources(self, root: Path) -> List[str]:
        found = set()
        for pattern in self.program.sources:
            for path in root.glob(pattern):
                if path.is_file():
                    found.add(path.relative_to(root).as_posix())
        kept = sorted(
            name
            for name in found
            if not any(fnmatch.fnmatchcase(name, pattern) for pattern in self.program.exclude)
        )
        if not kept:
            raise BuildError(
                "no source in %s of archive %r matches %s"
                % (self.program.dir or "/", self.program.archive, " ".join(self.program.sources)),
                self.uri,
            )
        return kept

    def _edit(self, root: Path) -> None:
        for edit in self.program.edits:
            path = root.joinpath(*edit.file.split("/"))
            try:
                text = path.read_bytes().decode("latin-1")
            except OSError as error:
                raise BuildError(
                    "edit of %s: %s" % (edit.file, error.strerror or error), self.uri
                ) from None
            changed, count = edit.apply(text)
            if not count:
                raise BuildError(
                    "edit of %s: %r does not occur (has the source changed?)"
                    % (edit.file, edit.rename[0]),
                    self.uri,
                )
            path.write_bytes(changed.encode("latin-1"))

    def _make_bitcode(self, out: Path, scratch: Path) -> Dict[str, Any]:
        archive = self.suite.archives[self.program.archive]
        archive_path = fetch_archive(archive, self.cache, self.uri)
        root = scratch / "src"
        extract_directory(archive_path, archive, self.program.dir, root, self.uri)
        self._edit(root)
        sources = self._sources(root)
        clang = self.toolchain.require("clang", self.uri)
        flags = list(self.suite.bitcode_flags) + list(self.suite.flags) + list(self.program.flags)
        modules = scratch / "modules"
        modules.mkdir()

        def compile_one(item: Any) -> str:
            index, source = item
            target = modules / ("%04d-%s.bc" % (index, Path(source).stem))
            # Compiled from the program's directory by relative name, as its
            # own Makefile would: the module names do not depend on where
            # the cache is.
            self.run_tool(
                [clang] + flags + [source, "-o", str(target)],
                "compiling %s" % source,
                cwd=str(root),
            )
            return str(target)

        with concurrent.futures.ThreadPoolExecutor(_JOBS) as pool:
            objects = list(pool.map(compile_one, enumerate(sources)))
        link = self.toolchain.require("llvm-link", self.uri)
        self.run_tool([link] + objects + ["-o", str(out)], "llvm-link")
        return {
            "suite": self.suite.name,
            "archive": archive.sha256,
            "directory": self.program.dir,
            "sources": sources,
        }
