"""CompilerGym's ``compiler_gym.validate``."""

from optgym.compat.validation import validate_states

__all__ = ["validate_states"]
