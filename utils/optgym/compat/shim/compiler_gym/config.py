"""CompilerGym's build-time ``compiler_gym.config`` (its build generated
it): which environments the package offers. OptGym offers LLVM's."""

enable_llvm_env = True
enable_mlir_env = False
