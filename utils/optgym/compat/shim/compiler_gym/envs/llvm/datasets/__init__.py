"""CompilerGym's ``compiler_gym.envs.llvm.datasets``."""
