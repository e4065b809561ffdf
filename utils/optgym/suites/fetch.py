"""Downloading a suite's archives (through a mirror when one is set),
checking their sha256, keeping them in the cache, and extracting one
directory of one safely.

``$OPTGYM_DOWNLOAD_MIRROR`` names mirrors (separated by spaces): base URLs
(``http://``, ``https://``, ``file://``) or directories. An archive
published at ``https://HOST/PATH`` is looked for at ``MIRROR/HOST/PATH`` of
each, then at its own URLs. Whatever it comes from, an archive is used only
when its sha256 is the manifest's; it is then kept in the cache (kind
``download``, keyed by that checksum), so it is downloaded once per machine.

Extraction never writes outside its destination: an archive with an
absolute member, a ``..`` component, a link that leaves the archive, or a
device or pipe is refused whole (before it is cached). Only regular files
and directories are written; a symbolic or hard link to a file inside the
archive becomes a copy of that file.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import tarfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO, Callable, Dict, List, Optional, Tuple

from ..cache import Cache, CacheEntry
from ..errors import BenchmarkError
from ..progress import Progress
from .manifest import Archive

__all__ = [
    "MIRROR_ENV",
    "DOWNLOAD_TIMEOUT",
    "DownloadError",
    "UnsafeArchive",
    "archive_candidates",
    "cached_archive",
    "extract_directory",
    "fetch_archive",
]

#: Mirrors to look in first (space-separated base URLs or directories).
MIRROR_ENV = "OPTGYM_DOWNLOAD_MIRROR"
#: Seconds a connection may stay silent before a download is given up.
DOWNLOAD_TIMEOUT = 60.0

_FILE = "archive"
_CHUNK = 1 << 16


class DownloadError(BenchmarkError):
    """No source of an archive gave the bytes its checksum names."""


class UnsafeArchive(DownloadError):
    """An archive with a member that would land outside its directory (or
    is a device, a pipe, ...)."""


def _mirror_location(mirror: str, url: str) -> str:
    """Where ``url`` is in ``mirror``: MIRROR/HOST/PATH."""
    parsed = urllib.parse.urlsplit(url)
    relative = (parsed.hostname or "") + parsed.path
    if "://" in mirror:
        return mirror.rstrip("/") + "/" + urllib.parse.quote(relative)
    return os.path.join(os.path.expanduser(mirror), *relative.split("/"))


def archive_candidates(archive: Archive, mirrors: Optional[str] = None) -> List[str]:
    """Where an archive is looked for, in order: each mirror's copy of each
    URL, then the URLs themselves."""
    text = os.environ.get(MIRROR_ENV, "") if mirrors is None else mirrors
    found: List[str] = []
    for mirror in text.split():
        found += [_mirror_location(mirror, url) for url in archive.urls]
    found += list(archive.urls)
    return list(dict.fromkeys(found))


def _open(location: str, timeout: float) -> Tuple[IO[bytes], Optional[int]]:
    if "://" not in location:
        stream = open(location, "rb")
        return stream, os.fstat(stream.fileno()).st_size
    response = urllib.request.urlopen(location, timeout=timeout)  # noqa: S310 - http/file only
    length = response.headers.get("Content-Length")
    return response, int(length) if length and length.isdigit() else None


def _download(location: str, out: Path, timeout: float, label: str) -> str:
    """Copies ``location`` to ``out``; returns its sha256."""
    digest = hashlib.sha256()
    stream, size = _open(location, timeout)
    progress = Progress("%s: downloading %s" % (label, location), size, interval=5.0)
    try:
        with stream, open(out, "wb") as sink:
            while True:
                block = stream.read(_CHUNK)
                if not block:
                    break
                sink.write(block)
                digest.update(block)
                progress.update(advance=len(block))
    finally:
        progress.close()
    return digest.hexdigest()


# -- members --------------------------------------------------------------------


def member_path(name: str) -> Optional[str]:
    """A member's normalized relative path, or None when it is absolute or
    leaves the archive."""
    if name.startswith(("/", "\\")):
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        return None
    return "/".join(parts)


def _link_target(member: tarfile.TarInfo, path: str) -> Optional[str]:
    """The member a link points at (relative to the archive), or None when
    it leaves the archive."""
    if member.issym():
        if member.linkname.startswith("/"):
            return None
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), member.linkname))
    else:
        joined = posixpath.normpath(member.linkname)
    if joined.startswith("../") or joined == ".." or joined.startswith("/"):
        return None
    return joined


def check_members(
    tar: tarfile.TarFile, where: str, uri: Optional[str]
) -> Dict[str, tarfile.TarInfo]:
    """Every member by its normalized path; UnsafeArchive (naming ``where``,
    the archive, and ``uri``, the benchmark) for one that is not safe to
    extract."""
    members: Dict[str, tarfile.TarInfo] = {}
    for member in tar.getmembers():
        path = member_path(member.name)
        if path is None:
            raise UnsafeArchive(
                "%s: member %r would be written outside its directory" % (where, member.name), uri
            )
        if member.issym() or member.islnk():
            if _link_target(member, path) is None:
                raise UnsafeArchive(
                    "%s: link %r -> %r points outside the archive"
                    % (where, member.name, member.linkname),
                    uri,
                )
        elif not (member.isfile() or member.isdir()):
            raise UnsafeArchive(
                "%s: member %r is not a file or a directory" % (where, member.name), uri
            )
        members[path] = member
    return members


def _verify_archive(path: Path, where: str, uri: str) -> None:
    try:
        with tarfile.open(path) as tar:
            check_members(tar, where, uri)
    except tarfile.TarError as error:
        raise DownloadError("%s: not a readable tar archive: %s" % (where, error), uri) from None


# -- the cache --------------------------------------------------------------------


def _cache_key(archive: Archive) -> str:
    return Cache.key("download", archive.sha256)


def cached_archive(archive: Archive, cache: Cache) -> Optional[Path]:
    """The archive's file in the cache, or None when it is not there."""
    entry = cache.lookup("download", _cache_key(archive), label=archive.urls[0])
    return entry.path(_FILE) if entry is not None else None


