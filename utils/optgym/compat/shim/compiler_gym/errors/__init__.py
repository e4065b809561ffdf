"""CompilerGym's ``compiler_gym.errors``, on OptGym's exceptions.

CompilerGym's service errors are the driver's (OptGym's driver is a
process, not a gRPC service); its benchmark errors are OptGym's.
"""

from optgym.errors import BenchmarkError
from optgym.gym import (
    DriverCrashed,
    DriverError,
    DriverStartError,
    DriverTimeout,
    ValidationError,
)

#: A failure of the compiler (CompilerGym's service).
ServiceError = DriverError
#: The compiler process died.
ServiceIsClosed = DriverCrashed
ServiceTransportError = DriverCrashed
SessionNotFound = DriverCrashed
#: The compiler could not be started.
ServiceInitError = DriverStartError
#: The compiler did not answer in time.
ServiceOSError = DriverError
BenchmarkInitError = BenchmarkError
DatasetInitError = BenchmarkError


class EnvironmentNotSupported(ValueError):
    """An environment OptGym does not have (CompilerGym's gcc, loop_tool,
    MLIR environments)."""


class DownloadFailed(OSError):
    """A download failed."""


class TooManyRequests(DownloadFailed):
    """The server refused a download for now."""


__all__ = [
    "BenchmarkInitError",
    "DatasetInitError",
    "DownloadFailed",
    "DriverTimeout",
    "EnvironmentNotSupported",
    "ServiceError",
    "ServiceInitError",
    "ServiceIsClosed",
    "ServiceOSError",
    "ServiceTransportError",
    "SessionNotFound",
    "TooManyRequests",
    "ValidationError",
]
