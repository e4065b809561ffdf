"""The on-disk cache of built benchmarks, reference outputs and metrics.

Location: ``$OPTGYM_CACHE``, else ``$XDG_CACHE_HOME/optgym``, else
``~/.cache/optgym``. Layout (format version 1)::

    ROOT/v1/KIND/KK/KEY/manifest.json   what the entry holds (written last)
    ROOT/v1/KIND/KK/KEY/FILE...         its files (bitcode, stdout, ...)
    ROOT/v1/KIND/KK/KEY.lock            serializes builders of KEY
    ROOT/v1/tmp/                        entries being built

KEY is the sha256 of the JSON list of everything the entry depends on (the
benchmark's URI, a content hash of its sources, the clang version string,
the flags). An entry is built in a private temporary directory next to the
others and renamed into place whole, so a reader never sees half an entry,
and builders of one key take turns under an ``flock`` on its ``.lock`` file,
so concurrent processes neither corrupt nor duplicate work.

``manifest.json`` records the size and sha256 of every file. An entry whose
manifest is unreadable, or a file of which is missing or differs from the
manifest (a truncated bitcode file, say), is corrupt: it is reported once as
a warning naming the benchmark, deleted and rebuilt.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional, Union

from .errors import BenchmarkError

__all__ = [
    "Cache",
    "CacheEntry",
    "CACHE_ENV",
    "NEW_FILE_MODE",
    "atomic_write",
    "default_cache_dir",
    "file_sha256",
]

#: The environment variable that names the cache directory.
CACHE_ENV = "OPTGYM_CACHE"

_FORMAT = "optgym-cache"
_VERSION = 1
_MANIFEST = "manifest.json"


def default_cache_dir() -> Path:
    """``$OPTGYM_CACHE``, else ``$XDG_CACHE_HOME/optgym``, else
    ``~/.cache/optgym``."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "optgym"
    return Path.home() / ".cache" / "optgym"


