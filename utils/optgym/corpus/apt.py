"""A private apt configuration with source packages, derived from the
machine's own.

The machine's apt sources usually carry binary packages only (``deb``) and
are shared by everything on it, so OptGym never edits them. Instead it
reads them — the files ``apt-config`` names (``Dir::Etc::SourceList`` and
the ``.list`` / ``.sources`` files of ``Dir::Etc::SourceParts``, in both
formats) — and writes the same archives, mirrors, suites, components and
keys, each for ``deb`` and ``deb-src``, into a directory of its own. apt
runs with that directory as its only source list and with package lists
and downloads of its own (:meth:`PrivateApt.options`); everything else
(proxies, ``apt.conf.d``) stays the machine's. No archive's host name is
written into OptGym: whatever mirror the machine uses, OptGym uses.

Command line (datasets/deploy/debian-source.sh uses it)::

    python3 -m optgym.corpus.apt options [--dir DIR]   # apt-get's -o options, one per line
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

from ..cache import atomic_write, default_cache_dir

__all__ = [
    "AptError",
    "AptSource",
    "PrivateApt",
    "machine_sources",
    "parse_deb822",
    "parse_one_line",
    "source_files",
]

#: The source list OptGym writes into its private directory.
SOURCES_FILE = "optgym.sources"
#: Seconds apt waits for the machine's dpkg lock (another install running).
DPKG_LOCK_TIMEOUT = 600


class AptError(RuntimeError):
    """apt is missing, its configuration cannot be read, or a command failed."""


@dataclass
class AptSource:
    """One archive of the machine's configuration: deb822 fields, ``Types``
    left out (the private copy has both)."""

    origin: str  # FILE:LINE it was read from, for messages
    fields: Dict[str, str] = field(default_factory=dict)

    def render(self) -> str:
        lines = ["# from %s" % self.origin, "Types: deb deb-src"]
        lines += ["%s: %s" % (name, value) for name, value in self.fields.items()]
        return "\n".join(lines) + "\n"


def parse_deb822(text: str, origin: str) -> List[AptSource]:
    """The enabled binary archives of a deb822 ``.sources`` file."""
    sources: List[AptSource] = []
    paragraph: Dict[str, str] = {}
    start = 0
    last = ""

    def finish() -> None:
        types = paragraph.get("Types", "").split()
        enabled = paragraph.get("Enabled", "yes").strip().lower() not in ("no", "false", "0")
        if "deb" in types and enabled:
            if "URIs" not in paragraph or "Suites" not in paragraph:
                raise AptError("%s:%d: a deb paragraph without URIs or Suites" % (origin, start))
            fields = {k: v for k, v in paragraph.items() if k not in ("Types", "Enabled")}
            sources.append(AptSource("%s:%d" % (origin, start), fields))

    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if paragraph:
                finish()
            paragraph, last = {}, ""
            continue
        if line[0] in " \t":
            if not last:
                raise AptError("%s:%d:1: a continuation line outside a field" % (origin, number))
            paragraph[last] += "\n" + line
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise AptError("%s:%d:1: expected 'Field: value'" % (origin, number))
        if not paragraph:
            start = number
        last = name.strip()
        paragraph[last] = value.strip()
    if paragraph:
        finish()
    return sources


_OPTION_FIELDS = {
    "arch": "Architectures",
    "lang": "Languages",
    "target": "Targets",
    "pdiffs": "PDiffs",
    "by-hash": "By-Hash",
    "allow-insecure": "Allow-Insecure",
    "allow-weak": "Allow-Weak",
    "allow-downgrade-to-insecure": "Allow-Downgrade-To-Insecure",
    "trusted": "Trusted",
    "signed-by": "Signed-By",
    "check-valid-until": "Check-Valid-Until",
    "valid-until-min": "Valid-Until-Min",
    "valid-until-max": "Valid-Until-Max",
    "check-date": "Check-Date",
    "date-max-future": "Date-Max-Future",
    "inrelease-path": "InRelease-Path",
}


def parse_one_line(text: str, origin: str) -> List[AptSource]:
    """The binary archives of a one-line-style ``.list`` file
    (``deb [OPTIONS] URI SUITE [COMPONENT...]``)."""
    sources: List[AptSource] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$", line)
        if not match:
            raise AptError(
                "%s:%d:1: expected 'deb [OPTIONS] URI SUITE COMPONENTS'" % (origin, number)
            )
        kind, options, uri, suite, components = match.groups()
        if kind != "deb":
            continue
        fields = {"URIs": uri, "Suites": suite}
        if components.strip():
            fields["Components"] = " ".join(components.split())
        for option in (options or "").split():
            name, equals, value = option.partition("=")
            if not equals or name not in _OPTION_FIELDS:
                raise AptError("%s:%d:1: unknown source option %r" % (origin, number, option))
            fields[_OPTION_FIELDS[name]] = value.replace(",", " ")
        sources.append(AptSource("%s:%d" % (origin, number), fields))
    return sources


def source_files() -> List[Path]:
    """The files apt reads its sources from, as ``apt-config`` names them."""
    try:
        shell = subprocess.run(
            ["apt-config", "shell", "L", "Dir::Etc::SourceList/f", "P", "Dir::Etc::SourceParts/d"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise AptError("cannot read apt's configuration (apt-config): %s" % error) from None
    values = dict(re.findall(r"^(\w+)='(.*)'$", shell, re.MULTILINE))
    files: List[Path] = []
    if values.get("L") and Path(values["L"]).is_file():
        files.append(Path(values["L"]))
    parts = Path(values.get("P", "/etc/apt/sources.list.d"))
    if parts.is_dir():
        # apt reads only these two extensions (others are disabled copies).
        files += sorted(p for p in parts.iterdir() if p.suffix in (".list", ".sources"))
    return files


def machine_sources(files: Optional[Sequence[Path]] = None) -> List[AptSource]:
    """The binary archives the machine's apt uses (``files``: of those
    files instead of apt-config's)."""
    sources: List[AptSource] = []
    for path in source_files() if files is None else files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise AptError("cannot read %s: %s" % (path, error.strerror)) from None
        parse = parse_deb822 if path.suffix == ".sources" else parse_one_line
        sources += parse(text, str(path))
    if not sources:
        read = ", ".join(str(p) for p in (source_files() if files is None else files))
        raise AptError(
            "the machine's apt configuration names no deb archive (read: %s)" % (read or "nothing")
        )
    return sources


