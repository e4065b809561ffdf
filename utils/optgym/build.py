"""Running a whole build with a Python agent deciding.

:func:`run_build` starts an :class:`~optgym.server.AgentServer` on a private
Unix socket, runs a build command with the plugin loaded and pointed at the
server, and returns what every compiler process asked and was answered:

    result = optgym.run_build(["make", "-j8", "CC=clang-19"], decide)
    for unit in result.units:
        print(unit.module, unit.queries, unit.stats["ir_instructions"])

How the plugin gets loaded:

* Every ``{plugin}`` in the command's arguments becomes the plugin's path,
  e.g. ``["opt-19", "-load-pass-plugin={plugin}", ...]`` or
  ``["make", "CFLAGS=-O2 -fpass-plugin={plugin}"]``.
* Otherwise the environment variable ``CCC_OVERRIDE_OPTIONS`` makes clang's
  driver add ``-fpass-plugin=PATH`` to each of its command lines, so an
  unmodified build that compiles with clang loads the plugin. This reaches
  the clang and clang++ drivers only: not gcc, not opt, not ``clang -cc1``.

The build also sees ``OPTGYM_PLUGIN`` (the path, for scripts and shell
commands: ``"... -fpass-plugin=$OPTGYM_PLUGIN"``) and ``OPTGYM_ORACLE``.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from .plugin import find_plugin
from .query import Decision, Query, Unit
from .server import AgentServer, LogTarget, ModuleEndCallback

__all__ = ["run_build", "BuildResult", "PLUGIN_PLACEHOLDER"]

#: Replaced by the plugin's path wherever it occurs in a build command.
PLUGIN_PLACEHOLDER = "{plugin}"

# After the build exits, its compiler processes have exited too, and their
# final messages (module-end) are in the server's socket buffers; this bounds
# the wait for reading them, and for processes the build left running.
_DRAIN_SECONDS = 2.0

Command = Union[str, Sequence[Union[str, os.PathLike]]]


@dataclass
class BuildResult:
    """What a build did and what its compiler processes were answered.

    Attributes:
        command: the command as run (with ``{plugin}`` replaced).
        returncode: the build's exit status (negative: killed by a signal).
        units: one per module per compiler process, sorted by module then
            pid.
        stdout, stderr: the build's output when captured, else None.
        agent_errors: failures of decide (each query answered with LLVM's
            default) and of on_module_end; see AgentServer.errors.
        connection_errors: why connections ended early (a protocol
            violation, say); see AgentServer.connection_errors.
        plugin: the plugin path the build was given, if any.
    """

    command: Command
    returncode: int
    units: List[Unit]
    stdout: Optional[str] = None
    stderr: Optional[str] = None
    agent_errors: List[str] = field(default_factory=list)
    connection_errors: List[str] = field(default_factory=list)
    plugin: Optional[str] = None

    @property
    def ok(self) -> bool:
        """The build succeeded and every query was answered by the agent."""
        return self.returncode == 0 and not self.agent_errors and not self.connection_errors

    @property
    def decisions(self) -> List[Decision]:
        """Every decision of every unit, in unit order."""
        return [decision for unit in self.units for decision in unit.decisions]

    def unit(self, module: str, pid: Optional[int] = None) -> Unit:
        """The unit of ``module`` (and ``pid``, when several processes
        compiled the same module).

        Raises KeyError when there is none and LookupError when the module
        was compiled more than once and ``pid`` does not pick one.
        """
        matches = [
            unit
            for unit in self.units
            if unit.module == module and (pid is None or unit.pid == pid)
        ]
        if not matches:
            known = ", ".join(sorted({str(unit.module) for unit in self.units})) or "none"
            raise KeyError("no unit for module %r (modules: %s)" % (module, known))
        if len(matches) > 1:
            raise LookupError(
                "module %r was compiled by %d processes (pids %s); pass pid="
                % (module, len(matches), ", ".join(str(unit.pid) for unit in matches))
            )
        return matches[0]

    def to_json(self) -> Dict[str, Any]:
        """The result as plain JSON-serializable data."""
        data: Dict[str, Any] = {
            "command": self.command if isinstance(self.command, str) else list(self.command),
            "returncode": self.returncode,
            "ok": self.ok,
            "plugin": self.plugin,
            "units": [unit.to_json() for unit in self.units],
            "agent_errors": list(self.agent_errors),
            "connection_errors": list(self.connection_errors),
        }
        if self.stdout is not None:
            data["stdout"] = self.stdout
        if self.stderr is not None:
            data["stderr"] = self.stderr
        return data


def _arguments(command: Command) -> Union[str, List[str]]:
    """The command as a string or a list of strings (paths allowed in it)."""
    if isinstance(command, str):
        return command
    return [os.fspath(argument) for argument in command]


def _mentions_placeholder(command: Union[str, List[str]]) -> bool:
    if isinstance(command, str):
        return PLUGIN_PLACEHOLDER in command
    return any(PLUGIN_PLACEHOLDER in argument for argument in command)


def _substitute_plugin(
    command: Union[str, List[str]], plugin: Optional[str]
) -> Union[str, List[str]]:
    if plugin is None:
        return command
    if isinstance(command, str):
        return command.replace(PLUGIN_PLACEHOLDER, plugin)
    return [argument.replace(PLUGIN_PLACEHOLDER, plugin) for argument in command]


def _clang_override(existing: Optional[str], plugin: str) -> str:
    """The CCC_OVERRIDE_OPTIONS value that adds the plugin to clang's flags.

    clang's driver applies the space-separated edits of this variable to its
    command line; ``+FLAG`` appends FLAG, and a leading ``#`` keeps the
    driver from printing every edit it makes.
    """
    if any(character.isspace() for character in plugin):
        raise ValueError(
            "the plugin path %r contains white space, which CCC_OVERRIDE_OPTIONS cannot "
            "carry; put %s in the build command instead" % (plugin, PLUGIN_PLACEHOLDER)
        )
    edit = "+-fpass-plugin=" + plugin
    if existing:
        return existing + " " + edit
    return "# " + edit


def _build_environment(
    overrides: Optional[Mapping[str, Optional[str]]],
    oracle_spec: str,
    plugin: Optional[str],
    inject_clang: bool,
    decisions: Optional[Union[str, Sequence[str]]],
    timeout_ms: Optional[int],
) -> Dict[str, str]:
    environment = dict(os.environ)
    for name, value in (overrides or {}).items():
        # None removes an inherited variable.
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = str(value)
    environment["OPTGYM_ORACLE"] = oracle_spec
    if plugin is not None:
        environment["OPTGYM_PLUGIN"] = plugin
    if inject_clang:
        assert plugin is not None
        environment["CCC_OVERRIDE_OPTIONS"] = _clang_override(
            environment.get("CCC_OVERRIDE_OPTIONS"), plugin
        )
    if decisions is not None:
        environment["OPTGYM_DECISIONS"] = (
            decisions if isinstance(decisions, str) else ",".join(decisions)
        )
    if timeout_ms is not None:
        environment["OPTGYM_AGENT_TIMEOUT_MS"] = str(timeout_ms)
    return environment


def _resolve_plugin(
    plugin: Optional[Union[str, os.PathLike[str]]], required: bool
) -> Optional[str]:
    if plugin is not None:
        path = os.path.abspath(os.fspath(plugin))
        if not os.path.isfile(path):
            raise FileNotFoundError("plugin %s: no such file" % path)
        return path
    if required:
        return find_plugin()
    # Nothing in the command needs the plugin, but the build's own scripts
    # may use $OPTGYM_PLUGIN: provide it when there is one to provide.
    try:
        return find_plugin()
    except FileNotFoundError:
        return None


def run_build(
    command: Command,
    decide: Callable[[Query], Any],
    *,
    cwd: Optional[Union[str, os.PathLike[str]]] = None,
    env: Optional[Mapping[str, Optional[str]]] = None,
    plugin: Optional[Union[str, os.PathLike[str]]] = None,
    decisions: Optional[Union[str, Sequence[str]]] = None,
    timeout_ms: Optional[int] = None,
    inject_clang: Optional[bool] = None,
    capture_output: bool = False,
    check: bool = False,
    log: LogTarget = None,
    on_module_end: Optional[ModuleEndCallback] = None,
) -> BuildResult:
    """Runs a build whose compiler processes ask ``decide`` every decision.

    Args:
        command: a list of arguments, or a string run by the shell.
            ``{plugin}`` anywhere in it becomes the plugin's path.
        decide: the agent; see :class:`~optgym.server.AgentServer`.
        cwd: the directory to run the build in.
        env: variables to set for the build on top of the inherited
            environment (None as a value removes one). OPTGYM_ORACLE,
            OPTGYM_PLUGIN and the settings below take precedence.
        plugin: OptGym.so; default :func:`~optgym.plugin.find_plugin`.
        decisions: the decision kinds to ask about (OPTGYM_DECISIONS), as a
            list or a comma-separated string; default all.
        timeout_ms: OPTGYM_AGENT_TIMEOUT_MS, the plugin's wait for each
            answer; 0 waits forever.
        inject_clang: add the plugin to every clang command line through
            CCC_OVERRIDE_OPTIONS. Default: when the command has no
            ``{plugin}``.
        capture_output: capture the build's stdout and stderr as text.
        check: raise subprocess.CalledProcessError when the build fails
            (after the server has shut down).
        log: where the server's warnings go (see AgentServer).
        on_module_end: called with each Unit as its module-end arrives.

    Returns:
        A :class:`BuildResult`.
    """
    arguments = _arguments(command)
    uses_placeholder = _mentions_placeholder(arguments)
    if inject_clang is None:
        inject_clang = not uses_placeholder
    if timeout_ms is not None and (
        isinstance(timeout_ms, bool) or int(timeout_ms) != timeout_ms or timeout_ms < 0
    ):
        raise ValueError("timeout_ms must be a non-negative integer, not %r" % (timeout_ms,))
    plugin_path = _resolve_plugin(plugin, required=uses_placeholder or inject_clang)
    arguments = _substitute_plugin(arguments, plugin_path)

    output = subprocess.PIPE if capture_output else None
    with AgentServer(decide, log=log, on_module_end=on_module_end) as server:
        environment = _build_environment(
            env, server.oracle_spec, plugin_path, inject_clang, decisions, timeout_ms
        )
        completed = subprocess.run(
            arguments,
            shell=isinstance(arguments, str),
            cwd=cwd,
            env=environment,
            stdout=output,
            stderr=output,
            # Compilers print source snippets in whatever encoding the
            # sources use; a stray byte must not lose the whole output.
            encoding="utf-8" if capture_output else None,
            errors="replace" if capture_output else None,
        )
        if not server.wait_idle(_DRAIN_SECONDS):
            server.log(
                "optgym: warning: connections still open %g s after the build exited; "
                "closing them" % _DRAIN_SECONDS
            )
    # The server is closed: its records are final.
    units = sorted(
        server.units(),
        key=lambda unit: (
            unit.module or "",
            unit.pid if unit.pid is not None else -1,
            unit.connection,
        ),
    )
    result = BuildResult(
        command=arguments,
        returncode=completed.returncode,
        units=units,
        stdout=completed.stdout,
        stderr=completed.stderr,
        agent_errors=server.errors,
        connection_errors=server.connection_errors,
        plugin=plugin_path,
    )
    if check and completed.returncode != 0:
        raise subprocess.CalledProcessError(
            completed.returncode, arguments, completed.stdout, completed.stderr
        )
    return result