def file_sha256(path: Union[str, os.PathLike]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _new_file_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


#: The mode open() gives a new file under this process's umask (read once,
#: at import). Files written through a temporary file get it: mkstemp's are
#: 0600.
NEW_FILE_MODE = _new_file_mode()


def atomic_write(path: Union[str, os.PathLike], data: Union[bytes, str]) -> None:
    """Writes ``path`` through a temporary file in the same directory and a
    rename: a reader sees the old content or the new, never a part."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, NEW_FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _warn(text: str) -> None:
    sys.stderr.write("optgym: warning: %s\n" % text)
    sys.stderr.flush()


class CacheEntry:
    """A complete cache entry: a directory of files plus JSON data."""

    def __init__(self, directory: Path, manifest: Dict[str, Any]) -> None:
        self.dir = directory
        self.manifest = manifest

    @property
    def data(self) -> Dict[str, Any]:
        return self.manifest.get("data", {})

    def path(self, name: str) -> Path:
        """The path of one of the entry's files."""
        if name not in self.manifest.get("files", {}):
            raise KeyError("cache entry %s has no file %r" % (self.dir, name))
        return self.dir / name

    def read_bytes(self, name: str) -> bytes:
        return self.path(name).read_bytes()


class Cache:
    """The cache rooted at ``root`` (default :func:`default_cache_dir`)."""

    def __init__(self, root: Optional[Union[str, os.PathLike]] = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()
        self.base = self.root / ("v%d" % _VERSION)

    _default: Optional["Cache"] = None

    @classmethod
    def default(cls) -> "Cache":
        """The cache the environment names (re-read when it changes)."""
        root = default_cache_dir()
        if cls._default is None or cls._default.root != root:
            cls._default = cls(root)
        return cls._default

    def __repr__(self) -> str:
        return "Cache(%r)" % str(self.root)

    @staticmethod
    def key(*parts: Any) -> str:
        """The sha256 of the parts, as canonical JSON."""
        text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def entry_dir(self, kind: str, key: str) -> Path:
        return self.base / kind / key[:2] / key

    @contextlib.contextmanager
    def _locked(self, entry: Path, label: Optional[str] = None) -> Iterator[None]:
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            lock = open(str(entry) + ".lock", "a+b")
        except OSError as error:
            raise BenchmarkError(
                "cannot use the cache %s: %s (set %s to a writable directory)"
                % (self.root, error.strerror or error, CACHE_ENV),
                label,
            ) from None
        with lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _check(self, entry: Path) -> Optional[str]:
        """None when the entry at ``entry`` is complete and intact, else what
        is wrong with it ('' when it simply does not exist)."""
        manifest_path = entry / _MANIFEST
        if not entry.exists():
            return ""
        if not manifest_path.exists():
            return "no manifest (an interrupted build)"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            return "%s is unreadable: %s" % (_MANIFEST, error)
        if (
            not isinstance(manifest, dict)
            or manifest.get("format") != _FORMAT
            or not isinstance(manifest.get("files"), dict)
            or not isinstance(manifest.get("data", {}), dict)
        ):
            return "%s is not an %s manifest" % (_MANIFEST, _FORMAT)
        for name, expected in manifest["files"].items():
            path = entry / name
            try:
                size = path.stat().st_size
            except OSError:
                return "%s is missing" % name
            if not isinstance(expected, dict) or size != expected.get("size"):
                return "%s has %d bytes, the manifest says %s" % (
                    name,
                    size,
                    expected.get("size") if isinstance(expected, dict) else "?",
                )
            if file_sha256(path) != expected.get("sha256"):
                return "%s differs from what was written" % name
        return None

    def _load(self, entry: Path) -> CacheEntry:
        manifest = json.loads((entry / _MANIFEST).read_text(encoding="utf-8"))
        return CacheEntry(entry, manifest)

    def lookup(self, kind: str, key: str, label: Optional[str] = None) -> Optional[CacheEntry]:
        """The intact entry of ``key``, or None. A corrupt entry is reported
        (naming ``label``, the benchmark) and deleted."""
        entry = self.entry_dir(kind, key)
        with self._locked(entry, label):
            return self._lookup_locked(kind, entry, label)

    def _lookup_locked(self, kind: str, entry: Path, label: Optional[str]) -> Optional[CacheEntry]:
        problem = self._check(entry)
        if problem is None:
            return self._load(entry)
        if problem:
            if not problem.startswith("no manifest"):
                _warn(
                    "%s: corrupt cache entry %s (%s): deleted, rebuilding"
                    % (label or kind, entry, problem)
                )
            shutil.rmtree(entry, ignore_errors=True)
        return None

    def get_or_build(
        self,
        kind: str,
        key: str,
        build: Callable[[Path], Optional[Dict[str, Any]]],
        label: Optional[str] = None,
    ) -> CacheEntry:
        """The entry of ``key``, built first when it is missing or corrupt.

        ``build(directory)`` writes the entry's files into a fresh private
        directory and returns its JSON data; an exception from it leaves
        nothing behind in the cache.
        """
        entry = self.entry_dir(kind, key)
        with self._locked(entry, label):
            found = self._lookup_locked(kind, entry, label)
            if found is not None:
                return found
            tmp_root = self.base / "tmp"
            tmp_root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=key[:16] + "-", dir=str(tmp_root)))
            try:
                data = build(staging) or {}
                files = {}
                for path in list(staging.iterdir()):
                    # Scratch directories of the build are not part of it.
                    if path.is_dir() and not path.is_symlink():
                        shutil.rmtree(path, ignore_errors=True)
                for path in sorted(staging.iterdir()):
                    if path.is_file():
                        files[path.name] = {
                            "size": path.stat().st_size,
                            "sha256": file_sha256(path),
                        }
                manifest = {
                    "format": _FORMAT,
                    "version": _VERSION,
                    "kind": kind,
                    "label": label,
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "files": files,
                    "data": data,
                }
                atomic_write(staging / _MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
                if entry.exists():
                    shutil.rmtree(entry, ignore_errors=True)
                os.rename(staging, entry)
            finally:
                if staging.exists():
                    shutil.rmtree(staging, ignore_errors=True)
            return self._load(entry)

    def clear(self) -> None:
        """Deletes the whole cache."""
        shutil.rmtree(self.root, ignore_errors=True)
