"""Public corpora too large for a program list: AnghaBench's million
functions (``benchmark://anghabench-v1/PATH``) and Jotai's runnable programs
(``benchmark://jotaibench-v1/NAME``).

A corpus manifest (``"format": "optgym-corpus"``) names one archive (URLs,
sha256, strip prefix) and which of its files are programs (a directory and a
glob); each matching file is one benchmark, named by its path without the
suffix, as CompilerGym names them. The manifests live beside the suites'
(``optgym/suites/manifests/*.json``) and ``$OPTGYM_SUITES`` overrides them the
same way: a document of a shipped name is merged into it (``archive`` key by
key, other keys whole).

The archive is fetched as a suite's is (mirrors first, sha256 always
checked, unsafe members refused: :mod:`optgym.suites.fetch`), then extracted
once, whole, into ``CACHE/corpora/KEY/tree`` with the sorted program list
beside it (``programs.txt``): that list is the corpus's listing, read back
in a fraction of a second instead of walking a million files. Cache entries
cannot hold a directory tree, hence the separate place; it is written into
a private directory and renamed when complete, so a half-extracted tree is
never used. Each program is compiled alone to bitcode on first use and
cached like every benchmark's.

A runnable corpus (``"run"``) says which arguments its programs run with:
Jotai's take the index of an input, ``0`` being the one every program has
(CompilerGym's ``./a.out 0``); :meth:`PublicCorpusBenchmark.inputs` reads every
input a program's usage text lists.
"""

from __future__ import annotations

import bisect
import fcntl
import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ..benchmark_base import DEFAULT_TIMEOUT, Benchmark
from ..cache import Cache
from ..errors import BenchmarkError, UnknownBenchmark
from ..toolchain import RunResult, Toolchain, run_program, tool_environment
from .fetch import (
    DownloadError,
    check_members,
    copy_member,
    fetch_archive,
    member_path,
    path_under,
    resolve_link,
)
from .manifest import (
    CORPUS_FORMAT,
    Archive,
    ManifestError,
    check_keys,
    json_documents,
    manifest_paths,
    manifests_stamp,
    merge_documents,
    parse_archive,
    relative_path,
    string_list,
)

__all__ = [
    "CORPUS_FORMAT",
    "PublicCorpus",
    "PublicCorpusBenchmark",
    "public_corpora",
    "public_corpus_benchmark",
    "public_corpus_installed",
    "public_corpus_programs",
    "install_public_corpus",
    "load_public_corpora",
]

_VERSION = 1
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*-v[0-9]+$")
_LISTING = "programs.txt"
_TREE = "tree"
# Usage lines of a Jotai program: "       0            big-arr\n\"
_JOTAI_INPUT = re.compile(r"^\s+(\d+)\s+(\S[^\\]*?)\s*\\n\\?\s*$")

_KEYS = (
    "format",
    "version",
    "name",
    "description",
    "license",
    "references",
    "use",
    "notes",
    "size",
    "bitcode_flags",
    "flags",
    "rewrite",
    "archive",
    "programs",
    "run",
)


@dataclass(frozen=True)
class SourceRewrite:
    """Edits a corpus's sources need before they compile alone, as the
    corpus's original users made them (POJ-104's student programs declare
    ``void main`` and use the standard library without ``std::``).

    Attributes:
        prepend: text put before the source.
        replace: ``(regex, replacement)`` pairs applied in order, each to
            every match (Python's :func:`re.sub`, multi-line: ``^`` is a
            line's start).
    """

    prepend: str = ""
    replace: Tuple[Tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.prepend or self.replace)

    def apply(self, source: bytes) -> bytes:
        # Latin-1 maps every byte to one character and back: sources in
        # any encoding keep their bytes, and the patterns are ASCII.
        text = source.decode("latin-1")
        for pattern, replacement in self.replace:
            text = re.sub(pattern, replacement, text, flags=re.MULTILINE)
        return (self.prepend + text).encode("latin-1")

    def to_json(self) -> Dict[str, Any]:
        return {"prepend": self.prepend, "replace": [list(pair) for pair in self.replace]}


