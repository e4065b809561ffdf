"""OptGym's ``compiler_gym``: CompilerGym's public API on OptGym's classes.

Switched on by ``optgym compiler-gym install`` (docs/compiler-gym.md), it
lets code written for CompilerGym run on OptGym unchanged::

    import compiler_gym

    env = compiler_gym.make("llvm-v0", benchmark="cbench-v1/crc32")
    observation = env.reset()
    observation, reward, done, info = env.step(env.action_space.sample())

Every name maps onto OptGym's own classes (:mod:`optgym.compat`); nothing
here is a second implementation. Modules OptGym does not provide come from
a CompilerGym source checkout when ``COMPILER_GYM_SOURCE`` names one
(:mod:`compiler_gym.source_checkout`).
"""

from compiler_gym.source_checkout import extend_path

__path__ = extend_path(__path__, __name__)

import compiler_gym.envs  # noqa: E402, F401 - CompilerGym's package imports it
from compiler_gym.util.registration import COMPILER_GYM_ENVS, make  # noqa: E402
from compiler_gym.validate import validate_states  # noqa: E402
from optgym import __version__  # noqa: E402
from optgym.compat import CompilerGymEnv  # noqa: E402
from optgym.gym import (  # noqa: E402
    CompilerEnvState,
    CompilerEnvStateReader,
    CompilerEnvStateWriter,
    ValidationError,
    ValidationResult,
)

#: CompilerGym's base class of environments: OptGym has one environment.
CompilerEnv = CompilerGymEnv

__all__ = [
    "COMPILER_GYM_ENVS",
    "CompilerEnv",
    "CompilerEnvState",
    "CompilerEnvStateReader",
    "CompilerEnvStateWriter",
    "ValidationError",
    "ValidationResult",
    "__version__",
    "make",
    "validate_states",
]
