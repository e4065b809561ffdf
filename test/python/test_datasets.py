"""Tests of benchmarks, the cache, generators, validation and collect.

The tests that build need the LLVM toolchain that optgym selects (clang-19
unless OPTGYM_LLVM_VERSION or OPTGYM_PLUGIN says otherwise) and fail
without it; the inputs are tiny C programs, so they take a few seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest
from pathlib import Path
from typing import List
from unittest import mock

import optgym
from optgym import cli
from optgym import generators as generators_module
from optgym.benchmark_base import ir_instruction_count, text_size
from optgym.cache import Cache, atomic_write
from optgym.collect import parse_build_log
from optgym.dataset import CsmithDataset
from optgym.errors import (
    BuildError,
    SkippedBenchmark,
    ToolchainError,
    UnknownBenchmark,
)
from optgym.toolchain import Toolchain, clang_level, plugin_llvm_major
from optgym.validation import EXIT_CODES, FAULT_ENV, OUTCOMES, output_difference

from machine import TOOLCHAIN, driver_plugin, needs, require_clang, require_csmith

_REPO = Path(__file__).resolve().parents[2]

HELLO = textwrap.dedent(
    """\
    #include <stdio.h>
    static int square(int x) { return x * x; }
    int main(void) {
      int sum = 0;
      for (int i = 0; i < 10; i++) sum += square(i);
      printf("sum %d\\n", sum);
      return sum == 285 ? 0 : 1;
    }
    """
)


def capture_stderr():
    return contextlib.redirect_stderr(io.StringIO())


class TempDir(unittest.TestCase):
    def setUp(self) -> None:
        temp = tempfile.TemporaryDirectory(prefix="optgym-datasets-")
        self.addCleanup(temp.cleanup)
        self.dir = Path(temp.name)
        self.cache = Cache(self.dir / "cache")
        # Nothing a test does may reach the user's cache or fault settings.
        patcher = mock.patch.dict(os.environ, {"OPTGYM_CACHE": str(self.dir / "env-cache")})
        patcher.start()
        self.addCleanup(patcher.stop)
        os.environ.pop(FAULT_ENV, None)

    def write(self, name: str, text: str) -> Path:
        path = self.dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path


# -- no toolchain needed ------------------------------------------------------------


class PureTest(TempDir):
    def test_output_difference_names_the_first_differing_line(self) -> None:
        self.assertEqual(
            output_difference(b"a\nb\n", b"a\nc\n"),
            "line 2 differs from the -O0 reference: got 'b', expected 'c'",
        )
        self.assertEqual(
            output_difference(b"a\n", b"a\nb\n", "the -Oz build"),
            "printed 1 lines, the -Oz build 2",
        )
        self.assertEqual(
            output_difference(b"a\r\n", b"a\n"),
            "printed 3 bytes, the -O0 reference 2 (line ends differ)",
        )

    def test_clang_level(self) -> None:
        for spelling in ("O2", "-O2", "2", 2):
            self.assertEqual(clang_level(spelling), "-O2")
        self.assertEqual(clang_level("z"), "-Oz")
        with self.assertRaises(ValueError):
            clang_level("O4")

    def test_plugin_llvm_major(self) -> None:
        plugin = self.dir / "OptGym.so"
        plugin.write_bytes(b"\x7fELF\x00junk\x0019.1.7\x00more\x001.2\x00")
        with mock.patch("os.listdir", return_value=["llvm-19", "llvm-22"]):
            self.assertEqual(plugin_llvm_major(str(plugin)), "19")

    def test_bad_uris_name_themselves(self) -> None:
        for uri, words in (
            ("http://x/y", "unknown URI scheme"),
            ("benchmark://nope-v0/crc32", "unknown dataset"),
            ("benchmark://optgym-v0/no_such_program", "no bundled program"),
            ("generator://csmith-v0/x", "seed"),
            ("generator://csmith-v0/99999999999", "seed"),
            ("generator://gcc-v0/1", "unknown generator"),
            ("file:///no/such/file.c", "no such file"),
        ):
            with self.subTest(uri=uri):
                with self.assertRaises(UnknownBenchmark) as caught:
                    optgym.benchmark(uri)
                self.assertIn(uri.split("://")[1].split("/")[0], str(caught.exception))
                self.assertIn(words, str(caught.exception))

    def test_builtins_and_directories(self) -> None:
        programs = self.dir / "programs"
        self.write("programs/b.c", "int main(void){return 0;}\n")
        self.write("programs/a/Makefile", "all:\n")
        self.write("programs/a/x.c", "")
        self.write("programs/nomake/x.c", "")
        self.write("programs/notes.txt", "")
        with mock.patch.dict(os.environ, {"OPTGYM_PROGRAMS": str(programs)}):
            self.assertEqual(
                optgym.datasets(), ["benchmark://optgym-v0/a", "benchmark://optgym-v0/b"]
            )
            bench = optgym.benchmark("benchmark://optgym-v0/a")
            self.assertEqual((bench.name, [p.name for p in bench.sources]), ("a", ["x.c"]))
            found = [b.uri for b in optgym.benchmarks("file://" + str(programs))]
            self.assertEqual(
                found,
                ["file://%s/%s" % (programs, name) for name in ("a/x.c", "b.c", "nomake/x.c")],
            )
            self.assertEqual(optgym.datasets(builtin=False, dirs=[programs]), found)
            with self.assertRaises(UnknownBenchmark) as caught:
                optgym.benchmark("file://" + str(programs))
            self.assertIn("is a directory", str(caught.exception))
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                self.assertEqual(cli.main(["datasets"]), 0)
            self.assertEqual(out.getvalue().split(), optgym.datasets())

    def test_missing_clang_names_tool_and_benchmark(self) -> None:
        self.write("p.c", HELLO)
        toolchain = Toolchain(llvm_version="99")
        bench = optgym.benchmark(str(self.dir / "p.c"), toolchain, self.cache)
        with self.assertRaises(ToolchainError) as caught:
            bench.bitcode_path()
        message = str(caught.exception)
        self.assertIn("/usr/lib/llvm-99/bin/clang", message)
        self.assertIn(bench.uri, message)
        self.assertIn("utils/setup.sh", message)

    def test_outcomes_have_distinct_exit_codes(self) -> None:
        self.assertEqual(set(EXIT_CODES), set(OUTCOMES))
        self.assertEqual(len(set(EXIT_CODES.values())), len(OUTCOMES))
        self.assertEqual(EXIT_CODES["ok"], 0)
        self.assertNotIn(1, EXIT_CODES.values())
        self.assertNotIn(2, EXIT_CODES.values())


class CacheTest(TempDir):
    def build(self, calls: List[int]):
        def build(directory: Path):
            calls.append(1)
            (directory / "a.bin").write_bytes(b"x" * 100)
            return {"answer": 42}

        return build

    def test_builds_once(self) -> None:
        calls: List[int] = []
        key = Cache.key("k", 1)
        first = self.cache.get_or_build("test", key, self.build(calls), label="bench://x")
        second = self.cache.get_or_build("test", key, self.build(calls), label="bench://x")
        self.assertEqual(len(calls), 1)
        self.assertEqual(second.data, {"answer": 42})
        self.assertEqual(first.read_bytes("a.bin"), b"x" * 100)
        self.assertEqual(list((self.cache.base / "tmp").iterdir()), [])

    def test_corrupt_entries_are_reported_deleted_and_rebuilt(self) -> None:
        key = Cache.key("k", 2)
        corruptions = {
            "truncated": lambda d: (d / "a.bin").write_bytes(b"x" * 10),
            "changed": lambda d: (d / "a.bin").write_bytes(b"y" * 100),
            "missing": lambda d: (d / "a.bin").unlink(),
            "manifest": lambda d: (d / "manifest.json").write_text("{"),
        }
        for name, corrupt in corruptions.items():
            with self.subTest(name):
                calls: List[int] = []
                entry = self.cache.get_or_build("test", key, self.build(calls), label="bench://x")
                corrupt(entry.dir)
                stderr = io.StringIO()
                with contextlib.redirect_stderr(stderr):
                    entry = self.cache.get_or_build(
                        "test", key, self.build(calls), label="bench://x"
                    )
                    self.cache.get_or_build("test", key, self.build(calls), label="bench://x")
                self.assertEqual(entry.read_bytes("a.bin"), b"x" * 100)
                warnings = stderr.getvalue().splitlines()
                self.assertEqual(len(warnings), 1, warnings)
                self.assertRegex(warnings[0], r"^optgym: warning: bench://x: corrupt cache entry")

    def test_failed_build_leaves_nothing(self) -> None:
        def build(directory: Path):
            (directory / "half").write_bytes(b"x")
            raise RuntimeError("boom")

        key = Cache.key("k", 3)
        with self.assertRaises(RuntimeError):
            self.cache.get_or_build("test", key, build)
        self.assertIsNone(self.cache.lookup("test", key))
        self.assertEqual(list((self.cache.base / "tmp").iterdir()), [])

    def test_atomic_write_leaves_no_temporary(self) -> None:
        atomic_write(self.dir / "out" / "f.json", "{}")
        atomic_write(self.dir / "out" / "f.json", "[]")
        self.assertEqual(os.listdir(self.dir / "out"), ["f.json"])
        self.assertEqual((self.dir / "out" / "f.json").read_text(), "[]")

    def test_concurrent_processes_build_once(self) -> None:
        log = self.dir / "builds.log"
        script = textwrap.dedent(
            """\
            import time
            from optgym.cache import Cache
            def build(directory):
                with open(%r, "a") as log:
                    log.write("built\\n")
                time.sleep(0.2)
                (directory / "a.bin").write_bytes(b"z" * 1000)
                return {}
            entry = Cache(%r).get_or_build("test", Cache.key("shared"), build, label="bench://x")
            assert entry.read_bytes("a.bin") == b"z" * 1000
            """
        ) % (str(log), str(self.cache.root))
        processes = [
            subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE)
            for _ in range(4)
        ]
        for process in processes:
            _, stderr = process.communicate(timeout=60)
            self.assertEqual(process.returncode, 0, stderr)
            self.assertEqual(stderr, b"")
        self.assertEqual(log.read_text(), "built\n")

    def test_concurrent_threads_build_once(self) -> None:
        calls: List[int] = []
        key = Cache.key("threads")
        threads = [
            threading.Thread(target=self.cache.get_or_build, args=("test", key, self.build(calls)))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(len(calls), 1)


class BuildLogTest(unittest.TestCase):
    def test_links_archives_and_directories(self) -> None:
        log = textwrap.dedent(
            """\
            make: Entering directory '/src/app'
            clang-19 -O2 -c main.c -o main.o
            ar rcs libutil.a util.o str.o
            clang-19 -O2 -fpass-plugin=/p/OptGym.so -o app main.o -L. -lutil -lm -pthread
            make: Leaving directory '/src/app'
            cd /src/tool && CC=x /usr/bin/cc -o ../bin/tool tool.o helper.o -l z
            gcc -shared -o libx.so a.o
            echo -o nothing.o
            """
        )
        links, archives = parse_build_log(log)
        self.assertEqual(archives, {"/src/app/libutil.a": ["/src/app/util.o", "/src/app/str.o"]})
        self.assertEqual([link.output for link in links], ["app", "../bin/tool"])
        app, tool = links
        self.assertEqual((app.cwd, app.inputs), ("/src/app", ["main.o"]))
        self.assertEqual(app.link_flags, ["-lutil", "-lm", "-pthread"])
        self.assertEqual(app.library_dirs, ["."])
        self.assertEqual(
            (tool.cwd, tool.inputs, tool.link_flags),
            ("/src/tool", ["tool.o", "helper.o"], ["-lz"]),
        )


# -- with clang -----------------------------------------------------------------------


#: A module whose instructions are counted by hand: a call, a switch (its
#: cases are not instructions), a store, a branch and a return; the
#: declaration, the global and the comment are none.
COUNTED_IR = textwrap.dedent(
    """\
    @g = global i32 0
    declare i32 @f(i32)
    define i32 @main(i32 %n) {
    entry:
      %x = call i32 @f(i32 %n)
      ; a comment
      switch i32 %x, label %other [
        i32 0, label %zero
        i32 1, label %other
      ]
    zero:
      store i32 1, ptr @g
      br label %other
    other:
      ret i32 %x
    }
    """
)


@needs(require_clang)
class MeasureTest(TempDir):
    def test_ir_instruction_count_is_the_plugins(self) -> None:
        path = self.write("counted.ll", COUNTED_IR)
        self.assertEqual(ir_instruction_count(path, TOOLCHAIN), 5)
        # After a pipeline, in the same opt: what the module opt writes has.
        optimized = self.dir / "optimized.bc"
        subprocess.run(
            [TOOLCHAIN.path("opt"), "-passes=default<O2>", str(path), "-o", str(optimized)],
            check=True,
        )
        after = ir_instruction_count(optimized, TOOLCHAIN)
        self.assertEqual(ir_instruction_count(path, TOOLCHAIN, passes="default<O2>"), after)

    def test_count_ir_instructions_is_deprecated_and_counts_alike(self) -> None:
        from optgym.benchmarks import count_ir_instructions

        with self.assertWarnsRegex(DeprecationWarning, "ir_instruction_count"):
            self.assertEqual(count_ir_instructions(COUNTED_IR, TOOLCHAIN), 5)

    def test_a_failing_count_names_the_benchmark(self) -> None:
        path = self.write("broken.ll", "define void @f() {\n  ret i32 0\n}\n")
        with self.assertRaisesRegex(BuildError, "opt -passes=print<optgym-instcount> failed"):
            ir_instruction_count(path, TOOLCHAIN, uri="file:///broken.ll")

    def test_text_size_adds_every_text_section(self) -> None:
        source = self.write("two.c", "int f(void) { return 1; }\nint g(void) { return 2; }\n")
        obj = self.dir / "two.o"
        subprocess.run(
            [
                TOOLCHAIN.path("clang"),
                "-O2",
                "-ffunction-sections",
                "-c",
                str(source),
                "-o",
                str(obj),
            ],
            check=True,
        )
        sections = subprocess.run(
            [TOOLCHAIN.path("llvm-size"), "-A", str(obj)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        self.assertIn(".text.f", sections)
        expected = sum(
            int(line.split()[1])
            for line in sections.splitlines()
            if line.split() and line.split()[0].startswith(".text")
        )
        self.assertEqual(text_size(obj, TOOLCHAIN), expected)
        self.assertGreater(expected, 0)


@needs(require_clang)
class BenchmarkTest(TempDir):
    def bench(self, name: str = "hello.c", text: str = HELLO):
        return optgym.benchmark(str(self.write(name, text)), TOOLCHAIN, self.cache)

    def test_bitcode_reference_and_metrics_are_cached(self) -> None:
        bench = self.bench()
        self.assertEqual(bench.uri, "file://%s/hello.c" % self.dir)
        path = bench.bitcode_path()
        self.assertEqual(path.read_bytes()[:4], b"BC\xc0\xde")
        self.assertTrue(bench.runnable)
        reference = bench.reference()
        self.assertEqual((reference.stdout, reference.returncode), (b"sum 285\n", 0))
        metrics = bench.metrics()
        self.assertTrue(metrics["runnable"])
        self.assertGreater(metrics["ir_instructions"]["O0"], metrics["ir_instructions"]["Oz"])
        self.assertGreater(metrics["text_bytes_Oz"], 0)
        # A new resolution finds everything in the cache: nothing runs.
        again = optgym.benchmark(bench.uri, TOOLCHAIN, self.cache)
        with mock.patch("subprocess.run", side_effect=AssertionError("rebuilt")):
            self.assertEqual(again.bitcode_path(), path)
            self.assertEqual(again.metrics(), metrics)
            self.assertEqual(again.reference(), reference)
        # Changing the source changes the key.
        changed = self.bench(text=HELLO.replace("285", "286"))
        self.assertNotEqual(changed.bitcode_path(), path)

    def test_headers_beside_a_source_are_part_of_its_key(self) -> None:
        self.write("inc/value.h", "#define VALUE 1\n")
        source = self.write("inc/p.c", '#include "value.h"\nint main(void) { return VALUE; }\n')
        first = optgym.benchmark(str(source), TOOLCHAIN, self.cache)
        self.assertEqual(first.reference().returncode, 1)
        self.write("inc/value.h", "#define VALUE 2\n")
        second = optgym.benchmark(str(source), TOOLCHAIN, self.cache)
        self.assertEqual(second.reference().returncode, 2)

    def test_build_and_run(self) -> None:
        bench = self.bench()
        exe = bench.build(self.dir / "hello", level="Oz")
        run = bench.run(exe)
        self.assertEqual((run.stdout, run.returncode, run.timed_out), (b"sum 285\n", 0, False))

    def test_validate_outcomes(self) -> None:
        bench = self.bench()
        result = optgym.validate(bench, level="O1")
        self.assertEqual(result.outcome, "ok", result.reason)
        self.assertTrue(result.ok)
        self.assertIsNotNone(result.walltime)
        for fault, outcome in (
            ("wrong-output", "output-mismatch"),
            ("exit-status", "exit-status-mismatch"),
            ("crash", "crashed"),
            ("hang", "timeout"),
            ("verifier", "verifier-failed"),
        ):
            with self.subTest(fault), mock.patch.dict(os.environ, {FAULT_ENV: fault}):
                result = optgym.validate(bench, level="O1", timeout=0.3)
                self.assertEqual(result.outcome, outcome, result.reason)
                self.assertFalse(result.ok)
                self.assertIn(bench.uri, result.reason)
                self.assertEqual(result.exit_code, EXIT_CODES[outcome])

    def test_exit_status_mismatch(self) -> None:
        # Undefined behaviour that -O0 and -O2 happen to resolve differently
        # is no test; a fault is: the reference is a different program's.
        bench = self.bench()
        other = self.bench("other.c", HELLO.replace("return sum == 285 ? 0 : 1;", "return 7;"))
        reference = other.reference()
        with mock.patch.object(type(bench), "reference", lambda self, timeout=None: reference):
            result = optgym.validate(bench, level="O1")
        self.assertEqual(result.outcome, "exit-status-mismatch", result.reason)
        self.assertIn("the -O0 reference exits 7", result.reason)

    def test_passes(self) -> None:
        bench = self.bench()
        ok = optgym.validate(
            bench, passes="instcombine<no-verify-fixpoint>,simplifycfg", level="O0"
        )
        self.assertEqual(ok.outcome, "ok", ok.reason)
        bad = optgym.validate(bench, passes="no-such-pass", level="O0")
        self.assertEqual(bad.outcome, "build-failed")
        self.assertIn("no-such-pass", bad.reason)

    def test_oracle(self) -> None:
        driver_plugin()
        bench = self.bench()
        self.assertTrue(optgym.validate(bench, oracle="random:seed=1").ok)
        bad = optgym.validate(bench, oracle="no-such-oracle")
        self.assertEqual(bad.outcome, "build-failed")
        self.assertIn("no-such-oracle", bad.reason)

    def test_bad_programs_are_errors_naming_the_benchmark(self) -> None:
        broken = self.bench("broken.c", "int main(void) { return nope; }\n")
        with self.assertRaises(BuildError) as caught:
            optgym.validate(broken)
        self.assertIn(broken.uri, str(caught.exception))
        self.assertIn("nope", str(caught.exception))
        hang = self.bench("hang.c", "int main(void) { for (;;) {} }\n")
        with self.assertRaises(BuildError) as caught:
            optgym.validate(hang, timeout=0.3)
        self.assertIn(hang.uri, str(caught.exception))
        self.assertIn("timed out", str(caught.exception))
        # Failures are not cached: a fixed timeout or program is tried anew.
        self.assertEqual(list((self.cache.base / "reference").glob("*/*/manifest.json")), [])

    def test_ir_files(self) -> None:
        bench = self.bench()
        ll = self.dir / "copy.ll"
        subprocess.run(
            [TOOLCHAIN.path("llvm-dis"), str(bench.bitcode_path()), "-o", str(ll)], check=True
        )
        shutil.copy(bench.bitcode_path(), self.dir / "copy.bc")
        for path in (ll, self.dir / "copy.bc"):
            with self.subTest(path.suffix):
                copy = optgym.benchmark("file://" + str(path), TOOLCHAIN, self.cache)
                self.assertTrue(optgym.validate(copy).ok)
        garbage = self.write("garbage.ll", "this is not IR\n")
        with self.assertRaises(BuildError) as caught:
            optgym.benchmark(str(garbage), TOOLCHAIN, self.cache).bitcode_path()
        self.assertIn("garbage.ll", str(caught.exception))

    def test_collect_links_programs_that_validate(self) -> None:
        # What OPTGYM_COLLECT writes for `make` of a two-file program.
        units = self.dir / "units"
        units.mkdir()
        src = self.dir / "src"
        sources = {
            "main.c": "#include <stdio.h>\nint twice(int);\n"
            'int main(void) { printf("%d\\n", twice(21)); return 0; }\n',
            "twice.c": "int twice(int x) { return 2 * x; }\n",
        }
        log = ["make: Entering directory '%s'" % src]
        for name, text in sources.items():
            self.write("src/" + name, text)
            stem = name[:-2]
            subprocess.run(
                [
                    TOOLCHAIN.path("clang"),
                    "-O2",
                    "-Xclang",
                    "-disable-llvm-passes",
                    "-emit-llvm",
                    "-c",
                    str(src / name),
                    "-o",
                    str(units / (stem + "-0123.bc")),
                ],
                check=True,
            )
            argv = ["clang", "-O2", "-c", name, "-o", stem + ".o"]
            (units / (stem + "-0123.json")).write_text(
                json.dumps(
                    {
                        "argv": argv,
                        "bitcode": stem + "-0123.bc",
                        "cwd": str(src),
                        "format": "optgym-unit",
                        "module": name,
                        "output": stem + ".o",
                        "source": name,
                        "version": 1,
                    }
                )
            )
            log.append(" ".join(argv))
        log.append("clang -O2 -o prog main.o twice.o -lm")
        log.append("make: Leaving directory '%s'" % src)
        (self.dir / "log").write_text("\n".join(log) + "\n")
        result = optgym.collect(
            units, self.dir / "dataset", build_log=self.dir / "log", toolchain=TOOLCHAIN
        )
        self.assertEqual(result.warnings, [])
        self.assertEqual([p.name for p in result.programs], ["prog"])
        self.assertEqual(result.programs[0].link_flags, ["-lm"])
        self.assertEqual(len(result.units), 2)
        uris = result.uris()
        self.assertTrue(uris[0].endswith("/dataset/programs/prog.bc"))
        program = optgym.benchmark(uris[0], TOOLCHAIN, self.cache)
        self.assertEqual(program.link_flags, ("-lm",))
        validation = optgym.validate(program)
        self.assertTrue(validation.ok, validation.reason)
        self.assertEqual(program.reference().stdout, b"42\n")
        unit = optgym.benchmark(uris[-1], TOOLCHAIN, self.cache)
        self.assertFalse(unit.runnable)
        self.assertTrue(optgym.validate(unit).ok)

    def test_cli_validate(self) -> None:
        path = self.write("hello.c", HELLO)
        out = io.StringIO()
        with contextlib.redirect_stdout(out), capture_stderr():
            status = cli.main(["validate", str(path), "-O1"])
        self.assertEqual(status, 0)
        self.assertRegex(out.getvalue(), r"^file://.*/hello\.c: ok \(-O1: ")
        out = io.StringIO()
        with (
            contextlib.redirect_stdout(out),
            capture_stderr(),
            mock.patch.dict(os.environ, {FAULT_ENV: "wrong-output"}),
        ):
            status = cli.main(["validate", str(path), "-O1"])
        self.assertEqual(status, EXIT_CODES["output-mismatch"])
        self.assertRegex(out.getvalue(), r"^file://.*/hello\.c: output-mismatch: -O1: ")
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            status = cli.main(["validate", str(self.dir / "absent.c")])
        self.assertEqual(status, 1)
        self.assertIn("absent.c: no such file", err.getvalue())


@needs(require_clang)
class GeneratorTest(TempDir):
    def test_llvm_stress_is_deterministic(self) -> None:
        first = optgym.benchmark("generator://llvm-stress-v0/5", TOOLCHAIN, Cache(self.dir / "a"))
        second = optgym.benchmark("generator://llvm-stress-v0/5", TOOLCHAIN, Cache(self.dir / "b"))
        self.assertEqual(first.bitcode_path().read_bytes(), second.bitcode_path().read_bytes())
        other = optgym.benchmark("generator://llvm-stress-v0/6", TOOLCHAIN, Cache(self.dir / "a"))
        self.assertNotEqual(first.bitcode_path().read_bytes(), other.bitcode_path().read_bytes())
        self.assertFalse(first.runnable)
        result = optgym.validate(first)
        self.assertEqual(result.outcome, "ok", result.reason)
        self.assertIsNone(result.walltime)

    def test_csmith_is_deterministic(self) -> None:
        require_csmith()
        first = optgym.benchmark("generator://csmith-v0/13", TOOLCHAIN, Cache(self.dir / "a"))
        second = optgym.benchmark("generator://csmith-v0/13", TOOLCHAIN, Cache(self.dir / "b"))
        self.assertEqual(first.bitcode_path().read_bytes(), second.bitcode_path().read_bytes())
        source = first.bitcode_entry().dir / "csmith-13.c"
        self.assertIn("Seed:      13", source.read_text())
        self.assertTrue(first.runnable)
        self.assertEqual(first.reference().stdout, second.reference().stdout)
        self.assertRegex(first.reference().stdout, rb"^checksum = [0-9A-F]+\n$")

    def test_skipped_seeds(self) -> None:
        log = self.dir / "csmith.log"
        fake = self.write(
            "fake-csmith",
            textwrap.dedent(
                """\
                #!/bin/sh
                if [ "$1" = --version ]; then echo "fake csmith 1"; exit 0; fi
                echo "$2" >> %s
                case $(($2 %% 3)) in
                  1) echo 'int main(void) { return nope; }' ;;
                  2) echo 'int main(void) { for (;;) {} }' ;;
                  *) echo '#include "csmith.h"'; echo "int main(void) { return $2; }" ;;
                esac
                """
            )
            % log,
        )
        fake.chmod(0o755)
        self.write("include/csmith.h", "/* fake */\n")
        toolchain = Toolchain(
            llvm_version=TOOLCHAIN.llvm_version,
            csmith=str(fake),
            csmith_include=str(self.dir / "include"),
        )
        with mock.patch.object(generators_module, "GENERATOR_TIMEOUT", 0.3):
            uris = generators_module.first_seeds("csmith-v0", 2, toolchain, self.cache, jobs=2)
            self.assertEqual(uris, ["generator://csmith-v0/0", "generator://csmith-v0/3"])
            for seed, reason in ((1, "does not compile at -O0"), (2, "times out at -O0")):
                uri = "generator://csmith-v0/%d" % seed
                with self.assertRaises(SkippedBenchmark) as caught:
                    optgym.benchmark(uri, toolchain, self.cache).bitcode_path()
                self.assertIn("%s: skipped: %s" % (uri, reason), str(caught.exception))
            generated = sorted(log.read_text().split())
            # The decisions are cached: listing again generates nothing.
            again = generators_module.first_seeds("csmith-v0", 2, toolchain, self.cache, jobs=2)
        self.assertEqual(again, uris)
        self.assertEqual(sorted(log.read_text().split()), generated)
        self.assertEqual(len(generated), len(set(generated)))
        bench = optgym.benchmark("generator://csmith-v0/3", toolchain, self.cache)
        self.assertEqual(bench.reference().returncode, 3)
        # CompilerGym's benchmark_from_seed: the next seed that builds.
        dataset = CsmithDataset(toolchain, self.cache)
        self.assertEqual(dataset.benchmark_from_seed(1).uri, "generator://csmith-v0/3")
        self.assertIn("return 3;", dataset.benchmark_from_seed(3).source)
        with self.assertRaisesRegex(OSError, "^Csmith failed after 2 attempts with seed 1$"):
            dataset.benchmark_from_seed(1, max_retries=1)
        with self.assertRaisesRegex(OSError, "^Csmith failed after 5 attempts with seed 0$"):
            dataset.benchmark_from_seed(0, max_retries=3, retry_count=5)


if __name__ == "__main__":
    unittest.main()