def _rewrite(value: Any, where: str) -> SourceRewrite:
    if value is None:
        return SourceRewrite()
    if not isinstance(value, dict):
        raise ManifestError("%s: rewrite must be an object" % where)
    check_keys(value, ("prepend", "replace"), where + ": rewrite")
    prepend = value.get("prepend", "")
    if not isinstance(prepend, str):
        raise ManifestError("%s: rewrite.prepend must be a string" % where)
    pairs = value.get("replace", [])
    if not isinstance(pairs, list):
        raise ManifestError("%s: rewrite.replace must be a list of [regex, replacement]" % where)
    replace = []
    for index, pair in enumerate(pairs):
        at = "%s: rewrite.replace[%d]" % (where, index)
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(part, str) for part in pair)
        ):
            raise ManifestError("%s: expected [regex, replacement], got %r" % (at, pair))
        try:
            re.compile(pair[0], re.MULTILINE)
        except re.error as error:
            raise ManifestError("%s: bad regex %r: %s" % (at, pair[0], error)) from None
        replace.append((pair[0], pair[1]))
    return SourceRewrite(prepend, tuple(replace))


@dataclass(frozen=True)
class PublicCorpus:
    """A corpus: one archive whose matching files are the programs.

    Attributes:
        name: the dataset (``anghabench-v1``): URIs ``benchmark://NAME/PROGRAM``.
        archive: where the sources come from.
        directory: the programs' directory inside the archive's root.
        pattern: which files under it are programs (a glob, ``**`` recursive).
        suffix: what a file name ends with that a program name does not.
        bitcode_flags, flags: how clang turns one program into bitcode.
        rewrite: how a program's source is edited before it is compiled
            (:class:`SourceRewrite`; empty: compiled as it is).
        run_args: what a program's executable is run with (None: the corpus
            is compile-only, its programs have no ``main``).
        inputs: how a program lists its inputs (``jotai-usage``), or ''.
        size: how many programs upstream counts (what :attr:`size` of the
            dataset says before the archive is here).
    """

    name: str
    description: str
    license: str
    archive: Archive
    directory: str
    pattern: str
    suffix: str
    bitcode_flags: Tuple[str, ...]
    flags: Tuple[str, ...] = ()
    rewrite: SourceRewrite = field(default_factory=lambda: SourceRewrite())
    run_args: Optional[Tuple[str, ...]] = None
    inputs: str = ""
    size: int = 0
    references: Mapping[str, str] = field(default_factory=dict)
    use: str = ""
    notes: str = ""
    origin: Tuple[str, ...] = ()

    @property
    def uri(self) -> str:
        return "benchmark://%s" % self.name

    def tree_key(self) -> str:
        """What the extracted tree and its listing depend on."""
        return Cache.key(
            "corpus-tree",
            _VERSION,
            self.archive.key(),
            self.directory,
            self.pattern,
            self.suffix,
        )

    def program_key(self) -> str:
        """A digest of everything the manifest says that goes into a
        program's bitcode (the program's own name is in its URI)."""
        document = {
            "archive": self.archive.key(),
            "directory": self.directory,
            "suffix": self.suffix,
            "bitcode_flags": list(self.bitcode_flags),
            "flags": list(self.flags),
        }
        if self.rewrite:
            document["rewrite"] = self.rewrite.to_json()
        text = json.dumps(document, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- manifests -----------------------------------------------------------------------


def _documents(path: Path) -> List[Dict[str, Any]]:
    """The corpus documents of a manifest file (suite documents are left
    to :mod:`optgym.suites.manifest`, which checks them)."""
    documents = json_documents(path, "corpus")
    found = []
    for document in documents:
        if document.get("format") != CORPUS_FORMAT:
            continue
        if document.get("version", _VERSION) != _VERSION:
            raise ManifestError(
                "%s: corpus version %r is not supported (this OptGym reads version %d)"
                % (path, document.get("version"), _VERSION)
            )
        check_keys(document, _KEYS, str(path))
        found.append(document)
    return found


def _merge(base: Dict[str, Any], override: Dict[str, Any]) -> Dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if key == "archive" and isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = dict(base[key], **value)
        else:
            merged[key] = value
    return merged


def _corpus(data: Dict[str, Any], origin: Tuple[str, ...]) -> PublicCorpus:
    where = " + ".join(origin)
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ManifestError("%s: name must look like NAME-vN, got %r" % (where, name))
    where = "%s: corpus %s" % (where, name)
    archive = parse_archive(name, data.get("archive"), where)
    programs = data.get("programs", {})
    if not isinstance(programs, dict):
        raise ManifestError("%s: programs must be an object" % where)
    check_keys(programs, ("dir", "glob", "suffix"), where + ": programs")
    pattern = str(programs.get("glob", "**/*.c"))
    suffix = str(programs.get("suffix", ".c"))
    if not pattern or pattern.startswith("/") or ".." in pattern.split("/"):
        raise ManifestError("%s: programs.glob %r must stay inside the archive" % (where, pattern))
    if not pattern.endswith(suffix):
        raise ManifestError("%s: programs.glob %r must end with %r" % (where, pattern, suffix))
    run = data.get("run")
    run_args: Optional[Tuple[str, ...]] = None
    inputs = ""
    if run is not None:
        if not isinstance(run, dict):
            raise ManifestError("%s: run must be an object" % where)
        check_keys(run, ("args", "inputs"), where + ": run")
        run_args = string_list(run.get("args", []), "run.args", where)
        inputs = str(run.get("inputs", ""))
        if inputs not in ("", "jotai-usage"):
            raise ManifestError("%s: run.inputs must be 'jotai-usage' or ''" % where)
    bitcode_flags = string_list(data.get("bitcode_flags", []), "bitcode_flags", where)
    if not bitcode_flags:
        raise ManifestError("%s: bitcode_flags must say how sources become bitcode" % where)
    size = data.get("size", 0)
    if not isinstance(size, int) or size < 0:
        raise ManifestError("%s: size must be a count" % where)
    references = data.get("references", {})
    if not isinstance(references, dict):
        raise ManifestError("%s: references must be an object" % where)
    return PublicCorpus(
        name=name,
        description=str(data.get("description", "")),
        license=str(data.get("license", "")),
        archive=archive,
        directory=relative_path(str(programs.get("dir", "")), "programs.dir", where),
        pattern=pattern,
        suffix=suffix,
        bitcode_flags=bitcode_flags,
        flags=string_list(data.get("flags", []), "flags", where),
        rewrite=_rewrite(data.get("rewrite"), where),
        run_args=run_args,
        inputs=inputs,
        size=size,
        references={str(k): str(v) for k, v in references.items()},
        use=str(data.get("use", "")),
        notes=str(data.get("notes", "")),
        origin=origin,
    )


def load_public_corpora(
    extra: Sequence[Union[str, os.PathLike]] = (), shipped: bool = True
) -> Dict[str, PublicCorpus]:
    """The corpora by name: from the shipped manifests (unless
    ``shipped=False``), then ``$OPTGYM_SUITES``, then ``extra``, later ones
    merging into earlier ones of the same name. ManifestError naming the
    file for a malformed one."""
    found = merge_documents(manifest_paths(extra, shipped), _documents, _merge, "corpus")
    return {name: _corpus(data, origin) for name, (data, origin) in found.items()}


_memo: Dict[Tuple, Dict[str, PublicCorpus]] = {}


def public_corpora() -> Dict[str, PublicCorpus]:
    """The corpora by name, read again when a manifest file changes."""
    stamp = manifests_stamp()
    found = _memo.get(stamp)
    if found is None:
        found = load_public_corpora()
        _memo.clear()
        _memo[stamp] = found
    return found


# -- the extracted tree and its listing ----------------------------------------------


def _home(corpus: PublicCorpus, cache: Cache) -> Path:
    key = corpus.tree_key()
    return cache.root / "corpora" / key[:2] / key


def public_corpus_installed(corpus: PublicCorpus, cache: Optional[Cache] = None) -> bool:
    """Whether the corpus is extracted (its listing written)."""
    return (_home(corpus, cache or Cache.default()) / _LISTING).is_file()


def _extract(archive_path: Path, corpus: PublicCorpus, dest: Path, uri: str) -> int:
    """Writes every file under the corpus's directory into ``dest`` in one
    pass over the archive (a compressed tar read out of order is
    decompressed again from its start for every step back). Links to files
    of the archive become copies. Returns how many files were written."""
    prefix = "/".join(p for p in (corpus.archive.strip_prefix, corpus.directory) if p)
    where = "archive %r" % corpus.archive.name
    written = 0
    links: List[Tuple[str, str]] = []
    with tarfile.open(archive_path) as tar:
        members = check_members(tar, where, uri)
        for member in tar.getmembers():
            path = member_path(member.name) or ""  # checked: never None here
            relative = path_under(path, prefix)
            if not relative or member.isdir():
                continue
            if members.get(path) is not member:
                continue  # a later member of the same name replaces it
            if not member.isfile():
                links.append((relative, path))
                continue
            out = dest.joinpath(*relative.split("/"))
            out.parent.mkdir(parents=True, exist_ok=True)
            copy_member(tar, member, out)
            written += 1
        for relative, path in links:
            target = resolve_link(members, path)
            inside = path_under(member_path(target.name) or "", prefix) if target else None
            if not inside:
                continue  # a link to a directory, to nothing, or out of the corpus
            source = dest.joinpath(*inside.split("/"))
            if source.is_file():
                out = dest.joinpath(*relative.split("/"))
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, out)
                written += 1
    if not written:
        raise DownloadError(
            "archive %r has no files under %r" % (corpus.archive.name, prefix or "/"), uri
        )
    return written


