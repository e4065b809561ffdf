"""A benchmark: one bitcode module, built on demand and cached, and what is
built, run and measured from it.

A benchmark's module is built by
``clang -O0 -Xclang -disable-O0-optnone -emit-llvm -c`` (each source of a
multi-file program, then ``llvm-link``), so that every optimization pipeline
can work on it. From it a :class:`Benchmark` builds executables (at any
level, with an oracle, or with an ``opt`` pipeline), runs them with a
timeout, knows its reference (what the -O0 build of the same bitcode prints
and exits with) and its sizes (:meth:`Benchmark.metrics`). Everything built
is kept in the on-disk :class:`~optgym.cache.Cache`.

The kinds of benchmark and the URIs that name them are
:mod:`optgym.benchmarks` (files and the bundled programs) and
:mod:`optgym.generators` (csmith, llvm-stress); a module given as bytes is
an :class:`IRContentsBenchmark` (:meth:`Benchmark.from_file_contents`).
:func:`text_size` and
:func:`ir_instruction_count` are how OptGym measures built code everywhere.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from .cache import Cache, CacheEntry
from .errors import BenchmarkError, BuildError, SkippedBenchmark, UnknownBenchmark
from .toolchain import RunResult, Toolchain, clang_level, run_program, tool_environment

__all__ = [
    "Benchmark",
    "Reference",
    "BITCODE_FLAGS",
    "BUILD_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "defines_main",
    "ir_instruction_count",
    "text_size",
]

#: How clang turns a source into a benchmark's bitcode.
BITCODE_FLAGS = ("-O0", "-Xclang", "-disable-O0-optnone", "-emit-llvm", "-c")
#: Seconds a run may take (the -O0 reference, a validated build).
DEFAULT_TIMEOUT = 10.0
#: Seconds a compile step may take.
BUILD_TIMEOUT = 600.0

# Bump when what metrics() measures, or how, changes (3: instructions
# counted by the plugin's print<optgym-instcount>, not from llvm-dis text).
_METRICS_VERSION = 3
# Bump when what a reference entry holds changes (2: whether it is
# deterministic).
_REFERENCE_VERSION = 2


# -- measuring built code ---------------------------------------------------------


def text_size(
    path: Union[str, Path],
    toolchain: Toolchain,
    uri: Optional[str] = None,
    timeout: Optional[float] = BUILD_TIMEOUT,
) -> int:
    """The bytes of the ``.text`` sections (``.text`` and ``.text.*``) of an
    object file or executable, as ``llvm-size -A`` gives them.
    BuildError(stage="codegen") when llvm-size fails."""
    size = toolchain.require("llvm-size", uri)
    completed = toolchain.check(
        [size, "-A", str(path)],
        uri,
        "llvm-size",
        "codegen",
        env=tool_environment(),
        timeout=timeout,
    )
    total = 0
    for line in completed.stdout.decode("utf-8", "replace").splitlines():
        fields = line.split()
        if len(fields) >= 2 and (fields[0] == ".text" or fields[0].startswith(".text.")):
            total += int(fields[1])
    return total


_TOTAL_INSTS = re.compile(rb"^\s*TotalInsts: (\d+)\s*$", re.MULTILINE)


def ir_instruction_count(
    bitcode: Union[str, Path],
    toolchain: Toolchain,
    passes: Optional[str] = None,
    uri: Optional[str] = None,
    timeout: Optional[float] = BUILD_TIMEOUT,
) -> int:
    """The instructions of a module (a .bc or .ll file), after the
    ``opt -passes=`` pipeline ``passes`` when given: the ``TotalInsts`` of
    the plugin's ``print<optgym-instcount>`` (docs/observations.md), which
    counts as ``Module::getInstructionCount`` does, in the same opt.

    ``passes`` is a module pipeline (``default<Oz>``, or function passes
    inside ``function(...)``), as the printer runs after it. Needs the
    toolchain's plugin (ToolchainError without one);
    BuildError(stage="optimize") when opt fails."""
    opt = toolchain.require("opt", uri)
    pipeline = (passes + "," if passes else "") + "print<optgym-instcount>"
    completed = toolchain.check(
        [
            opt,
            "-load-pass-plugin=" + toolchain.plugin(uri),
            "-passes=" + pipeline,
            "-disable-output",
            str(bitcode),
        ],
        uri,
        "opt -passes=%s" % pipeline,
        "optimize",
        env=tool_environment(),
        timeout=timeout,
    )
    found = _TOTAL_INSTS.search(completed.stderr)
    if found is None:
        raise BuildError("opt -passes=%s printed no TotalInsts" % pipeline, uri, stage="optimize")
    return int(found.group(1))


_MAIN = re.compile(r"^define\b[^@]*@main\(", re.MULTILINE)


def defines_main(text: str) -> bool:
    """Whether textual IR defines ``main``."""
    return _MAIN.search(text) is not None


@dataclass(frozen=True)
class Reference:
    """What the -O0 build of a benchmark's bitcode does (cached)."""

    stdout: bytes
    returncode: int
    walltime: float
    #: Two runs printed the same and exited alike: a build's run can be
    #: compared with it (a program that prints addresses, times or
    #: uninitialized memory cannot).
    deterministic: bool = True


