"""Tests of the loaders for more of the datasets CompilerGym listed:
MiBench (``mibench-v1``, a suite), CLgen's kernels (``clgen-v0``) and
POJ-104 (``poj104-v1``), both corpora.

No network and no third-party sources: each test builds small archives laid
out as the published ones are, with C, C++ and OpenCL files written here:

* MiBench: one ``CATEGORY.tar.gz`` per category, ``CATEGORY/PROGRAM/...``
  (``automotive/basicmath/basicmath_small.c``, ``telecomm/gsm/src/*.c`` with
  its headers in ``telecomm/gsm/inc``);
* CLgen: ``clgen-1000.tar.bz2``, ``clgen-1000/kernels/SHA1.cl``;
* POJ-104: ``programs.tar.gz``, ``ProgramData/PROBLEM/ID.txt``.

They are served from a mirror (a directory, or http://127.0.0.1), each at
its published URL's host and path; an override in ``$OPTGYM_SUITES`` gives
their checksums and replaces the published URLs with ones on a closed local
port, so nothing can reach the internet.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import textwrap
import unittest
from pathlib import Path
from unittest import mock

from test_public_corpora import MirroredArchives, local_url, make_tar, mirror_path
from test_suites import http_mirror

import optgym
from optgym.benchmark_base import ir_instruction_count
from optgym.dataset import llvm_datasets
from optgym.errors import BuildError, UnknownBenchmark
from optgym.suites import (
    MIRROR_ENV,
    SUITES_ENV,
    DownloadError,
    SuiteBenchmark,
    archive_candidates,
    load_suites,
)
from optgym.suites.corpora import PublicCorpusBenchmark, load_public_corpora
from optgym.suites.corpora_dataset import PublicCorpusDataset, public_corpus_datasets

from machine import TOOLCHAIN, needs, require_clang

MIBENCH = "mibench-v1"
CLGEN = "clgen-v0"
POJ = "poj104-v1"
CATEGORIES = ("automotive", "network", "office", "security", "telecomm")
CLGEN_COMMIT = "e45b6dffe9998f612624f05a6c4878ab4bcc84ec"

# MiBench-style sources: basicmath's driver and its three helpers, each its
# own file (the large driver must not be compiled into the small program).
BASICMATH_SMALL_C = textwrap.dedent(
    """\
    #include <stdio.h>
    #include "snipmath.h"
    int main(void) {
      double total = 0;
      for (int i = 1; i <= 4; i++) total += rad2deg(i) + cubic_root(i * i * i) + isqrt(i * i);
      printf("%.3f\\n", total);
      return 0;
    }
    """
)
SNIPMATH_H = "double rad2deg(double);\ndouble cubic_root(double);\nint isqrt(int);\n"
MIBENCH_FILES = {
    "automotive": {
        "basicmath/basicmath_small.c": BASICMATH_SMALL_C,
        "basicmath/basicmath_large.c": "not compiled for basicmath-small\n",
        "basicmath/rad2deg.c": "double rad2deg(double r) { return r * 180.0 / 3.14159265358979; }\n",
        "basicmath/cubic.c": textwrap.dedent(
            """\
            double cubic_root(double x) {
              double r = x > 1 ? x / 3 : 1;
              for (int i = 0; i < 60; i++) r = (2 * r + x / (r * r)) / 3;
              return r;
            }
            """
        ),
        "basicmath/isqrt.c": "int isqrt(int x) { int r = 0; while ((r + 1) * (r + 1) <= x) r++; return r; }\n",
        "basicmath/snipmath.h": SNIPMATH_H,
        "basicmath/runme_small.sh": "./basicmath_small > output_small.txt\n",
    },
    "network": {"dijkstra/dijkstra_small.c": "int main(void) { return 0; }\n"},
    "office": {"stringsearch/search.h": "/* nothing built from here */\n"},
    "security": {"sha/sha.h": "/* nothing built from here */\n"},
    "telecomm": {
        # gsm: the library and toast in src/, headers in inc/, the
        # Makefile's defines required (as the real sources need them).
        "gsm/inc/private.h": "#ifndef SASR\n#error SASR is a flag of the Makefile\n#endif\n"
        "int gsm_add(int, int);\n",
        "gsm/src/add.c": '#include "private.h"\nint gsm_add(int a, int b) { return a + b; }\n',
        "gsm/src/toast.c": textwrap.dedent(
            """\
            #include <stdio.h>
            #include "private.h"
            #if NeedFunctionPrototypes != 1 || !defined(STUPID_COMPILER)
            #error the Makefile's defines are missing
            #endif
            int main(void) { printf("%d\\n", gsm_add(40, 2)); return 0; }
            """
        ),
        "gsm/tst/cod2lin.c": "this is not C and is not a source of gsm-toast\n",
    },
}

# Two kernels in CLgen's style; the second assigns a pointer to an int, as
# 12 of the published ones do (an error in clang 16 and later unless the
# manifest's -Wno-error=int-conversion is given).
KERNEL_ADD = textwrap.dedent(
    """\
    __kernel void A(__global float* a, __global float* b, __global float* c, const int d) {
      int e = get_global_id(0);
      if (e < d) {
        c[e] = a[e] + b[e];
      }
    }
    """
)
KERNEL_OLD = textwrap.dedent(
    """\
    __kernel void A(__global float* a, __global float* b, const int c) {
      int d = get_global_id(0);
      int e = a;
      if (d < c) {
        b[d] = a[d] * (float)e;
      }
    }
    """
)
CLGEN_NAMES = [
    "005ef03ac277e7418bb806ad623f5066de5031da",
    "f3b2d1e6a9c84b7aa0e1c2d3b4a5968778695a4b",
]
CLGEN_FILES = {
    "clgen-1000/kernels/%s.cl" % CLGEN_NAMES[0]: KERNEL_ADD,
    "clgen-1000/kernels/%s.cl" % CLGEN_NAMES[1]: KERNEL_OLD,
}

# POJ-104-style solutions: C++ in .txt files, reading stdin.
POJ_USES_MAX = textwrap.dedent(
    """\
    #include <iostream>
    using namespace std;
    int main() {
      int n = 0;
      cin >> n;
      cout << n * 2 + MAX << endl;
      return 0;
    }
    """
)
# Sorts with vector and sort() though it includes only <cstdio>: it builds
# because the manifest includes bits/stdc++.h first, as CompilerGym did.
POJ_NEEDS_HEADERS = textwrap.dedent(
    """\
    #include <cstdio>
    using namespace std;
    int main() {
      vector<int> v;
      int x;
      while (scanf("%d", &x) == 1) v.push_back(x);
      sort(v.begin(), v.end());
      printf("%d\\n", (int)v.size());
      return 0;
    }
    """
)
# 'void main', 'main' without a type and the standard library without
# std::: the manifest's rewrite fixes them, as CompilerGym's did.
POJ_VOID_MAIN = textwrap.dedent(
    """\
    #include <iostream>
    void main() {
      cout << 1 << endl;
    }
    """
)
POJ_UNTYPED_MAIN = textwrap.dedent(
    """\
    #include <cstdio>
    main() {
      string s = "remain(";
      printf("%d\\n", (int)s.size());
    }
    """
)
# Broken beyond what the rewrite fixes: clang's first error.
POJ_BROKEN = textwrap.dedent(
    """\
    int main() {
      return undeclared_name;
    }
    """
)
POJ_FILES = {
    "ProgramData/1/1.txt": POJ_USES_MAX,
    "ProgramData/1/2.txt": POJ_NEEDS_HEADERS,
    "ProgramData/2/10.txt": POJ_VOID_MAIN,
    "ProgramData/2/11.txt": POJ_UNTYPED_MAIN,
    "ProgramData/3/1.txt": POJ_BROKEN,
}
POJ_NAMES = ["1/1", "1/2", "2/10", "2/11", "3/1"]


def shipped():
    """The shipped manifests alone, whatever $OPTGYM_SUITES says."""
    with mock.patch.dict(os.environ, {SUITES_ENV: ""}):
        return load_suites(shipped=True), load_public_corpora(shipped=True)


class MoreCorporaTestCase(MirroredArchives):
    """Every archive on the mirror, an override manifest giving their
    checksums, and a private cache."""

    def setUp(self) -> None:
        super().setUp()
        suites, corpora = shipped()
        mibench = suites[MIBENCH]
        # Archive key -> its local URL.
        self.urls.update({name: local_url(mibench.archives[name].urls[0]) for name in CATEGORIES})
        self.urls[CLGEN] = local_url(corpora[CLGEN].archive.urls[0])
        self.urls[POJ] = local_url(corpora[POJ].archive.urls[0])
        for category in CATEGORIES:
            files = {"%s/%s" % (category, k): v for k, v in MIBENCH_FILES[category].items()}
            self.put_archive(category, make_tar(files, "w:gz"))
        self.put_archive(CLGEN, make_tar(CLGEN_FILES, "w:bz2"))
        self.put_archive(POJ, make_tar(POJ_FILES, "w:gz"))
        self.write_override()
        self.use_mirror()

    def write_override(self, **wrong: str) -> None:
        """The override manifest; ``wrong`` gives a checksum by archive key
        (``automotive``, ``clgen_v0``, ``poj104_v1``)."""

        def sha(key: str) -> str:
            return wrong.get(key.replace("-", "_"), self.sha256[key])

        # A suite's archive is replaced whole by an override: all its keys.
        suite = {
            "format": "optgym-suite",
            "name": MIBENCH,
            "archives": {
                category: {
                    "urls": [self.urls[category]],
                    "sha256": sha(category),
                    "strip_prefix": category,
                }
                for category in CATEGORIES
            },
        }
        corpora = [
            {
                "format": "optgym-corpus",
                "name": name,
                "archive": {"urls": [self.urls[name]], "sha256": sha(name)},
            }
            for name in (CLGEN, POJ)
        ]
        self.override_path.write_text(json.dumps({"suites": [suite] + corpora}))

    def corpus(self, name: str) -> PublicCorpusDataset:
        return public_corpus_datasets(names=[name])[0]

    def quietly(self):
        return contextlib.redirect_stderr(io.StringIO())

    def verify(self, bitcode: Path) -> None:
        subprocess.run(
            [TOOLCHAIN.path("opt"), "-passes=verify", "-disable-output", str(bitcode)], check=True
        )


class ManifestTest(MoreCorporaTestCase):
    def test_mibench_pins_the_umich_archives_for_evaluation(self) -> None:
        mibench = shipped()[0][MIBENCH]
        self.assertEqual(mibench.use, "evaluation")
        self.assertEqual(sorted(mibench.archives), sorted(CATEGORIES))
        expected = {
            "automotive": "d63e8dc1f15d93d1b7ee59aed4dfb38659cb78819ce94bd26f8ceaf4d149fad9",
            "network": "e23b6b744ad3056a0e6f4674c9a867007d99a1bb11306e3803813c0734cdcae2",
            "office": "e8bd0229346b8926dd61cfa8a377e9ce8751381dc669e062acc1b89df58eff4b",
            "security": "866f4a36d53e285824a2b9f513f125d4aaaffef3eb2cd264a9cb675eaa554222",
            "telecomm": "cdcdc9bfa8ef7c78a91b9b682ad611ce762920e06a3b39140c22ded0e2e634aa",
        }
        for category, archive in mibench.archives.items():
            self.assertEqual(
                archive.urls[0], "https://vhosts.eecs.umich.edu/mibench/%s.tar.gz" % category
            )
            self.assertEqual((archive.sha256, archive.strip_prefix), (expected[category], category))
        self.assertEqual(len(mibench.programs), 18)
        small = mibench.programs["basicmath-small"]
        self.assertEqual((small.archive, small.dir), ("automotive", "basicmath"))
        self.assertEqual(small.sources, ("basicmath_small.c", "rad2deg.c", "cubic.c", "isqrt.c"))
        self.assertIn("-Wno-error=implicit-int", mibench.flags)
        self.assertIn("sha256", mibench.notes)

    def test_the_corpora_pin_their_archives(self) -> None:
        corpora = shipped()[1]
        clgen, poj = corpora[CLGEN], corpora[POJ]
        self.assertEqual(
            clgen.archive.urls[0],
            "https://raw.githubusercontent.com/ChrisCummins/paper-synthesizing-benchmarks/"
            "%s/data/clgen-1000.tar.bz2" % CLGEN_COMMIT,
        )
        self.assertEqual(
            clgen.archive.sha256, "0bbd1b737f2537305e4db09b2971a5fa848b7c3a978bff6b570f45d1a488a72c"
        )
        self.assertEqual(clgen.archive.strip_prefix, "clgen-1000/kernels")
        self.assertEqual((clgen.pattern, clgen.suffix, clgen.size), ("*.cl", ".cl", 1000))
        self.assertIsNone(clgen.run_args)
        self.assertEqual(
            poj.archive.sha256, "c0b8ef3ee9c9159c882dc9337cb46da0e612a28e24852a83f8a1cd68c838f390"
        )
        self.assertEqual(poj.archive.strip_prefix, "ProgramData")
        self.assertEqual((poj.pattern, poj.suffix, poj.size), ("*/*.txt", ".txt", 52000))
        self.assertIn("0B2i-vWnOu7MxVlJwQXN6eVNONUU", poj.archive.urls[1])
        for corpus in (clgen, poj):
            self.assertEqual(corpus.use, "")
            self.assertIn("sha256", corpus.notes)

    def test_mirror_paths_follow_the_published_urls(self) -> None:
        suites, corpora = shipped()
        self.assertEqual(
            archive_candidates(suites[MIBENCH].archives["telecomm"], "/srv/m")[0],
            "/srv/m/vhosts.eecs.umich.edu/mibench/telecomm.tar.gz",
        )
        self.assertEqual(
            archive_candidates(corpora[CLGEN].archive, "/srv/m")[0],
            "/srv/m/raw.githubusercontent.com/ChrisCummins/paper-synthesizing-benchmarks/"
            "%s/data/clgen-1000.tar.bz2" % CLGEN_COMMIT,
        )
        self.assertEqual(
            archive_candidates(corpora[POJ].archive, "/srv/m")[0],
            "/srv/m/dl.fbaipublicfiles.com/compiler_gym/llvm_bitcodes-10.0.0-poj104-v1.tar.gz",
        )

    def test_uris_resolve_without_downloading(self) -> None:
        datasets = llvm_datasets()
        self.assertEqual(datasets[MIBENCH].size, 18)
        uris = list(datasets[MIBENCH].benchmark_uris())
        self.assertIn("benchmark://mibench-v1/basicmath-small", uris)
        self.assertIn("benchmark://mibench-v1/gsm-toast", uris)
        self.assertIsInstance(optgym.benchmark("mibench-v1/bitcount"), SuiteBenchmark)
        with self.assertRaises(UnknownBenchmark):
            optgym.benchmark("benchmark://mibench-v1/rijndael")  # left out: see the manifest
        clgen, poj = self.corpus(CLGEN), self.corpus(POJ)
        self.assertEqual((clgen.size, poj.size), (1000, 52000))  # upstream's counts
        bench = poj.benchmark("2/10")
        self.assertEqual(bench.uri, "benchmark://poj104-v1/2/10")
        self.assertEqual(poj.benchmark("poj104-v1/2/10"), bench)
        self.assertEqual(clgen.benchmark(CLGEN_NAMES[0]).dataset, CLGEN)
        self.assertFalse(self.cache_dir.exists())


@needs(require_clang)
class MibenchTest(MoreCorporaTestCase):
    def test_a_program_builds_from_its_own_sources_and_runs_over_http(self) -> None:
        with http_mirror(self.mirror) as (url, requests):
            self.env({MIRROR_ENV: url})
            bench = optgym.benchmark("benchmark://mibench-v1/basicmath-small")
            with self.quietly() as progress:
                bitcode = bench.bitcode_path()
            self.assertIn("downloading %s/" % url, progress.getvalue())
            self.assertEqual(requests, ["/" + mirror_path(self.urls["automotive"])])
        self.verify(bitcode)
        self.assertGreater(ir_instruction_count(bitcode, TOOLCHAIN), 20)
        # The Makefile's list for basicmath_small, never the large driver.
        self.assertEqual(
            bench.bitcode_entry().data["sources"],
            ["basicmath_small.c", "cubic.c", "isqrt.c", "rad2deg.c"],
        )
        self.assertTrue(bench.runnable)
        with self.quietly():
            reference = bench.reference()
        # 4 terms: rad2deg(i) summing to 572.958, cube roots and square roots to 10 each.
        self.assertEqual((reference.stdout, reference.returncode), (b"592.958\n", 0))

    def test_gsm_takes_its_headers_and_defines(self) -> None:
        bench = optgym.benchmark("mibench-v1/gsm-toast")
        with self.quietly():
            self.verify(bench.bitcode_path())
            self.assertEqual(bench.bitcode_entry().data["sources"], ["src/add.c", "src/toast.c"])
            self.assertEqual(bench.reference().stdout, b"42\n")

    def test_the_dataset_installs_every_category(self) -> None:
        dataset = llvm_datasets()[MIBENCH]
        self.assertFalse(dataset.installed)
        with self.quietly():
            dataset.install()
        self.assertTrue(dataset.installed)

    def test_a_bad_checksum_is_refused(self) -> None:
        self.write_override(automotive="ab" * 32)
        with self.quietly(), self.assertRaises(DownloadError) as caught:
            optgym.benchmark("mibench-v1/basicmath-small").bitcode_path()
        self.assertIn(
            "%s: checksum mismatch: expected sha256 %s, got %s"
            % (
                self.mirror / mirror_path(self.urls["automotive"]),
                "ab" * 32,
                self.sha256["automotive"],
            ),
            str(caught.exception),
        )
        self.assertEqual(caught.exception.uri, "benchmark://mibench-v1/basicmath-small")
        self.assertEqual(list((self.cache_dir / "v1" / "download").glob("*/*/manifest.json")), [])


@needs(require_clang)
class ClgenTest(MoreCorporaTestCase):
    def test_listing_and_kernel_bitcode(self) -> None:
        clgen = self.corpus(CLGEN)
        with self.quietly():
            clgen.install()
        self.assertEqual(clgen.size, 2)
        self.assertEqual(
            list(clgen.benchmark_uris()), ["benchmark://clgen-v0/%s" % n for n in CLGEN_NAMES]
        )
        for name in CLGEN_NAMES:
            bench = clgen.benchmark(name)
            self.assertIsInstance(bench, PublicCorpusBenchmark)
            bitcode = bench.bitcode_path()
            self.verify(bitcode)
            text = bench.disassemble(bitcode)
            self.assertIn('source_filename = "%s.cl"' % name, text)
            self.assertIn("spir_kernel void @A", text)  # OpenCL C, with clang's own header
            self.assertFalse(bench.runnable)
            self.assertEqual(bench.not_runnable_reason, "no main")

    def test_a_bad_checksum_is_refused(self) -> None:
        self.write_override(clgen_v0="cd" * 32)
        clgen = self.corpus(CLGEN)
        with self.quietly(), self.assertRaises(DownloadError) as caught:
            clgen.install()
        self.assertIn("checksum mismatch: expected sha256 %s" % ("cd" * 32), str(caught.exception))
        self.assertFalse(clgen.installed)


@needs(require_clang)
class Poj104Test(MoreCorporaTestCase):
    def test_listing_and_bitcode(self) -> None:
        poj = self.corpus(POJ)
        with self.quietly():
            names = [uri[len("benchmark://poj104-v1/") :] for uri in poj.benchmark_uris()]
        self.assertEqual(names, POJ_NAMES)
        self.assertEqual(poj.size, 5)
        bench = poj.benchmark("1/1")
        bitcode = bench.bitcode_path()
        self.verify(bitcode)
        text = bench.disassemble(bitcode)
        self.assertIn('source_filename = "1/1.txt"', text)
        self.assertIn("1024", text)  # MAX, one of CompilerGym's defines
        # Not runnable: a corpus links its programs as C (-lm), without the
        # C++ library, and POJ-104 publishes no inputs for them anyway.
        self.assertFalse(bench.runnable)
        self.assertIn("defines main but does not link", bench.not_runnable_reason)
        # Only the forced include of bits/stdc++.h declares vector and sort here.
        sorting = poj.benchmark("1/2")
        self.assertIn("sort", sorting.disassemble(sorting.bitcode_path()))

    def test_the_rewrite_makes_student_programs_compile(self) -> None:
        poj = self.corpus(POJ)
        for name in ("2/10", "2/11"):
            bench = poj.benchmark(name)
            bitcode = bench.bitcode_path()
            self.verify(bitcode)
            text = bench.disassemble(bitcode)
            # The upstream path, though the edited copy is what compiled.
            self.assertIn('source_filename = "%s.txt"' % name, text)
            self.assertIn("define dso_local noundef i32 @main()", text)
        # Only a 'main' that starts a line is given a type: the string
        # literal "remain(" is left alone.
        untyped = poj.benchmark("2/11")
        self.assertIn('c"remain(', untyped.disassemble(untyped.bitcode_path()))

    def test_a_broken_program_fails_with_a_clear_error(self) -> None:
        with self.quietly(), self.assertRaises(BuildError) as caught:
            self.corpus(POJ).benchmark("3/1").bitcode_path()
        self.assertEqual(caught.exception.uri, "benchmark://poj104-v1/3/1")
        self.assertIn("use of undeclared identifier 'undeclared_name'", str(caught.exception))

    def test_a_bad_checksum_is_refused(self) -> None:
        self.write_override(poj104_v1="ef" * 32)
        with self.quietly(), self.assertRaises(DownloadError) as caught:
            self.corpus(POJ).benchmark("1/1").bitcode_path()
        self.assertIn("checksum mismatch: expected sha256 %s" % ("ef" * 32), str(caught.exception))
        self.assertEqual(caught.exception.uri, "benchmark://poj104-v1/1/1")


if __name__ == "__main__":
    unittest.main()
