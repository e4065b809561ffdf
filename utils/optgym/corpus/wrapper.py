"""Compiler wrappers that make any build compile through clang and OptGym.

A package's build names its compiler in many ways (``cc``, ``gcc``,
``x86_64-linux-gnu-gcc-12``, ``$(CC)`` from debhelper, CMake's and Meson's
own searches). Wrappers of all these names, first on the build's ``PATH``,
run clang with the OptGym plugin (so ``OPTGYM_COLLECT`` collects every unit)
and without debug information (the corpus is about code, and debug
information would make equal code from different paths differ). Each C/C++
source a wrapper compiles is logged, so a build's coverage can be told: a
unit clang cannot compile is compiled again with the real GCC, logged as a
fallback, and the build goes on.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import List, Tuple

__all__ = ["ADDED_FLAGS", "C_NAMES", "CXX_NAMES", "COMPILES_ENV", "install_wrappers"]

#: Where wrappers append one line per source compiled:
#: STATUS<TAB>CWD<TAB>SOURCE<TAB>ARGS, STATUS ``clang`` or ``fallback``, ARGS the
#: build's command line (each argument followed by a 0x1f byte; one write
#: per line, so parallel compiles do not interleave).
COMPILES_ENV = "OPTGYM_CORPUS_COMPILES"
#: What a wrapper appends to the build's own flags (the plugin's comes first).
ADDED_FLAGS = ("-g0", "-Wno-unused-command-line-argument", "-Wno-unknown-warning-option")
#: What a wrapper adds when clang refused a source: no warning is an error,
#: nor are the diagnostics clang 16+ makes errors that GCC 12 only warns about.
LENIENT_FLAGS = (
    "-Wno-error",
    "-Wno-error=implicit-function-declaration",
    "-Wno-error=implicit-int",
    "-Wno-error=int-conversion",
    "-Wno-error=incompatible-function-pointer-types",
)
C_NAMES = ("cc", "gcc", "gcc-12", "x86_64-linux-gnu-gcc", "x86_64-linux-gnu-gcc-12", "clang")
CXX_NAMES = ("c++", "g++", "g++-12", "x86_64-linux-gnu-g++", "x86_64-linux-gnu-g++-12", "clang++")

_TEMPLATE = r"""#!/bin/sh
# Written by OptGym (optgym/corpus/wrapper.py): compiles with clang and the
# OptGym plugin, logs each source, falls back to GCC when clang fails.
compile=1
probe=0
libc=
for arg; do
  case "$arg" in
    -E|-M|-MM|-fsyntax-only) compile=0 ;;
    *conftest*) probe=1 ;;
    # dietlibc (diet gcc) has no bcmp, which clang calls for memcmp() == 0.
    -D__dietlibc__) libc=-fno-builtin-bcmp ;;
  esac
done
case "$PWD" in *CMakeScratch*|*CMakeTmp*|*meson-private*) probe=1 ;; esac
log() {
  [ "$compile" = 1 ] && [ -n "$%(env)s" ] || return 0
  command=$(printf '%%s\037' "$0" "$@")
  for arg; do
    case "$arg" in
      *.c|*.cc|*.cp|*.cpp|*.cxx|*.c++|*.C|*.CPP)
        printf '%%s\t%%s\t%%s\t%%s\n' "$status" "$PWD" "$arg" "$command" >>"$%(env)s" ;;
    esac
  done
}
if %(clang)s "$@" -fpass-plugin=%(plugin)s %(added)s $libc; then
  status=clang log "$@"
  exit 0
fi
# Warnings clang has and GCC lacks break -Werror builds, and clang makes
# errors of what GCC 12 only warns about: try without both (not for a
# configure probe, which may fail on purpose).
if [ "$probe" = 0 ] && %(clang)s "$@" -fpass-plugin=%(plugin)s %(added)s $libc %(lenient)s 2>/dev/null; then
  status=clang log "$@"
  exit 0
fi
if [ -x %(fallback)s ]; then
  status=fallback log "$@"
  exec %(fallback)s "$@"
fi
exit 1
"""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _script(clang: str, plugin: str, fallback: str) -> str:
    return _TEMPLATE % {
        "env": COMPILES_ENV,
        "clang": _quote(clang),
        "plugin": _quote(plugin),
        "added": " ".join(ADDED_FLAGS),
        "lenient": " ".join(LENIENT_FLAGS),
        "fallback": _quote(fallback),
    }


def install_wrappers(directory: Path, clang: str, plugin: str) -> List[Tuple[str, Path]]:
    """Writes ``cc``, ``c++`` and their other names into ``directory``;
    returns (name, path) of each."""
    directory.mkdir(parents=True, exist_ok=True)
    clangxx = os.path.join(
        os.path.dirname(clang), os.path.basename(clang).replace("clang", "clang++", 1)
    )
    written: List[Tuple[str, Path]] = []
    for names, compiler, fallback in (
        (C_NAMES, clang, shutil.which("gcc", path="/usr/bin") or "/usr/bin/gcc"),
        (CXX_NAMES, clangxx, shutil.which("g++", path="/usr/bin") or "/usr/bin/g++"),
    ):
        main = directory / names[0]
        main.write_text(_script(compiler, plugin, fallback), encoding="utf-8")
        main.chmod(0o755)
        written.append((names[0], main))
        for name in names[1:]:
            link = directory / name
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(names[0])
            written.append((name, link))
    return written