def _program_names(tree: Path, corpus: PublicCorpus) -> List[str]:
    names = (
        path.relative_to(tree).as_posix() for path in tree.glob(corpus.pattern) if path.is_file()
    )
    return sorted(name[: len(name) - len(corpus.suffix)] for name in names)


def install_public_corpus(
    corpus: PublicCorpus, cache: Optional[Cache] = None, label: Optional[str] = None
) -> Path:
    """Downloads (or takes from the cache) and checks the corpus's archive,
    extracts it and lists its programs, once per cache; returns the
    directory holding ``tree/`` and ``programs.txt``."""
    cache = cache or Cache.default()
    home = _home(corpus, cache)
    if (home / _LISTING).is_file():
        return home
    label = label or corpus.uri
    try:
        home.parent.mkdir(parents=True, exist_ok=True)
        lock = open(str(home) + ".lock", "a+b")
    except OSError as error:
        raise BenchmarkError(
            "cannot use the cache %s: %s" % (cache.root, error.strerror or error), label
        ) from None
    with lock:
        # Extracting a million files twice at once would only waste the time.
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            if (home / _LISTING).is_file():
                return home
            archive_path = fetch_archive(corpus.archive, cache, label)
            staging = Path(tempfile.mkdtemp(prefix=home.name[:16] + "-", dir=str(home.parent)))
            try:
                _extract(archive_path, corpus, staging / _TREE, label)
                names = _program_names(staging / _TREE, corpus)
                if not names:
                    raise DownloadError(
                        "archive %r has no file matching %r under %r"
                        % (corpus.archive.name, corpus.pattern, corpus.directory or "/"),
                        label,
                    )
                listing = "".join(name + "\n" for name in names)
                (staging / _LISTING).write_text(listing, "utf-8", errors="surrogateescape")
                if home.exists():
                    shutil.rmtree(home)
                os.rename(staging, home)
            finally:
                if staging.exists():
                    shutil.rmtree(staging, ignore_errors=True)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return home


