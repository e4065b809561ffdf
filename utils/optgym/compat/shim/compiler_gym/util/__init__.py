"""CompilerGym's ``compiler_gym.util``: OptGym provides ``registration``;
the other helpers come from a CompilerGym checkout (``COMPILER_GYM_SOURCE``)."""

from compiler_gym.source_checkout import extend_path

__path__ = extend_path(__path__, __name__)
