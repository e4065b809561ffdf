"""A corpus on disk: a content-addressed bitcode store and its SQLite index.

Layout of a corpus directory (``DATASETS_DIR/debian-v0``)::

    index.sqlite                  the index (schema below)
    store/AB/ABCDEF....bc         each unique unit's bitcode, named by its content hash
    logs/PACKAGE.log              each package's build log (its last 4 MiB)
    licenses/PACKAGE.copyright    each package's debian/copyright

A unit's content hash is :func:`optgym.corpus.build.canonical_hash` of its
IR, so one file built into two packages is stored and counted once. The
tables:

``packages``  one row per package tried: name, version, status (``built``,
              ``failed``), reason, license, split, compiles (C/C++ sources
              the build compiled), fallbacks (of them, compiled by GCC
              after clang failed), covered (of them, with a unit
              collected), units (distinct units it contains), seconds.
``units``     one row per unique unit: hash, package and name of its owner
              (the first package by name that contains it), its URI's
              parts, source path in the package, version, instructions,
              functions, loops, calls, flags (JSON list), license, split
              (the owner's), bytes.
``occurrences`` (hash, package, name, source, flags): every package's copy.
``meta``      key/value: format version, dataset, split_seed, build_seconds
              (wall time spent building, over all runs).

Only one process writes an index (the builder's main process).
"""

from __future__ import annotations

import json
import os
import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from ..cache import atomic_write, default_cache_dir
from .splits import DEFAULT_SPLIT_SEED, package_split

__all__ = [
    "CORPORA",
    "DATASETS_ENV",
    "FEATURES",
    "FORMAT_VERSION",
    "CorpusIndex",
    "datasets_dir",
    "unit_names",
]

#: The corpora OptGym builds: name -> description.
CORPORA: Dict[str, str] = {
    "debian-v0": "Translation units of Debian's source packages, built with their own build "
    "systems by clang (optgym datasets build debian-v0)",
}
#: What the index measures of every unit (``units`` columns, filters, stats).
FEATURES = ("instructions", "functions", "loops", "calls")
#: Where corpora live: ``$OPTGYM_DATASETS_DIR/NAME``, else the cache's ``datasets/NAME``.
DATASETS_ENV = "OPTGYM_DATASETS_DIR"
FORMAT_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS packages (
    name TEXT PRIMARY KEY, version TEXT, status TEXT NOT NULL, reason TEXT, license TEXT,
    split TEXT NOT NULL, compiles INTEGER, fallbacks INTEGER, covered INTEGER,
    units INTEGER, seconds REAL);
CREATE TABLE IF NOT EXISTS units (
    hash TEXT PRIMARY KEY, package TEXT NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL,
    version TEXT, instructions INTEGER, functions INTEGER, loops INTEGER, calls INTEGER,
    flags TEXT, license TEXT, split TEXT NOT NULL, bytes INTEGER);
CREATE TABLE IF NOT EXISTS occurrences (
    hash TEXT NOT NULL, package TEXT NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL,
    flags TEXT, PRIMARY KEY (package, name));
