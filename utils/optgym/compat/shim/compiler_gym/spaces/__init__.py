"""CompilerGym's ``compiler_gym.spaces``: OptGym's space classes under
CompilerGym's names (clients check ``isinstance(space, Sequence)``), and
``Reward``, the base of reward spaces of the user's own
(:mod:`optgym.compat.rewards`)."""

from compiler_gym.source_checkout import extend_path

__path__ = extend_path(__path__, __name__)

from optgym.compat.rewards import Reward  # noqa: E402
from optgym.gym.spaces import ActionSpace, Box, Discrete, Scalar, Sequence  # noqa: E402
from optgym.gym.spaces import DictSpace as Dict  # noqa: E402

__all__ = ["ActionSpace", "Box", "Dict", "Discrete", "Reward", "Scalar", "Sequence"]
