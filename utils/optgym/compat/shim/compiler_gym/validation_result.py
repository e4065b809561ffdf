"""CompilerGym's ``compiler_gym.validation_result``."""

from optgym.gym import ValidationResult

__all__ = ["ValidationResult"]