# Each corpus's listing, read once per process: listing path -> (mtime, names).
_listings: Dict[str, Tuple[int, Tuple[str, ...]]] = {}


def public_corpus_programs(
    corpus: PublicCorpus, cache: Optional[Cache] = None, install: bool = True
) -> Tuple[str, ...]:
    """The corpus's program names, sorted (installing it first unless
    ``install=False``: then an empty tuple when it is not installed)."""
    cache = cache or Cache.default()
    if install:
        home = install_public_corpus(corpus, cache)
    else:
        home = _home(corpus, cache)
    listing = home / _LISTING
    try:
        mtime = os.stat(listing).st_mtime_ns
    except OSError:
        return ()
    known = _listings.get(str(listing))
    if known is None or known[0] != mtime:
        names = listing.read_text("utf-8", errors="surrogateescape").splitlines()
        known = (mtime, tuple(names))
        _listings[str(listing)] = known
    return known[1]


# -- benchmarks ------------------------------------------------------------------------


class PublicCorpusBenchmark(Benchmark):
    """``benchmark://CORPUS/PROGRAM``: one file of a corpus, compiled alone."""

    def __init__(
        self,
        corpus: PublicCorpus,
        program: str,
        toolchain: Optional[Toolchain] = None,
        cache: Optional[Cache] = None,
    ) -> None:
        super().__init__("%s/%s" % (corpus.uri, program), program, toolchain, cache)
        self.corpus = corpus
        self.dataset = corpus.name
        self.run_args: Tuple[str, ...] = tuple(corpus.run_args or ())

    def source_key(self) -> Any:
        return ["corpus", self.corpus.name, self.corpus.program_key()]

    def source_path(self) -> Path:
        """The program's source in the extracted corpus (installing it)."""
        home = install_public_corpus(self.corpus, self.cache, self.uri)
        path = home / _TREE / (self.name + self.corpus.suffix)
        if not path.is_file():
            raise UnknownBenchmark(
                "no program %r in corpus %s" % (self.name, self.corpus.name), self.uri
            )
        return path

    def _make_bitcode(self, out: Path, scratch: Path) -> Dict[str, Any]:
        self.source_path()  # installs the corpus; UnknownBenchmark for a name it lacks
        tree = _home(self.corpus, self.cache) / _TREE
        relative = self.name + self.corpus.suffix
        clang = self.toolchain.require("clang", self.uri)
        flags = list(self.corpus.bitcode_flags) + list(self.corpus.flags)
        if self.corpus.rewrite:
            # The edited copy at the same relative path, in a tree of its own.
            edited = scratch / "rewritten"
            (edited / relative).parent.mkdir(parents=True, exist_ok=True)
            (edited / relative).write_bytes(
                self.corpus.rewrite.apply((tree / relative).read_bytes())
            )
            tree = edited
        # By its path in the corpus, from the corpus's root: the module's
        # source_filename is the upstream path, wherever the cache is.
        self.run_tool(
            [clang] + flags + [relative, "-o", str(out)],
            "compiling %s" % relative,
            cwd=str(tree),
        )
        return {
            "corpus": self.corpus.name,
            "archive": self.corpus.archive.sha256,
            "source": relative,
            "run_args": list(self.run_args),
        }

    def run(self, exe: Union[str, Path], timeout: Optional[float] = DEFAULT_TIMEOUT) -> RunResult:
        """Runs an executable of this program with the corpus's arguments
        (Jotai: ``0``, the input every program has)."""
        exe = os.path.abspath(os.fspath(exe))
        return run_program(
            [exe] + list(self.run_args),
            timeout,
            cwd=os.path.dirname(exe),
            env=tool_environment(),
            program_name=self.program_name(),
        )

    def reference_key(self, bitcode_sha256: str) -> str:
        return Cache.key(super().reference_key(bitcode_sha256), list(self.run_args))

    def inputs(self) -> List[Tuple[str, str]]:
        """Every input the program lists, as (argument, name): Jotai's usage
        text names each index it takes (``0``, ``big-arr``). Empty for a
        corpus that does not list inputs."""
        if self.corpus.inputs != "jotai-usage":
            return []
        text = self.source_path().read_text("latin-1")
        found: List[Tuple[str, str]] = []
        in_args = False
        for line in text.splitlines():
            if "ARGS:" in line:
                in_args = True
                continue
            if in_args:
                match = _JOTAI_INPUT.match(line)
                if match:
                    found.append((match.group(1), match.group(2)))
                elif "OPTIONS:" in line:
                    break
        return found


