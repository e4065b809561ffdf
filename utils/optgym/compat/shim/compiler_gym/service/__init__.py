"""CompilerGym's ``compiler_gym.service``: only what client code passes
to environments. OptGym's driver is no gRPC service; connection settings
are accepted and ignored."""

from __future__ import annotations

from typing import Any

from compiler_gym.errors import ServiceError, ServiceInitError, SessionNotFound

__all__ = ["ConnectionOpts", "ServiceError", "ServiceInitError", "SessionNotFound"]


class ConnectionOpts:
    """CompilerGym's gRPC connection settings: kept, never used."""

    def __init__(self, **settings: Any) -> None:
        self.__dict__.update(settings)

    def __repr__(self) -> str:
        return "ConnectionOpts(%s)" % ", ".join("%s=%r" % item for item in vars(self).items())
