"""``optgym datasets build NAME`` and ``optgym datasets stats NAME``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import List

from ..options import add_jobs_option, add_ray_option, stdout_closed
from .index import CORPORA, DATASETS_ENV, FEATURES

__all__ = ["configure_actions"]


def _dataset_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", choices=sorted(CORPORA), help="the corpus")
    parser.add_argument(
        "--dir",
        dest="datasets_dir",
        type=Path,
        metavar="DIR",
        help="where corpora live: DIR/NAME holds the index, store and logs "
        "(default: $%s, else the cache's datasets/)" % DATASETS_ENV,
    )


def configure_actions(parser: argparse.ArgumentParser) -> None:
    """Adds ``build`` and ``stats`` under ``optgym datasets``."""
    actions = parser.add_subparsers(dest="datasets_action", metavar="ACTION")
    build = actions.add_parser(
        "build",
        help="build Debian source packages with clang and collect their units into the corpus",
        description="Fetch each package's source with a private apt configuration derived from "
        "the machine's, install its build dependencies (as root), build it with its own "
        "packaging through clang and OptGym, and add its units to the corpus. Packages already "
        "in the corpus are skipped.",
    )
    _dataset_argument(build)
    build.add_argument(
        "--packages",
        metavar="P1,P2,...",
        help="these source packages (NAME or NAME=VERSION) instead of the curated default list",
    )
    build.add_argument(
        "--packages-file",
        type=Path,
        metavar="FILE",
        help="the packages listed in FILE, one per line",
    )
    build.add_argument("--retry-failed", action="store_true", help="build failed packages again")
    build.add_argument(
        "--timeout", type=float, default=3600.0, metavar="S", help="seconds per package (3600)"
    )
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    add_jobs_option(build, "packages built at once")
    add_ray_option(build, "the package builds")
    build.set_defaults(run_action=_run_build)
    listing = actions.add_parser(
        "list",
        help="the URIs of a built corpus's units, one per line (filtered, or a seeded sample)",
    )
    _dataset_argument(listing)
    listing.add_argument("--split", choices=["train", "validation", "test"])
    listing.add_argument("--package", metavar="NAME")
    for feature in FEATURES:
        for bound in ("min", "max"):
            listing.add_argument(
                "--%s-%s" % (bound, feature), type=int, metavar="N", help=argparse.SUPPRESS
            )
    listing.add_argument(
        "--sample", type=int, metavar="N", help="N units drawn with --seed (default: all)"
    )
    listing.add_argument("--seed", type=int, default=0)
    listing.set_defaults(run_action=_run_list)
    stats = actions.add_parser(
        "stats",
        help="counts and distributions of a built corpus, and a PNG of them",
    )
    _dataset_argument(stats)
    stats.add_argument(
        "--png", type=Path, metavar="FILE", help="the plot (default: DIR/NAME/stats.png)"
    )
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")
    stats.set_defaults(run_action=_run_stats)


def _corpus_dir(args: argparse.Namespace) -> Path:
    from .index import datasets_dir

    return (args.datasets_dir or datasets_dir()) / args.dataset


def _error(text: str) -> int:
    print("optgym: %s" % text, file=sys.stderr)
    return 1


def _run_build(args: argparse.Namespace) -> int:
    from ..parallel import RayUnavailable
    from .apt import AptError
    from .debian import build_corpus, default_packages, parse_package_list

    try:
        packages: List[str] = []
        if args.packages:
            packages += parse_package_list(args.packages.replace(",", "\n"), "--packages")
        if args.packages_file:
            packages += parse_package_list(
                args.packages_file.read_text(encoding="utf-8"), str(args.packages_file)
            )
        if not args.packages and not args.packages_file:
            packages = default_packages()
    except (OSError, ValueError) as error:
        return _error(str(error))
    if args.jobs < 1:
        return _error("--jobs must be at least 1")
    directory = _corpus_dir(args)
    print("optgym: building %d packages into %s" % (len(packages), directory), file=sys.stderr)
    try:
        summary = build_corpus(
            packages,
            directory,
            jobs=args.jobs,
            ray_address=args.ray,
            retry_failed=args.retry_failed,
            timeout=args.timeout,
            progress=not args.quiet,
            report=lambda line: print(line, flush=True),
        )
    except (AptError, RayUnavailable, OSError, ValueError) as error:
        return _error(str(error))
    print(
        "%d built, %d failed, %d skipped (already in the corpus%s); %d new units in %.0f s; %s"
        % (
            len(summary.built),
            len(summary.failed),
            len(summary.skipped),
            "; --retry-failed builds failed ones again" if summary.skipped_failed else "",
            summary.new_units,
            summary.seconds,
            summary.directory,
        )
    )
    return 0 if not summary.failed else 3


def _run_list(args: argparse.Namespace) -> int:
    from ..errors import UnknownBenchmark
    from .dataset import CorpusDataset

    corpus = CorpusDataset(args.dataset, _corpus_dir(args))
    bounds = {
        "%s_%s" % (bound, feature): getattr(args, "%s_%s" % (bound, feature))
        for feature in FEATURES
        for bound in ("min", "max")
    }
    try:
        chosen = corpus.filter(split=args.split, package=args.package, **bounds)
        uris = chosen.sample(args.sample, args.seed) if args.sample else chosen.benchmark_uris()
        for uri in uris:
            print(uri)
        sys.stdout.flush()
    except UnknownBenchmark as error:
        return _error(str(error))
    except BrokenPipeError:
        return stdout_closed()
    return 0


def _run_stats(args: argparse.Namespace) -> int:
    from .index import CorpusIndex
    from .stats import corpus_stats, format_stats, write_png

    try:
        index = CorpusIndex(_corpus_dir(args), args.dataset)
    except (FileNotFoundError, ValueError) as error:
        return _error(str(error))
    try:
        stats = corpus_stats(index)
        print(json.dumps(stats, indent=1) if args.json else format_stats(stats))
        try:
            png = write_png(index, stats, args.png)
        except ImportError:
            return _error("the plot needs matplotlib: pip install 'optgym[plots]'")
        print("plot: %s" % png, file=sys.stderr)
    finally:
        index.close()
    return 0
