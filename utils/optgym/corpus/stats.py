"""``optgym datasets stats debian-v0``: what a corpus holds, as text and as
a PNG of its distributions."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from .build import COVERAGE_TARGET
from .index import FEATURES, CorpusIndex

__all__ = ["corpus_stats", "format_stats", "plot_stats"]


def _units_per_package(units: Sequence[Any]) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for unit in units:
        counts[unit["package"]] = counts.get(unit["package"], 0) + 1
    return counts


def _percentiles(values: Sequence[int]) -> Dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, int(fraction * (len(ordered) - 1) + 0.5))]

    return {
        "min": ordered[0],
        "p10": at(0.1),
        "median": at(0.5),
        "p90": at(0.9),
        "p99": at(0.99),
        "max": ordered[-1],
        "mean": sum(ordered) / len(ordered),
        "total": sum(ordered),
    }


def corpus_stats(index: CorpusIndex) -> Dict[str, Any]:
    """Counts and distributions of a corpus (JSON-like)."""
    units = index.units()
    packages = index.packages()
    built = [p for p in packages if p["status"] == "built"]
    failed = [p for p in packages if p["status"] != "built"]
    compiles = sum(p["compiles"] or 0 for p in packages)
    covered = sum(p["covered"] or 0 for p in packages)
    occurrences = int(index.db.execute("SELECT COUNT(*) FROM occurrences").fetchone()[0])
    seconds = sum(p["seconds"] or 0.0 for p in packages)
    wall = float(index.meta("build_seconds", "0"))
    per_package = _units_per_package(units)
    return {
        "dataset": index.dataset,
        "directory": str(index.directory),
        "units": len(units),
        "occurrences": occurrences,
        "packages": {"tried": len(packages), "built": len(built), "failed": len(failed)},
        "packages_with_units": len(per_package),
        "splits": {
            split: {
                "packages": sum(1 for p in packages if p["split"] == split),
                "units": sum(1 for u in units if u["split"] == split),
            }
            for split in ("train", "validation", "test")
        },
        "features": {f: _percentiles([u[f] for u in units]) for f in FEATURES},
        "units_per_package": _percentiles(list(per_package.values())),
        "largest_packages": sorted(per_package.items(), key=lambda kv: (-kv[1], kv[0]))[:10],
        "coverage": {"compiled": compiles, "collected": covered},
        "low_coverage": [
            (p["name"], p["covered"], p["compiles"], p["reason"])
            for p in built
            if p["compiles"] and p["covered"] < COVERAGE_TARGET * p["compiles"]
        ],
        "package_seconds": seconds,
        "build_seconds": wall,
        "units_per_minute": (len(units) / (wall / 60.0)) if wall else 0.0,
        "failures": [(p["name"], p["reason"]) for p in failed],
    }


def format_stats(stats: Dict[str, Any]) -> str:
    lines: List[str] = []
    add = lines.append
    packages = stats["packages"]
    add("%s (%s)" % (stats["dataset"], stats["directory"]))
    add(
        "  %d unique units (%d with duplicates) from %d packages; %d packages built, %d failed"
        % (
            stats["units"],
            stats["occurrences"],
            stats["packages_with_units"],
            packages["built"],
            packages["failed"],
        )
    )
    coverage = stats["coverage"]
    if coverage["compiled"]:
        add(
            "  sources compiled %d, collected %d (%.1f%%)"
            % (
                coverage["compiled"],
                coverage["collected"],
                100.0 * coverage["collected"] / coverage["compiled"],
            )
        )
    add(
        "  built in %.0f s of wall time (%.0f s summed over packages): %.0f unique units per minute"
        % (stats["build_seconds"], stats["package_seconds"], stats["units_per_minute"])
    )
    add(
        "  splits: "
        + ", ".join(
            "%s %d packages / %d units" % (name, s["packages"], s["units"])
            for name, s in stats["splits"].items()
        )
    )
    add("")
    add("  per unit        min    p10  median     p90     p99      max     mean")
    for feature, p in list(stats["features"].items()) + [
        ("units/package", stats["units_per_package"])
    ]:
        if p:
            add(
                "  %-13s %5d %6d %7d %7d %7d %8d %8.1f"
                % (
                    feature,
                    p["min"],
                    p["p10"],
                    p["median"],
                    p["p90"],
                    p["p99"],
                    p["max"],
                    p["mean"],
                )
            )
    if stats["largest_packages"]:
        add("")
        add("  largest packages: " + ", ".join("%s %d" % kv for kv in stats["largest_packages"]))
    if stats["low_coverage"]:
        add("")
        add("  built, with under %d%% of their sources collected:" % (100 * COVERAGE_TARGET))
        for name, covered, compiled, reason in stats["low_coverage"]:
            add("    %-24s %d of %d: %s" % (name, covered, compiled, reason))
    if stats["failures"]:
        add("")
        add("  failed packages (logs/PACKAGE.log):")
        for name, reason in stats["failures"]:
            add("    %-24s %s" % (name, reason))
    return "\n".join(lines)


def plot_stats(index: CorpusIndex, stats: Dict[str, Any], path: Path) -> Path:
    """Writes histograms of instructions, functions and loops per unit and
    of units per package to ``path`` (a PNG; needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    units = index.units()
    per_package = _units_per_package(units)
    panels = [
        ("IR instructions per unit", [u["instructions"] for u in units]),
        ("defined functions per unit", [u["functions"] for u in units]),
        ("loops per unit", [u["loops"] for u in units]),
        ("unique units per package", list(per_package.values())),
    ]
    figure, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    for axis, (title, values) in zip(axes.flat, panels):
        positive = [v for v in values if v > 0]
        zeros = len(values) - len(positive)
        if positive:
            top = max(positive)
            edges = [10 ** (k / 8.0) for k in range(0, int(8 * math.log10(top)) + 2)]
            axis.hist(positive, bins=edges, color="#4c72b0")
            axis.set_xscale("log")
        axis.set_title(title + ("  (%d with 0)" % zeros if zeros else ""))
        axis.set_ylabel("count")
    figure.suptitle(
        "%s: %d unique units from %d packages (%d failed)"
        % (
            stats["dataset"],
            stats["units"],
            stats["packages_with_units"],
            stats["packages"]["failed"],
        )
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def write_png(index: CorpusIndex, stats: Dict[str, Any], path: Optional[Path]) -> Path:
    return plot_stats(index, stats, path or index.directory / "stats.png")
