"""OptGym's Python library: agents that make LLVM's optimization decisions.

The OptGym plugin asks an *agent* for every decision when a compile runs with
``OPTGYM_ORACLE=socket:...``; docs/protocol.md is the wire protocol. This
package is the Python side:

* :class:`AgentServer`, :func:`serve`, :func:`serve_tcp`: answer the plugin's
  queries with a Python ``decide(query)`` function.
* :func:`run_build`: run a whole build with an agent deciding, and get back
  every decision and each module's statistics as a :class:`BuildResult`.
* :func:`find_plugin`: locate OptGym.so.

``python3 -m optgym`` is the command line (``serve``, ``run-build``).
Standard library only; Python 3.9 or later.
"""

# Defined before the submodules are imported: they read it.
__version__ = "0.1.0"

from .build import BuildResult, run_build  # noqa: E402
from .plugin import find_plugin  # noqa: E402
from .protocol import ProtocolError  # noqa: E402
from .query import Decision, Query, Unit  # noqa: E402
from .server import AgentServer, serve, serve_tcp  # noqa: E402

__all__ = [
    "__version__",
    "AgentServer",
    "BuildResult",
    "Decision",
    "ProtocolError",
    "Query",
    "Unit",
    "find_plugin",
    "run_build",
    "serve",
    "serve_tcp",
]
