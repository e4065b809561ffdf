"""Built-in agents, and loading an agent named on the command line.

An agent is a decide function: it takes a :class:`~optgym.query.Query` and
returns a choice name, an index into ``query.choices``, or None for LLVM's
default. :func:`load_agent` turns one of these specs into one:

=================  ========================================================
``default``        always LLVM's default (the build is the default build)
``random[:SEED]``  a uniformly random choice, the same for the same
                   (SEED, kind, key) whatever the order of the queries;
                   ``random:seed=SEED`` (the plugin's spelling) works too
``PATH.py[:FUNC]`` the function FUNC (default ``decide``) of a Python file
``MODULE:FUNC``    the function FUNC of an importable module
=================  ========================================================
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from typing import Any, Callable, Optional

from .query import Query

__all__ = ["default_agent", "RandomAgent", "load_agent", "AgentSpecError"]

Agent = Callable[[Query], Any]


class AgentSpecError(ValueError):
    """An agent spec that names no usable agent."""


def default_agent(query: Query) -> Optional[str]:
    """Leaves every decision to LLVM."""
    return None


class RandomAgent:
    """Answers a uniformly random choice, reproducibly.

    The choice is a hash of (seed, kind, key), not a draw from a shared
    generator: a parallel build asks its queries in a different order every
    run, and the answers must not depend on that order.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def __call__(self, query: Query) -> str:
        material = "%d\0%s\0%s" % (self.seed, query.kind, query.key)
        digest = hashlib.sha256(material.encode("utf-8")).digest()
        return query.choices[int.from_bytes(digest[:8], "big") % len(query.choices)]

    def __repr__(self) -> str:
        return "RandomAgent(seed=%d)" % self.seed


def _parse_seed(text: str, spec: str) -> int:
    if text.startswith("seed="):
        text = text[len("seed=") :]
    if not text.isdigit():
        raise AgentSpecError(
            "agent %r: the seed must be a non-negative integer, not %r" % (spec, text)
        )
    return int(text)


def _load_file(path: str, function: str, spec: str) -> Agent:
    if not os.path.isfile(path):
        raise AgentSpecError("agent %r: no such file %s" % (spec, path))
    absolute = os.path.abspath(path)
    # Like `python3 agent.py`: the file may import modules beside it.
    directory = os.path.dirname(absolute)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    module_name = "optgym_agent_" + os.path.splitext(os.path.basename(absolute))[0].replace(
        "-", "_"
    )
    module_spec = importlib.util.spec_from_file_location(module_name, absolute)
    if module_spec is None or module_spec.loader is None:
        raise AgentSpecError("agent %r: cannot load %s as Python" % (spec, path))
    module = importlib.util.module_from_spec(module_spec)
    # Registered before running it, as an import would, so that pickle and
    # dataclasses can find the module by name.
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return _function_of(module, function, spec, path)


def _function_of(module: Any, function: str, spec: str, where: str) -> Agent:
    agent = getattr(module, function, None)
    if agent is None:
        raise AgentSpecError("agent %r: %s has no function %r" % (spec, where, function))
    if not callable(agent):
        raise AgentSpecError("agent %r: %s.%s is not callable" % (spec, where, function))
    return agent


def load_agent(spec: str) -> Agent:
    """Returns the decide function a spec names (see the module docstring).

    Raises AgentSpecError for a spec that names nothing usable; errors raised
    while running an agent's file or module propagate unchanged.
    """
    if spec == "default":
        return default_agent
    if spec == "random":
        return RandomAgent()
    if spec.startswith("random:"):
        return RandomAgent(_parse_seed(spec[len("random:") :], spec))

    path, separator, function = spec.rpartition(":")
    if spec.endswith(".py"):
        return _load_file(spec, "decide", spec)
    if separator and path.endswith(".py"):
        return _load_file(path, function or "decide", spec)
    if separator and path and function:
        try:
            module = importlib.import_module(path)
        except ModuleNotFoundError as error:
            # A module the agent's own module imports may be missing too;
            # that error is the agent's to report, unchanged.
            if error.name is not None and (path == error.name or path.startswith(error.name + ".")):
                raise AgentSpecError("agent %r: no module named %r" % (spec, error.name)) from None
            raise
        return _function_of(module, function, spec, path)
    raise AgentSpecError(
        "agent %r: expected default, random[:SEED], PATH.py[:FUNC] or MODULE:FUNC" % spec
    )
