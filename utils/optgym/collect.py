"""Turning the units a build collected (OPTGYM_COLLECT=DIR) into a dataset.

:func:`collect` reads the ``NAME-HASH.json`` / ``NAME-HASH.bc`` pairs the
plugin wrote (docs/datasets.md) and writes::

    OUT/units/NAME-HASH.bc     each unit's bitcode, as collected
    OUT/units/NAME-HASH.json   its description, as collected
    OUT/programs/PROG.bc       per program whose link step the build log
                               shows: llvm-link of the units it links
    OUT/programs/PROG.json     {"format": "optgym-program", "link_flags": [...],
                                "units": [...], "argv": [...], "cwd": ...}
    OUT/dataset.json           the index of both

Every file is written to a temporary name and renamed. Each ``.bc`` is a
benchmark: ``file:///OUT/programs/PROG.bc`` links with its ``link_flags``
and runs; units are usually not runnable on their own.

The build log is what the build printed (``make ... 2>&1 | tee LOG``, or
``make -n``). A link step is a compiler command with ``-o OUT``, object
(``.o``) or archive (``.a``) inputs and no ``-c``/``-S``/``-E``; archives are
those an ``ar`` command of the log made (all their members are linked).
Relative paths are resolved against the directory make says it entered,
else ``build_dir``, else each unit's own working directory.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

from .cache import NEW_FILE_MODE, atomic_write
from .errors import BenchmarkError
from .toolchain import Toolchain

__all__ = ["collect", "CollectResult", "CollectedProgram", "LinkStep", "parse_build_log"]

_COMPILER = re.compile(r"^(?:.*-)?(?:clang|gcc|cc|c\+\+|g\+\+|clang\+\+)(?:-\d+(?:\.\d+)*)?$")
_ARCHIVER = re.compile(r"^(?:llvm-|gcc-)?ar(?:-\d+)?$")
_ENTERING = re.compile(r"^\S*make(?:\[\d+\])?: Entering directory [`'\"](.*)['\"]\s*$")
_LEAVING = re.compile(r"^\S*make(?:\[\d+\])?: Leaving directory [`'\"](.*)['\"]\s*$")
# Compiler options whose value is the next argument.
_TAKES_VALUE = {
    "-o",
    "-l",
    "-L",
    "-I",
    "-D",
    "-U",
    "-include",
    "-isystem",
    "-iquote",
    "-idirafter",
    "-MF",
    "-MT",
    "-MQ",
    "-x",
    "-Xlinker",
    "-Xclang",
    "-Xassembler",
    "-mllvm",
    "-T",
    "-u",
    "-z",
    "-target",
    "--target",
    "-arch",
    "-imacros",
    "-isysroot",
    "--sysroot",
}
_OBJECT_SUFFIXES = (".o", ".obj", ".lo")


@dataclass
class LinkStep:
    """A link command of the build log."""

    argv: List[str]
    cwd: Optional[str]
    output: str
    inputs: List[str]
    link_flags: List[str]
    library_dirs: List[str]


@dataclass
class CollectedProgram:
    name: str
    bitcode: Path
    units: List[str]
    link_flags: List[str]
    output: str


@dataclass
class CollectResult:
    """What :func:`collect` wrote."""

    out: Path
    units: List[Path] = field(default_factory=list)
    programs: List[CollectedProgram] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)

    def uris(self) -> List[str]:
        """file:// URIs of the programs, then of the units."""
        paths = [program.bitcode for program in self.programs] + list(self.units)
        return ["file://" + urllib.parse.quote(str(p), safe="/:@+,=~-._") for p in paths]


def _command_segments(argv: List[str]) -> List[List[str]]:
    """``a && cd x && b; c`` as its simple commands."""
    segments: List[List[str]] = [[]]
    for token in argv:
        if token in ("&&", "||", ";", "|"):
            segments.append([])
        else:
            segments[-1].append(token)
    return [segment for segment in segments if segment]


def _strip_prefix(argv: List[str]) -> List[str]:
    """Drops ``VAR=value`` assignments, ``env`` and ``ccache`` in front."""
    index = 0
    while index < len(argv):
        token = argv[index]
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", token) or os.path.basename(token) in (
            "env",
            "ccache",
            "sccache",
            "time",
            "nice",
        ):
            index += 1
            continue
        break
    return argv[index:]


def _parse_link(argv: List[str], cwd: Optional[str]) -> Optional[LinkStep]:
    if not argv or not _COMPILER.match(os.path.basename(argv[0])):
        return None
    if any(flag in argv for flag in ("-c", "-S", "-E", "-shared", "-M", "-MM")):
        return None
    output: Optional[str] = None
    inputs: List[str] = []
    flags: List[str] = []
    library_dirs: List[str] = []
    index = 1
    while index < len(argv):
        token = argv[index]
        value = argv[index + 1] if index + 1 < len(argv) else None
        if token in _TAKES_VALUE:
            if token == "-o":
                output = value
            elif token == "-l" and value is not None:
                flags.append("-l" + value)
            elif token == "-L" and value is not None:
                library_dirs.append(value)
            index += 2
            continue
        if token.startswith("-o") and len(token) > 2:
            output = token[2:]
        elif token.startswith("-l") and len(token) > 2:
            flags.append(token)
        elif token.startswith("-L") and len(token) > 2:
            library_dirs.append(token[2:])
        elif token in ("-pthread",):
            flags.append(token)
        elif not token.startswith("-") and token.endswith(_OBJECT_SUFFIXES + (".a",)):
            inputs.append(token)
        index += 1
    if output is None or not inputs:
        return None
    return LinkStep(list(argv), cwd, output, inputs, flags, library_dirs)


