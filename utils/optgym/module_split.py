"""Splitting a benchmark into one module per function, and linking modules
back into one (CompilerGym's ``split_benchmark_by_function`` and
``merge_benchmarks``), with LLVM's own ``llvm-extract`` and ``llvm-link``.

A split is one module per defined function (with what it refers to
declared), then one module of the rest: every global variable's
definition. An ``available_externally`` function (an inline copy of a
library function, as glibc's headers give ``atol``) has no module of its
own: it goes with each function that calls it, which is where
``llvm-extract`` and ``llvm-link`` keep it and where a pass sees it, as in
the whole module. ``llvm-extract`` gives internal symbols
external linkage with hidden visibility so that the pieces link again: the
merged module has the same instructions, not the same linkage. Functions
without a name (after ``-strip``, say) are named first by
``name-anon-globals``, the pass LLVM itself uses before it splits modules
for ThinLTO.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path
from typing import List, NamedTuple, Sequence

from .benchmark_base import Benchmark
from .errors import BuildError

__all__ = ["split_by_function", "merge", "defined_functions", "MERGED_DATASET"]

#: The dataset of merged benchmarks' URIs (CompilerGym's name).
MERGED_DATASET = "llvm-link-v0"

# `define [LINKAGE] ... @NAME(` with NAME bare or quoted; unnamed ones are `@N(`.
_DEFINE = re.compile(
    r'^define\s+(available_externally\s)?[^@]*@("(?:[^"\\]|\\.)*"|[-a-zA-Z$._0-9]+)\(', re.M
)


class DefinedFunction(NamedTuple):
    name: str
    available_externally: bool


def defined_functions(ir: str) -> List[DefinedFunction]:
    """The functions a module's textual IR defines, in order (an unnamed
    one by its number, ``0``)."""
    found = []
    for match in _DEFINE.finditer(ir):
        name = match.group(2)
        if name.startswith('"'):
            name = re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), name[1:-1])
        found.append(DefinedFunction(name, bool(match.group(1))))
    return found


def _quoted(argument: str) -> str:
    """``argument`` as one word of a response file (GNU quoting)."""
    return '"%s"' % argument.replace("\\", "\\\\").replace('"', '\\"')


def _piece_uri(uri: str, function: str) -> str:
    return "%s?function=%s" % (uri.partition("?")[0], function)


def split_by_function(
    bench: Benchmark, maximum_function_count: int = 0, timeout: float = 300
) -> List[Benchmark]:
    """The single-function benchmarks of ``bench``, its defined functions
    in order (``URI?function=N``; at most ``maximum_function_count`` of them
    when that is positive), then the rest (``URI?function=rest``). ValueError
    when the module defines no function; BuildError when a tool fails or
    runs longer than ``timeout`` seconds."""
    toolchain = bench.toolchain
    extract = toolchain.require("llvm-extract", bench.uri)
    with tempfile.TemporaryDirectory(prefix="optgym-split-") as scratch:
        module = bench.bitcode_path()
        functions = defined_functions(bench.disassemble(module))
        if not functions:
            raise ValueError("%s: the module defines no function" % bench.uri)
        if any(f.name.isdigit() for f in functions):
            opt = toolchain.require("opt", bench.uri)
            named = Path(scratch) / "module.bc"
            bench.run_tool(
                [opt, "-passes=name-anon-globals", str(module), "-o", str(named)],
                "naming the unnamed functions",
                timeout=timeout,
            )
            module = named
            functions = defined_functions(bench.disassemble(module))

        def extracted(flags: Sequence[str], function: str) -> Benchmark:
            out = Path(scratch) / "piece.bc"
            # A response file: a module can define thousands of functions.
            arguments = Path(scratch) / "arguments"
            arguments.write_text("".join(_quoted(flag) + "\n" for flag in flags), encoding="utf-8")
            bench.run_tool(
                [extract, "@" + str(arguments), str(module), "-o", str(out)],
                "llvm-extract of %s" % function,
                timeout=timeout,
            )
            piece = Benchmark.from_file_contents(
                _piece_uri(bench.uri, function), out.read_bytes(), bench.toolchain, bench.cache
            )
            piece.link_flags = bench.link_flags
            return piece

        own = [f.name for f in functions if not f.available_externally]
        if not own:
            raise ValueError("%s: the module defines no function of its own" % bench.uri)
        # llvm-extract's clean-up keeps those a piece calls.
        inline_copies = ["--func=" + f.name for f in functions if f.available_externally]
        count = len(own) if maximum_function_count <= 0 else maximum_function_count
        pieces = [
            extracted(["--func=" + name] + inline_copies, str(index))
            for index, name in enumerate(own[:count])
        ]
        everything = ["--func=" + f.name for f in functions]
        pieces.append(extracted(["--delete"] + everything, "rest"))
    return pieces


def merge(benchmarks: Sequence[Benchmark], timeout: float = 300) -> Benchmark:
    """One benchmark of the modules of ``benchmarks`` linked by
    ``llvm-link``, named ``benchmark://llvm-link-v0/HASH`` by its content.
    ValueError for no benchmarks or modules that do not link."""
    if not benchmarks:
        raise ValueError("no benchmarks to merge")
    first = benchmarks[0]
    link = first.toolchain.require("llvm-link", first.uri)
    with tempfile.TemporaryDirectory(prefix="optgym-merge-") as scratch:
        out = Path(scratch) / "merged.bc"
        argv = [link, "-o", str(out)] + [str(b.bitcode_path()) for b in benchmarks]
        try:
            first.run_tool(argv, "llvm-link", timeout=timeout)
        except BuildError as error:
            raise ValueError("cannot merge the benchmarks: %s" % error) from None
        data = out.read_bytes()
    uri = "benchmark://%s/%s" % (MERGED_DATASET, hashlib.sha256(data).hexdigest()[:16])
    merged = Benchmark.from_file_contents(uri, data, first.toolchain, first.cache)
    # Its executables link with what any of its parts linked with.
    merged.link_flags = tuple(dict.fromkeys(f for b in benchmarks for f in b.link_flags))
    return merged
