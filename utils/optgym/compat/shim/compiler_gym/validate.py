"""CompilerGym's ``compiler_gym.validate``."""

from optgym.compat.validation import validate_states
from optgym.gym import ValidationResult

__all__ = ["ValidationResult", "validate_states"]