# -- Benchmark --------------------------------------------------------------------


def full_uri(text: str) -> str:
    """A URI with its scheme: CompilerGym's ``DATASET/NAME`` shorthand is
    ``benchmark://DATASET/NAME``."""
    return text if "://" in text else "benchmark://" + text


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

    def __eq__(self, other: Any) -> bool:
        # A benchmark is its URI, and equals it as a string (as CompilerGym's
        # does: clients compare env.benchmark with the URIs they listed).
        if isinstance(other, Benchmark):
            return self.uri == other.uri
        if isinstance(other, str):
            return self.uri == full_uri(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.uri)

    @classmethod
    def from_file_contents(
        cls,
        uri: Any,
        data: bytes,
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
    ) -> "Benchmark":
        """A benchmark of a module given as bytes (textual IR or bitcode),
        named ``uri`` (a string, or a benchmark whose URI it takes), as
        CompilerGym's ``Benchmark.from_file_contents``. The bytes are read
        when the benchmark is first used: unreadable IR is a BuildError
        then."""
        name = uri.uri if isinstance(uri, Benchmark) else str(uri)
        return IRContentsBenchmark(name, data, toolchain, cache)

    @classmethod
    def from_file(
        cls,
        uri: Any,
        path: Union[str, os.PathLike],
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
    ) -> "Benchmark":
        """A benchmark of a module in a file (textual IR or bitcode), named
        ``uri``, as CompilerGym's ``Benchmark.from_file``; the file is read
        now (UnknownBenchmark when it cannot be)."""
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise UnknownBenchmark(
                "cannot read %s: %s" % (path, error.strerror or error), str(uri)
            ) from None
        return cls.from_file_contents(uri, data, toolchain, cache)

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

    def run_tool(self, argv: List[str], what: str, stage: str = "source", **kwargs: Any):
        """Runs a tool for this benchmark (:meth:`Toolchain.check
        <optgym.toolchain.Toolchain.check>`, by default in
        :func:`~optgym.toolchain.tool_environment` and with
        :data:`BUILD_TIMEOUT`): BuildError(``stage``) naming the benchmark
        and saying ``what`` failed."""
        kwargs.setdefault("env", tool_environment())
        kwargs.setdefault("timeout", BUILD_TIMEOUT)
        return self.toolchain.check(argv, self.uri, what, stage, **kwargs)

    def ir_to_bitcode(self, path: Path, textual: bool, out: Path) -> None:
        """Writes the module of an IR file of this benchmark (textual IR
        or bitcode) to ``out`` as bitcode, once this LLVM has read and
        verified it (``out`` may be ``path`` for bitcode); BuildError naming
        the benchmark and the file otherwise."""
        if textual:
            assembler = self.toolchain.require("llvm-as", self.uri)
            self.run_tool(
                [assembler, str(path), "-o", str(out)], "llvm-as %s (invalid IR)" % path.name
            )
            return
        # Used byte for byte.
        if path != out:
            shutil.copyfile(path, out)
        opt = self.toolchain.require("opt", self.uri)
        self.run_tool(
            [opt, "-passes=verify", "-disable-output", str(out)], "reading %s" % path.name
        )

    def disassemble(self, bitcode: Union[str, Path]) -> str:
        """The textual IR of a module of this benchmark (``llvm-dis``)."""
        dis = self.toolchain.require("llvm-dis", self.uri)
        completed = self.run_tool([dis, str(bitcode), "-o", "-"], "llvm-dis")
        return completed.stdout.decode("utf-8", "replace")

    def _build_bitcode_entry(self, directory: Path) -> Dict[str, Any]:
        scratch = directory / "scratch"
        scratch.mkdir()
        bitcode = directory / "bench.bc"
        data = dict(self._make_bitcode(bitcode, scratch) or {})
        text = self.disassemble(bitcode)
        data["runnable"] = False
        if not defines_main(text):
            data["not_runnable"] = "no main"
            return data
        # A unit of a larger program may define main and still not link.
        clang = self.toolchain.require("clang", self.uri)
        try:
            self.run_tool(
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
        self.run_tool(argv, what, stage="optimize", env=env)
        return out

    def verify(self, bitcode: Union[str, Path]) -> None:
        """Runs the IR verifier on a module; BuildError(stage="verify")
        with the verifier's message when it is broken."""
        opt = self.toolchain.require("opt", self.uri)
        self.run_tool(
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
        self.run_tool(
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
        and returns its stdout and exit status; killed after ``timeout``.

        Wherever the executable lies, its argv[0] is ``./NAME``: programs
        print it in their usage or error messages, and a run is compared
        byte for byte with the -O0 reference, built elsewhere."""
        exe = os.path.abspath(os.fspath(exe))
        return run_program(
            [exe],
            timeout,
            cwd=os.path.dirname(exe),
            env=tool_environment(),
            program_name=self.program_name(),
        )

    def program_name(self) -> str:
        """The argv[0] of every run of this benchmark's executables."""
        return "./" + (self.name or "a.out").replace("/", "_")

    # -- reference -----------------------------------------------------------------

    def _require_runnable(self) -> None:
        if not self.runnable:
            raise BenchmarkError("not runnable: %s" % self.not_runnable_reason, self.uri)

    def _make_reference(self, directory: Path, timeout: Optional[float]) -> Dict[str, Any]:
        exe = directory / "scratch" / "reference"
        exe.parent.mkdir()
        clang = self.toolchain.require("clang", self.uri)
        self.run_tool(
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
        return self.record_reference(directory, exe, result, timeout)

    def record_reference(
        self, directory: Path, exe: Path, first: RunResult, timeout: Optional[float]
    ) -> Dict[str, Any]:
        """Writes the reference entry of ``first``, a run of the -O0 build
        ``exe``, into ``directory``, after a second run from another
        directory: a program whose output depends on where it lies or on
        address-space randomization is not deterministic."""
        (directory / "stdout").write_bytes(first.stdout)
        elsewhere = exe.parent / "second-run-from-another-directory" / exe.name
        elsewhere.parent.mkdir()
        shutil.copy2(exe, elsewhere)
        again = self.run(elsewhere, timeout)
        return {
            "returncode": first.returncode,
            "walltime": round(first.walltime, 6),
            "deterministic": (again.stdout, again.returncode) == (first.stdout, first.returncode),
        }

    def reference_key(self, bitcode_sha256: str) -> str:
        """The cache key of the -O0 reference run of the bitcode whose
        SHA-256 is ``bitcode_sha256``: what its output depends on."""
        return Cache.key(
            "reference",
            _REFERENCE_VERSION,
            bitcode_sha256,
            self.toolchain.clang_version(self.uri),
            list(self.link_flags),
            self.program_name(),
        )

    def reference(self, timeout: Optional[float] = DEFAULT_TIMEOUT) -> Reference:
        """What the -O0 build of the bitcode prints and exits with, and
        whether a second run does the same (cached). BuildError(stage=
        "reference") when it hangs past ``timeout`` or crashes."""
        self._require_runnable()
        entry = self.cache.get_or_build(
            "reference",
            self.reference_key(self.bitcode_sha256()),
            lambda d: self._make_reference(d, timeout),
            label=self.uri,
        )
        return Reference(
            stdout=entry.read_bytes("stdout"),
            returncode=int(entry.data["returncode"]),
            walltime=float(entry.data.get("walltime", 0.0)),
            deterministic=bool(entry.data.get("deterministic", True)),
        )

    # -- metrics -----------------------------------------------------------------

    def _make_metrics(self, directory: Path) -> Dict[str, Any]:
        scratch = directory / "scratch"
        scratch.mkdir()
        bitcode = self.bitcode_path()
        ir = {
            level: ir_instruction_count(
                bitcode,
                self.toolchain,
                None if level == "O0" else "default<%s>" % level,
                self.uri,
            )
            for level in ("O0", "Oz", "O3")
        }
        obj = scratch / "bench.Oz.o"
        clang = self.toolchain.require("clang", self.uri)
        self.run_tool(
            [clang, "-Oz", "-c", str(bitcode), "-o", str(obj)],
            "clang -Oz -c",
            stage="codegen",
            env=tool_environment(),
        )
        return {"ir_instructions": ir, "text_bytes_Oz": text_size(obj, self.toolchain, self.uri)}

    def metrics(self) -> Dict[str, Any]:
        """Sizes of the benchmark (cached)::

            {"runnable": True,
             "ir_instructions": {"O0": 812, "Oz": 402, "O3": 655},
             "text_bytes_Oz": 1534}

        ``ir_instructions``: instructions (:func:`ir_instruction_count`) in
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


#: How a bitcode file begins: raw, or in the wrapper Darwin's tools write.
_BITCODE_MAGICS = (b"BC\xc0\xde", b"\xde\xc0\x17\x0b")


class IRContentsBenchmark(Benchmark):
    """A module given as bytes, textual IR or bitcode, under a URI its
    maker chooses (:meth:`Benchmark.from_file_contents`)."""

    dataset = "contents"

    def __init__(
        self,
        uri: str,
        contents: bytes,
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
    ) -> None:
        name = uri.rstrip("/").rpartition("/")[2].partition("?")[0] or "module"
        super().__init__(uri, name, toolchain, cache)
        self.contents = bytes(contents)

    def source_key(self) -> Any:
        return ["contents", hashlib.sha256(self.contents).hexdigest()]

    def _make_bitcode(self, out: Path, scratch: Path) -> Dict[str, Any]:
        textual = not self.contents.startswith(_BITCODE_MAGICS)
        # Bitcode goes where it is used; textual IR is assembled there.
        given = scratch / "given.ll" if textual else out
        given.write_bytes(self.contents)
        self.ir_to_bitcode(given, textual, out)
        return {}
