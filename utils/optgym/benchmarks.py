"""Benchmarks: programs named by URIs, built to bitcode on demand and cached.

URIs, in CompilerGym's style:

* ``benchmark://optgym-v0/NAME``: a bundled program of datasets/programs,
  ``NAME.c`` or a multi-file ``NAME/`` with a Makefile;
* ``generator://csmith-v0/SEED``: the program csmith generates for SEED;
* ``generator://llvm-stress-v0/SEED``: the module ``llvm-stress -seed=SEED``
  generates (not runnable: no ``main``);
* ``file:///PATH/X.c``, ``.ll`` or ``.bc``: a file; ``file:///DIR``: every such
  file under DIR (:func:`benchmarks`). A plain path is taken as a file URI.

A benchmark is *one* bitcode module, built by
``clang -O0 -Xclang -disable-O0-optnone -emit-llvm -c`` (each source of a
multi-file program, then ``llvm-link``), so that every optimization pipeline
can work on it. From it a benchmark builds executables (at any level, with
an oracle, or with an ``opt`` pipeline), runs them with a timeout, and knows
its reference: what the -O0 build of the same bitcode prints and exits with.
Everything built is kept in the on-disk :class:`~optgym.cache.Cache`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from .cache import Cache, CacheEntry, file_sha256
from .errors import BenchmarkError, BuildError, SkippedBenchmark, UnknownBenchmark
from .resources import data_file
from .toolchain import RunResult, Toolchain, clang_level, run_program, tool_environment

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

#: How clang turns a source into a benchmark's bitcode.
BITCODE_FLAGS = ("-O0", "-Xclang", "-disable-O0-optnone", "-emit-llvm", "-c")
#: Seconds a run may take (the -O0 reference, a validated build).
DEFAULT_TIMEOUT = 10.0
#: Seconds a compile step may take.
BUILD_TIMEOUT = 600.0
#: Overrides the directory of the bundled programs (datasets/programs).
PROGRAMS_ENV = "OPTGYM_PROGRAMS"

BUILTIN_DATASET = "optgym-v0"
_BENCHMARK_PREFIX = "benchmark://%s/" % BUILTIN_DATASET
_SOURCE_SUFFIXES = (".c", ".ll", ".bc")
# Bump when what metrics() measures changes.
_METRICS_VERSION = 2


def programs_dir() -> Path:
    """The bundled programs: ``$OPTGYM_PROGRAMS``, or the ones installed
    with OptGym (datasets/programs of the source tree)."""
    explicit = os.environ.get(PROGRAMS_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return data_file("datasets/programs")


# -- IR text ---------------------------------------------------------------------


def count_ir_instructions(text: str) -> int:
    """The number of instructions in textual IR, as
    ``Module::getInstructionCount`` counts them: the lines of function bodies
    that are neither labels, comments nor debug records, without the lines
    an instruction continues on (a switch's cases and closing bracket, an
    invoke's destinations, a landingpad's clauses). Declarations, globals
    and metadata do not count."""
    count = 0
    in_function = False
    in_cases = False
    for line in text.splitlines():
        if not in_function:
            if line.startswith("define ") and line.rstrip().endswith("{"):
                in_function = True
            continue
        if line.startswith("}"):
            in_function = False
        elif line.startswith("  "):
            stripped = line.strip()
            if in_cases:
                in_cases = not stripped.startswith("]")
                continue
            if not stripped or stripped.startswith(
                (";", "#dbg_", "to label", "cleanup", "catch ", "filter ")
            ):
                continue
            count += 1
            in_cases = stripped.endswith("[") and " switch " in " " + stripped
    return count


_MAIN = re.compile(r"^define\b[^@]*@main\(", re.MULTILINE)


def defines_main(text: str) -> bool:
    return _MAIN.search(text) is not None


@dataclass(frozen=True)
class Reference:
    """What the -O0 build of a benchmark's bitcode does (cached)."""

    stdout: bytes
    returncode: int
    walltime: float


# -- Benchmark --------------------------------------------------------------------


