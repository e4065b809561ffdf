"""Tests of the public corpora (optgym.suites.corpora): AnghaBench and Jotai.

No network and no third-party sources: each test builds a small archive
laid out as the published one is (AnghaBench: GitHub's tarball of the
pinned commit, ``AnghaBench-COMMIT/PROJECT/DIR/extr_FILE.c_FUNCTION.c``;
Jotai: ``jotaibench.bz2``, ``jotaibench/jotaibench-v0/extr_..._Final.c``),
with C files written here in the same style, and serves it as a mirror
(a directory, or http://127.0.0.1). An override in ``$OPTGYM_SUITES`` gives
the checksum of that archive and replaces the published URLs with one on a
closed local port, so nothing can reach the internet; the mirror path still
follows the published URL's host and path.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import tarfile
import tempfile
import textwrap
import unittest
import urllib.parse
from pathlib import Path
from typing import Dict, Optional
from unittest import mock

import numpy as np
from test_suites import http_mirror

import optgym
from optgym.benchmark_base import ir_instruction_count
from optgym.errors import UnknownBenchmark
from optgym.suites import (
    MIRROR_ENV,
    SUITES_ENV,
    DownloadError,
    ManifestError,
    UnsafeArchive,
    archive_candidates,
    suites,
)
from optgym.suites.corpora import (
    PublicCorpusBenchmark,
    load_public_corpora,
    public_corpora,
    public_corpus_benchmark,
    public_corpus_programs,
)
from optgym.suites.corpora_dataset import PublicCorpusDataset, public_corpus_datasets
from optgym.validation import validate

from machine import TOOLCHAIN, driver_plugin, needs, require_clang

ANGHA = "anghabench-v1"
JOTAI = "jotaibench-v1"
ANGHA_COMMIT = "d8034ac8562b8c978376008f4b33df01b8887b19"
JOTAI_COMMIT = "1649f2e1ae1a2512c02c8f7177945ee20dd8a5f6"

# One function per file, as AnghaBench extracts them: its own typedefs, no main.
LIST_LEN_C = textwrap.dedent(
    """\
    #define NULL ((void*)0)
    typedef unsigned long size_t;
    struct node { struct node *next; int value; };
    int list_len(struct node *head) {
        int count = 0;
        for (; head != NULL; head = head->next) count++;
        return count;
    }
    """
)
CLAMP_C = textwrap.dedent(
    """\
    int clamp(int value, int low, int high) {
        return value < low ? low : value > high ? high : value;
    }
    """
)
# Old C that clang 16 and later reject unless the manifest's -Wno-error
# flags are given: an implicit int and an implicit declaration.
LEGACY_C = textwrap.dedent(
    """\
    static total;
    legacy(int x) { total += helper(x); return total; }
    """
)
ANGHA_FILES = {
    "README.md": "not a program\n",
    "demo/extr_list.c_list_len.c": LIST_LEN_C,
    "demo/src/util/extr_math.c_clamp.c": CLAMP_C,
    "oldproject/extr_legacy.c_legacy.c": LEGACY_C,
}
ANGHA_NAMES = [
    "demo/extr_list.c_list_len",
    "demo/src/util/extr_math.c_clamp",
    "oldproject/extr_legacy.c_legacy",
]

# A Jotai-style program: a function, a usage text listing its inputs, and a
# main that builds the input its argument names.
JOTAI_TRIPLE_C = r"""// ========================================================================= //

// includes
#include "stdio.h"
#include "stdlib.h"

int next_i() {
  static counter = 0;
  return ++counter;
}

// Usage menu
void usage() {
    fprintf(stderr, "Usage:\n\
    prog [OPTIONS] [ARGS]\n\
\nARGS:\n\
       0            big-arr\n\
       1            one-item\n\
\n\
    OPTIONS:\n\
    -t              (NOT IMPLEMENTED YET) enable time measurement\n\n\
");

}

int triple_sum(int *values, int length) {
    int total = 0;
    for (int i = 0; i < length; i++) total += 3 * values[i];
    return total;
}

