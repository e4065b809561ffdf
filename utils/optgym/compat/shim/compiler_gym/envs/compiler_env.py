"""CompilerGym's ``CompilerEnv``: OptGym's environment with CompilerGym's
conventions (OptGym has one environment, so the base class is it)."""

from optgym.compat import CompilerGymEnv as CompilerEnv

__all__ = ["CompilerEnv"]
