"""CompilerGym's ``compiler_gym.envs.llvm.datasets.cbench``.

``VALIDATORS`` maps the URIs of the cBench programs whose behaviour a
validation checks to their checks. OptGym checks a program's behaviour by
building and running it against its -O0 build
(:func:`optgym.gym.validation.check_semantics`), which cBench's programs
cannot be without their runtime data sets (not part of the suite's
download): none is listed.
"""

from typing import Callable, Dict, List

VALIDATORS: Dict[str, List[Callable]] = {}

__all__ = ["VALIDATORS"]
