"""CompilerGym's ``LlvmEnv``: :class:`optgym.compat.CompilerGymEnv`."""

from optgym.compat import CompilerGymEnv as LlvmEnv

__all__ = ["LlvmEnv"]
