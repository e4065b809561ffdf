"""The MLIR environment's benchmarks.

* ``benchmark://mlir-v0/NAME``: a kernel of datasets/mlir-kernels (matmul,
  2mm, conv2d, jacobi-2d, ...), each printing an integer checksum;
* ``generator://mlir-affine-v0/SEED``: a random affine loop nest kernel
  (:mod:`.generator`), the same for the same seed;
* a path (or ``file:///PATH``) of any ``.mlir`` file whose ``func.func
  @main()`` takes no arguments and prints what it computes.

Decision keys start with the kernel file's base name (``matmul.mlir:main:
affine.for#3``): a policy learned on a kernel applies to a file of that name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import List, Union

from ..errors import UnknownBenchmark
from ..resources import data_file
from .generator import generate_kernel

__all__ = [
    "GENERATOR_DATASET",
    "KERNELS_ENV",
    "MLIR_DATASET",
    "Kernel",
    "kernel_names",
    "kernels_dir",
    "resolve_kernel",
]

MLIR_DATASET = "mlir-v0"
GENERATOR_DATASET = "mlir-affine-v0"
#: Overrides the directory of the bundled kernels (datasets/mlir-kernels).
KERNELS_ENV = "OPTGYM_MLIR_KERNELS"

_BENCHMARK_PREFIX = "benchmark://%s/" % MLIR_DATASET
_GENERATOR_PREFIX = "generator://%s/" % GENERATOR_DATASET


@dataclass(frozen=True)
class Kernel:
    """A kernel the environment optimizes.

    Attributes:
        uri: its URI.
        path: the .mlir file mlir-opt reads (its base name starts the keys).
    """

    uri: str
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def kernels_dir() -> Path:
    """``$OPTGYM_MLIR_KERNELS``, or the kernels installed with OptGym."""
    explicit = os.environ.get(KERNELS_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return data_file("datasets/mlir-kernels")


def kernel_names() -> List[str]:
    """The bundled kernels' names, sorted."""
    return sorted(path.stem for path in kernels_dir().glob("*.mlir"))


def _generated_path(seed: int) -> Path:
    text = generate_kernel(seed)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    directory = Path(tempfile.gettempdir()) / ("optgym-mlir-generated-%d" % os.getuid())
    directory.mkdir(mode=0o700, exist_ok=True)
    path = directory / digest / ("affine-%d.mlir" % seed)
    if not path.is_file():
        path.parent.mkdir(exist_ok=True)
        scratch = path.with_suffix(".tmp%d" % os.getpid())
        scratch.write_text(text, encoding="utf-8")
        os.replace(scratch, path)
    return path


def resolve_kernel(benchmark: Union[str, os.PathLike]) -> Kernel:
    """The kernel a URI, a bundled kernel's name or a path names;
    UnknownBenchmark (a ValueError) naming it otherwise."""
    uri = os.fspath(benchmark)
    if uri.startswith(_BENCHMARK_PREFIX) or (
        "://" not in uri and "/" not in uri and not uri.endswith(".mlir")
    ):
        name = uri[len(_BENCHMARK_PREFIX) :] if uri.startswith(_BENCHMARK_PREFIX) else uri
        path = kernels_dir() / (name + ".mlir")
        if not path.is_file():
            raise UnknownBenchmark(
                "no kernel %r in %s (known: %s)" % (name, MLIR_DATASET, ", ".join(kernel_names())),
                _BENCHMARK_PREFIX + name,
            )
        return Kernel(_BENCHMARK_PREFIX + name, path)
    if uri.startswith(_GENERATOR_PREFIX):
        seed_text = uri[len(_GENERATOR_PREFIX) :]
        if not seed_text.isdigit():
            raise UnknownBenchmark("the seed must be a non-negative integer", uri)
        return Kernel(uri, _generated_path(int(seed_text)))
    if uri.startswith("file://"):
        uri = uri[len("file://") :]
    elif "://" in uri:
        raise UnknownBenchmark(
            "unknown benchmark (expected %sNAME, %sSEED or a .mlir file)"
            % (_BENCHMARK_PREFIX, _GENERATOR_PREFIX),
            uri,
        )
    path = Path(uri).expanduser()
    if not path.is_file():
        raise UnknownBenchmark("no such file", os.fspath(benchmark))
    return Kernel("file://" + str(path.resolve()), path.resolve())
