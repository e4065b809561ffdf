"""CompilerGym's ``compiler_gym.service.proto``: only the benchmark type
client code names (OptGym's :class:`~optgym.Benchmark`)."""

from optgym import Benchmark

__all__ = ["Benchmark"]
