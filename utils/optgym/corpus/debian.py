"""``optgym datasets build debian-v0``: Debian's source packages built into
the corpus ``benchmark://debian-v0``.

:func:`build_corpus` builds each package of a list (the curated default,
datasets/corpus/debian-v0.txt, or the user's) with
:func:`optgym.corpus.build.build_package`, in parallel worker processes or
as Ray tasks, and records every result in the corpus index
(:class:`optgym.corpus.index.CorpusIndex`) as it arrives. It is resumable:
a package the index already holds is skipped (a failed one too, unless
asked to retry), and one interrupted mid-build is built again.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional

from ..parallel import JobFailure, run_jobs
from ..progress import Progress
from ..resources import data_file
from .apt import PrivateApt
from .build import BUILD_TIMEOUT, build_package
from .index import CorpusIndex, datasets_dir

__all__ = ["DATASET", "BuildSummary", "build_corpus", "default_packages", "parse_package_list"]

DATASET = "debian-v0"
_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$")


def parse_package_list(text: str, origin: str) -> List[str]:
    """Package names (``NAME`` or ``NAME=VERSION``), one per line, ``#``
    comments; ValueError naming FILE:LINE for a name Debian would refuse."""
    packages: List[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if not _PACKAGE.match(entry):
            raise ValueError(
                "%s:%d:1: not a Debian source package name: %r" % (origin, number, entry)
            )
        if entry not in packages:
            packages.append(entry)
    return packages


def default_packages() -> List[str]:
    path = data_file("datasets/corpus/%s.txt" % DATASET)
    return parse_package_list(path.read_text(encoding="utf-8"), str(path))


@dataclass
class BuildSummary:
    directory: Path
    built: List[str] = field(default_factory=list)
    failed: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    #: Of the skipped, those that had failed (retried with retry_failed).
    skipped_failed: List[str] = field(default_factory=list)
    new_units: int = 0
    seconds: float = 0.0


def build_corpus(
    packages: List[str],
    directory: Optional[Path] = None,
    jobs: int = 1,
    ray_address: Optional[str] = None,
    retry_failed: bool = False,
    timeout: float = BUILD_TIMEOUT,
    progress: bool = True,
    report: Callable[[str], None] = lambda line: None,
) -> BuildSummary:
    """Builds the packages not yet in the corpus at ``directory`` (default
    ``datasets_dir()/debian-v0``); see the module's documentation.
    ``report`` gets one line per finished package."""
    start = time.monotonic()
    directory = Path(directory or datasets_dir() / DATASET).resolve()
    index = CorpusIndex(directory, DATASET, create=True)
    summary = BuildSummary(directory)
    try:
        status = index.package_status()
        todo: List[str] = []
        for package in packages:
            name = package.split("=", 1)[0]
            if status.get(name) == "built" or (status.get(name) == "failed" and not retry_failed):
                summary.skipped.append(name)
                if status.get(name) == "failed":
                    summary.skipped_failed.append(name)
            else:
                todo.append(package)
        if not todo:
            return summary
        apt = PrivateApt(directory / "apt")
        apt.setup()
        work = directory / "work"
        cores = os.cpu_count() or 1
        make_jobs = max(1, cores // max(1, jobs)) if ray_address is None else 1
        job_list = [
            {
                "package": package,
                "work_dir": str(work),
                "apt_dir": str(apt.directory),
                "make_jobs": make_jobs,
                "timeout": timeout,
            }
            for package in todo
        ]
        units_before = index.count()
        with Progress("debian-v0", total=len(todo), enabled=progress) as bar:
            last = time.monotonic()
            for position, outcome in run_jobs(build_package, job_list, jobs, ray_address):
                now = time.monotonic()
                index.add_build_seconds(now - last)
                last = now
                package = todo[position].split("=", 1)[0]
                if isinstance(outcome, JobFailure):
                    outcome = {"package": package, "status": "failed", "reason": outcome.message}
                new = index.add_package(outcome)
                summary.new_units += new
                (summary.built if outcome["status"] == "built" else summary.failed).append(package)
                report(
                    "%-24s %-6s %5d units (%d new), %d/%d sources collected, %.0f s%s"
                    % (
                        package,
                        outcome["status"],
                        len({u["hash"] for u in outcome.get("units", [])}),
                        new,
                        outcome.get("covered", 0),
                        outcome.get("compiles", 0),
                        outcome.get("seconds", 0.0),
                        ": " + outcome["reason"] if outcome.get("reason") else "",
                    )
                )
                bar.update(
                    advance=1,
                    status="%d new units, %d failed"
                    % (index.count() - units_before, len(summary.failed)),
                )
        shutil.rmtree(work, ignore_errors=True)
    finally:
        index.close()
    summary.seconds = time.monotonic() - start
    return summary