class PrivateApt:
    """apt with OptGym's own source list, package lists and downloads under
    ``directory`` (default: the cache's ``apt``)."""

    def __init__(
        self, directory: Optional[Path] = None, sources: Optional[List[AptSource]] = None
    ) -> None:
        self.directory = Path(directory or default_cache_dir() / "apt").resolve()
        self._sources = sources

    def options(self) -> List[str]:
        return [
            "-o",
            "Dir::Etc::SourceList=/dev/null",
            "-o",
            "Dir::Etc::SourceParts=%s" % (self.directory / "parts"),
            "-o",
            "Dir::State::Lists=%s" % (self.directory / "lists"),
            "-o",
            "Dir::Cache=%s" % self.directory,
            "-o",
            "DPkg::Lock::Timeout=%d" % DPKG_LOCK_TIMEOUT,
        ]

    @contextmanager
    def locked(self, name: str = "lock") -> Iterator[None]:
        """Holds a lock that OptGym's processes sharing this directory take
        around list updates and installs."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / name, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def setup(self, max_age: float = 86400.0) -> None:
        """Writes the source list from the machine's and fetches package
        lists when there are none, they are older than ``max_age`` seconds,
        or the machine's sources changed."""
        import time

        with self.locked():
            for sub in ("parts", "lists/partial", "archives/partial"):
                (self.directory / sub).mkdir(parents=True, exist_ok=True)
            text = "".join(s.render() + "\n" for s in self._sources or machine_sources())
            path = self.directory / "parts" / SOURCES_FILE
            changed = not path.exists() or path.read_text(encoding="utf-8") != text
            if changed:
                atomic_write(path, text)
            stamp = self.directory / "lists" / "optgym-updated"
            stale = not stamp.exists() or time.time() - stamp.stat().st_mtime > max_age
            if changed or stale or not any((self.directory / "lists").glob("*Sources")):
                self.run(["apt-get", "-q", "update"], capture=True)
                stamp.touch()

    def run(
        self, argv: List[str], cwd: Optional[Path] = None, capture: bool = False, log=None
    ) -> subprocess.CompletedProcess:
        """Runs an apt command with the private configuration; AptError
        naming the command and apt's last lines when it fails."""
        command = argv[:1] + self.options() + argv[1:]
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", LC_ALL="C.UTF-8")
        try:
            completed = subprocess.run(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
            )
        except OSError as error:
            raise AptError("cannot run %s: %s" % (argv[0], error.strerror)) from None
        if log is not None:
            log.write("\n$ %s\n%s%s" % (" ".join(argv), completed.stdout, completed.stderr))
            log.flush()
        if completed.returncode != 0:
            # apt's errors are its E: lines; the first says what went wrong.
            output = (completed.stderr + completed.stdout).strip().splitlines()
            errors = [line for line in output if line.startswith("E: ")] or output[-1:]
            raise AptError(
                "`%s` failed (exit status %d)%s"
                % (" ".join(argv), completed.returncode, ": " + errors[0] if errors else "")
            )
        return completed

    def source_versions(self, package: str) -> List[str]:
        """The versions of a source package the lists offer, as listed."""
        completed = self.run(["apt-cache", "showsrc", "--only-source", package])
        versions = re.findall(r"^Version: (\S+)$", completed.stdout, re.M)
        return list(dict.fromkeys(versions))

    def fetch_source(self, package: str, directory: Path, log=None) -> None:
        """``apt-get source`` (Debian's patches applied) into ``directory``.
        When the newest version cannot be downloaded (a mirror that lacks
        the security archive's sources, say), the other versions the lists
        offer are tried before the first error is raised."""
        try:
            self.run(["apt-get", "-q", "source", "--only-source", package], cwd=directory, log=log)
            return
        except AptError as first:
            if "=" in package:
                raise
            error = first
        for version in self.source_versions(package):
            for leftover in directory.iterdir():
                if leftover.is_dir():
                    shutil.rmtree(leftover)
            try:
                self.run(
                    ["apt-get", "-q", "source", "%s=%s" % (package, version)],
                    cwd=directory,
                    log=log,
                )
                return
            except AptError:
                continue
        raise error


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m optgym.corpus.apt",
        description="OptGym's private apt configuration with source packages, derived from "
        "the machine's apt sources",
    )
    parser.add_argument("action", choices=["options"], help="print apt-get's -o options")
    parser.add_argument("--dir", type=Path, help="the private directory (default: the cache's)")
    args = parser.parse_args(argv)
    apt = PrivateApt(args.dir)
    try:
        apt.setup()
    except AptError as error:
        print("optgym: %s" % error, file=sys.stderr)
        return 1
    print("\n".join(apt.options()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
