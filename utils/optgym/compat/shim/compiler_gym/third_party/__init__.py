"""CompilerGym's ``compiler_gym.third_party``: the LLVM tools and the
Autophase feature names OptGym uses."""

from compiler_gym.source_checkout import extend_path

__path__ = extend_path(__path__, __name__)
