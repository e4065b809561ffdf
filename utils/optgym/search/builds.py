"""Real clang builds of a benchmark under a policy, measured.

A search or a policy evaluation builds a program many times, each time with
another policy file, and needs three things from each build: the .text
size (in total, per object and per function, so that decisions about
different functions can be judged from one build), an executable to run,
and, when asked, the trace of every decision with its features.

A bundled program is built *from its sources*, each ``.c`` compiled
separately with ``clang -O<level> -c`` from the program's directory, as its
Makefile does: what a deployed policy sees (clang gives each function the
level's attributes, minsize for -Oz, only when it compiles C). So is a
csmith program, from the source csmith wrote. Other benchmarks (bitcode
files, llvm-stress modules, corpus units) are compiled from their bitcode
in one step, after their functions get the attributes clang gives at the
level (minsize and optsize at -Oz, optsize at -Os): a unit collected from
a -O2 build lacks them, and without them the backend would not make the
decisions a -Oz build of the source makes.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

from .. import query
from ..benchmark_base import Benchmark, text_size
from ..benchmarks import SourceBenchmark
from ..deprecation import renamed
from ..errors import BuildError
from ..generators import CsmithBenchmark
from ..jsonlines import JSONLinesError
from ..toolchain import RunResult, clang_level, tool_environment
from ..trace import read_trace
from ..validation import output_difference

__all__ = [
    "ProgramBuild",
    "ProgramBuilder",
    "misbehaviour",
    "policy_document",
]


def policy_document(
    tables: Dict[str, Dict[str, str]],
    models: Optional[Dict[str, dict]] = None,
    description: str = "",
    metadata: Optional[dict] = None,
) -> dict:
    """A v1 policy (docs/policy-format.md) from tables and tree models."""
    decisions: Dict[str, dict] = {}
    for kind, table in tables.items():
        if table:
            decisions.setdefault(kind, {})["table"] = dict(sorted(table.items()))
    for kind, tree in (models or {}).items():
        decisions.setdefault(kind, {})["model"] = {"tree": tree}
    document: dict = {"format": "optgym-policy", "version": 1}
    if description:
        document["description"] = description
    if metadata:
        document["metadata"] = metadata
    document["decisions"] = decisions
    return document


@dataclass
class ProgramBuild:
    """What one build of :class:`ProgramBuilder` produced: the .text size
    in total, per object and per function, the decisions it recorded, and
    its executable when it linked one."""

    text: int
    object_text: Dict[str, int]
    function_text: Dict[str, int]
    decisions: List[query.Decision] = field(default_factory=list)
    executable: Optional[Path] = None


#: The function attributes clang gives every function it compiles at a level.
LEVEL_ATTRIBUTES = {"-Oz": ("minsize", "optsize"), "-Os": ("optsize",)}


def _with_level_attributes(bench: Benchmark, level: str, scratch: Path) -> Path:
    """The benchmark's bitcode with ``level``'s function attributes (a copy
    in ``scratch``), or the bitcode itself at a level that has none."""
    bitcode = bench.bitcode_path()
    attributes = LEVEL_ATTRIBUTES.get(level)
    if not attributes:
        return bitcode
    out = scratch / "source" / bitcode.name
    out.parent.mkdir(parents=True, exist_ok=True)
    opt = bench.toolchain.require("opt", bench.uri)
    # optnone (a unit of a -O0 build) excludes both; its functions keep
    # the noinline that came with it.
    bench.run_tool(
        [opt, "-passes=forceattrs", "-force-remove-attribute=optnone"]
        + ["-force-attribute=" + name for name in attributes]
        + [str(bitcode), "-o", str(out)],
        "opt -passes=forceattrs (%s)" % ", ".join(attributes),
        stage="build",
    )
    return out


def _csmith_source(bench: Benchmark) -> Optional[Path]:
    """The C file csmith generated for a csmith benchmark, or None."""
    if not isinstance(bench, CsmithBenchmark):
        return None
    source = bench.bitcode_path().parent / ("csmith-%d.c" % bench.seed)
    return source if source.is_file() else None


class ProgramBuilder:
    """Builds one benchmark with clang at ``level``, with OptGym's plugin
    loaded and ``kinds`` active, in a private scratch directory."""

    def __init__(
        self,
        bench: Benchmark,
        level: str = "z",
        kinds: Sequence[str] = (),
        scratch: Optional[Path] = None,
    ) -> None:
        self.bench = bench
        self.level = clang_level(level)
        self.kinds = list(kinds)
        self.toolchain = bench.toolchain
        self._own_scratch = scratch is None
        self.scratch = Path(scratch or tempfile.mkdtemp(prefix="optgym-tune-"))
        self._count = 0
        generated = _csmith_source(bench)
        if isinstance(bench, SourceBenchmark):
            self.sources: List[Path] = list(bench.sources)
            self.root: Path = bench.root
            self.cflags: List[str] = list(bench.cflags)
        elif generated is not None:
            self.sources = [generated]
            self.root = generated.parent
            self.cflags = ["-I" + self.toolchain.csmith_include]
        else:
            self.sources = [_with_level_attributes(bench, self.level, self.scratch)]
            self.root = self.sources[0].parent
            self.cflags = []
        self._objects = {
            os.path.relpath(source, self.root): "%d-%s.o" % (index, source.stem)
            for index, source in enumerate(self.sources)
        }

    def close(self) -> None:
        if self._own_scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> "ProgramBuilder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _environment(self, policy: Optional[Path], trace: Optional[Path]) -> Dict[str, str]:
        environment = tool_environment()
        if policy is not None or trace is not None:
            environment["OPTGYM_ORACLE"] = "policy:%s" % policy if policy else "default"
            if self.kinds:
                environment["OPTGYM_DECISIONS"] = ",".join(self.kinds)
        if trace is not None:
            environment["OPTGYM_RECORD"] = str(trace)
        return environment

    def build(
        self,
        policy: Optional[dict] = None,
        record: bool = False,
        link: bool = False,
        plugin: bool = True,
    ) -> ProgramBuild:
        """Builds with ``policy`` (a policy document; None: LLVM's default
        decisions), recording the decisions when ``record`` and linking an
        executable when ``link``. ``plugin=False`` builds without the plugin
        (the plain -O build). BuildError when a step fails."""
        self._count += 1
        directory = self.scratch / ("b%d" % self._count)
        directory.mkdir(parents=True)
        policy_path = None
        if policy is not None:
            policy_path = directory / "policy.json"
            policy_path.write_text(json.dumps(policy))
        trace = directory / "trace.jsonl" if record else None
        clang = self.toolchain.require("clang", self.bench.uri)
        argv_plugin = ["-fpass-plugin=" + self.toolchain.plugin(self.bench.uri)] if plugin else []
        environment = self._environment(policy_path, trace) if plugin else tool_environment()
        objects = []
        for source in self.sources:
            relative = os.path.relpath(source, self.root)
            obj = directory / self._objects[relative]
            argv = (
                [clang, self.level]
                + argv_plugin
                + self.cflags
                + ["-w", "-c", relative, "-o", str(obj)]
            )
            self.bench.run_tool(
                argv,
                "clang %s -c %s" % (self.level, relative),
                stage="build",
                cwd=str(self.root),
                env=environment,
            )
            objects.append(obj)
        object_text: Dict[str, int] = {}
        function_text: Dict[str, int] = {}
        for obj in objects:
            object_text[obj.name] = text_size(obj, self.toolchain, self.bench.uri)
            function_text.update(self._function_sizes(obj))
        outcome = ProgramBuild(
            text=sum(object_text.values()),
            object_text=object_text,
            function_text=function_text,
            decisions=self._decisions(trace) if trace else [],
        )
        if link:
            exe = directory / self.bench.name
            self.bench.run_tool(
                [clang]
                + [str(o) for o in objects]
                + ["-o", str(exe)]
                + list(self.bench.link_flags),
                "linking",
                stage="build",
                env=tool_environment(),
            )
            outcome.executable = exe
        return outcome

    def _decisions(self, trace: Path) -> List[query.Decision]:
        try:
            return read_trace(trace)
        except JSONLinesError as error:
            raise BuildError(
                "the build's trace: %s" % error, self.bench.uri, stage="build"
            ) from None

    def objects_of(self, unit: str) -> List[str]:
        """The object file names a decision key's FILE part compiles to
        (every object when the key names no source of this build)."""
        name = self._objects.get(unit)
        return [name] if name else list(self._objects.values())

    def _function_sizes(self, obj: Path) -> Dict[str, int]:
        """Function symbol -> bytes, from ``llvm-nm -S`` (code symbols)."""
        nm = self.toolchain.require("llvm-nm", self.bench.uri)
        completed = self.bench.run_tool(
            [nm, "-S", "--defined-only", str(obj)], "llvm-nm", stage="build"
        )
        sizes: Dict[str, int] = {}
        for line in completed.stdout.decode("utf-8", "replace").splitlines():
            fields = line.split()
            if len(fields) == 4 and fields[2] in ("t", "T"):
                sizes[fields[3]] = sizes.get(fields[3], 0) + int(fields[1], 16)
        return sizes

    def discard(self, keep: Iterable[ProgramBuild] = ()) -> None:
        """Deletes the builds' files, except those of ``keep``'s executables."""
        kept = {o.executable.parent for o in keep if o.executable}
        for child in self.scratch.iterdir():
            if child not in kept:
                shutil.rmtree(child, ignore_errors=True)

    def run_time(self, outcome: ProgramBuild, runs: int) -> Optional[float]:
        """The median wall time of ``runs`` runs of the executable, or None
        when a run does not behave like the -O0 reference."""
        times = []
        for _ in range(runs):
            result = self.bench.run(outcome.executable)
            if misbehaviour(self.bench, result) is not None:
                return None
            times.append(result.walltime)
        return statistics.median(times)

    def validate(self, outcome: ProgramBuild) -> Optional[str]:
        """None when the executable prints and exits as the -O0 reference
        does; otherwise what differs. Not runnable benchmarks pass."""
        if not self.bench.runnable or outcome.executable is None:
            return None
        return misbehaviour(self.bench, self.bench.run(outcome.executable))


def misbehaviour(bench: Benchmark, result: RunResult) -> Optional[str]:
    """How a run of one of the benchmark's executables differs from its -O0
    reference (validation's wording), or None when it does not."""
    reference = bench.reference()
    if result.timed_out or result.signal is not None:
        return result.describe()
    if not reference.deterministic:
        # Nothing to compare with: -O0 itself differs from run to run.
        return None
    if result.returncode != reference.returncode:
        return "exit %d, the -O0 reference exits %d" % (result.returncode, reference.returncode)
    if result.stdout != reference.stdout:
        return output_difference(result.stdout, reference.stdout)
    return None


# search.builds.Decision was a trace record with its fields in another order
# (kind, key, features, choices, default, chosen): query.Decision now.
__getattr__ = renamed(
    __name__,
    {
        "BuildOutcome": "optgym.search.builds:ProgramBuild",
        "Decision": "optgym.query:Decision",
    },
)