def parse_build_log(
    text: str, build_dir: Optional[str] = None
) -> Tuple[List[LinkStep], Dict[str, List[str]]]:
    """The link steps of a build log, and the archives its ``ar`` commands
    make (absolute path, or relative when no directory is known ->
    members)."""
    links: List[LinkStep] = []
    archives: Dict[str, List[str]] = {}
    directories: List[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        entering = _ENTERING.match(line)
        if entering:
            directories.append(entering.group(1))
            continue
        if _LEAVING.match(line):
            if directories:
                directories.pop()
            continue
        try:
            tokens = shlex.split(line, comments=False)
        except ValueError:
            continue
        cwd = directories[-1] if directories else build_dir
        for segment in _command_segments(tokens):
            segment = _strip_prefix(segment)
            if not segment:
                continue
            if segment[0] == "cd" and len(segment) >= 2:
                cwd = os.path.join(cwd, segment[1]) if cwd else segment[1]
                continue
            if _ARCHIVER.match(os.path.basename(segment[0])) and len(segment) >= 3:
                operation = segment[1].lstrip("-")
                if "r" in operation or "q" in operation:
                    archive = segment[2]
                    members = [m for m in segment[3:] if m.endswith(_OBJECT_SUFFIXES)]
                    if cwd:
                        archive = os.path.normpath(os.path.join(cwd, archive))
                        members = [os.path.normpath(os.path.join(cwd, m)) for m in members]
                    archives.setdefault(archive, [])
                    archives[archive] += [m for m in members if m not in archives[archive]]
                continue
            step = _parse_link(segment, cwd)
            if step is not None:
                links.append(step)
    return links, archives


@dataclass
class _Unit:
    json_path: Path
    bitcode: Path
    description: dict
    output: Optional[str]  # absolute, normalized

    @property
    def name(self) -> str:
        return self.bitcode.stem


def _read_units(directory: Path, warnings: List[str]) -> List[_Unit]:
    units = []
    for path in sorted(directory.glob("*.json")):
        try:
            description = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            warnings.append("%s: unreadable unit description: %s" % (path, error))
            continue
        if not isinstance(description, dict) or description.get("format") != "optgym-unit":
            continue
        bitcode = directory / str(description.get("bitcode", ""))
        if not description.get("bitcode") or not bitcode.is_file():
            warnings.append("%s: its bitcode %s is missing" % (path, bitcode))
            continue
        output = None
        cwd = description.get("cwd") or ""
        if description.get("output"):
            output = os.path.normpath(os.path.join(cwd, str(description["output"])))
        units.append(_Unit(path, bitcode, description, output))
    return units


def _toolchain_for(units: List[_Unit]) -> Toolchain:
    """The LLVM the units were collected with (the newest, when mixed),
    unless OPTGYM_LLVM_VERSION says otherwise."""
    if os.environ.get("OPTGYM_LLVM_VERSION"):
        return Toolchain()
    majors = set()
    for unit in units:
        version = str(unit.description.get("llvm", ""))
        if version.split(".")[0].isdigit():
            majors.add(int(version.split(".")[0]))
    for major in sorted(majors, reverse=True):
        if os.path.isdir("/usr/lib/llvm-%d/bin" % major):
            return Toolchain(llvm_version=major)
    return Toolchain()


def _copy_atomic(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=str(target.parent))
    os.close(fd)
    try:
        shutil.copyfile(source, temporary)
        os.chmod(temporary, NEW_FILE_MODE)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _resolve_inputs(
    step: LinkStep,
    units: List[_Unit],
    archives: Dict[str, List[str]],
) -> Tuple[List[_Unit], List[str]]:
    """The units a link step links, and the inputs no unit matches."""
    by_output: Dict[str, _Unit] = {}
    for unit in units:
        if unit.output is None:
            continue
        previous = by_output.get(unit.output)
        if previous is None or unit.json_path.stat().st_mtime > previous.json_path.stat().st_mtime:
            by_output[unit.output] = unit
    unit_dirs = sorted(
        {str(unit.description["cwd"]) for unit in units if unit.description.get("cwd")}
    )

    def candidates(path: str) -> List[str]:
        if os.path.isabs(path):
            return [os.path.normpath(path)]
        if step.cwd:
            return [os.path.normpath(os.path.join(step.cwd, path))]
        return sorted({os.path.normpath(os.path.join(d, path)) for d in unit_dirs})

    def find(path: str, lookup: Dict[str, object]) -> Optional[str]:
        matches = [c for c in candidates(path) if c in lookup]
        return matches[0] if len(matches) == 1 else None

    linked: List[_Unit] = []
    missing: List[str] = []

    def add_object(path: str) -> None:
        found = find(path, by_output)  # type: ignore[arg-type]
        if found is None:
            missing.append(path)
        elif by_output[found] not in linked:
            linked.append(by_output[found])

    def add_archive(path: str) -> None:
        found = find(path, archives)  # type: ignore[arg-type]
        if found is None and path in archives:
            found = path
        if found is None:
            missing.append(path)
            return
        for member in archives[found]:
            add_object(member)

    for item in step.inputs:
        if item.endswith(".a"):
            add_archive(item)
        else:
            add_object(item)
    # -lNAME of an archive the build made itself.
    for flag in list(step.link_flags):
        if not flag.startswith("-l"):
            continue
        library = "lib%s.a" % flag[2:]
        for directory in step.library_dirs + ["."]:
            candidate = os.path.join(directory, library)
            if find(candidate, archives) is not None:  # type: ignore[arg-type]
                step.link_flags.remove(flag)
                add_archive(candidate)
                break
    return linked, missing


def collect(
    units_dir: Union[str, os.PathLike],
    out: Union[str, os.PathLike],
    build_log: Optional[Union[str, os.PathLike]] = None,
    build_dir: Optional[Union[str, os.PathLike]] = None,
    toolchain: Optional[Toolchain] = None,
) -> CollectResult:
    """Writes the dataset of the units in ``units_dir`` to ``out`` (see the
    module's documentation). Raises BenchmarkError when ``units_dir`` holds
    no unit or a program cannot be linked."""
    units_dir = Path(units_dir)
    out = Path(os.path.abspath(os.fspath(out)))
    result = CollectResult(out=out)
    if not units_dir.is_dir():
        raise BenchmarkError("%s: no such directory" % units_dir)
    units = _read_units(units_dir, result.warnings)
    if not units:
        raise BenchmarkError(
            "%s: no collected units (optgym-unit JSON files; build with OPTGYM_COLLECT=%s)"
            % (units_dir, units_dir)
        )
    for unit in units:
        _copy_atomic(unit.bitcode, out / "units" / unit.bitcode.name)
        _copy_atomic(unit.json_path, out / "units" / (unit.bitcode.stem + ".json"))
        result.units.append(out / "units" / unit.bitcode.name)

    if build_log is not None:
        try:
            text = Path(build_log).read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise BenchmarkError(
                "--build-log %s: %s" % (build_log, error.strerror or error)
            ) from None
        links, archives = parse_build_log(
            text, os.path.abspath(os.fspath(build_dir)) if build_dir is not None else None
        )
        if not links:
            result.warnings.append("%s: no link step found" % build_log)
        toolchain = toolchain or _toolchain_for(units)
        used_names: Dict[str, int] = {}
        for step in links:
            linked, missing = _resolve_inputs(step, units, archives)
            program = os.path.basename(step.output)
            if missing or not linked:
                result.warnings.append(
                    "%s: not linked: no collected unit for %s"
                    % (program, ", ".join(missing) or "any input")
                )
                continue
            used_names[program] = used_names.get(program, 0) + 1
            name = program if used_names[program] == 1 else "%s-%d" % (program, used_names[program])
            target = out / "programs" / (name + ".bc")
            target.parent.mkdir(parents=True, exist_ok=True)
            llvm_link = toolchain.require("llvm-link", "file://" + str(target))
            fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".bc", dir=str(target.parent))
            os.close(fd)
            try:
                completed = subprocess.run(
                    [llvm_link] + [str(unit.bitcode) for unit in linked] + ["-o", temporary],
                    capture_output=True,
                    text=True,
                    errors="replace",
                )
                if completed.returncode != 0:
                    raise BenchmarkError(
                        "llvm-link of %s failed: %s"
                        % (", ".join(unit.name for unit in linked), completed.stderr.strip()),
                        "file://" + str(target),
                    )
                os.chmod(temporary, NEW_FILE_MODE)
                os.replace(temporary, target)
            finally:
                if os.path.exists(temporary):
                    os.unlink(temporary)
            link_flags = list(step.link_flags)
            description = {
                "format": "optgym-program",
                "version": 1,
                "name": name,
                "bitcode": target.name,
                "output": os.path.normpath(os.path.join(step.cwd or "", step.output)),
                "argv": step.argv,
                "cwd": step.cwd,
                "link_flags": link_flags,
                "units": ["../units/" + unit.bitcode.name for unit in linked],
            }
            atomic_write(target.with_suffix(".json"), json.dumps(description, indent=2) + "\n")
            result.programs.append(
                CollectedProgram(
                    name, target, [u.bitcode.name for u in linked], link_flags, step.output
                )
            )

    index = {
        "format": "optgym-dataset",
        "version": 1,
        "units": ["units/" + path.name for path in result.units],
        "programs": ["programs/" + program.bitcode.name for program in result.programs],
    }
    atomic_write(out / "dataset.json", json.dumps(index, indent=2) + "\n")
    return result
