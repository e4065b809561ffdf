"""CompilerGym's ``compiler_gym.envs.llvm.datasets.chstone``."""

from optgym.suites import suites

#: The URIs of the CHStone programs, sorted.
URIS = sorted("benchmark://chstone-v0/%s" % name for name in suites()["chstone-v0"].programs)

__all__ = ["URIS"]
