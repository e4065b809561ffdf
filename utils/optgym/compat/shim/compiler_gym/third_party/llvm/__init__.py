"""CompilerGym's ``compiler_gym.third_party.llvm``: the paths of the LLVM
tools, here those of the LLVM OptGym's plugin was built for (CompilerGym
downloaded its own LLVM 10)."""

from __future__ import annotations

from pathlib import Path

from optgym.toolchain import Toolchain

__all__ = [
    "clang_path",
    "lli_path",
    "llc_path",
    "llvm_as_path",
    "llvm_diff_path",
    "llvm_dis_path",
    "llvm_link_path",
    "llvm_stress_path",
    "opt_path",
]


def _tool(name: str) -> Path:
    return Path(Toolchain.default().require(name))


def clang_path() -> Path:
    return _tool("clang")


def lli_path() -> Path:
    return _tool("lli")


def llc_path() -> Path:
    return _tool("llc")


def llvm_as_path() -> Path:
    return _tool("llvm-as")


def llvm_diff_path() -> Path:
    return _tool("llvm-diff")


def llvm_dis_path() -> Path:
    return _tool("llvm-dis")


def llvm_link_path() -> Path:
    return _tool("llvm-link")


def llvm_stress_path() -> Path:
    return _tool("llvm-stress")


def opt_path() -> Path:
    return _tool("opt")
