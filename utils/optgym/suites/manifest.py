"""Suite manifests: which public archives a suite's programs come from and
how each program is built (docs/suites.md, "The manifest").

A manifest is a JSON document (``"format": "optgym-suite"``, version 1)
that names archives (URLs, sha256, a prefix to strip) and programs (the
archive and directory they come from, the sources to compile, flags, link
flags, and small edits written for OptGym). The manifests OptGym ships are
``optgym/suites/manifests/*.json``; ``$OPTGYM_SUITES`` names more files
(separated by ``:``), each one suite or ``{"suites": [...]}``: a suite of a
new name is added, and one of a shipped name is merged into it, archive by
archive and program by program (what an override gives replaces that entry
whole; its other keys replace the suite's). The manifest is data: nothing
in it runs except the compiler, with the flags it lists.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ..errors import BenchmarkError

__all__ = [
    "SUITES_ENV",
    "MANIFEST_FORMAT",
    "Archive",
    "Edit",
    "ManifestError",
    "Program",
    "Suite",
    "load_suites",
    "manifests_dir",
]

#: Extra or overriding suite manifests (paths separated by ``:``).
SUITES_ENV = "OPTGYM_SUITES"
MANIFEST_FORMAT = "optgym-suite"
#: Corpora (:mod:`optgym.suites.corpora`) share the manifest files; suites skip them.
CORPUS_FORMAT = "optgym-corpus"
_VERSION = 1

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*-v[0-9]+$")
_PROGRAM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ManifestError(BenchmarkError):
    """A suite manifest that cannot be read or is malformed; names the file."""


def manifests_dir() -> Path:
    """The manifests that ship with OptGym."""
    return Path(__file__).resolve().parent / "manifests"


def relative_path(text: str, what: str, where: str) -> str:
    """A relative path inside an archive, normalized; ManifestError for an
    absolute one or one that leaves it."""
    parts = [part for part in text.replace("\\", "/").split("/") if part not in ("", ".")]
    if text.startswith("/") or ".." in parts:
        raise ManifestError(
            "%s: %s %r must be a relative path inside the archive" % (where, what, text)
        )
    return "/".join(parts)


@dataclass(frozen=True)
class Archive:
    """A source archive (tar, optionally gzip/bzip2/xz compressed).

    Attributes:
        name: how the suite's programs refer to it.
        urls: where it is published, tried in order (after any mirror).
        sha256: its checksum, always verified.
        strip_prefix: a directory inside the archive that is its root
            (members outside it are ignored).
    """

    name: str
    urls: Tuple[str, ...]
    sha256: str
    strip_prefix: str = ""

    def key(self) -> List[Any]:
        return [self.sha256, self.strip_prefix]


@dataclass(frozen=True)
class Edit:
    """A change OptGym makes to one source before compiling it: every whole
    word ``rename[0]`` becomes ``rename[1]`` (an identifier that clashes
    with today's C library, say). It must match at least once, so that a
    changed source is noticed."""

    file: str
    rename: Tuple[str, str]

    def apply(self, text: str) -> Tuple[str, int]:
        return re.subn(r"\b%s\b" % re.escape(self.rename[0]), self.rename[1], text)


@dataclass(frozen=True)
class Program:
    """One program of a suite: its sources in a directory of an archive.

    Attributes:
        name: the benchmark name (``benchmark://SUITE/NAME``).
        archive: the :class:`Archive` it comes from.
        dir: its directory, relative to the archive's root.
        sources: glob patterns of the files to compile, relative to ``dir``
            (not recursive unless the pattern says so).
        exclude: glob patterns of files the sources leave out.
        flags: clang flags for every source (``-D...``, ``-include ...``).
        link_flags: what links its executables besides the bitcode.
        edits: :class:`Edit` s applied before compiling.
    """

    name: str
    archive: str
    dir: str
    sources: Tuple[str, ...] = ("*.c",)
    exclude: Tuple[str, ...] = ()
    flags: Tuple[str, ...] = ()
    link_flags: Tuple[str, ...] = ("-lm",)
    edits: Tuple[Edit, ...] = ()

    def key(self) -> Dict[str, Any]:
        return {
            "archive": self.archive,
            "dir": self.dir,
            "sources": list(self.sources),
            "exclude": list(self.exclude),
            "flags": list(self.flags),
            "link_flags": list(self.link_flags),
            "edits": [[edit.file, list(edit.rename)] for edit in self.edits],
        }


@dataclass(frozen=True)
class Suite:
    """A suite: its archives and programs, and how sources become bitcode.

    Attributes:
        name: the dataset name (``cbench-v1``): its URIs are
            ``benchmark://NAME/PROGRAM``.
        bitcode_flags: how clang turns each source into bitcode (the suite's
            own, to match the modules another project published).
        flags: clang flags for every program (before its own).
        use: what the suite may be used for (``evaluation``: built and run
            to report results, never trained or tuned on).
        origin: the files the suite was read from (shipped, then overrides).
    """

    name: str
    description: str
    license: str
    archives: Mapping[str, Archive]
    programs: Mapping[str, Program]
    bitcode_flags: Tuple[str, ...]
    flags: Tuple[str, ...] = ()
    references: Mapping[str, str] = field(default_factory=dict)
    use: str = ""
    notes: str = ""
    origin: Tuple[str, ...] = ()

    @property
    def uri(self) -> str:
        return "benchmark://%s" % self.name

    def program_key(self, name: str) -> str:
        """A digest of everything that goes into one program's bitcode that
        the manifest says: its entry, its archive, the suite's flags."""
        program = self.programs[name]
        document = {
            "bitcode_flags": list(self.bitcode_flags),
            "flags": list(self.flags),
            "program": program.key(),
            "archive": self.archives[program.archive].key(),
        }
        text = json.dumps(document, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- reading --------------------------------------------------------------------


def string_list(value: Any, what: str, where: str) -> Tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ManifestError("%s: %s must be a list of strings" % (where, what))
    return tuple(value)


def check_keys(data: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ManifestError(
            "%s: unknown key%s %s (expected %s)"
            % (where, "s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(allowed))
        )


def parse_archive(name: str, data: Any, where: str) -> Archive:
    where = "%s: archive %r" % (where, name)
    if not isinstance(data, dict):
        raise ManifestError("%s must be an object" % where)
    check_keys(data, ("urls", "sha256", "strip_prefix"), where)
    urls = string_list(data.get("urls", []), "urls", where)
    if not urls:
        raise ManifestError("%s: no urls" % where)
    sha256 = str(data.get("sha256", "")).lower()
    if not _SHA256.match(sha256):
        raise ManifestError("%s: sha256 must be 64 hex digits, got %r" % (where, sha256))
    prefix = relative_path(str(data.get("strip_prefix", "")), "strip_prefix", where)
    return Archive(name, urls, sha256, prefix)


def _edit(data: Any, where: str) -> Edit:
    if not isinstance(data, dict):
        raise ManifestError("%s: an edit must be an object" % where)
    check_keys(data, ("file", "rename"), where + ": edit")
    rename = string_list(data.get("rename", []), "rename", where)
    if len(rename) != 2 or not all(_IDENTIFIER.match(word) for word in rename):
        raise ManifestError("%s: rename must be two identifiers [OLD, NEW]" % where)
    return Edit(
        relative_path(str(data.get("file", "")), "edit file", where), (rename[0], rename[1])
    )


def _program(name: str, data: Any, archives: Mapping[str, Any], where: str) -> Program:
    where = "%s: program %r" % (where, name)
    if not _PROGRAM.match(name):
        raise ManifestError("%s: not a valid program name" % where)
    if not isinstance(data, dict):
        raise ManifestError("%s must be an object" % where)
    check_keys(
        data, ("archive", "dir", "sources", "exclude", "flags", "link_flags", "edits"), where
    )
    archive = data.get("archive")
    if archive not in archives:
        raise ManifestError(
            "%s: archive %r is not one of the suite's (%s)"
            % (where, archive, ", ".join(sorted(archives)) or "none")
        )
    edits = data.get("edits", [])
    if not isinstance(edits, list):
        raise ManifestError("%s: edits must be a list" % where)
    return Program(
        name=name,
        archive=str(archive),
        dir=relative_path(str(data.get("dir", "")), "dir", where),
        sources=string_list(data.get("sources", ["*.c"]), "sources", where),
        exclude=string_list(data.get("exclude", []), "exclude", where),
        flags=string_list(data.get("flags", []), "flags", where),
        link_flags=string_list(data.get("link_flags", ["-lm"]), "link_flags", where),
        edits=tuple(_edit(edit, where) for edit in edits),
    )


_SUITE_KEYS = (
    "format",
    "version",
    "name",
    "description",
    "license",
    "references",
    "use",
    "notes",
    "bitcode_flags",
    "flags",
    "archives",
    "programs",
)


def _suite(data: Dict[str, Any], origin: Tuple[str, ...]) -> Suite:
    where = " + ".join(origin)
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ManifestError("%s: name must look like NAME-vN, got %r" % (where, name))
    where = "%s: suite %s" % (where, name)
    for key in ("archives", "programs", "references"):
        if not isinstance(data.get(key, {}), dict):
            raise ManifestError("%s: %s must be an object" % (where, key))
    archives = {
        key: parse_archive(key, value, where) for key, value in data.get("archives", {}).items()
    }
    programs = {
        key: _program(key, value, archives, where)
        for key, value in sorted(data.get("programs", {}).items())
    }
    if not programs:
        raise ManifestError("%s: no programs" % where)
    bitcode_flags = string_list(data.get("bitcode_flags", []), "bitcode_flags", where)
    if not bitcode_flags:
        raise ManifestError("%s: bitcode_flags must say how sources become bitcode" % where)
    return Suite(
        name=name,
        description=str(data.get("description", "")),
        license=str(data.get("license", "")),
        archives=archives,
        programs=programs,
        bitcode_flags=bitcode_flags,
        flags=string_list(data.get("flags", []), "flags", where),
        references={str(k): str(v) for k, v in data.get("references", {}).items()},
        use=str(data.get("use", "")),
        notes=str(data.get("notes", "")),
        origin=origin,
    )


def json_documents(path: Path, what: str) -> List[Dict[str, Any]]:
    """The documents of one manifest file: its object, or the objects of
    its ``{"suites": [...]}``. ManifestError naming the file when it cannot
    be read or has another shape (``what``: the kind, for messages)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ManifestError(
            "cannot read %s manifest %s: %s" % (what, path, error.strerror or error)
        ) from None
    except ValueError as error:
        raise ManifestError("%s manifest %s is not JSON: %s" % (what, path, error)) from None
    documents = data.get("suites", [data]) if isinstance(data, dict) else None
    if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
        raise ManifestError('%s: expected a %s object or {"suites": [...]}' % (path, what))
    return documents


def manifest_paths(
    extra: Sequence[Union[str, os.PathLike]] = (), shipped: bool = True
) -> List[Path]:
    """The manifest files, in the order they apply: the shipped ones
    (unless ``shipped=False``), then ``$OPTGYM_SUITES``'s, then ``extra``."""
    paths: List[Path] = sorted(manifests_dir().glob("*.json")) if shipped else []
    return paths + override_paths() + [Path(os.fspath(p)).expanduser() for p in extra]


def merge_documents(
    paths: Sequence[Path],
    documents_of: Callable[[Path], List[Dict[str, Any]]],
    merge: Callable[[Dict[str, Any], Dict[str, Any]], Dict[str, Any]],
    what: str,
) -> Dict[str, Tuple[Dict[str, Any], Tuple[str, ...]]]:
    """name -> (the documents of that name merged in order, the files they
    came from)."""
    merged: Dict[str, Dict[str, Any]] = {}
    origins: Dict[str, List[str]] = {}
    for path in paths:
        for document in documents_of(path):
            name = document.get("name")
            if not isinstance(name, str):
                raise ManifestError("%s: a %s without a name" % (path, what))
            merged[name] = merge(merged.get(name, {}), document)
            origins.setdefault(name, []).append(str(path))
    return {name: (merged[name], tuple(origins[name])) for name in sorted(merged)}


def manifests_stamp() -> Tuple:
    """What the manifests' contents depend on: each file and its mtime (a
    cache of what was read from them is good while this stays the same)."""
    stamp = []
    for path in manifest_paths():
        try:
            stamp.append((str(path), os.stat(path).st_mtime_ns))
        except OSError:
            stamp.append((str(path), None))
    return tuple(stamp)


def _documents(path: Path) -> List[Dict[str, Any]]:
    """The suite documents of one manifest file (each checked for the format)."""
    documents = json_documents(path, "suite")
    documents = [d for d in documents if d.get("format") != CORPUS_FORMAT]
    for document in documents:
        if document.get("format", MANIFEST_FORMAT) != MANIFEST_FORMAT:
            raise ManifestError("%s: format must be %r" % (path, MANIFEST_FORMAT))
        if document.get("version", _VERSION) != _VERSION:
            raise ManifestError(
                "%s: version %r is not supported (this OptGym reads version %d)"
                % (path, document.get("version"), _VERSION)
            )
        unknown = sorted(set(document) - set(_SUITE_KEYS))
        if unknown:
            raise ManifestError(
                "%s: unknown key%s %s" % (path, "s" if len(unknown) > 1 else "", ", ".join(unknown))
            )
    return documents


def _merge(base: Dict[str, Any], override: Dict[str, Any]) -> Dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if key in ("archives", "programs") and isinstance(value, dict):
            entries = dict(merged.get(key, {}))
            entries.update(value)
            merged[key] = entries
        else:
            merged[key] = value
    return merged


def override_paths(value: Optional[str] = None) -> List[Path]:
    """The files ``$OPTGYM_SUITES`` (or ``value``) names."""
    text = os.environ.get(SUITES_ENV, "") if value is None else value
    return [Path(part).expanduser() for part in text.split(os.pathsep) if part.strip()]


def load_suites(
    extra: Sequence[Union[str, os.PathLike]] = (), shipped: bool = True
) -> Dict[str, Suite]:
    """The suites by name: the shipped manifests (unless ``shipped=False``),
    then each file of ``$OPTGYM_SUITES``, then each of ``extra``, later ones
    adding suites or merging into those of the same name. ManifestError
    naming the file for one that cannot be read or is malformed."""
    found = merge_documents(manifest_paths(extra, shipped), _documents, _merge, "suite")
    return {name: _suite(data, origin) for name, (data, origin) in found.items()}
