#!/usr/bin/env python3
"""Makes a local download mirror for cbench-v1 from a checkout of
github.com/ctuning/ctuning-programs, for machines that cannot download the
published archives (docs/suites.md, "Mirrors").

ctuning-programs holds most cBench programs as CK programs
(``program/cbench-*/``). This script packs them into two archives laid out
like the ones cbench-v1's manifest names — cBench_V1.1.tar.gz
(``DIR/src/...`` per program) and the ck-mlops snapshot
(``ck-mlops-COMMIT/program/cbench-*/...``) — under the mirror's
``HOST/PATH`` layout, and writes an override manifest with their sha256
(they are not the published archives, so their checksums differ):

    utils/make-cbench-mirror.py CTUNING_PROGRAMS_DIR OUT_DIR
    export OPTGYM_DOWNLOAD_MIRROR=OUT_DIR/mirror OPTGYM_SUITES=OUT_DIR/cbench-v1-mirror.json

Programs the checkout lacks (ghostscript, ispell, stringsearch) are left
out of the archives; building them then fails with an error that says so.
The archives are deterministic (sorted members, zero times and owners), so
a rerun gives the same checksums. Nothing here is part of OptGym's tree.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path
from typing import Dict, List, Tuple

CBENCH_PATH = "downloads.sourceforge.net/project/cbenchmark/cBench/V1.1/cBench_V1.1.tar.gz"
CK_COMMIT = "406738ad6d1fb2c1da9daa2c09d26fccab4e0938"
CK_PATH = "github.com/ChrisCummins/ck-mlops/archive/%s.tar.gz" % CK_COMMIT

#: CK program -> cBench V1.1 directory (the manifest's dirs, less /src).
CBENCH_DIRS = {
    "cbench-automotive-bitcount": "automotive_bitcount",
    "cbench-automotive-qsort1": "automotive_qsort1",
    "cbench-automotive-susan": "automotive_susan_c",
    "cbench-bzip2": "bzip2d",
    "cbench-consumer-lame": "consumer_lame",
    "cbench-consumer-tiff2bw": "consumer_tiff2bw",
    "cbench-consumer-tiff2dither": "consumer_tiffdither",
    "cbench-consumer-tiff2median": "consumer_tiffmedian",
    "cbench-consumer-tiff2rgba": "consumer_tiff2rgba",
    "cbench-network-dijkstra": "network_dijkstra",
    "cbench-network-patricia": "network_patricia",
    "cbench-office-ghostscript": "office_ghostscript",
    "cbench-office-ispell": "office_ispell",
    "cbench-office-stringsearch1": "office_stringsearch1",
    "cbench-security-blowfish": "security_blowfish_d",
    "cbench-security-rijndael": "security_rijndael_d",
    "cbench-security-sha": "security_sha",
    "cbench-telecom-adpcm-c": "telecom_adpcm_c",
    "cbench-telecom-crc32": "telecom_CRC32",
    "cbench-telecom-gsm": "telecom_gsm",
}
#: CK programs cbench-v1 takes from the ck-mlops snapshot.
CK_PROGRAMS = ["cbench-consumer-jpeg-c", "cbench-consumer-jpeg-d", "cbench-office-stringsearch2"]


def program_files(directory: Path) -> List[Path]:
    """The files of a CK program, without its CK metadata (.cm/)."""
    return sorted(
        path
        for path in directory.rglob("*")
        if path.is_file() and ".cm" not in path.relative_to(directory).parts
    )


def write_archive(out: Path, members: List[Tuple[str, Path]]) -> str:
    """A deterministic .tar.gz of (name, file) pairs; returns its sha256."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, path in sorted(members):
            data = path.read_bytes()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as sink:
        with gzip.GzipFile(filename="", mode="wb", fileobj=sink, mtime=0) as packed:
            packed.write(buffer.getvalue())
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ctuning_programs", type=Path, help="a checkout of ctuning-programs")
    parser.add_argument("out", type=Path, help="where to write mirror/ and the manifest")
    args = parser.parse_args(argv)
    programs = args.ctuning_programs / "program"
    if not programs.is_dir():
        parser.error("%s has no program/ directory" % args.ctuning_programs)

    missing: List[str] = []

    def files_of(ck_name: str, prefix: str) -> List[Tuple[str, Path]]:
        """The program's files, each with its path in the archive."""
        source = programs / ck_name
        if not source.is_dir():
            missing.append(ck_name)
            return []
        return [
            ("%s/%s" % (prefix, path.relative_to(source).as_posix()), path)
            for path in program_files(source)
        ]

    cbench = [
        entry
        for ck_name, directory in sorted(CBENCH_DIRS.items())
        for entry in files_of(ck_name, directory + "/src")
    ]
    ck = [
        entry
        for ck_name in CK_PROGRAMS
        for entry in files_of(ck_name, "ck-mlops-%s/program/%s" % (CK_COMMIT, ck_name))
    ]

    mirror = args.out / "mirror"
    sums: Dict[str, str] = {
        "cBench": write_archive(mirror / CBENCH_PATH, cbench),
        "ctuning-ai": write_archive(mirror / CK_PATH, ck),
    }
    override = {
        "format": "optgym-suite",
        "version": 1,
        "name": "cbench-v1",
        "archives": {
            "cBench": {
                "urls": ["https://" + CBENCH_PATH],
                "sha256": sums["cBench"],
            },
            "ctuning-ai": {
                "urls": ["https://" + CK_PATH],
                "sha256": sums["ctuning-ai"],
                "strip_prefix": "ck-mlops-%s" % CK_COMMIT,
            },
        },
    }
    manifest = args.out / "cbench-v1-mirror.json"
    manifest.write_text(json.dumps(override, indent=2) + "\n")
    print(
        "mirror: %s (cBench %s, ck-mlops %s)"
        % (mirror, sums["cBench"][:12], sums["ctuning-ai"][:12])
    )
    print("override manifest: %s" % manifest)
    if missing:
        print("not in the checkout: %s" % ", ".join(missing))
    print("export OPTGYM_DOWNLOAD_MIRROR=%s OPTGYM_SUITES=%s" % (mirror, manifest))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
