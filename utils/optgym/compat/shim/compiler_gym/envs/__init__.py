"""CompilerGym's ``compiler_gym.envs``: the LLVM environment."""

from compiler_gym.source_checkout import extend_path

__path__ = extend_path(__path__, __name__)

from compiler_gym.envs.compiler_env import CompilerEnv  # noqa: E402
from compiler_gym.envs.llvm import LlvmEnv  # noqa: E402
from compiler_gym.util.registration import COMPILER_GYM_ENVS  # noqa: E402

__all__ = ["COMPILER_GYM_ENVS", "CompilerEnv", "LlvmEnv"]
