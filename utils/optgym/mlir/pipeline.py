"""Running a kernel through mlir-opt with OptGymMLIR.so and given decisions,
and lowering, building, measuring and running what comes out.

A state of the MLIR environment is a set of answers ((kind, key) -> choice)
for the pass pipeline; every other decision takes its default. mlir-opt runs
with these answers as a policy table and records every decision it asks, so
one run gives both the optimized kernel and the questions still open.

The optimized kernel is lowered to the LLVM dialect (the standard
``convert-*-to-llvm`` passes), translated to LLVM IR and compiled with clang
at ``-O2`` into an executable whose ``vector.print`` calls go to a small C
runtime built beside it; the executable runs the kernel a given number of
times and reports each run's time, so process start-up is not measured.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

from ..benchmark_base import ir_instruction_count
from ..errors import BuildError, ToolchainError
from ..plugin import find_mlir_plugin
from ..toolchain import Toolchain, resolve_llvm_version, run_program, tool_environment

__all__ = [
    "DEFAULT_KINDS",
    "DEFAULT_PIPELINE",
    "LOWERING",
    "MlirQuery",
    "MlirToolchain",
    "OptimizedKernel",
    "KernelRun",
]

#: The passes the environment decides for, in the order they run. By default
#: nothing is unrolled and jammed (factor 1): affine-loop-unroll-jam's own
#: default jams a function's first loop by 4 without checking that this
#: keeps the result.
DEFAULT_PIPELINE = (
    "optgym-affine-tile,optgym-affine-unroll-jam{unroll-jam-factor=1},optgym-affine-unroll"
)
#: The decision kinds of those passes.
DEFAULT_KINDS = ("affine-tile", "affine-unroll-jam", "affine-unroll")
#: From linalg (on buffers), affine, memref, arith and vector to the LLVM
#: dialect.
LOWERING = (
    "func.func(convert-linalg-to-loops,lower-affine,convert-scf-to-cf),"
    "expand-strided-metadata,lower-affine,convert-vector-to-llvm,"
    "finalize-memref-to-llvm,convert-math-to-llvm,convert-arith-to-llvm,"
    "convert-func-to-llvm,convert-cf-to-llvm,reconcile-unrealized-casts"
)

#: Seconds one mlir-opt, mlir-translate or clang run may take.
TOOL_TIMEOUT = 300.0

# What vector.print lowers to (the names of MLIR's c_runner_utils, with
# their formats), and a main that times the kernel: the kernel's own main is
# renamed optgym_kernel_main in its object file. Runs after the first print
# nothing, so a repeated kernel prints its result once.
_RUNTIME_C = r"""
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int quiet;
#define PRINT(...) do { if (!quiet) printf(__VA_ARGS__); } while (0)
void printI64(int64_t v) { PRINT("%" PRId64, v); }
void printU64(uint64_t v) { PRINT("%" PRIu64, v); }
void printF32(float v) { PRINT("%g", v); }
void printF64(double v) { PRINT("%lg", v); }
void printString(const char *s) { PRINT("%s", s); }
void printOpen(void) { PRINT("( "); }
void printClose(void) { PRINT(" )"); }
void printComma(void) { PRINT(", "); }
void printNewline(void) { PRINT("\n"); }