class Benchmark:
    """One benchmark: a bitcode module plus how to build and run it.

    Attributes:
        uri: the benchmark's URI.
        name: a short name (file stem, program name or seed).
        link_flags: what links its executables besides the bitcode
            (``-lm`` and whatever the program needs).
    """

    #: The dataset of the URI (``optgym-v0``, ``csmith-v0``, ``file``, ...).
    dataset = ""

    def __init__(
        self,
        uri: str,
        name: str,
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
    ) -> None:
        self.uri = uri
        self.name = name
        self._toolchain = toolchain
        self._cache = cache
        self._entry: Optional[CacheEntry] = None
        self.link_flags: Tuple[str, ...] = ("-lm",)

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__, self.uri)

    @property
    def toolchain(self) -> Toolchain:
        return self._toolchain if self._toolchain is not None else Toolchain.default()

    @property
    def cache(self) -> Cache:
        return self._cache if self._cache is not None else Cache.default()

    # -- hooks of the kinds of benchmark ---------------------------------------------

    def source_key(self) -> Any:
        """What the bitcode depends on besides the URI and the toolchain: a
        content hash of the sources, a seed and generator version, ..."""
        raise NotImplementedError

    def _make_bitcode(self, out: Path, scratch: Path) -> Dict[str, Any]:
        """Writes the benchmark's bitcode to ``out``; may return data to keep
        in the cache entry."""
        raise NotImplementedError

    # -- bitcode ------------------------------------------------------------------

    def _run_tool(self, argv: List[str], what: str, stage: str = "source", **kwargs: Any):
        kwargs.setdefault("env", tool_environment())
        kwargs.setdefault("timeout", BUILD_TIMEOUT)
        return self.toolchain.check(argv, self.uri, what, stage, **kwargs)

    def _disassemble(self, bitcode: Union[str, Path]) -> str:
        dis = self.toolchain.require("llvm-dis", self.uri)
        completed = self._run_tool([dis, str(bitcode), "-o", "-"], "llvm-dis")
        return completed.stdout.decode("utf-8", "replace")

    def _build_bitcode_entry(self, directory: Path) -> Dict[str, Any]:
        scratch = directory / "scratch"
        scratch.mkdir()
        bitcode = directory / "bench.bc"
        data = dict(self._make_bitcode(bitcode, scratch) or {})
        text = self._disassemble(bitcode)
        data["ir_instructions_O0"] = count_ir_instructions(text)
        data["runnable"] = False
        if not defines_main(text):
            data["not_runnable"] = "no main"
            return data
        # A unit of a larger program may define main and still not link.
        clang = self.toolchain.require("clang", self.uri)
        try:
            self._run_tool(
                [clang, "-O0", str(bitcode), "-o", str(scratch / "link-check")]
                + list(self.link_flags),
                "linking",
            )
        except BuildError as error:
            lines = [line.strip() for line in error.output.splitlines() if line.strip()]
            problem = next(
                (line for line in lines if "undefined" in line or "error" in line),
                lines[0] if lines else error.detail,
            )
            data["not_runnable"] = "defines main but does not link: %s" % problem
            return data
        data["runnable"] = True
        return data

    def _bitcode_key(self) -> str:
        return Cache.key(
            "bitcode",
            self.uri,
            self.source_key(),
            self.toolchain.clang_version(self.uri),
            list(BITCODE_FLAGS),
        )

    def bitcode_entry(self) -> CacheEntry:
        """The cache entry of the benchmark's bitcode, built when needed."""
        if self._entry is not None and (self._entry.dir / "manifest.json").exists():
            return self._entry
        self.toolchain.require("clang", self.uri)
        entry = self.cache.get_or_build(
            "bitcode", self._bitcode_key(), self._build_bitcode_entry, label=self.uri
        )
        skipped = entry.data.get("skipped")
        if skipped:
            raise SkippedBenchmark("skipped: %s" % skipped, self.uri)
        self._entry = entry
        return entry

    def bitcode_path(self) -> Path:
        """The benchmark's bitcode (in the cache; built on demand)."""
        return self.bitcode_entry().path("bench.bc")

    def bitcode_sha256(self) -> str:
        return self.bitcode_entry().manifest["files"]["bench.bc"]["sha256"]

    @property
    def runnable(self) -> bool:
        """The module defines ``main`` and links (with :attr:`link_flags`)
        into a program that runs."""
        return bool(self.bitcode_entry().data.get("runnable"))

    @property
    def not_runnable_reason(self) -> Optional[str]:
        """Why the benchmark is not runnable (``no main``, ...), or None."""
        data = self.bitcode_entry().data
        return None if data.get("runnable") else str(data.get("not_runnable", "no main"))

    # -- building -------------------------------------------------------------------

    def _oracle_env(self, oracle: Optional[str]) -> Dict[str, str]:
        environment = tool_environment(keep_optgym=oracle is not None)
        if oracle is not None:
            environment["OPTGYM_ORACLE"] = oracle
        else:
            environment.pop("OPTGYM_ORACLE", None)
        return environment

    def optimize(
        self,
        out: Union[str, Path],
        level: str = "O2",
        oracle: Optional[str] = None,
        passes: Optional[str] = None,
        extra_flags: Sequence[str] = (),
    ) -> Path:
        """Writes the optimized module to ``out`` (bitcode): clang's -O
        ``level`` pipeline, or ``opt -passes=PASSES`` when ``passes`` is
        given; with ``oracle`` the plugin is loaded and OPTGYM_ORACLE set
        (other OPTGYM_* settings of the environment, OPTGYM_RECORD say,
        apply). The IR is not verified here; see :meth:`verify`.
        BuildError(stage="optimize") when it fails."""
        bitcode = self.bitcode_path()
        out = Path(out)
        env = self._oracle_env(oracle)
        if passes is not None:
            argv = [self.toolchain.require("opt", self.uri)]
            if oracle is not None:
                argv.append("-load-pass-plugin=" + self.toolchain.plugin(self.uri))
            argv += ["-disable-verify", "-passes=" + passes, str(bitcode), "-o", str(out)]
            what = "opt -passes=%s" % passes
        else:
            flag = clang_level(level)
            argv = [self.toolchain.require("clang", self.uri), flag]
            if oracle is not None:
                argv.append("-fpass-plugin=" + self.toolchain.plugin(self.uri))
            argv += ["-c", "-emit-llvm", str(bitcode), "-o", str(out)] + list(extra_flags)
            what = "clang %s" % flag
        if oracle is not None:
            what += " with oracle %s" % oracle
        self._run_tool(argv, what, stage="optimize", env=env)
        return out

    def verify(self, bitcode: Union[str, Path]) -> None:
        """Runs the IR verifier on a module; BuildError(stage="verify")
        with the verifier's message when it is broken."""
        opt = self.toolchain.require("opt", self.uri)
        self._run_tool(
            [opt, "-passes=verify", "-disable-output", str(bitcode)],
            "the IR verifier",
            stage="verify",
            env=tool_environment(),
        )

    def codegen(
        self,
        bitcode: Union[str, Path],
        out: Union[str, Path],
        level: str = "O2",
        link: Optional[bool] = None,
        extra_flags: Sequence[str] = (),
    ) -> Path:
        """Generates code for an (optimized) module at ``level`` without
        running any IR pass on it (``-Xclang -disable-llvm-passes``), and
        links it with :attr:`link_flags` into an executable, or writes an
        object with ``link=False`` (default: link when runnable)."""
        if link is None:
            link = self.runnable
        flag = clang_level(level)
        argv = [
            self.toolchain.require("clang", self.uri),
            flag,
            "-Xclang",
            "-disable-llvm-passes",
            str(bitcode),
            "-o",
            str(out),
        ]
        argv += list(self.link_flags) if link else ["-c"]
        argv += list(extra_flags)
        self._run_tool(
            argv, "code generation (clang %s)" % flag, stage="codegen", env=tool_environment()
        )
        return Path(out)

    def build(
        self,
        out_exe: Union[str, Path],
        level: str = "O2",
        oracle: Optional[str] = None,
        passes: Optional[str] = None,
        extra_flags: Sequence[str] = (),
        verify: bool = True,
        optimized_bitcode: Optional[Union[str, Path]] = None,
    ) -> Path:
        """Builds an executable (an object when the benchmark is not
        runnable) at ``out_exe``: :meth:`optimize`, :meth:`verify` (unless
        ``verify=False``), :meth:`codegen`. The result is the object a plain
        ``clang -O2 -fpass-plugin=... bench.bc`` makes, byte for byte, and
        its IR is the one verified. ``optimized_bitcode``: where to keep the
        optimized module (default: a temporary file)."""
        out_exe = Path(out_exe)
        with tempfile.TemporaryDirectory(prefix="optgym-build-") as scratch:
            optimized = Path(optimized_bitcode) if optimized_bitcode else Path(scratch) / "opt.bc"
            self.optimize(optimized, level, oracle, passes, extra_flags)
            if verify:
                self.verify(optimized)
            return self.codegen(optimized, out_exe, level, extra_flags=extra_flags)

    def run(self, exe: Union[str, Path], timeout: Optional[float] = DEFAULT_TIMEOUT) -> RunResult:
        """Runs an executable of this benchmark (no input, in its directory)
        and returns its stdout and exit status; killed after ``timeout``."""
        exe = os.path.abspath(os.fspath(exe))
        return run_program([exe], timeout, cwd=os.path.dirname(exe), env=tool_environment())

    # -- reference -----------------------------------------------------------------

    def _require_runnable(self) -> None:
        if not self.runnable:
            raise BenchmarkError("not runnable: %s" % self.not_runnable_reason, self.uri)

    def _make_reference(self, directory: Path, timeout: Optional[float]) -> Dict[str, Any]:
        exe = directory / "scratch" / "reference"
        exe.parent.mkdir()
        clang = self.toolchain.require("clang", self.uri)
        self._run_tool(
            [clang, "-O0", str(self.bitcode_path()), "-o", str(exe)] + list(self.link_flags),
            "the -O0 reference build",
            stage="reference",
            env=tool_environment(),
        )
        result = self.run(exe, timeout)
        if result.timed_out:
            raise BuildError(
                "the -O0 reference run timed out after %g s" % timeout, self.uri, stage="reference"
            )
        if result.signal is not None:
            raise BuildError(
                "the -O0 reference run was %s" % result.describe(), self.uri, stage="reference"
            )
        (directory / "stdout").write_bytes(result.stdout)
        return {"returncode": result.returncode, "walltime": round(result.walltime, 6)}

    def reference(self, timeout: Optional[float] = DEFAULT_TIMEOUT) -> Reference:
        """What the -O0 build of the bitcode prints and exits with (cached).
        BuildError(stage="reference") when it hangs past ``timeout`` or
        crashes."""
        self._require_runnable()
        key = Cache.key(
            "reference",
            self.bitcode_sha256(),
            self.toolchain.clang_version(self.uri),
            list(self.link_flags),
        )
        entry = self.cache.get_or_build(
            "reference", key, lambda d: self._make_reference(d, timeout), label=self.uri
        )
        return Reference(
            stdout=entry.read_bytes("stdout"),
            returncode=int(entry.data["returncode"]),
            walltime=float(entry.data.get("walltime", 0.0)),
        )

    # -- metrics -----------------------------------------------------------------

    def _make_metrics(self, directory: Path) -> Dict[str, Any]:
        scratch = directory / "scratch"
        scratch.mkdir()
        bitcode = str(self.bitcode_path())
        opt = self.toolchain.require("opt", self.uri)
        ir = {"O0": int(self.bitcode_entry().data["ir_instructions_O0"])}
        for level in ("Oz", "O3"):
            completed = self._run_tool(
                [opt, "-passes=default<%s>" % level, bitcode, "-S", "-o", "-"],
                "opt -passes=default<%s>" % level,
                stage="optimize",
                env=tool_environment(),
            )
            ir[level] = count_ir_instructions(completed.stdout.decode("utf-8", "replace"))
        obj = scratch / "bench.Oz.o"
        clang = self.toolchain.require("clang", self.uri)
        self._run_tool(
            [clang, "-Oz", "-c", bitcode, "-o", str(obj)],
            "clang -Oz -c",
            stage="codegen",
            env=tool_environment(),
        )
        return {"ir_instructions": ir, "text_bytes_Oz": self._text_size(obj)}

    def _text_size(self, obj: Path) -> int:
        size = self.toolchain.require("llvm-size", self.uri)
        completed = self._run_tool([size, "-A", str(obj)], "llvm-size", stage="codegen")
        total = 0
        for line in completed.stdout.decode("utf-8", "replace").splitlines():
            fields = line.split()
            if len(fields) >= 2 and (fields[0] == ".text" or fields[0].startswith(".text.")):
                total += int(fields[1])
        return total

    def metrics(self) -> Dict[str, Any]:
        """Sizes of the benchmark (cached)::

            {"runnable": True,
             "ir_instructions": {"O0": 812, "Oz": 402, "O3": 655},
             "text_bytes_Oz": 1534}

        ``ir_instructions``: instructions (:func:`count_ir_instructions`) in
        the bitcode as built (O0) and after ``opt -passes='default<Oz>'`` and
        ``'default<O3>'``; ``text_bytes_Oz``: the .text sections of
        ``clang -Oz -c`` of the bitcode, by ``llvm-size -A``.
        """
        key = Cache.key(
            "metrics",
            self.bitcode_sha256(),
            self.toolchain.clang_version(self.uri),
            _METRICS_VERSION,
        )
        entry = self.cache.get_or_build("metrics", key, self._make_metrics, label=self.uri)
        ir = entry.data["ir_instructions"]
        return {
            "runnable": self.runnable,
            "ir_instructions": {level: int(ir[level]) for level in ("O0", "Oz", "O3")},
            "text_bytes_Oz": int(entry.data["text_bytes_Oz"]),
        }


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
            self._run_tool(
                [clang] + list(BITCODE_FLAGS) + list(self.cflags) + [relative, "-o", str(target)],
                "compiling %s at -O0" % relative,
                cwd=str(self.root),
            )
            objects.append(str(target))
        if len(objects) > 1:
            link = self.toolchain.require("llvm-link", self.uri)
            self._run_tool([link] + objects + ["-o", str(out)], "llvm-link")
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
        if self.path.suffix == ".ll":
            assembler = self.toolchain.require("llvm-as", self.uri)
            self._run_tool([assembler, str(self.path), "-o", str(out)], "llvm-as (invalid IR)")
        else:
            # Used byte for byte, once this LLVM has read and verified it.
            shutil.copyfile(self.path, out)
            opt = self.toolchain.require("opt", self.uri)
            self._run_tool(
                [opt, "-passes=verify", "-disable-output", str(out)], "reading the bitcode"
            )
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
    text = str(uri).strip()
    scheme, dataset, rest = _parse(text)
    if scheme == "benchmark":
        if dataset != BUILTIN_DATASET:
            raise UnknownBenchmark(
                "unknown dataset %r (known: %s)" % (dataset, BUILTIN_DATASET), text
            )
        if not rest or "/" in rest:
            raise UnknownBenchmark("expected benchmark://%s/NAME" % BUILTIN_DATASET, text)
        return _builtin(rest, text, toolchain, cache)
    if scheme == "generator":
        from .generators import generator_benchmark

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
    if csmith or llvm_stress:
        from .generators import first_seeds

        if csmith:
            uris += first_seeds("csmith-v0", csmith, toolchain, cache)
        if llvm_stress:
            uris += first_seeds("llvm-stress-v0", llvm_stress, toolchain, cache)
    for directory in dirs:
        path = Path(os.path.abspath(os.fspath(directory)))
        if not path.is_dir():
            raise UnknownBenchmark("no such directory", _file_uri(path))
        uris += [_file_uri(p) for p in _files_under(path)]
    return uris
