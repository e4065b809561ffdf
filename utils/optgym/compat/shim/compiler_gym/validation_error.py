"""CompilerGym's ``compiler_gym.validation_error``."""

from optgym.gym import ValidationError

__all__ = ["ValidationError"]