void optgym_kernel_main(void);

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 1;
  for (int run = 0; run < runs; ++run) {
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    optgym_kernel_main();
    clock_gettime(CLOCK_MONOTONIC, &end);
    fflush(stdout);
    quiet = 1;
    fprintf(stderr, "optgym-kernel-ns %lld\n",
            (long long)(end.tv_sec - start.tv_sec) * 1000000000LL +
                (end.tv_nsec - start.tv_nsec));
  }
  return 0;
}
"""


@dataclass(frozen=True)
class MlirQuery:
    """One decision mlir-opt asked, as recorded.

    Attributes:
        key: its stable key (``matmul.mlir:main:affine.for#3``).
        kind: its decision kind (``affine-tile``, ``affine-unroll``).
        features: the kind's features, by name.
        choices: the kind's choices; index 0 is the default.
        chosen: what was answered.
    """

    key: str
    kind: str
    features: Dict[str, int]
    choices: Tuple[str, ...]
    chosen: str


@dataclass
class OptimizedKernel:
    """What one mlir-opt run with a set of answers gives."""

    text: str
    queries: List[MlirQuery] = field(default_factory=list)


@dataclass
class KernelRun:
    """One execution of a built kernel: what it printed and each run's
    seconds (the first run included)."""

    stdout: str
    seconds: List[float]

    def median(self, warmup: int = 1) -> float:
        """The median time, leaving out the first ``warmup`` runs when
        more remain."""
        kept = self.seconds[warmup:] if len(self.seconds) > warmup else self.seconds
        return statistics.median(kept)


class MlirToolchain:
    """mlir-opt, mlir-translate and clang of one LLVM, with OptGymMLIR.so.

    Args:
        llvm_version: the LLVM major (default: :func:`resolve_llvm_version`).
        plugin: OptGymMLIR.so (default: :func:`find_mlir_plugin`, which
            honours ``$OPTGYM_MLIR_PLUGIN``).
        opt_level: clang's level for the lowered kernel.

    Files go to a private scratch directory, removed by :meth:`close`; it
    keeps one lowered module and one executable per distinct kernel text
    measured (tens of kilobytes each).
    """

    def __init__(
        self,
        llvm_version: Optional[Union[int, str]] = None,
        plugin: Optional[str] = None,
        opt_level: str = "-O2",
    ) -> None:
        self.llvm_version = str(llvm_version) if llvm_version else resolve_llvm_version()
        self.bin_dir = "/usr/lib/llvm-%s/bin" % self.llvm_version
        self.opt_level = opt_level
        self._plugin = plugin
        self._base = Toolchain(self.llvm_version)
        self._scratch: Optional[str] = None
        self._runtime: Optional[str] = None

    # -- tools and files --------------------------------------------------------

    def tool(self, name: str) -> str:
        path = os.path.join(self.bin_dir, name)
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise ToolchainError(
                "%s not found (install LLVM %s's MLIR tools: run utils/setup.sh)"
                % (path, self.llvm_version)
            )
        return path

    @property
    def plugin(self) -> str:
        if self._plugin is None:
            try:
                self._plugin = find_mlir_plugin(self.llvm_version)
            except FileNotFoundError as error:
                raise ToolchainError(str(error)) from None
        return self._plugin

    @property
    def scratch(self) -> str:
        if self._scratch is None:
            self._scratch = tempfile.mkdtemp(prefix="optgym-mlir-")
        return self._scratch

    def close(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
            self._runtime = None

    def _file(self, content: Union[str, bytes], suffix: str) -> str:
        data = content.encode() if isinstance(content, str) else content
        path = os.path.join(self.scratch, hashlib.sha256(data).hexdigest()[:24] + suffix)
        if not os.path.exists(path):
            with open(path + ".tmp", "wb") as stream:
                stream.write(data)
            os.replace(path + ".tmp", path)
        return path

    def _check(self, argv: List[str], what: str, stage: str, uri: Optional[str], **kwargs):
        return self._base.check(argv, uri, what, stage, timeout=TOOL_TIMEOUT, **kwargs)

    # -- the pipeline -----------------------------------------------------------

    def optimize(
        self,
        kernel: Union[str, Path],
        answers: Dict[Tuple[str, str], str],
        pipeline: str = DEFAULT_PIPELINE,
        kinds: Sequence[str] = DEFAULT_KINDS,
        uri: Optional[str] = None,
        undecided: Optional[Dict[str, str]] = None,
    ) -> OptimizedKernel:
        """Runs ``pipeline`` on the kernel file with ``answers`` ((kind,
        key) -> choice); every other decision takes its kind's choice in
        ``undecided``, else its default. BuildError(stage="optimize")
        with mlir-opt's message when it fails."""
        handle, record = tempfile.mkstemp(prefix="record-", suffix=".jsonl", dir=self.scratch)
        os.close(handle)
        environment = tool_environment()
        environment["OPTGYM_RECORD"] = record
        environment["OPTGYM_DECISIONS"] = ",".join(kinds)
        if answers or undecided:
            decisions: Dict[str, Dict[str, object]] = {}
            for (kind, key), choice in answers.items():
                decisions.setdefault(kind, {"table": {}})["table"][key] = choice  # type: ignore[index]
            for kind, choice in (undecided or {}).items():
                decisions.setdefault(kind, {})["fallback"] = choice
            policy = {"format": "optgym-policy", "version": 1, "decisions": decisions}
            environment["OPTGYM_ORACLE"] = "policy:" + self._file(
                json.dumps(policy, sort_keys=True), ".json"
            )
        else:
            environment["OPTGYM_ORACLE"] = "default"
        try:
            completed = self._check(
                [
                    self.tool("mlir-opt"),
                    "--load-pass-plugin=" + self.plugin,
                    "--pass-pipeline=builtin.module(%s)" % pipeline,
                    str(kernel),
                ],
                "mlir-opt with OptGymMLIR.so",
                "optimize",
                uri,
                env=environment,
            )
            with open(record, encoding="utf-8") as stream:
                queries = [_query(line) for line in stream if line.strip()]
        finally:
            os.unlink(record)
        return OptimizedKernel(completed.stdout.decode(), queries)

    def lower(self, text: str, uri: Optional[str] = None) -> str:
        """The kernel lowered to LLVM IR (a .ll file's path)."""
        lowered = self._run_with_input(
            [self.tool("mlir-opt"), "--pass-pipeline=builtin.module(%s)" % LOWERING],
            text.encode(),
            "lowering to the LLVM dialect",
            uri,
        )
        translated = self._run_with_input(
            [self.tool("mlir-translate"), "--mlir-to-llvmir"],
            lowered,
            "mlir-translate --mlir-to-llvmir",
            uri,
        )
        return self._file(translated, ".ll")

    def _run_with_input(self, argv: List[str], data: bytes, what: str, uri: Optional[str]) -> bytes:
        source = self._file(data, ".input")
        try:
            return self._check(argv + [source], what, "lower", uri).stdout
        finally:
            os.unlink(source)

    def instruction_count(self, llvm_ir: str, uri: Optional[str] = None) -> int:
        """Instructions of the lowered kernel after LLVM's -O2 pipeline
        (``Module::getInstructionCount``, counted by OptGym.so in opt)."""
        return ir_instruction_count(llvm_ir, self._base, passes="default<O2>", uri=uri)

    def build(self, llvm_ir: str, uri: Optional[str] = None) -> str:
        """An executable of the lowered kernel (cached by content)."""
        executable = llvm_ir[: -len(".ll")] + self.opt_level.replace("-", "_") + ".exe"
        if os.path.exists(executable):
            return executable
        with open(llvm_ir, encoding="utf-8") as stream:
            if not re.search(r"^define void @main\(\)", stream.read(), re.MULTILINE):
                raise BuildError(
                    "the kernel has no func.func @main() without arguments or results to run",
                    uri,
                    stage="codegen",
                )
        objects = executable + ".o"
        self._check(
            [
                self.tool("clang"),
                self.opt_level,
                "-c",
                "-Wno-override-module",
                llvm_ir,
                "-o",
                objects,
            ],
            "clang on the lowered kernel",
            "codegen",
            uri,
        )
        self._check(
            [self.tool("llvm-objcopy"), "--redefine-sym=main=optgym_kernel_main", objects],
            "renaming the kernel's main",
            "codegen",
            uri,
        )
        self._check(
            [self.tool("clang"), objects, self._runtime_object(uri), "-o", executable + ".tmp"],
            "linking the kernel",
            "codegen",
            uri,
        )
        os.replace(executable + ".tmp", executable)
        os.unlink(objects)
        return executable

    def _runtime_object(self, uri: Optional[str]) -> str:
        if self._runtime is None:
            source = self._file(_RUNTIME_C, ".c")
            target = source[: -len(".c")] + ".o"
            self._check(
                [self.tool("clang"), "-O2", "-c", source, "-o", target],
                "the kernel runtime",
                "codegen",
                uri,
            )
            self._runtime = target
        return self._runtime

    def run(
        self, executable: str, runs: int = 1, timeout: float = 300.0, uri: Optional[str] = None
    ) -> KernelRun:
        """Runs the kernel ``runs`` times in one process; BuildError
        (stage="run") when it fails or times out."""
        result = run_program([executable, str(runs)], timeout=timeout)
        if result.timed_out or result.returncode != 0:
            raise BuildError(
                "the kernel %s" % result.describe(),
                uri,
                stage="run",
                command=[executable, str(runs)],
                output=result.stderr.decode(errors="replace")[-2000:],
            )
        seconds = [
            int(line.split()[1]) / 1e9
            for line in result.stderr.decode().splitlines()
            if line.startswith("optgym-kernel-ns ")
        ]
        return KernelRun(result.stdout.decode(errors="replace"), seconds)


def _query(line: str) -> MlirQuery:
    record = json.loads(line)
    return MlirQuery(
        key=record["key"],
        kind=record["kind"],
        features=dict(record.get("features", {})),
        choices=tuple(record["choices"]),
        chosen=record["chosen"],
    )
