"""Tests of public suites (optgym.suites) and Dataset objects (optgym.dataset).

No network and no third-party sources: each test writes a tiny suite of its
own — a .tar.gz laid out like a published archive (a prefix directory,
programs in ``NAME/src/``), a manifest with the checksums it computed — and
serves it as a mirror directory or over http://127.0.0.1 from a thread.
The manifest's own URLs point at a closed local port, so anything not found
in the mirror fails at once instead of reaching the internet.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import io
import json
import os
import subprocess
import tarfile
import tempfile
import textwrap
import threading
import unittest
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple
from unittest import mock

import numpy as np

import optgym
from optgym.benchmark_base import ir_instruction_count
from optgym.benchmarks import builtin_uris
from optgym.dataset import Datasets, GeneratorDataset, SuiteDataset, llvm_datasets
from optgym.errors import BuildError, UnknownBenchmark
from optgym.suites import (
    MIRROR_ENV,
    SUITES_ENV,
    DownloadError,
    ManifestError,
    SuiteBenchmark,
    UnsafeArchive,
    archive_candidates,
    load_suites,
    suites,
)

from machine import TOOLCHAIN, driver_plugin, needs, require_clang

SUITE = "demo-v0"
PREFIX = "demo-suite-1.0"
# Published nowhere: port 9 of the loopback refuses connections at once.
URL = "http://127.0.0.1:9/pub/demo-suite-1.0.tar.gz"
MIRROR_PATH = "127.0.0.1/pub/demo-suite-1.0.tar.gz"

HELLO_C = textwrap.dedent(
    """\
    #include <stdio.h>
    #include "util.h"
    int main(void) {
      int sum = 0;
      for (int i = 0; i < 10; i++) sum += square(i);
      printf("sum %d\\n", sum);
      return sum == 285 ? 0 : 1;
    }
    """
)
UTIL_C = '#include "util.h"\nint square(int x) { return x * x; }\n'
UTIL_H = "int square(int x);\n"
# An old-style program: getline clashes with the C library's until renamed.
OLD_C = textwrap.dedent(
    """\
    #include <stdio.h>
    static int getline(char *s) { return s[0]; }
    int main(void) { char b[2] = "x"; printf("%d\\n", getline(b)); return 0; }
    """
)

PROGRAMS = {
    "hello/src/main.c": HELLO_C,
    "hello/src/util.c": UTIL_C,
    "hello/src/util.h": UTIL_H,
    "hello/src/unused.c": "this is not C and must not be compiled\n",
    "old/src/old.c": OLD_C,
}


def make_tar(members: Dict[str, str], links: Optional[Dict[str, str]] = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in sorted(members.items()):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in sorted((links or {}).items()):
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return buffer.getvalue()


def suite_archive() -> bytes:
    return make_tar({"%s/%s" % (PREFIX, k): v for k, v in PROGRAMS.items()})


def manifest(sha256: str, **programs_override) -> Dict:
    programs = {
        "hello": {"archive": "demo", "dir": "hello/src", "exclude": ["unused.c"]},
        "old": {
            "archive": "demo",
            "dir": "old/src",
            "edits": [{"file": "old.c", "rename": ["getline", "demo_getline"]}],
        },
        "nodir": {"archive": "demo", "dir": "not-there/src"},
    }
    programs.update(programs_override)
    return {
        "format": "optgym-suite",
        "version": 1,
        "name": SUITE,
        "description": "A test suite",
        "license": "CC0",
        "use": "evaluation",
        "bitcode_flags": ["-O1", "-Xclang", "-disable-llvm-passes", "-emit-llvm", "-c"],
        "flags": ["-w"],
        "archives": {"demo": {"urls": [URL], "sha256": sha256, "strip_prefix": PREFIX}},
        "programs": programs,
    }


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: List[str] = []

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).requests.append(self.path)
        super().do_GET()


@contextlib.contextmanager
def http_mirror(root: Path) -> Iterator[Tuple[str, List[str]]]:
    """Serves ``root`` on 127.0.0.1; yields its URL and the request log."""
    handler = type("Handler", (_Handler,), {"requests": []})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1], handler.requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


class SuiteTestCase(unittest.TestCase):
    """A scratch directory with a mirror of the demo suite, its manifest, and
    an environment that names them (and a private cache)."""

    archive_bytes: bytes = b""

    def setUp(self) -> None:
        scratch = tempfile.TemporaryDirectory(prefix="optgym-suites-")
        self.addCleanup(scratch.cleanup)
        self.root = Path(scratch.name)
        self.mirror = self.root / "mirror"
        self.archive_bytes = self.archive_bytes or suite_archive()
        self.put_archive(self.archive_bytes)
        self.sha256 = hashlib.sha256(self.archive_bytes).hexdigest()
        self.manifest_path = self.root / "demo.json"
        self.write_manifest(manifest(self.sha256))
        self.cache_dir = self.root / "cache"
        self.env(
            {
                MIRROR_ENV: str(self.mirror),
                SUITES_ENV: str(self.manifest_path),
                "OPTGYM_CACHE": str(self.cache_dir),
            }
        )

    def env(self, values: Dict[str, str]) -> None:
        patcher = mock.patch.dict(os.environ, values)
        patcher.start()
        self.addCleanup(patcher.stop)

    def put_archive(self, data: bytes) -> None:
        path = self.mirror / MIRROR_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def write_manifest(self, document: Dict) -> None:
        self.manifest_path.write_text(json.dumps(document))


class ManifestTest(SuiteTestCase):
    def test_shipped_suites_name_compilergyms_programs(self) -> None:
        shipped = load_suites(extra=(), shipped=True)
        cbench = shipped["cbench-v1"]
        self.assertEqual(
            sorted(cbench.programs),
            sorted(
                "adpcm bitcount blowfish bzip2 crc32 dijkstra ghostscript gsm ispell jpeg-c "
                "jpeg-d lame patricia qsort rijndael sha stringsearch stringsearch2 susan "
                "tiff2bw tiff2rgba tiffdither tiffmedian".split()
            ),
        )
        self.assertEqual(
            cbench.archives["cBench"].sha256,
            "8908d742f5223f09f9a4d10f7e06bc805a0c1694aa70974d2aae91ab627b51e6",
        )
        self.assertEqual(cbench.programs["crc32"].dir, "telecom_CRC32/src")
        self.assertEqual(cbench.programs["jpeg-c"].archive, "ctuning-ai")
        self.assertEqual(len(shipped["chstone-v0"].programs), 12)
        self.assertEqual(cbench.use, "evaluation")

    def test_an_override_merges_into_a_shipped_suite(self) -> None:
        self.write_manifest(
            {
                "name": "cbench-v1",
                "archives": {"cBench": {"urls": [URL], "sha256": "0" * 64}},
            }
        )
        cbench = suites()["cbench-v1"]
        self.assertEqual(cbench.archives["cBench"].sha256, "0" * 64)
        self.assertEqual(cbench.archives["cBench"].urls, (URL,))
        self.assertIn("ctuning-ai", cbench.archives)
        self.assertEqual(len(cbench.programs), 23)
        self.assertEqual(cbench.origin[-1], str(self.manifest_path))

    def test_malformed_manifests_name_the_file(self) -> None:
        for document, expected in [
            (dict(manifest(self.sha256), extra=1), "unknown key extra"),
            (manifest("abc"), "sha256 must be 64 hex digits"),
            (manifest(self.sha256, bad={"archive": "nope", "dir": "x"}), "archive 'nope'"),
            (manifest(self.sha256, bad={"archive": "demo", "dir": "../x"}), "relative path"),
            (dict(manifest(self.sha256), version=2), "version 2 is not supported"),
        ]:
            with self.subTest(expected=expected):
                self.write_manifest(document)
                with self.assertRaises(ManifestError) as caught:
                    load_suites(shipped=False)
                self.assertIn(str(self.manifest_path), str(caught.exception))
                self.assertIn(expected, str(caught.exception))

    def test_mirror_locations_come_first(self) -> None:
        archive = suites()[SUITE].archives["demo"]
        self.assertEqual(
            archive_candidates(archive, "http://m.example/base/ /srv/mirror"),
            [
                "http://m.example/base/" + MIRROR_PATH,
                "/srv/mirror/" + MIRROR_PATH,
                URL,
            ],
        )


class ResolutionTest(SuiteTestCase):
    def test_uris_resolve_without_building(self) -> None:
        bench = optgym.benchmark("benchmark://%s/hello" % SUITE)
        self.assertIsInstance(bench, SuiteBenchmark)
        self.assertEqual(bench.uri, "benchmark://demo-v0/hello")
        self.assertEqual(bench.dataset, SUITE)
        self.assertEqual(optgym.benchmark("%s/hello" % SUITE).uri, bench.uri)
        self.assertFalse(self.cache_dir.exists())  # nothing downloaded or built

    def test_unknown_program_and_dataset(self) -> None:
        with self.assertRaises(UnknownBenchmark) as caught:
            optgym.benchmark("benchmark://demo-v0/nope")
        self.assertEqual(caught.exception.uri, "benchmark://demo-v0/nope")
        self.assertIn(
            "no program 'nope' in suite demo-v0 (known: hello, nodir, old)", str(caught.exception)
        )
        with self.assertRaises(UnknownBenchmark) as caught:
            optgym.benchmark("benchmark://nope-v0/x")
        self.assertIn("known: optgym-v0, cbench-v1, chstone-v0, demo-v0", str(caught.exception))


@needs(require_clang)
class BuildTest(SuiteTestCase):
    def test_download_build_and_cache_hit_over_http(self) -> None:
        with http_mirror(self.mirror) as (url, requests):
            self.env({MIRROR_ENV: url})
            bench = optgym.benchmark("benchmark://demo-v0/hello")
            with contextlib.redirect_stderr(io.StringIO()) as progress:
                bitcode = bench.bitcode_path()
            self.assertIn("downloading %s/%s" % (url, MIRROR_PATH), progress.getvalue())
            self.assertEqual(requests, ["/" + MIRROR_PATH])
            # A module opt reads and verifies, with the program's instructions.
            subprocess.run(
                [TOOLCHAIN.path("opt"), "-passes=verify", "-disable-output", str(bitcode)],
                check=True,
            )
            self.assertGreater(ir_instruction_count(bitcode, TOOLCHAIN), 10)
            self.assertTrue(bench.runnable)
            # unused.c (excluded) was not compiled; the two sources were.
            entry = bench.bitcode_entry()
            self.assertEqual(entry.data["sources"], ["main.c", "util.c"])
            # Another object, another program of the archive: no download.
            again = optgym.benchmark("demo-v0/hello")
            self.assertEqual(again.bitcode_sha256(), bench.bitcode_sha256())
            self.assertTrue(optgym.benchmark("demo-v0/old").runnable)
            self.assertEqual(requests, ["/" + MIRROR_PATH])
        # The cache serves it with no mirror at all.
        self.env({MIRROR_ENV: str(self.root / "gone")})
        self.assertEqual(optgym.benchmark("demo-v0/hello").bitcode_sha256(), bench.bitcode_sha256())

    def test_from_a_mirror_directory_and_the_reference_run(self) -> None:
        bench = optgym.benchmark("demo-v0/hello")
        with contextlib.redirect_stderr(io.StringIO()):
            reference = bench.reference()
        self.assertEqual(reference.stdout, b"sum 285\n")
        self.assertEqual(reference.returncode, 0)

    def test_a_changed_manifest_entry_makes_a_new_module(self) -> None:
        with contextlib.redirect_stderr(io.StringIO()):
            first = optgym.benchmark("demo-v0/hello").bitcode_sha256()
            self.write_manifest(
                manifest(
                    self.sha256,
                    hello={
                        "archive": "demo",
                        "dir": "hello/src",
                        "exclude": ["unused.c"],
                        "flags": ["-DEXTRA=1"],
                    },
                )
            )
            second = optgym.benchmark("demo-v0/hello")
            second.bitcode_sha256()
        self.assertEqual(
            len(list((self.cache_dir / "v1" / "bitcode").glob("*/*/manifest.json"))), 2
        )
        self.assertEqual(first, second.bitcode_sha256())  # the define changes no code

    def test_checksum_mismatch_is_a_clear_error(self) -> None:
        self.write_manifest(manifest("ab" * 32))
        with contextlib.redirect_stderr(io.StringIO()):
            with self.assertRaises(DownloadError) as caught:
                optgym.benchmark("demo-v0/hello").bitcode_path()
        message = str(caught.exception)
        self.assertTrue(message.startswith("benchmark://demo-v0/hello: cannot download"), message)
        self.assertIn(
            "%s: checksum mismatch: expected sha256 %s, got %s"
            % (self.mirror / MIRROR_PATH, "ab" * 32, self.sha256),
            message,
        )
        self.assertIn(URL + ": ", message)  # the original was tried too, and failed
        self.assertEqual(list((self.cache_dir / "v1" / "download").glob("*/*/manifest.json")), [])

    def test_a_member_outside_the_archive_is_refused(self) -> None:
        for members, links, expected in [
            ({"%s/../evil.c" % PREFIX: "int x;\n"}, None, "would be written outside"),
            ({"/tmp/evil.c": "int x;\n"}, None, "would be written outside"),
            ({}, {"%s/hello/src/link.c" % PREFIX: "../../../../etc/passwd"}, "points outside"),
        ]:
            with self.subTest(expected=expected):
                files = {"%s/%s" % (PREFIX, k): v for k, v in PROGRAMS.items()}
                files.update(members)
                data = make_tar(files, links)
                self.put_archive(data)
                self.write_manifest(manifest(hashlib.sha256(data).hexdigest()))
                with contextlib.redirect_stderr(io.StringIO()):
                    with self.assertRaises(UnsafeArchive) as caught:
                        optgym.benchmark("demo-v0/hello").bitcode_path()
                self.assertIn(expected, str(caught.exception))
                self.assertEqual(caught.exception.uri, "benchmark://demo-v0/hello")
                self.assertFalse((self.root / "evil.c").exists())
                self.assertEqual(
                    list((self.cache_dir / "v1" / "download").glob("*/*/manifest.json")), []
                )

    def test_a_link_inside_the_archive_becomes_a_copy(self) -> None:
        files = {"%s/%s" % (PREFIX, k): v for k, v in PROGRAMS.items()}
        files["%s/shared/util.c" % PREFIX] = files.pop("%s/hello/src/util.c" % PREFIX)
        data = make_tar(files, {"%s/hello/src/util.c" % PREFIX: "../../shared/util.c"})
        self.put_archive(data)
        self.write_manifest(manifest(hashlib.sha256(data).hexdigest()))
        with contextlib.redirect_stderr(io.StringIO()):
            bench = optgym.benchmark("demo-v0/hello")
            self.assertEqual(bench.bitcode_entry().data["sources"], ["main.c", "util.c"])
            self.assertTrue(bench.runnable)

    def test_build_failures_name_the_benchmark(self) -> None:
        with contextlib.redirect_stderr(io.StringIO()):
            with self.assertRaises(DownloadError) as caught:
                optgym.benchmark("demo-v0/nodir").bitcode_path()
            self.assertIn(
                "has no files under 'demo-suite-1.0/not-there/src'", str(caught.exception)
            )
            self.write_manifest(manifest(self.sha256, old={"archive": "demo", "dir": "old/src"}))
            with self.assertRaises(BuildError) as caught:
                optgym.benchmark("demo-v0/old").bitcode_path()
        self.assertEqual(caught.exception.uri, "benchmark://demo-v0/old")
        self.assertIn("getline", str(caught.exception))
        self.write_manifest(
            manifest(
                self.sha256,
                old={
                    "archive": "demo",
                    "dir": "old/src",
                    "edits": [{"file": "old.c", "rename": ["nosuchword", "x"]}],
                },
            )
        )
        with self.assertRaises(BuildError) as caught:
            optgym.benchmark("demo-v0/old").bitcode_path()
        self.assertIn("'nosuchword' does not occur", str(caught.exception))


@needs(driver_plugin)
class EnvironmentTest(SuiteTestCase):
    def test_an_episode_on_a_suite_program(self) -> None:
        env = optgym.make(
            "llvm-v0", benchmark="benchmark://demo-v0/hello", reward_space="IrInstructionCount"
        )
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                env.reset()
            self.assertEqual(env.benchmark.uri, "benchmark://demo-v0/hello")
            result = env.step(env.action_space.from_string("-mem2reg")[0])
            self.assertFalse(result[2])  # not done
            self.assertGreater(result[1], 0)  # mem2reg removes loads and stores
        finally:
            env.close()


class DatasetsTest(SuiteTestCase):
    def test_the_collection(self) -> None:
        datasets = llvm_datasets()
        self.assertIsInstance(datasets, Datasets)
        names = [dataset.name for dataset in datasets]
        self.assertEqual(
            names,
            [
                "benchmark://optgym-v0",
                "benchmark://cbench-v1",
                "benchmark://chstone-v0",
                "benchmark://demo-v0",
                "benchmark://mibench-v1",
                "generator://csmith-v0",
                "generator://llvm-stress-v0",
            ],
        )
        self.assertEqual(len(datasets), 7)
        self.assertIs(datasets["demo-v0"], datasets["benchmark://demo-v0"])
        self.assertIn("cbench-v1", datasets)
        self.assertNotIn("nope-v0", datasets)
        with self.assertRaises(UnknownBenchmark) as caught:
            datasets["nope-v0"]  # noqa: B018
        self.assertIn("known: benchmark://optgym-v0, ", str(caught.exception))
        self.assertEqual(datasets.benchmark("demo-v0/hello").uri, "benchmark://demo-v0/hello")
        self.assertEqual(
            datasets.benchmark("benchmark://cbench-v1/crc32").uri, "benchmark://cbench-v1/crc32"
        )
        self.assertEqual(
            datasets.benchmark("generator://csmith-v0/3").uri, "generator://csmith-v0/3"
        )
        uris = []  # endless: taken up to the first generator's
        for uri in datasets.benchmark_uris():
            uris.append(uri)
            if uri.startswith("generator://"):
                break
        self.assertIn("benchmark://optgym-v0/crc32", uris)
        self.assertIn("benchmark://cbench-v1/tiffmedian", uris)
        self.assertEqual(uris[-1], "generator://csmith-v0/0")

    def test_a_suite_dataset(self) -> None:
        demo = llvm_datasets()["demo-v0"]
        self.assertIsInstance(demo, SuiteDataset)
        self.assertEqual(demo.dataset_name, SUITE)
        self.assertEqual((demo.size, len(demo), demo.version), (3, 3, 0))
        self.assertEqual(
            (demo.description, demo.license, demo.use), ("A test suite", "CC0", "evaluation")
        )
        self.assertEqual(
            list(demo.benchmark_uris()),
            ["benchmark://demo-v0/hello", "benchmark://demo-v0/nodir", "benchmark://demo-v0/old"],
        )
        self.assertEqual([b.uri for b in demo], list(demo.benchmark_uris()))
        self.assertEqual(demo.benchmark("hello").uri, "benchmark://demo-v0/hello")
        self.assertEqual(demo["benchmark://demo-v0/old"].name, "old")
        with self.assertRaises(UnknownBenchmark):
            demo.benchmark("benchmark://optgym-v0/crc32")
        self.assertFalse(demo.installed)
        with contextlib.redirect_stderr(io.StringIO()):
            demo.install()
        self.assertTrue(demo.installed)
        self.assertEqual(llvm_datasets()["cbench-v1"].size, 23)
        self.assertEqual(llvm_datasets()["optgym-v0"].size, len(builtin_uris()))

    def test_compiler_gyms_deprecated_names_warn_and_resolve(self) -> None:
        message = "Dataset 'cBench-v1' is deprecated. Please use 'benchmark://cbench-v1'"
        with self.assertWarnsRegex(DeprecationWarning, message):
            bench = optgym.benchmark("benchmark://cBench-v1/crc32")
        self.assertEqual(bench.uri, "benchmark://cbench-v1/crc32")
        with self.assertWarnsRegex(DeprecationWarning, "'cBench-v0' is deprecated"):
            self.assertEqual(optgym.benchmark("cBench-v0/crc32").uri, bench.uri)
        with self.assertWarns(DeprecationWarning):
            self.assertEqual(llvm_datasets()["cBench-v1"].name, "benchmark://cbench-v1")
        with self.assertWarns(DeprecationWarning), self.assertRaises(UnknownBenchmark):
            optgym.benchmark("benchmark://cBench-v1/no-such-program")

    def test_random_benchmarks_follow_the_random_state(self) -> None:
        datasets = llvm_datasets(suite_names=[SUITE])
        demo = datasets["demo-v0"]
        picks = [demo.random_benchmark(np.random.default_rng(seed)).uri for seed in range(20)]
        self.assertEqual(
            picks, [demo.random_benchmark(np.random.default_rng(s)).uri for s in range(20)]
        )
        self.assertEqual(set(picks), set(demo.benchmark_uris()))
        # Weighted by size: the unbounded generators (size 0) are never chosen.
        rng = np.random.default_rng(5)
        chosen = {
            datasets.random_benchmark(rng, weighted=True).uri.split("/")[2] for _ in range(40)
        }
        self.assertEqual(chosen, {"optgym-v0", SUITE})
        only = datasets.random_benchmark(rng, weights={"demo-v0": 1, "optgym-v0": 0})
        self.assertTrue(only.uri.startswith("benchmark://demo-v0/"))
        generator = datasets["generator://llvm-stress-v0"]
        self.assertIsInstance(generator, GeneratorDataset)
        self.assertEqual(generator.size, 0)


if __name__ == "__main__":
    unittest.main()
