"""What bench/load/run.py and test/python/test_load.py share: running a
generated program's build against one agent, with a deadline, and checking
every compile's own account of its queries against the agent's.

Each compile's stderr is its own file (the generated Makefile's ``LOGDIR``).
With ``OPTGYM_VERBOSE=1`` the plugin ends it with two summary lines, written
as the process exits:

    optgym: oracle socket:...: pass-gate 668 (0 departed) loop-unroll 14 (...) ...
    optgym: agent socket:...: 700 answers[, then LLVM's defaults (REASON)]

A process that gave up on its agent also printed ``optgym: warning: agent
...``. So a compile finished if its object exists and its summary is there,
and it dropped no query if it has no warning and no "then LLVM's defaults".
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

_AGENT_LINE = re.compile(r"^optgym: agent (\S+): (\d+) answers(.*)$", re.M)
_ORACLE_LINE = re.compile(r"^optgym: oracle (\S+):(.*)$", re.M)
_KIND_COUNT = re.compile(r"([a-z-]+) (\d+) \((\d+) departed")
# The client-side waits the plugin prints in
# SocketOracle::printSummary.
_WAITS = re.compile(r"waits p50 (\d+) us, p99 (\d+) us, max (\d+) us")


@dataclass
class CompileLog:
    """What one compile process said about its agent."""

    module: str
    finished: bool = False
    answers: int = 0
    queries: Dict[str, int] = field(default_factory=dict)
    departures: int = 0
    warnings: List[str] = field(default_factory=list)
    fallback: Optional[str] = None
    # (p50, p99, max) of the compile's waits for answers, in microseconds,
    # if the plugin reports them.
    waits_us: Optional[Tuple[int, int, int]] = None

    @property
    def total_queries(self) -> int:
        return sum(self.queries.values())


def parse_compile_log(module: str, text: str) -> CompileLog:
    """Reads one compile's stderr (OPTGYM_VERBOSE=1)."""
    log = CompileLog(module)
    log.warnings = [line for line in text.splitlines() if line.startswith("optgym: warning:")]
    agent = _AGENT_LINE.search(text)
    oracle = _ORACLE_LINE.search(text)
    if agent and oracle:
        log.finished = True
        log.answers = int(agent.group(2))
        rest = agent.group(3)
        waits = _WAITS.search(rest)
        if waits:
            log.waits_us = (int(waits.group(1)), int(waits.group(2)), int(waits.group(3)))
        if "then LLVM's defaults" in rest:
            log.fallback = rest[rest.index("then LLVM's defaults") :]
        for kind, count, departed in _KIND_COUNT.findall(oracle.group(2)):
            log.queries[kind] = int(count)
            log.departures += int(departed)
    return log


@dataclass
class BuildResult:
    """How a build went: its status, time, and each compile's log."""

    status: Optional[int]  # None: killed at the deadline
    seconds: float
    output: str
    logs: Dict[str, CompileLog]
    missing_objects: List[str]

    @property
    def timed_out(self) -> bool:
        return self.status is None


def run_make(
    directory: str,
    sources: Sequence[str],
    make_args: Sequence[str],
    env: Mapping[str, str],
    deadline: float,
    log_dir: Optional[str] = None,
    nice: int = 0,
) -> BuildResult:
    """Runs ``make -C directory make_args...`` in its own process group and
    kills the whole group if it is not done in ``deadline`` seconds (a hung
    agent or a deadlock shows as a timeout, not as a hung benchmark); under
    ``nice -n NICE`` if that is not 0."""
    command = ["make", "-C", directory] + list(make_args)
    if nice:
        command = ["nice", "-n", str(nice)] + command
    if log_dir is not None:
        os.makedirs(log_dir, exist_ok=True)
        command.append("LOGDIR=" + os.path.abspath(log_dir))
    start = time.monotonic()
    process = subprocess.Popen(
        command,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=deadline)
        status: Optional[int] = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        status = None
    seconds = time.monotonic() - start
    logs: Dict[str, CompileLog] = {}
    if log_dir is not None:
        for source in sources:
            name = source[: -len(".c")]
            path = os.path.join(log_dir, name + ".err")
            text = ""
            if os.path.exists(path):
                with open(path, errors="replace") as stream:
                    text = stream.read()
            logs[source] = parse_compile_log(source, text)
    missing = [
        source
        for source in sources
        if not os.path.exists(os.path.join(directory, source[: -len(".c")] + ".o"))
    ]
    return BuildResult(status, seconds, output, logs, missing)


@dataclass
class Check:
    """The verdict on one agent build: a list of problems, empty if none."""

    problems: List[str] = field(default_factory=list)
    client_queries: int = 0
    server_queries: int = 0

    def fail(self, text: str) -> None:
        self.problems.append(text)


def check_build(result: BuildResult, server_units: Sequence, server_errors: Sequence[str]) -> Check:
    """Checks that the build finished, every compile finished, none dropped
    a query, and the agent saw exactly the queries each compile asked."""
    check = Check()
    if result.timed_out:
        check.fail("the build did not finish before its deadline (deadlock?)")
    elif result.status != 0:
        check.fail("make exited with status %s:\n%s" % (result.status, result.output[-2000:]))
    for source in result.missing_objects:
        check.fail("%s: no object" % source)
    # A unit's module names its source as the plugin labels it: the file
    # name given to clang, or a path that ends with it (a plugin may label
    # sources relative to their repository or a key root).
    by_module: Dict[str, List] = {}
    for unit in server_units:
        name = os.path.basename(unit.module) if unit.module else unit.module
        by_module.setdefault(name, []).append(unit)
    for source, log in sorted(result.logs.items()):
        if not log.finished:
            check.fail("%s: the compile printed no summary (it did not finish)" % source)
            continue
        for warning in log.warnings:
            check.fail("%s: %s" % (source, warning))
        if log.fallback:
            check.fail("%s: fell back to LLVM's defaults: %s" % (source, log.fallback))
        if log.answers != log.total_queries:
            check.fail("%s: %d queries but %d answers" % (source, log.total_queries, log.answers))
        if log.answers and log.waits_us is None:
            check.fail("%s: the compile did not report how long it waited" % source)
        units = by_module.get(source, [])
        served = sum(unit.queries for unit in units)
        check.client_queries += log.total_queries
        check.server_queries += served
        if len(units) != 1:
            check.fail("%s: the agent saw %d units of it, not 1" % (source, len(units)))
        if served != log.total_queries:
            check.fail(
                "%s: the compile asked %d queries, the agent answered %d"
                % (source, log.total_queries, served)
            )
        elif units and units[0].stats is None:
            check.fail("%s: no module-end reached the agent" % source)
    for error in server_errors:
        check.fail("agent: %s" % error)
    return check


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(-(-fraction * len(sorted_values) // 1)))
    return sorted_values[min(rank, len(sorted_values)) - 1]