def _check_program(uri: str, corpus: PublicCorpus, program: str) -> None:
    parts = program.split("/")
    if not program or program.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise UnknownBenchmark("expected benchmark://%s/PROGRAM" % corpus.name, uri)
    if "\0" in program or "\\" in program:
        raise UnknownBenchmark("not a program name of corpus %s" % corpus.name, uri)


def public_corpus_benchmark(
    uri: str,
    corpus: str,
    program: str,
    toolchain: Optional[Toolchain] = None,
    cache: Optional[Cache] = None,
    known: Optional[Mapping[str, PublicCorpus]] = None,
) -> PublicCorpusBenchmark:
    """The benchmark ``benchmark://CORPUS/PROGRAM``. Nothing is downloaded:
    once the corpus is installed an unknown program is an UnknownBenchmark
    here, before that when it is built."""
    if known is None:
        known = public_corpora()
    if corpus not in known:
        raise UnknownBenchmark(
            "unknown dataset %r (known corpora: %s)" % (corpus, ", ".join(known)), uri
        )
    found = known[corpus]
    _check_program(uri, found, program)
    listed = public_corpus_programs(found, cache, install=False)
    if listed and not _contains(listed, program):
        raise UnknownBenchmark("no program %r in corpus %s" % (program, corpus), uri)
    return PublicCorpusBenchmark(found, program, toolchain, cache)


def _contains(names: Sequence[str], name: str) -> bool:
    """Membership in a sorted list, by bisection (a million names)."""
    index = bisect.bisect_left(names, name)
    return index < len(names) and names[index] == name