int main(int argc, char *argv[]) {

    if (argc != 2) {
        usage();
        return 1;
    }

    int opt = atoi(argv[1]);
    switch(opt) {

    // big-arr
    case 0:
    {
          int values[4];
          for (int i = 0; i < 4; i++) values[i] = next_i();
          int benchRet = triple_sum(values, 4);
          printf("%d\n", benchRet);
        break;
    }
    // one-item
    case 1:
    {
          int value = 7;
          printf("%d\n", triple_sum(&value, 1));
        break;
    }

    default:
        usage();
        break;

    }

    return 0;
}
"""
JOTAI_FILES = {
    "jotaibench/joatbench-v0.json": json.dumps({"name": "jotaibench-v0", "file_count": 2}),
    "jotaibench/jotaibench-v0/extr_demosrctriple.c_triple_sum_Final.c": JOTAI_TRIPLE_C,
    "jotaibench/jotaibench-v0/extr_demosrcclamp.c_clamp_Final.c": JOTAI_TRIPLE_C.replace(
        "triple_sum", "clamp_sum"
    ),
}
JOTAI_PROGRAM = "extr_demosrctriple.c_triple_sum_Final"


def make_tar(members: Dict[str, str], mode: str, links: Optional[Dict[str, str]] = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tar:
        directories = sorted({name.rsplit("/", 1)[0] for name in members if "/" in name})
        for name in directories:  # as git archive writes them: directories first
            info = tarfile.TarInfo(name + "/")
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
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


def angha_archive(extra: Optional[Dict[str, str]] = None, links=None) -> bytes:
    files = dict(ANGHA_FILES, **(extra or {}))
    prefix = "AnghaBench-%s/" % ANGHA_COMMIT
    return make_tar({prefix + k: v for k, v in files.items()}, "w:gz", links)


def jotai_archive() -> bytes:
    return make_tar(JOTAI_FILES, "w:bz2")


def local_url(published: str) -> str:
    """The published URL's host and path on a closed local port: the
    mirror path keeps the published layout; the URL itself fails at once."""
    parsed = urllib.parse.urlsplit(published)
    return "http://127.0.0.1:9/%s%s" % (parsed.hostname, parsed.path)


def shipped_corpora():
    """The shipped manifests alone, whatever $OPTGYM_SUITES says."""
    with mock.patch.dict(os.environ, {SUITES_ENV: ""}):
        return load_public_corpora(shipped=True)


def mirror_path(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    return (parsed.hostname or "") + parsed.path


class MirroredArchives(unittest.TestCase):
    """A scratch directory with a mirror for archives (:meth:`put_archive`
    under the local URLs in ``urls``), the path of an override manifest and
    a private cache, all three in the environment after :meth:`use_mirror`."""

    def setUp(self) -> None:
        scratch = tempfile.TemporaryDirectory(prefix="optgym-corpora-")
        self.addCleanup(scratch.cleanup)
        self.root = Path(scratch.name)
        self.mirror = self.root / "mirror"
        self.cache_dir = self.root / "cache"
        self.override_path = self.root / "override.json"
        self.urls: Dict[str, str] = {}
        self.sha256: Dict[str, str] = {}

    def use_mirror(self) -> None:
        self.env(
            {
                MIRROR_ENV: str(self.mirror),
                SUITES_ENV: str(self.override_path),
                "OPTGYM_CACHE": str(self.cache_dir),
            }
        )

    def env(self, values: Dict[str, str]) -> None:
        patcher = mock.patch.dict(os.environ, values)
        patcher.start()
        self.addCleanup(patcher.stop)

    def put_archive(self, key: str, data: bytes) -> None:
        path = self.mirror / mirror_path(self.urls[key])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.sha256[key] = hashlib.sha256(data).hexdigest()


class CorpusTestCase(MirroredArchives):
    """Both archives on the mirror, an override manifest giving their
    checksums, and a private cache."""

    def setUp(self) -> None:
        super().setUp()
        shipped = shipped_corpora()
        self.urls.update(
            {name: local_url(shipped[name].archive.urls[0]) for name in (ANGHA, JOTAI)}
        )
        self.put_archive(ANGHA, angha_archive())
        self.put_archive(JOTAI, jotai_archive())
        self.write_override()
        self.use_mirror()

    def write_override(self, **sha256: str) -> None:
        documents = [
            {
                "format": "optgym-corpus",
                "name": name,
                "archive": {
                    "urls": [self.urls[name]],
                    "sha256": sha256.get(name.replace("-", "_"), self.sha256[name]),
                },
            }
            for name in (ANGHA, JOTAI)
        ]
        self.override_path.write_text(json.dumps({"suites": documents}))

    def dataset(self, name: str) -> PublicCorpusDataset:
        return public_corpus_datasets(names=[name])[0]

    def quietly(self):
        return contextlib.redirect_stderr(io.StringIO())


class ManifestTest(CorpusTestCase):
    def test_shipped_corpora_pin_the_published_archives(self) -> None:
        shipped = shipped_corpora()
        self.assertEqual(sorted(shipped), [ANGHA, "clgen-v0", JOTAI, "poj104-v1"])
        angha, jotai = shipped[ANGHA], shipped[JOTAI]
        self.assertEqual(
            angha.archive.urls,
            ("https://github.com/brenocfg/AnghaBench/archive/%s.tar.gz" % ANGHA_COMMIT,),
        )
        self.assertEqual(
            angha.archive.sha256, "85d068e4ce44f2581e3355ee7a8f3ccb92568e9f5bd338bc3a918566f3aff42f"
        )
        self.assertEqual(angha.archive.strip_prefix, "AnghaBench-" + ANGHA_COMMIT)
        self.assertEqual((angha.pattern, angha.size, angha.run_args), ("**/*.c", 1041333, None))
        self.assertIn(JOTAI_COMMIT, jotai.archive.urls[0])
        self.assertEqual(
            jotai.archive.sha256, "b5a51af3d4e2f77a66001635ec64ed321e0ece19873c4a888040859af7556401"
        )
        self.assertEqual(jotai.archive.strip_prefix, "jotaibench/jotaibench-v0")
        self.assertEqual((jotai.pattern, jotai.size, jotai.run_args), ("*.c", 18761, ("0",)))
        for corpus in (angha, jotai):
            self.assertIn("-Wno-error=implicit-int", corpus.flags)
            self.assertIn("sha256", corpus.notes)

    def test_corpora_are_not_suites_and_overrides_merge(self) -> None:
        self.assertEqual(sorted(suites()), ["cbench-v1", "chstone-v0", "mibench-v1"])
        merged = public_corpora()[ANGHA]
        self.assertEqual(merged.archive.sha256, self.sha256[ANGHA])
        self.assertEqual(merged.archive.urls, (self.urls[ANGHA],))
        # What the override leaves out stays the shipped manifest's.
        self.assertEqual(merged.archive.strip_prefix, "AnghaBench-" + ANGHA_COMMIT)
        self.assertEqual(merged.origin[-1], str(self.override_path))

    def test_the_mirror_holds_an_archive_at_its_published_host_and_path(self) -> None:
        shipped = shipped_corpora()[ANGHA].archive
        self.assertEqual(
            archive_candidates(shipped, "/srv/mirror")[0],
            "/srv/mirror/github.com/brenocfg/AnghaBench/archive/%s.tar.gz" % ANGHA_COMMIT,
        )

    def test_malformed_corpus_manifests_name_the_file(self) -> None:
        base = {"format": "optgym-corpus", "name": ANGHA}
        for document, expected in [
            (dict(base, extra=1), "unknown key extra"),
            (dict(base, archive={"sha256": "abc"}), "sha256 must be 64 hex digits"),
            (dict(base, programs={"glob": "../*.c"}), "must stay inside the archive"),
            (dict(base, run={"args": ["0"], "inputs": "guess"}), "run.inputs"),
            (dict(base, version=2), "version 2 is not supported"),
            (dict(base, rewrite={"replace": [["main(", "x"]]}), "rewrite.replace[0]: bad regex"),
            (dict(base, rewrite={"replace": [["main"]]}), "expected [regex, replacement]"),
            (dict(base, rewrite={"prepend": 1}), "rewrite.prepend must be a string"),
        ]:
            with self.subTest(expected=expected):
                self.override_path.write_text(json.dumps(document))
                with self.assertRaises(ManifestError) as caught:
                    load_public_corpora()
                self.assertIn(str(self.override_path), str(caught.exception))
                self.assertIn(expected, str(caught.exception))


class ResolutionTest(CorpusTestCase):
    def test_uris_resolve_without_downloading(self) -> None:
        angha = self.dataset(ANGHA)
        self.assertFalse(angha.installed)
        self.assertEqual(angha.size, 1041333)  # upstream's count until installed
        bench = angha.benchmark("demo/src/util/extr_math.c_clamp")
        self.assertIsInstance(bench, PublicCorpusBenchmark)
        self.assertEqual(bench.uri, "benchmark://anghabench-v1/demo/src/util/extr_math.c_clamp")
        self.assertEqual(bench.dataset, ANGHA)
        self.assertEqual(angha.benchmark(bench.uri), bench)
        self.assertEqual(angha.benchmark("anghabench-v1/demo/src/util/extr_math.c_clamp"), bench)
        self.assertFalse(self.cache_dir.exists())
        for name in ["", "../etc/passwd", "demo//x", "/abs"]:
            with self.subTest(name=name), self.assertRaises(UnknownBenchmark):
                public_corpus_benchmark("benchmark://%s/%s" % (ANGHA, name), ANGHA, name)
        with self.assertRaises(UnknownBenchmark):
            angha.benchmark("benchmark://jotaibench-v1/x")


@needs(require_clang)
class AnghaBenchTest(CorpusTestCase):
    def test_listing_bitcode_and_the_cached_listing(self) -> None:
        angha = self.dataset(ANGHA)
        with self.quietly() as progress:
            angha.install()
        self.assertIn("downloading %s" % self.mirror, progress.getvalue())
        self.assertTrue(angha.installed)
        self.assertEqual(angha.size, 3)
        self.assertEqual(
            list(angha.benchmark_uris()), ["benchmark://%s/%s" % (ANGHA, n) for n in ANGHA_NAMES]
        )
        bench = angha.benchmark("demo/extr_list.c_list_len")
        bitcode = bench.bitcode_path()
        subprocess.run(
            [TOOLCHAIN.path("opt"), "-passes=verify", "-disable-output", str(bitcode)], check=True
        )
        self.assertGreater(ir_instruction_count(bitcode, TOOLCHAIN), 3)
        text = bench.disassemble(bitcode)
        self.assertIn('source_filename = "demo/extr_list.c_list_len.c"', text)
        self.assertIn("@list_len", text)
        self.assertFalse(bench.runnable)
        self.assertEqual(bench.not_runnable_reason, "no main")
        # Old C builds with the manifest's flags.
        self.assertIn("@legacy", bench.disassemble(angha.benchmark(ANGHA_NAMES[2]).bitcode_path()))
        # Once installed, an unknown program is known to be unknown.
        with self.assertRaises(UnknownBenchmark) as caught:
            angha.benchmark("demo/extr_list.c_nope")
        self.assertIn(
            "no program 'demo/extr_list.c_nope' in corpus anghabench-v1", str(caught.exception)
        )
        # The listing is kept: with the archive and its download gone it is
        # read back, and the sources are still there to build from.
        listings = list(self.cache_dir.glob("corpora/*/*/programs.txt"))
        self.assertEqual(len(listings), 1)
        self.assertEqual(listings[0].read_text().split(), ANGHA_NAMES)
        for entry in (self.cache_dir / "v1" / "download").glob("*/*"):
            if entry.is_dir():
                for child in entry.iterdir():
                    child.unlink()
        (self.mirror / mirror_path(self.urls[ANGHA])).unlink()
        again = self.dataset(ANGHA)
        self.assertEqual(public_corpus_programs(again.corpus), tuple(ANGHA_NAMES))
        clamp = again.benchmark(ANGHA_NAMES[1])
        self.assertIn("@clamp", clamp.disassemble(clamp.bitcode_path()))
        pick = again.random_benchmark(np.random.default_rng(1))
        self.assertIn(pick.name, ANGHA_NAMES)

    def test_a_bad_checksum_is_refused(self) -> None:
        self.write_override(anghabench_v1="ab" * 32)
        angha = self.dataset(ANGHA)
        with self.quietly(), self.assertRaises(DownloadError) as caught:
            angha.install()
        message = str(caught.exception)
        self.assertIn(
            "%s: checksum mismatch: expected sha256 %s, got %s"
            % (self.mirror / mirror_path(self.urls[ANGHA]), "ab" * 32, self.sha256[ANGHA]),
            message,
        )
        self.assertFalse(angha.installed)
        self.assertEqual(list(self.cache_dir.glob("corpora/*/*/programs.txt")), [])
        self.assertEqual(list((self.cache_dir / "v1" / "download").glob("*/*/manifest.json")), [])
        with self.quietly(), self.assertRaises(DownloadError):
            angha.benchmark(ANGHA_NAMES[0]).bitcode_path()

    def test_an_archive_with_a_member_outside_is_refused(self) -> None:
        prefix = "AnghaBench-%s/" % ANGHA_COMMIT
        for data, expected in [
            (angha_archive({"../evil.c": "int x;\n"}), "would be written outside"),
            (
                angha_archive(links={prefix + "demo/link.c": "../../../etc/passwd"}),
                "points outside",
            ),
        ]:
            with self.subTest(expected=expected):
                self.put_archive(ANGHA, data)
                self.write_override()
                with self.quietly(), self.assertRaises(UnsafeArchive) as caught:
                    self.dataset(ANGHA).install()
                self.assertIn(expected, str(caught.exception))
                self.assertFalse((self.root / "evil.c").exists())
                self.assertFalse(self.dataset(ANGHA).installed)


@needs(require_clang)
class JotaiTest(CorpusTestCase):
    def test_a_program_runs_with_its_input_over_http(self) -> None:
        with http_mirror(self.mirror) as (url, requests):
            self.env({MIRROR_ENV: url})
            jotai = self.dataset(JOTAI)
            with self.quietly():
                names = [uri.rpartition("/")[2] for uri in jotai.benchmark_uris()]
            self.assertEqual(requests, ["/" + mirror_path(self.urls[JOTAI])])
        self.assertEqual(names, sorted([JOTAI_PROGRAM, "extr_demosrcclamp.c_clamp_Final"]))
        self.assertEqual(jotai.size, 2)
        bench = jotai.benchmark(JOTAI_PROGRAM)
        self.assertEqual(bench.uri, "benchmark://%s/%s" % (JOTAI, JOTAI_PROGRAM))
        self.assertEqual(bench.run_args, ("0",))
        self.assertEqual(bench.inputs(), [("0", "big-arr"), ("1", "one-item")])
        self.assertTrue(bench.runnable)
        # Input 0: 3 * (1 + 2 + 3 + 4); without its argument the program
        # would print its usage and exit with 1.
        reference = bench.reference()
        self.assertEqual((reference.stdout, reference.returncode), (b"30\n", 0))
        self.assertTrue(reference.deterministic)
        result = validate(bench)
        self.assertEqual(result.outcome, "ok", result.reason)
        self.assertEqual(result.stdout, b"30\n")

    def test_a_bad_checksum_is_refused(self) -> None:
        self.write_override(jotaibench_v1="cd" * 32)
        with self.quietly(), self.assertRaises(DownloadError) as caught:
            self.dataset(JOTAI).benchmark(JOTAI_PROGRAM).bitcode_path()
        self.assertIn("checksum mismatch: expected sha256 %s" % ("cd" * 32), str(caught.exception))
        self.assertEqual(caught.exception.uri, "benchmark://%s/%s" % (JOTAI, JOTAI_PROGRAM))


@needs(driver_plugin)
class EnvironmentTest(CorpusTestCase):
    def test_an_episode_on_a_jotai_program(self) -> None:
        bench = self.dataset(JOTAI).benchmark(JOTAI_PROGRAM)
        env = optgym.make("llvm-v0", benchmark=bench, reward_space="IrInstructionCount")
        try:
            with self.quietly():
                env.reset()
            self.assertEqual(env.benchmark.uri, bench.uri)
            result = env.step(env.action_space.from_string("-mem2reg")[0])
            self.assertGreater(result[1], 0)  # mem2reg removes loads and stores
        finally:
            env.close()


if __name__ == "__main__":
    unittest.main()


class RegistrationTest(CorpusTestCase):
    def test_optgym_benchmark_resolves_public_corpus_uris(self) -> None:
        from optgym.dataset import llvm_datasets

        bench = optgym.benchmark("benchmark://%s/demo/extr_list.c_list_len" % ANGHA)
        self.assertIsInstance(bench, PublicCorpusBenchmark)
        self.assertEqual(optgym.benchmark("%s/%s" % (JOTAI, JOTAI_PROGRAM)).name, JOTAI_PROGRAM)
        self.assertNotIn(JOTAI, llvm_datasets())  # listed once installed
        with self.quietly():
            public_corpus_datasets(names=[JOTAI])[0].install()
        self.assertEqual(llvm_datasets()[JOTAI].size, 2)
        self.assertEqual(
            llvm_datasets().benchmark("%s/%s" % (JOTAI, JOTAI_PROGRAM)).uri,
            "benchmark://%s/%s" % (JOTAI, JOTAI_PROGRAM),
        )
