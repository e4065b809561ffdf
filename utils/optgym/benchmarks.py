"""Benchmarks: programs named by URIs, built to bitcode on demand and cached.

URIs, in CompilerGym's style:

* ``benchmark://optgym-v0/NAME``: a bundled program of datasets/programs,
  ``NAME.c`` or a multi-file ``NAME/`` with a Makefile;
* ``generator://csmith-v0/SEED``: the program csmith generates for SEED;
* ``generator://llvm-stress-v0/SEED``: the module ``llvm-stress -seed=SEED``
  generates (not runnable: no ``main``);
* ``benchmark://SUITE/NAME``: a program of a public suite (``cbench-v1``,
  ``chstone-v0``, ...), downloaded and built on first use
  (:mod:`optgym.suites`); ``SUITE/NAME`` and ``optgym-v0/NAME`` alone are
  short for ``benchmark://...``, as in CompilerGym;
* ``file:///PATH/X.c``, ``.ll`` or ``.bc``: a file; ``file:///DIR``: every such
  file under DIR (:func:`benchmarks`). A plain path is taken as a file URI.

This module resolves URIs (:func:`benchmark`, :func:`benchmarks`,
:func:`datasets`, the splits of the bundled programs) and holds the kinds of
benchmark made from files (:class:`SourceBenchmark`,
:class:`IRFileBenchmark`); the generated kinds are
:mod:`optgym.generators`. What every benchmark is, one bitcode module with
its builds, runs, reference and sizes, is
:class:`~optgym.benchmark_base.Benchmark` (importable from here too).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import urllib.parse
import warnings
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from .benchmark_base import (
    BITCODE_FLAGS,
    DEFAULT_TIMEOUT,
    Benchmark,
    Reference,
    ir_instruction_count,
)
from .cache import Cache, file_sha256
from .corpus.benchmark import corpus_benchmark
from .corpus.index import CORPORA
from .errors import UnknownBenchmark
from .generators import CSMITH_DATASET, LLVM_STRESS_DATASET, first_seeds, generator_benchmark
from .resources import data_file
from .suites import DEPRECATED_NAMES, current_name, suite_benchmark, suites
from .suites.corpora import public_corpora, public_corpus_benchmark
from .toolchain import Toolchain

__all__ = [
    "Benchmark",
    "Reference",
    "SourceBenchmark",
    "IRFileBenchmark",
    "benchmark",
    "benchmarks",
    "builtin_uris",
    "split_uris",
    "SPLITS",
    "count_ir_instructions",
    "datasets",
    "programs_dir",
    "BITCODE_FLAGS",
    "DEFAULT_TIMEOUT",
    "PROGRAMS_ENV",
]

#: Overrides the directory of the bundled programs (datasets/programs).
PROGRAMS_ENV = "OPTGYM_PROGRAMS"

BUILTIN_DATASET = "optgym-v0"
_BENCHMARK_PREFIX = "benchmark://%s/" % BUILTIN_DATASET
_SOURCE_SUFFIXES = (".c", ".ll", ".bc")


def programs_dir() -> Path:
    """The bundled programs: ``$OPTGYM_PROGRAMS``, or the ones installed
    with OptGym (datasets/programs of the source tree)."""
    explicit = os.environ.get(PROGRAMS_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return data_file("datasets/programs")


def count_ir_instructions(text: str, toolchain: Optional[Toolchain] = None) -> int:
    """Deprecated: the instructions of a module given as textual IR; use
    :func:`optgym.benchmark_base.ir_instruction_count` on the module's file,
    which this calls (it needs the plugin)."""
    warnings.warn(
        "optgym.benchmarks.count_ir_instructions is deprecated: use "
        "optgym.benchmark_base.ir_instruction_count on the module's file (it now "
        "counts with opt and the plugin, as the driver does, and needs them)",
        DeprecationWarning,
        stacklevel=2,
    )
    with tempfile.TemporaryDirectory(prefix="optgym-count-") as scratch:
        path = Path(scratch) / "module.ll"
        path.write_text(text, encoding="utf-8")
        return ir_instruction_count(path, toolchain or Toolchain.default())


# -- sources ---------------------------------------------------------------------------


def _hash_files(paths: Iterable[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(os.fspath(path.relative_to(root)).encode("utf-8") + b"\0")
        digest.update(file_sha256(path).encode("ascii") + b"\0")
    return digest.hexdigest()


class SourceBenchmark(Benchmark):
    """A C program: one source or several (compiled each, then linked).

    Args:
        sources: the .c files.
        root: the directory whose .c and .h files the content hash covers.
        cflags: extra flags for compiling the sources (-I..., -w).
    """

    def __init__(
        self,
        uri: str,
        name: str,
        sources: Sequence[Path],
        root: Path,
        cflags: Sequence[str] = (),
        dataset: str = "file",
        hashed: Optional[Sequence[Path]] = None,
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
    ) -> None:
        super().__init__(uri, name, toolchain, cache)
        self.sources = [Path(source) for source in sources]
        self.root = Path(root)
        self.cflags = tuple(cflags)
        self.dataset = dataset
        self._hashed = list(hashed) if hashed is not None else list(self.sources)

    def source_key(self) -> Any:
        try:
            return [_hash_files(self._hashed, self.root), list(self.cflags)]
        except OSError as error:
            raise UnknownBenchmark("cannot read the sources: %s" % error, self.uri) from None

    def _make_bitcode(self, out: Path, scratch: Path) -> Dict[str, Any]:
        clang = self.toolchain.require("clang", self.uri)
        objects = []
        for index, source in enumerate(self.sources):
            if len(self.sources) == 1:
                target = out
            else:
                target = scratch / ("%d-%s.bc" % (index, source.stem))
            # Compiled from its directory by relative name, as make does: the
            # module is named main.c, not /home/me/src/main.c, so the bitcode
            # (and every decision key) is the same in every checkout.
            relative = os.path.relpath(source, self.root)
            self.run_tool(
                [clang] + list(BITCODE_FLAGS) + list(self.cflags) + [relative, "-o", str(target)],
                "compiling %s at -O0" % relative,
                cwd=str(self.root),
            )
            objects.append(str(target))
        if len(objects) > 1:
            link = self.toolchain.require("llvm-link", self.uri)
            self.run_tool([link] + objects + ["-o", str(out)], "llvm-link")
        return {"sources": [str(source) for source in self.sources]}


def _sidecar(path: Path) -> Optional[Dict[str, Any]]:
    """The JSON description next to a collected .bc (X.json for X.bc)."""
    candidate = path.with_suffix(".json")
    try:
        data = json.loads(candidate.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class IRFileBenchmark(Benchmark):
    """A .ll or .bc file, used as is. A collected program or unit (see
    :mod:`optgym.collect`) has a JSON description next to it whose
    ``link_flags`` its executables are linked with."""

    dataset = "file"

    def __init__(
        self,
        uri: str,
        path: Path,
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
    ) -> None:
        super().__init__(uri, path.stem, toolchain, cache)
        self.path = path
        description = _sidecar(path)
        if description and isinstance(description.get("link_flags"), list):
            flags = [str(flag) for flag in description["link_flags"]]
            self.link_flags = tuple(flags if "-lm" in flags else flags + ["-lm"])

    def source_key(self) -> Any:
        try:
            return [file_sha256(self.path), list(self.link_flags)]
        except OSError as error:
            raise UnknownBenchmark("cannot read %s: %s" % (self.path, error), self.uri) from None

    def _make_bitcode(self, out: Path, scratch: Path) -> Dict[str, Any]:
        self.ir_to_bitcode(self.path, self.path.suffix == ".ll", out)
        return {"path": str(self.path)}


# -- resolving URIs ---------------------------------------------------------------------


def _builtin_entries(directory: Path) -> Dict[str, Path]:
    """NAME -> NAME.c or NAME/ (with a Makefile) in ``directory``."""
    entries: Dict[str, Path] = {}
    try:
        children = sorted(directory.iterdir())
    except OSError:
        return entries
    for child in children:
        if child.name.startswith("."):
            continue
        if child.is_file() and child.suffix == ".c":
            entries.setdefault(child.stem, child)
        elif child.is_dir() and (child / "Makefile").is_file():
            entries.setdefault(child.name, child)
    return entries


def builtin_uris() -> List[str]:
    """The URIs of the bundled programs, sorted by name."""
    return [_BENCHMARK_PREFIX + name for name in sorted(_builtin_entries(programs_dir()))]


#: The named splits of the bundled programs (datasets/splits.json).
SPLITS = ("train", "test")


def split_uris(split: str) -> List[str]:
    """The URIs of one split of the bundled programs: ``train`` (what
    policies are fitted on) or ``test`` (what results are reported on), as
    datasets/splits.json fixes them. Raises UnknownBenchmark for another
    name, or a listed program that is not bundled."""
    if split not in SPLITS:
        raise UnknownBenchmark("unknown split (expected %s)" % " or ".join(SPLITS), split)
    path = programs_dir().parent / "splits.json"
    try:
        names = json.loads(path.read_text())[split]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UnknownBenchmark(
            "cannot read the split from %s: %s" % (path, error), split
        ) from error
    entries = _builtin_entries(programs_dir())
    missing = [name for name in names if name not in entries]
    if missing:
        raise UnknownBenchmark(
            "%s lists programs that are not bundled: %s" % (path, ", ".join(missing)), split
        )
    return [_BENCHMARK_PREFIX + name for name in names]


def _with_headers(source: Path) -> List[Path]:
    """A source and the headers next to it: what its content hash covers
    (a header it includes from elsewhere is assumed not to change)."""
    try:
        headers = sorted(p for p in source.parent.iterdir() if p.suffix == ".h" and p.is_file())
    except OSError:
        headers = []
    return [source] + headers


def _builtin(
    name: str, uri: str, toolchain: Optional[Toolchain], cache: Optional[Cache]
) -> Benchmark:
    directory = programs_dir()
    entries = _builtin_entries(directory)
    if name not in entries:
        raise UnknownBenchmark(
            "no bundled program %r in %s (known: %s)"
            % (name, directory, ", ".join(sorted(entries)) or "none"),
            uri,
        )
    path = entries[name]
    if path.is_dir():
        sources = sorted(p for p in path.iterdir() if p.suffix == ".c" and p.is_file())
        hashed = sorted(p for p in path.iterdir() if p.suffix in (".c", ".h") and p.is_file())
        return SourceBenchmark(
            uri,
            name,
            sources,
            path,
            dataset=BUILTIN_DATASET,
            hashed=hashed,
            toolchain=toolchain,
            cache=cache,
        )
    return SourceBenchmark(
        uri,
        name,
        [path],
        path.parent,
        dataset=BUILTIN_DATASET,
        hashed=_with_headers(path),
        toolchain=toolchain,
        cache=cache,
    )


def _file_uri(path: Path) -> str:
    return "file://" + urllib.parse.quote(os.fspath(path), safe="/:@+,=~-._")


def _file_benchmark(
    path: Path, uri: str, toolchain: Optional[Toolchain], cache: Optional[Cache]
) -> Benchmark:
    if path.suffix == ".c":
        return SourceBenchmark(
            uri,
            path.stem,
            [path],
            path.parent,
            hashed=_with_headers(path),
            toolchain=toolchain,
            cache=cache,
        )
    return IRFileBenchmark(uri, path, toolchain, cache)


def _files_under(directory: Path) -> List[Path]:
    found = []
    for base, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.endswith(_SOURCE_SUFFIXES):
                found.append(Path(base) / name)
    return sorted(found)


def _shorthand(text: str, known: Iterable[str]) -> str:
    """``DATASET/NAME`` of a known dataset is ``benchmark://DATASET/NAME``,
    as CompilerGym takes it (unless a file of that name exists)."""
    if "://" not in text and not os.path.exists(text):
        dataset, _, name = text.partition("/")
        if name and (
            dataset == BUILTIN_DATASET
            or dataset in known
            or dataset in CORPORA
            or dataset in DEPRECATED_NAMES
        ):
            return "benchmark://" + text
    return text


def _parse(uri: str) -> Tuple[str, str, str]:
    """(scheme, dataset, rest) of a URI; a plain path becomes a file URI."""
    if "://" not in uri:
        return "file", "", os.path.abspath(os.path.expanduser(uri))
    scheme, _, rest = uri.partition("://")
    if scheme == "file":
        parsed = urllib.parse.urlsplit(uri)
        if parsed.netloc not in ("", "localhost"):
            raise UnknownBenchmark("file URIs name local files: file:///PATH", uri)
        return "file", "", urllib.parse.unquote(parsed.path)
    dataset, _, name = rest.partition("/")
    return scheme, dataset, name


def benchmarks(
    uri: str, toolchain: Optional[Toolchain] = None, cache: Optional[Cache] = None
) -> List[Benchmark]:
    """The benchmarks a URI names: one, or for ``file:///DIR`` one per .c,
    .ll and .bc file under DIR (recursively, sorted)."""
    scheme, _, rest = _parse(uri)
    if scheme == "file":
        path = Path(rest)
        if path.is_dir():
            return [_file_benchmark(p, _file_uri(p), toolchain, cache) for p in _files_under(path)]
    return [benchmark(uri, toolchain, cache)]


def benchmark(
    uri: Union[str, Benchmark],
    toolchain: Optional[Toolchain] = None,
    cache: Optional[Cache] = None,
) -> Benchmark:
    """The benchmark a URI names (see the module's documentation).

    Resolving is cheap: nothing is built until it is needed. Raises
    UnknownBenchmark for a URI that names no benchmark (or a directory:
    use :func:`benchmarks`).
    """
    if isinstance(uri, Benchmark):
        return uri
    # Read once (suites() looks at every manifest file) and handed on.
    known = suites()
    public = public_corpora()
    text = _shorthand(str(uri).strip(), list(known) + list(public))
    scheme, dataset, rest = _parse(text)
    if scheme == "benchmark" and dataset in DEPRECATED_NAMES:
        dataset = current_name(dataset)
        text = "benchmark://%s/%s" % (dataset, rest)
    if scheme == "benchmark":
        if dataset in known:
            return suite_benchmark(text, dataset, rest, toolchain, cache, known)
        if dataset in public:
            return public_corpus_benchmark(text, dataset, rest, toolchain, cache, public)
        if dataset in CORPORA:
            return corpus_benchmark(text, dataset, rest, toolchain, cache)
        if dataset != BUILTIN_DATASET:
            raise UnknownBenchmark(
                "unknown dataset %r (known: %s)"
                % (
                    dataset,
                    ", ".join([BUILTIN_DATASET] + list(known) + list(public) + list(CORPORA)),
                ),
                text,
            )
        if not rest or "/" in rest:
            raise UnknownBenchmark("expected benchmark://%s/NAME" % BUILTIN_DATASET, text)
        return _builtin(rest, text, toolchain, cache)
    if scheme == "generator":
        return generator_benchmark(text, dataset, rest, toolchain, cache)
    if scheme == "file":
        path = Path(rest)
        canonical = _file_uri(path)
        if path.is_dir():
            raise UnknownBenchmark(
                "is a directory (a dataset of %d benchmarks; list them with "
                "optgym.benchmarks() or `optgym datasets --dir`)" % len(_files_under(path)),
                canonical,
            )
        if not path.is_file():
            raise UnknownBenchmark("no such file", canonical)
        if path.suffix not in _SOURCE_SUFFIXES:
            raise UnknownBenchmark("expected a .c, .ll or .bc file", canonical)
        return _file_benchmark(path, canonical, toolchain, cache)
    raise UnknownBenchmark(
        "unknown URI scheme %r (expected benchmark://, generator://, file:// or a path)" % scheme,
        text,
    )


def datasets(
    csmith: int = 0,
    llvm_stress: int = 0,
    dirs: Sequence[Union[str, os.PathLike]] = (),
    builtin: bool = True,
    toolchain: Optional[Toolchain] = None,
    cache: Optional[Cache] = None,
    split: Optional[str] = None,
) -> List[str]:
    """Benchmark URIs: the bundled programs, the first ``csmith`` and
    ``llvm_stress`` seeds the generators do not skip (finding them builds
    and runs candidates, cached), and the files under each of ``dirs``.
    ``split`` keeps one split of the bundled programs (:func:`split_uris`)."""
    uris: List[str] = []
    if builtin:
        uris = split_uris(split) if split else builtin_uris()
    if csmith:
        uris += first_seeds(CSMITH_DATASET, csmith, toolchain, cache)
    if llvm_stress:
        uris += first_seeds(LLVM_STRESS_DATASET, llvm_stress, toolchain, cache)
    for directory in dirs:
        path = Path(os.path.abspath(os.fspath(directory)))
        if not path.is_dir():
            raise UnknownBenchmark("no such directory", _file_uri(path))
        uris += [_file_uri(p) for p in _files_under(path)]
    return uris
