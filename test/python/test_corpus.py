"""Tests of the Debian corpus (optgym.corpus): the private apt configuration,
the compiler wrappers, the index and its splits, the dataset object, the
statistics, and (marked slow) `optgym datasets build` on small packages
from the machine's Debian archive, with the gym on what it built.

The slow test needs the network to the archive the machine's apt uses and,
to install build dependencies, root (as utils/test.sh runs); it fails
without them rather than skipping.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path
from typing import Any, Dict, List
from unittest import mock

import pytest

import optgym
from optgym import cli
from optgym.corpus import apt as apt_module
from optgym.corpus.build import (
    CompileLog,
    build_flags,
    canonical_hash,
    copyright_license,
    failure_hint,
    is_probe,
    unit_features,
)
from optgym.corpus.dataset import CorpusDataset
from optgym.corpus.debian import parse_package_list
from optgym.corpus.index import DATASETS_ENV, CorpusIndex, unit_names
from optgym.corpus.splits import package_split
from optgym.corpus.stats import corpus_stats, format_stats, plot_stats
from optgym.corpus.wrapper import COMPILES_ENV, install_wrappers
from optgym.errors import UnknownBenchmark
from optgym.toolchain import Toolchain

DEB822 = """\
Types: deb
# a comment inside
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://mirror.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no
"""


class AptConfigurationTest(unittest.TestCase):
    def test_deb822_keeps_mirrors_keys_and_adds_sources(self) -> None:
        sources = apt_module.parse_deb822(DEB822, "debian.sources")
        self.assertEqual(len(sources), 1)
        text = sources[0].render()
        self.assertIn("Types: deb deb-src\n", text)
        self.assertIn("URIs: http://mirror.example/debian\n", text)
        self.assertIn("Suites: bookworm bookworm-updates\n", text)
        self.assertIn("Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n", text)
        self.assertIn("# from debian.sources:1", text)
        self.assertNotIn("disabled.example", text)

    def test_one_line_format_with_options(self) -> None:
        text = (
            "# comment\n"
            "deb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main contrib\n"
            "deb-src http://m.example/debian bookworm main\n"
        )
        (source,) = apt_module.parse_one_line(text, "x.list")
        self.assertEqual(source.origin, "x.list:2")
        self.assertEqual(source.fields["URIs"], "http://m.example/debian")
        self.assertEqual(source.fields["Architectures"], "amd64")
        self.assertEqual(source.fields["Signed-By"], "/k.gpg")
        self.assertEqual(source.fields["Components"], "main contrib")

    def test_errors_name_file_and_line(self) -> None:
        with self.assertRaisesRegex(apt_module.AptError, r"^x\.list:2:1: expected"):
            apt_module.parse_one_line("deb http://a b\ndeb\n", "x.list")
        with self.assertRaisesRegex(apt_module.AptError, r"^y\.sources:3:1: expected 'Field"):
            apt_module.parse_deb822("Types: deb\nURIs: http://a\nnot a field\n", "y.sources")
        with self.assertRaisesRegex(apt_module.AptError, r"y\.sources:1: a deb paragraph"):
            apt_module.parse_deb822("Types: deb\nURIs: http://a\n", "y.sources")

    def test_machine_sources_from_files(self) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            first, second = Path(scratch, "a.sources"), Path(scratch, "b.list")
            first.write_text(DEB822)
            second.write_text("deb http://other.example/debian bookworm main\n")
            sources = apt_module.machine_sources([first, second])
            self.assertEqual(
                [s.fields["URIs"] for s in sources],
                ["http://mirror.example/debian", "http://other.example/debian"],
            )
            empty = Path(scratch, "c.list")
            empty.write_text("# nothing\n")
            with self.assertRaisesRegex(apt_module.AptError, "names no deb archive"):
                apt_module.machine_sources([empty])

    def test_this_machines_configuration(self) -> None:
        # Whatever the machine's archive is called, the private copy names it.
        sources = apt_module.machine_sources()
        self.assertTrue(sources)
        machine_uris = set()
        for path in apt_module.source_files():
            machine_uris.update(
                uri
                for line in path.read_text().splitlines()
                for uri in line.replace("URIs:", " ").split()
                if "://" in uri
            )
        self.assertTrue({s.fields["URIs"] for s in sources} <= machine_uris)

    def test_private_options_never_touch_the_machines_lists(self) -> None:
        options = apt_module.PrivateApt(Path("/x/apt")).options()
        self.assertIn("Dir::Etc::SourceList=/dev/null", options)
        self.assertIn("Dir::State::Lists=/x/apt/lists", options)
        self.assertIn("Dir::Etc::SourceParts=/x/apt/parts", options)


class BuildHelpersTest(unittest.TestCase):
    def test_probes(self) -> None:
        self.assertTrue(is_probe("/b/conftest.c"))
        self.assertTrue(is_probe("/b/CMakeFiles/CMakeScratch/TryCompile-x/src.c"))
        self.assertTrue(is_probe("/b/CMakeFiles/3.25.1/CompilerIdC/CMakeCCompilerId.c"))
        self.assertTrue(is_probe("/b/meson-private/sanitycheckc.c"))
        self.assertFalse(is_probe("/tmp/work/lz4/lib/lz4.c"))

    def test_failure_hint(self) -> None:
        # gdbm: clang refused var.c, the wrapper's lenient retry compiled it,
        # and the build stopped later, at the link.
        log = "\n".join(
            [
                "../../tools/var.c:253:9: error: call to undeclared library function 'strcasecmp'",
                "2 warnings and 2 errors generated.",
                "gdbmshell.c:(.text+0x261): undefined reference to `bcmp'",
                "/usr/bin/ld: findkey.c:(.text+0x3b5): undefined reference to `memcmp'",
                "collect2: error: ld returned 1 exit status",
                "make[5]: *** [Makefile:534: gdbmtool] Error 1",
                "dpkg-buildpackage: error: debian/rules build-arch subprocess returned exit status 2",
            ]
        )
        self.assertEqual(
            failure_hint(log),
            "/usr/bin/ld: findkey.c:(.text+0x3b5): undefined reference to `memcmp'",
        )
        compile_error = "a.c:1:2: error: first\nb.c:3:4: error: last\nmake: *** [all] Error 1\nc.c:5:6: error: after"
        self.assertEqual(failure_hint(compile_error), "b.c:3:4: error: last")
        relocation = (
            "../../tools/var.c:718:7: error: call to undeclared library function\n"
            "/usr/bin/ld: .libs/gdbmerrno.o: relocation R_X86_64_TPOFF32 against `s' can not be"
            " used when making a shared object; recompile with -fPIC\n"
            "/usr/bin/ld: failed to set dynamic section sizes: bad value\n"
            "collect2: error: ld returned 1 exit status\n"
            "make[5]: *** [Makefile:508: libgdbm.la] Error 1"
        )
        self.assertIn("relocation R_X86_64_TPOFF32", failure_hint(relocation))
        verdict = "x.c:1:1: error: e\nconfigure: error: no C compiler\nmake: *** [all] Error 1"
        self.assertEqual(failure_hint(verdict), "configure: error: no C compiler")
        self.assertEqual(failure_hint("make: *** [all] Error 2"), "make: *** [all] Error 2")
        self.assertEqual(failure_hint("nothing telling"), "")

    def test_canonical_hash_ignores_the_file_name(self) -> None:
        one = (
            "; ModuleID = 'a/x.c'\nsource_filename = \"a/x.c\"\ndefine i32 @f() {\n  ret i32 0\n}\n"
        )
        two = one.replace("a/x.c", "b/y/x.c")
        self.assertEqual(canonical_hash(one), canonical_hash(two))
        self.assertNotEqual(canonical_hash(one), canonical_hash(one.replace("i32 0", "i32 1")))

    def test_build_flags(self) -> None:
        argv = ["clang", "-O2", "-DX=1", "-c", "x.c", "-o", "x.o", "-MD", "-MF", "x.d"]
        argv += ["-fpass-plugin=/p.so", "-g0", "-Wno-unused-command-line-argument"]
        self.assertEqual(build_flags(argv, "x.c"), ["-O2", "-DX=1"])

    def test_copyright_license(self) -> None:
        text = textwrap.dedent(
            """\
            Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
            Upstream-Name: x

            Files: debian/*
            License: GPL-2+

            Files: *
            Copyright: someone
            License: BSD-2-clause
            """
        )
        self.assertEqual(copyright_license(text), "BSD-2-clause")
        self.assertEqual(copyright_license("License: MIT\n"), "MIT")
        self.assertEqual(copyright_license("free text\n"), "")

    def test_package_lists(self) -> None:
        self.assertEqual(
            parse_package_list("# c\nlz4\n\nlibyaml=0.2.5-1 # pinned\nlz4\n", "l"),
            ["lz4", "libyaml=0.2.5-1"],
        )
        with self.assertRaisesRegex(ValueError, r"^l:2:1: not a Debian source package name"):
            parse_package_list("lz4\nBad Name\n", "l")

    def test_unit_names(self) -> None:
        names = unit_names(
            [
                {"hash": "a" * 64, "source": "lib/x.c"},
                {"hash": "b" * 64, "source": "lib/x.c"},
                {"hash": "c" * 64, "source": "y.c"},
                {"hash": "c" * 64, "source": "y.c"},
            ]
        )
        self.assertEqual(names["a" * 64], "lib/x.c@" + "a" * 12)
        self.assertEqual(names["b" * 64], "lib/x.c@" + "b" * 12)
        self.assertEqual(names["c" * 64], "y.c")


class SplitTest(unittest.TestCase):
    def test_rule(self) -> None:
        names = ["package%d" % i for i in range(5000)]
        splits = [package_split("debian-v0", name) for name in names]
        for split, expected in (("train", 0.8), ("validation", 0.1), ("test", 0.1)):
            share = splits.count(split) / len(names)
            self.assertAlmostEqual(share, expected, delta=0.02, msg=split)
        # A package's split depends on its name and the seed alone.
        self.assertEqual(package_split("debian-v0", "package7"), splits[7])
        moved = sum(package_split("debian-v0", n, seed=1) != s for n, s in zip(names, splits))
        self.assertGreater(moved, 1000)


def _compile_unit(directory: Path, name: str, source: str) -> Path:
    path = directory / (name + ".c")
    path.write_text(source)
    out = directory / (name + ".bc")
    clang = Toolchain.default().require("clang")
    subprocess.run(
        [
            clang,
            "-O2",
            "-Xclang",
            "-disable-llvm-passes",
            "-emit-llvm",
            "-c",
            str(path),
            "-o",
            str(out),
        ],
        check=True,
    )
    return out


_SOURCES = {
    "loop": "int sum(int *a, int n) { int s = 0; for (int i = 0; i < n; i++) s += a[i]; return s; }\n",
    "calls": "int g(int);\nint f(int x) { return g(x) + g(x + 1); }\n",
    "big": "".join("int f%d(int x) { return x * %d + %d; }\n" % (i, i, i) for i in range(40)),
}


def _fake_result(
    package: str, units: List[Dict[str, Any]], status: str = "built"
) -> Dict[str, Any]:
    return {
        "package": package,
        "version": "1.0-1",
        "status": status,
        "reason": "" if status == "built" else "it broke",
        "compiles": len(units),
        "fallbacks": 0,
        "covered": len(units),
        "units": units,
        "license": "MIT",
        "copyright": "License: MIT\n",
        "log": "built\n",
        "seconds": 3.0,
    }


class IndexAndDatasetTest(unittest.TestCase):
    def setUp(self) -> None:
        self.scratch = tempfile.TemporaryDirectory()
        self.addCleanup(self.scratch.cleanup)
        root = Path(self.scratch.name)
        self.units: Dict[str, Dict[str, Any]] = {}
        toolchain = Toolchain.default()
        for name, source in _SOURCES.items():
            bitcode = _compile_unit(root, name, source)
            content_hash, features = unit_features(bitcode, toolchain)
            self.units[name] = {
                "hash": content_hash,
                "source": "src/%s.c" % name,
                "bitcode": bitcode.read_bytes(),
                "flags": ["-O2"],
                **features,
            }
        self.datasets = root / "datasets"
        self.index = CorpusIndex(self.datasets / "debian-v0", "debian-v0", create=True)
        self.addCleanup(self.index.close)

    def test_features(self) -> None:
        self.assertEqual(self.units["loop"]["loops"], 1)
        self.assertEqual(self.units["calls"]["calls"], 2)
        self.assertEqual(self.units["big"]["functions"], 40)
        self.assertGreater(self.units["big"]["instructions"], 80)

    def test_duplicates_count_once_and_belong_to_one_split(self) -> None:
        # Two packages whose splits differ both contain the "loop" unit.
        names = ["pkg%d" % i for i in range(200)]
        train = next(n for n in names if package_split("debian-v0", n) == "train")
        test = next(n for n in names if package_split("debian-v0", n) == "test")
        first, second = sorted([train, test])
        shared = dict(self.units["loop"], source="vendor/loop.c")
        self.assertEqual(
            self.index.add_package(_fake_result(second, [shared, self.units["big"]])), 2
        )
        self.assertEqual(self.index.add_package(_fake_result(first, [self.units["loop"]])), 0)
        self.assertEqual(self.index.count(), 2)
        owner = self.index.lookup(second, "vendor/loop.c")
        self.assertEqual((owner["package"], owner["name"]), (first, "src/loop.c"))
        self.assertEqual(owner["split"], package_split("debian-v0", first))
        self.assertEqual(self.index.lookup(first, "src/loop.c")["hash"], owner["hash"])
        self.assertTrue(self.index.store_path(owner["hash"]).is_file())
        # Rebuilding the first package without the unit hands it back.
        self.index.add_package(_fake_result(first, [], status="failed"))
        owner = self.index.lookup(second, "vendor/loop.c")
        self.assertEqual(
            (owner["package"], owner["split"]), (second, package_split("debian-v0", second))
        )
        self.assertEqual(self.index.package_status()[first], "failed")

    def test_units_without_instructions_are_not_indexed(self) -> None:
        empty = dict(self.units["loop"], hash="e" * 64, instructions=0, source="src/empty.c")
        self.assertEqual(
            self.index.add_package(_fake_result("alpha", [empty, self.units["big"]])), 1
        )
        self.assertIsNone(self.index.lookup("alpha", "src/empty.c"))

    def _fill(self) -> None:
        self.index.add_package(_fake_result("alpha", [self.units["loop"], self.units["calls"]]))
        self.index.add_package(_fake_result("beta", [self.units["big"]]))
        self.index.add_package(_fake_result("gamma", [], status="failed"))

    def test_dataset_object(self) -> None:
        self._fill()
        corpus = CorpusDataset("debian-v0", self.datasets / "debian-v0")
        self.assertEqual(corpus.size, 3)
        self.assertEqual(len(corpus), 3)
        self.assertEqual(
            list(corpus.benchmark_uris()),
            [
                "benchmark://debian-v0/alpha/src/calls.c",
                "benchmark://debian-v0/alpha/src/loop.c",
                "benchmark://debian-v0/beta/src/big.c",
            ],
        )
        self.assertEqual(corpus.filter(min_loops=1).size, 1)
        self.assertEqual(corpus.filter(package="beta").size, 1)
        self.assertEqual(corpus.filter(min_functions=2, max_instructions=10**6).size, 1)
        self.assertEqual(corpus.sample(2, seed=3), corpus.sample(2, seed=3))
        self.assertEqual(len(corpus.sample(10, seed=3)), 3)
        with self.assertRaisesRegex(TypeError, "unknown filter"):
            corpus.filter(min_colour=1)
        with self.assertRaisesRegex(ValueError, "unknown split"):
            corpus.filter(split="holdout")
        bench = corpus.benchmark("alpha/src/loop.c")
        self.assertEqual(bench.uri, "benchmark://debian-v0/alpha/src/loop.c")
        self.assertEqual(bench.unit["loops"], 1)
        self.assertIsNotNone(corpus.random_benchmark(random_state=1))
        with self.assertRaisesRegex(UnknownBenchmark, "no such unit"):
            corpus.benchmark("alpha/src/none.c")

    def test_uris_resolve_through_optgym_and_the_gym(self) -> None:
        self._fill()
        with mock.patch.dict(os.environ, {DATASETS_ENV: str(self.datasets)}):
            bench = optgym.benchmark("benchmark://debian-v0/alpha/src/loop.c")
            self.assertEqual(bench.dataset, "debian-v0")
            self.assertEqual(
                optgym.benchmark("debian-v0/beta/src/big.c").uri,
                "benchmark://debian-v0/beta/src/big.c",
            )
            with self.assertRaisesRegex(UnknownBenchmark, "PACKAGE/UNIT"):
                optgym.benchmark("benchmark://debian-v0/alpha")
            env = optgym.make("llvm-ic-v0", benchmark="benchmark://debian-v0/alpha/src/loop.c")
            try:
                env.reset()
                rng = random.Random(0)
                for _ in range(10):
                    env.step(rng.randrange(env.action_space.n))
                self.assertEqual(env.validate().okay(), True)
                self.assertIn("benchmark://debian-v0", [d.name for d in env.datasets])
            finally:
                env.close()

    def test_missing_index(self) -> None:
        with mock.patch.dict(os.environ, {DATASETS_ENV: str(Path(self.scratch.name, "none"))}):
            with self.assertRaisesRegex(UnknownBenchmark, "optgym datasets build debian-v0"):
                optgym.benchmark("benchmark://debian-v0/alpha/src/loop.c")

    def test_stats_and_plot(self) -> None:
        self._fill()
        stats = corpus_stats(self.index)
        self.assertEqual(stats["units"], 3)
        self.assertEqual(stats["packages"], {"tried": 3, "built": 2, "failed": 1})
        self.assertEqual(stats["failures"], [("gamma", "it broke")])
        text = format_stats(stats)
        self.assertIn("3 unique units", text)
        self.assertIn("gamma", text)
        png = plot_stats(self.index, stats, Path(self.scratch.name, "stats.png"))
        self.assertEqual(png.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            status = cli.main(
                ["datasets", "stats", "debian-v0", "--dir", str(self.datasets), "--json"]
            )
        self.assertEqual(status, 0)
        self.assertEqual(json.loads(out.getvalue())["units"], 3)
        self.assertTrue((self.datasets / "debian-v0" / "stats.png").is_file())

    def test_list_command(self) -> None:
        self._fill()

        def listing(*options: str) -> List[str]:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                status = cli.main(
                    ["datasets", "list", "debian-v0", "--dir", str(self.datasets)] + list(options)
                )
            self.assertEqual(status, 0)
            return out.getvalue().split()

        self.assertEqual(len(listing()), 3)
        self.assertEqual(listing("--min-loops", "1"), ["benchmark://debian-v0/alpha/src/loop.c"])
        self.assertEqual(listing("--package", "beta"), ["benchmark://debian-v0/beta/src/big.c"])
        self.assertEqual(
            listing("--sample", "2", "--seed", "5"), listing("--sample", "2", "--seed", "5")
        )
        self.assertEqual(len(listing("--sample", "2")), 2)
        with contextlib.redirect_stderr(io.StringIO()) as errors:
            status = cli.main(
                ["datasets", "list", "debian-v0", "--dir", str(self.datasets / "none")]
            )
        self.assertEqual(status, 1)
        self.assertIn("optgym datasets build debian-v0", errors.getvalue())


class WrapperTest(unittest.TestCase):
    def test_compiles_through_clang_collects_and_falls_back(self) -> None:
        toolchain = Toolchain.default()
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            install_wrappers(root / "bin", toolchain.require("clang"), toolchain.plugin())
            (root / "ok.c").write_text("int f(int x) { return x + 1; }\n")
            # A GNU C nested function: GCC compiles it, clang refuses it.
            (root / "gnu.c").write_text("int f(void) { int g(void) { return 1; } return g(); }\n")
            env = dict(os.environ, OPTGYM_COLLECT=str(root / "units"))
            env[COMPILES_ENV] = str(root / "compiles.tsv")
            (root / "units").mkdir()
            # Fails under -Werror (and so would GCC): the wrapper tries clang without it.
            (root / "werror.c").write_text("int h(int x) { return x; }\n")
            # An error to clang 19, a warning to GCC 12: clang compiles it leniently.
            (root / "implicit.c").write_text('int i(void) { return strcasecmp("a", "b"); }\n')
            for name, flags in (
                ("ok", []),
                ("gnu", []),
                ("werror", ["-Werror", "-Wmissing-prototypes"]),
                ("implicit", []),
            ):
                subprocess.run(
                    [str(root / "bin" / "x86_64-linux-gnu-gcc"), "-O2", "-c", name + ".c"] + flags,
                    cwd=root,
                    env=env,
                    check=True,
                    capture_output=True,
                )
                self.assertTrue((root / (name + ".o")).is_file())
            subprocess.run(
                [str(root / "bin" / "cc"), "-E", "ok.c"],
                cwd=root,
                env=env,
                check=True,
                capture_output=True,
            )
            log = CompileLog.read(root / "compiles.tsv")
            self.assertEqual(
                log.status,
                {
                    (str(root), "ok.c"): "clang",
                    (str(root), "gnu.c"): "fallback",
                    (str(root), "werror.c"): "clang",
                    (str(root), "implicit.c"): "clang",
                },
            )
            self.assertEqual(
                log.argv[(str(root), "ok.c")],
                [str(root / "bin" / "x86_64-linux-gnu-gcc"), "-O2", "-c", "ok.c"],
            )
            units = [json.loads(p.read_text()) for p in (root / "units").glob("*.json")]
            self.assertEqual(sorted(u["source"] for u in units), ["implicit.c", "ok.c", "werror.c"])
            self.assertIn("-g0", units[0]["argv"])

    def test_dietlibc_builds_get_no_bcmp_calls(self) -> None:
        # clang turns memcmp() == 0 into bcmp(), which dietlibc (diet gcc
        # passes -D__dietlibc__) does not have: gdbm's static tools failed
        # to link.
        toolchain = Toolchain.default()
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            install_wrappers(root / "bin", toolchain.require("clang"), toolchain.plugin())
            (root / "eq.c").write_text(
                "int memcmp(const void *, const void *, unsigned long);\n"
                "int eq(const char *a, const char *b, unsigned long n) {\n"
                "  return memcmp(a, b, n) == 0;\n"
                "}\n"
            )
            symbols = {}
            for name, flags in (("glibc", []), ("diet", ["-D__dietlibc__"])):
                subprocess.run(
                    [str(root / "bin" / "gcc"), "-O2", "-c", "eq.c", "-o", name + ".o"] + flags,
                    cwd=root,
                    check=True,
                    capture_output=True,
                )
                symbols[name] = subprocess.run(
                    [toolchain.require("llvm-nm"), "-u", name + ".o"],
                    cwd=root,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout.split()
            self.assertIn("bcmp", symbols["glibc"])
            self.assertNotIn("bcmp", symbols["diet"])
            self.assertIn("memcmp", symbols["diet"])


@pytest.mark.slow
class DebianBuildTest(unittest.TestCase):
    """`optgym datasets build` on two small packages of the machine's archive."""

    def test_build_resume_stats_and_gym(self) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            datasets = Path(scratch, "datasets")
            # In a process of its own: its worker pool's helpers must not
            # outlive it as this process's children.
            command = [sys.executable, "-m", "optgym", "datasets", "build", "debian-v0"]
            command += ["--dir", str(datasets), "--quiet"]
            chosen = ["--packages", "lz4,libyaml,optgym-no-such-package"]
            built = subprocess.run(command + chosen + ["-j", "2"], capture_output=True, text=True)
            self.assertEqual(built.returncode, 3, built.stdout + built.stderr)
            index = CorpusIndex(datasets / "debian-v0", "debian-v0")
            try:
                packages = {p["name"]: p for p in index.packages()}
                self.assertEqual(packages["lz4"]["status"], "built", packages["lz4"]["reason"])
                self.assertEqual(
                    packages["libyaml"]["status"], "built", packages["libyaml"]["reason"]
                )
                self.assertEqual(packages["optgym-no-such-package"]["status"], "failed")
                self.assertIn(
                    "optgym-no-such-package", packages["optgym-no-such-package"]["reason"]
                )
                for name in ("lz4", "libyaml"):
                    package = packages[name]
                    self.assertGreaterEqual(package["covered"], 0.9 * package["compiles"], name)
                    self.assertGreaterEqual(package["units"], 9, name)
                    self.assertTrue((datasets / "debian-v0" / "logs" / (name + ".log")).is_file())
                    self.assertTrue(
                        (datasets / "debian-v0" / "licenses" / (name + ".copyright")).is_file()
                    )
                lz4 = index.lookup("lz4", "programs/lz4cli.c")
                self.assertIsNotNone(lz4)
                self.assertEqual(lz4["license"], "BSD-2-clause")
                self.assertGreater(lz4["instructions"], 100)
                self.assertIn("-O2", json.loads(lz4["flags"]))
                # lz4's library is compiled five sources to a command: its
                # flags are the build's, not the compiler's internal ones.
                library = index.units("package = ? AND source = ?", ("lz4", "lib/lz4.c"))
                self.assertTrue(library)
                for unit in library:
                    self.assertIn("-O2", json.loads(unit["flags"]))
                    self.assertNotIn("-cc1", json.loads(unit["flags"]))
                total = index.count()
            finally:
                index.close()
            # Resumed: nothing is built again, and a failure is only retried when asked.
            resumed = subprocess.run(command + chosen, capture_output=True, text=True)
            self.assertEqual(resumed.returncode, 0, resumed.stderr)
            self.assertIn("0 built, 0 failed, 3 skipped", resumed.stdout)
            with mock.patch.dict(os.environ, {DATASETS_ENV: str(datasets)}):
                corpus = CorpusDataset("debian-v0")
                self.assertEqual(corpus.size, total)
                for uri in corpus.sample(3, seed=0):
                    env = optgym.make("llvm-ic-v0", benchmark=uri)
                    try:
                        env.reset()
                        rng = random.Random(1)
                        for _ in range(20):
                            env.step(rng.randrange(env.action_space.n))
                        self.assertTrue(env.validate().okay(), uri)
                    finally:
                        env.close()
