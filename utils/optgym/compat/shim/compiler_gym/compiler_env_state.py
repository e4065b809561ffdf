"""CompilerGym's ``compiler_gym.compiler_env_state``: OptGym's states."""

from optgym.gym import CompilerEnvState, CompilerEnvStateReader, CompilerEnvStateWriter

__all__ = ["CompilerEnvState", "CompilerEnvStateReader", "CompilerEnvStateWriter"]
