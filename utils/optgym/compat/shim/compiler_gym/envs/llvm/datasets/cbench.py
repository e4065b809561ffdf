"""CompilerGym's ``compiler_gym.envs.llvm.datasets.cbench``.

``VALIDATORS`` maps the URI of each cBench program whose behaviour
``env.validate()`` checks to its checks, as CompilerGym's does. OptGym
checks a program by building the episode's final module, running it and
comparing its output and exit status with those of its -O0 build
(:func:`optgym.gym.validation.check_semantics`); the programs run without
input, as cBench's runtime data sets are not part of the suite's download.
Listed are the programs whose -O0 build printed the same on every run and
whose validation passed after ``-mem2reg`` (measured on LLVM 19); ``sha``
reads uninitialized memory without input, so its output is not compared
(``validate()`` still builds it). ghostscript, ispell and stringsearch are
not listed: their sources were not in the mirror OptGym was measured with
(docs/compiler-gym.md).
"""

from typing import Callable, Dict, List, Optional

from compiler_gym.validation_error import ValidationError
from optgym.gym.validation import check_semantics, semantics_error

__all__ = ["VALIDATORS", "validate_semantics"]

_COMPARED = (
    "adpcm",
    "bitcount",
    "blowfish",
    "bzip2",
    "crc32",
    "dijkstra",
    "gsm",
    "jpeg-c",
    "jpeg-d",
    "lame",
    "patricia",
    "qsort",
    "rijndael",
    "stringsearch2",
    "susan",
    "tiff2bw",
    "tiff2rgba",
    "tiffdither",
    "tiffmedian",
)


def validate_semantics(env) -> Optional[ValidationError]:
    """Builds the environment's current module, runs it and compares the
    run with the -O0 build's; the error, or None when they agree."""
    checked = check_semantics(env.benchmark, env.observation["BitcodeFile"])
    return None if checked.ok else semantics_error(checked)


VALIDATORS: Dict[str, List[Callable]] = {
    "benchmark://cbench-v1/%s" % name: [validate_semantics] for name in _COMPARED
}