def fetch_archive(
    archive: Archive,
    cache: Cache,
    label: str,
    mirrors: Optional[str] = None,
    timeout: float = DOWNLOAD_TIMEOUT,
    opener: Optional[Callable[[str, Path], str]] = None,
) -> Path:
    """The archive's file, from the cache or downloaded into it (its
    sha256 checked, its members checked safe). DownloadError naming
    ``label`` (the benchmark) and every place tried, with why each failed
    (for a wrong checksum: the URL, the expected and the actual sha256)."""

    def build(directory: Path) -> Dict[str, str]:
        out = directory / _FILE
        failures: List[str] = []
        for location in archive_candidates(archive, mirrors):
            try:
                if opener is not None:
                    actual = opener(location, out)
                else:
                    actual = _download(location, out, timeout, label)
            except (OSError, urllib.error.URLError, ValueError) as error:
                reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
                failures.append("%s: %s" % (location, reason))
                continue
            if actual != archive.sha256:
                failures.append(
                    "%s: checksum mismatch: expected sha256 %s, got %s"
                    % (location, archive.sha256, actual)
                )
                continue
            _verify_archive(out, location, label)
            return {"url": location, "sha256": actual}
        hint = "" if os.environ.get(MIRROR_ENV) or mirrors else " (offline? set %s)" % MIRROR_ENV
        raise DownloadError(
            "cannot download archive %r%s:\n  %s" % (archive.name, hint, "\n  ".join(failures)),
            label,
        )

    entry: CacheEntry = cache.get_or_build("download", _cache_key(archive), build, label=label)
    return entry.path(_FILE)


# -- extracting ------------------------------------------------------------------------


def path_under(path: str, prefix: str) -> Optional[str]:
    if not prefix:
        return path
    if path == prefix:
        return ""
    if path.startswith(prefix + "/"):
        return path[len(prefix) + 1 :]
    return None


def resolve_link(members: Dict[str, tarfile.TarInfo], path: str) -> Optional[tarfile.TarInfo]:
    """The regular file a (chain of) link(s) ends at, or None."""
    seen = set()
    member = members.get(path)
    while member is not None and (member.issym() or member.islnk()):
        if path in seen:
            return None
        seen.add(path)
        target = _link_target(member, path)
        if target is None:
            return None
        path, member = target, members.get(target)
    return member if member is not None and member.isfile() else None


def copy_member(tar: tarfile.TarFile, member: tarfile.TarInfo, out: Path) -> None:
    source = tar.extractfile(member)
    if source is None:
        raise UnsafeArchive("member %r has no data" % member.name)
    with source, open(out, "wb") as sink:
        shutil.copyfileobj(source, sink, _CHUNK)


def extract_directory(
    archive_path: Path, archive: Archive, directory: str, dest: Path, uri: str
) -> List[str]:
    """Writes the files under ``directory`` (relative to the archive's root,
    after its strip prefix) into ``dest``; returns their relative paths.
    UnsafeArchive for an unsafe member, DownloadError when the directory is
    not in the archive."""
    written: List[str] = []
    prefix = "/".join(p for p in (archive.strip_prefix, directory) if p)
    where = "archive %r" % archive.name
    with tarfile.open(archive_path) as tar:
        members = check_members(tar, where, uri)
        for path, member in sorted(members.items()):
            relative = path_under(path, prefix)
            if relative is None or relative == "" or member.isdir():
                continue
            target = member if member.isfile() else resolve_link(members, path)
            if target is None:
                continue  # a link to a directory or to nothing: sources never need one
            out = dest.joinpath(*relative.split("/"))
            out.parent.mkdir(parents=True, exist_ok=True)
            copy_member(tar, target, out)
            written.append(relative)
    if not written:
        raise DownloadError("archive %r has no files under %r" % (archive.name, prefix or "/"), uri)
    return written