CREATE INDEX IF NOT EXISTS occurrences_hash ON occurrences (hash);
CREATE INDEX IF NOT EXISTS units_split ON units (split);
CREATE INDEX IF NOT EXISTS units_package ON units (package, name);
"""


def datasets_dir() -> Path:
    explicit = os.environ.get(DATASETS_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return default_cache_dir() / "datasets"


def unit_names(units: Iterable[Dict[str, Any]]) -> Dict[str, str]:
    """hash -> name within one package: the source's path, with ``@`` and
    the hash's first 12 digits when the package built that source into
    different units (a library's static and shared objects, say)."""
    by_source: Dict[str, set] = {}
    for unit in units:
        by_source.setdefault(unit["source"], set()).add(unit["hash"])
    names: Dict[str, str] = {}
    for source, hashes in by_source.items():
        for content_hash in hashes:
            names.setdefault(
                content_hash, source if len(hashes) == 1 else "%s@%s" % (source, content_hash[:12])
            )
    return names


class CorpusIndex:
    """A corpus directory (see the module's documentation)."""

    def __init__(self, directory: Path, dataset: str, create: bool = False) -> None:
        self.directory = Path(directory)
        self.dataset = dataset
        path = self.directory / "index.sqlite"
        if not create and not path.is_file():
            raise FileNotFoundError(
                "%s: no corpus index (build it with `optgym datasets build %s`)" % (path, dataset)
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), timeout=60)
        self.db.row_factory = sqlite3.Row
        if create:
            with self.db:
                self.db.executescript(_SCHEMA)
                self.db.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('format', ?), ('dataset', ?), "
                    "('split_seed', ?)",
                    (str(FORMAT_VERSION), dataset, str(DEFAULT_SPLIT_SEED)),
                )
        format_row = self.db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if format_row is None or int(format_row[0]) != FORMAT_VERSION:
            raise ValueError(
                "%s: index format %s, expected %d (rebuild it)"
                % (path, format_row[0] if format_row else "unknown", FORMAT_VERSION)
            )

    def close(self) -> None:
        self.db.close()

    @property
    def split_seed(self) -> int:
        return int(self.db.execute("SELECT value FROM meta WHERE key = 'split_seed'").fetchone()[0])

    def meta(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def add_build_seconds(self, seconds: float) -> None:
        """Adds wall time spent building (``build_seconds`` in ``meta``):
        what throughput is measured against, over resumed runs too."""
        with self.db:
            total = float(self.meta("build_seconds", "0")) + seconds
            self.db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('build_seconds', ?)", ("%.1f" % total,)
            )

    def store_path(self, content_hash: str) -> Path:
        return self.directory / "store" / content_hash[:2] / (content_hash + ".bc")

    def package_status(self) -> Dict[str, str]:
        return {row[0]: row[1] for row in self.db.execute("SELECT name, status FROM packages")}

    def add_package(self, result: Dict[str, Any]) -> int:
        """Records a :func:`~optgym.corpus.build.build_package` result
        (replacing an earlier one of the package); returns how many units
        are new to the corpus."""
        name = result["package"]
        for sub, text in (("logs", result.get("log", "")), ("licenses", result.get("copyright"))):
            if text:
                suffix = ".log" if sub == "logs" else ".copyright"
                atomic_write(self.directory / sub / (name + suffix), text)
        # A unit without instructions (only declarations or data) gives an
        # optimizer nothing to do.
        units = [unit for unit in result.get("units", []) if unit["instructions"] > 0]
        names = unit_names(units)
        split = package_split(self.dataset, name, self.split_seed)
        new = 0
        with self.db:
            old = [
                row[0]
                for row in self.db.execute(
                    "SELECT hash FROM occurrences WHERE package = ?", (name,)
                )
            ]
            self.db.execute("DELETE FROM occurrences WHERE package = ?", (name,))
            seen = set()
            for unit in units:
                content_hash = unit["hash"]
                if content_hash in seen:
                    continue
                seen.add(content_hash)
                path = self.store_path(content_hash)
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    atomic_write(path, unit["bitcode"])
                flags = json.dumps(unit.get("flags", []))
                self.db.execute(
                    "INSERT INTO occurrences VALUES (?, ?, ?, ?, ?)",
                    (content_hash, name, names[content_hash], unit["source"], flags),
                )
                exists = self.db.execute(
                    "SELECT 1 FROM units WHERE hash = ?", (content_hash,)
                ).fetchone()
                if not exists:
                    new += 1
                    self.db.execute(
                        "INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            content_hash,
                            name,
                            names[content_hash],
                            unit["source"],
                            result.get("version", ""),
                            unit["instructions"],
                            unit["functions"],
                            unit["loops"],
                            unit["calls"],
                            flags,
                            result.get("license", ""),
                            split,
                            len(unit["bitcode"]),
                        ),
                    )
            self.db.execute(
                "INSERT OR REPLACE INTO packages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    name,
                    result.get("version", ""),
                    result["status"],
                    result.get("reason", ""),
                    result.get("license", ""),
                    split,
                    result.get("compiles", 0),
                    result.get("fallbacks", 0),
                    result.get("covered", 0),
                    len(seen),
                    result.get("seconds", 0.0),
                ),
            )
            self._reassign_owners(set(old) | seen)
        return new

    def _reassign_owners(self, hashes: Iterable[str]) -> None:
        """Gives each unit to the first package by name that contains it,
        and drops units no package contains any more."""
        for content_hash in hashes:
            owner = self.db.execute(
                "SELECT o.package, o.name, o.source, o.flags, p.version, p.license, p.split "
                "FROM occurrences o JOIN packages p ON p.name = o.package "
                "WHERE o.hash = ? ORDER BY o.package LIMIT 1",
                (content_hash,),
            ).fetchone()
            if owner is None:
                self.db.execute("DELETE FROM units WHERE hash = ?", (content_hash,))
                continue
            self.db.execute(
                "UPDATE units SET package = ?, name = ?, source = ?, flags = ?, version = ?, "
                "license = ?, split = ? WHERE hash = ?",
                tuple(owner) + (content_hash,),
            )

    # -- queries -----------------------------------------------------------------------

    def uri(self, package: str, name: str) -> str:
        return "benchmark://%s/%s/%s" % (
            self.dataset,
            package,
            urllib.parse.quote(name, safe="/@+-._~"),
        )

    def lookup(self, package: str, name: str) -> Optional[sqlite3.Row]:
        """The unit a package's name refers to (its own, or a copy owned by
        another package)."""
        name = urllib.parse.unquote(name)
        row = self.db.execute(
            "SELECT u.* FROM occurrences o JOIN units u ON u.hash = o.hash "
            "WHERE o.package = ? AND o.name = ?",
            (package, name),
        ).fetchone()
        return row

    def units(
        self, where: str = "", parameters: tuple = (), order: str = "package, name"
    ) -> List[sqlite3.Row]:
        query = "SELECT * FROM units" + (" WHERE " + where if where else "") + " ORDER BY " + order
        return self.db.execute(query, parameters).fetchall()

    def count(self, where: str = "", parameters: tuple = ()) -> int:
        query = "SELECT COUNT(*) FROM units" + (" WHERE " + where if where else "")
        return int(self.db.execute(query, parameters).fetchone()[0])

    def packages(self) -> List[sqlite3.Row]:
        return self.db.execute("SELECT * FROM packages ORDER BY name").fetchall()
