"""Running the variants' programs in turns, and checking each run against
the reference's output."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import List, Optional, Sequence

from ..toolchain import run_program, tool_environment
from ..validation import output_difference
from .results import VariantResult

__all__ = ["run_builds"]


def _run_argv(run_command: Optional[str], build: VariantResult, program: Path) -> List[str]:
    assert build.binary is not None
    if not run_command:
        return [str(build.binary)]
    text = (
        run_command.replace("{bin}", shlex.quote(str(build.binary)))
        .replace("{src}", shlex.quote(str(program)))
        .replace("{dir}", shlex.quote(str(build.directory)))
    )
    return ["/bin/sh", "-c", text]


def run_builds(
    builds: Sequence[VariantResult],
    run_command: Optional[str],
    program: Path,
    runs: int,
    timeout: float,
) -> None:
    """Runs the builds in turns (reference, then each other, N times), so
    that a machine that slows down or speeds up affects each alike, and
    checks every run against the reference's first (the first run that
    exits 0, when the reference's does not)."""
    environment = tool_environment(keep_plugin=False)
    expected: Optional[bytes] = None
    expected_from = ""
    for _ in range(runs):
        for build in builds:
            if build.error is not None or build.binary is None:
                continue
            result = run_program(
                _run_argv(run_command, build, program),
                timeout=timeout,
                cwd=str(build.directory),
                env=environment,
            )
            build.runs.append(result)
            if result.timed_out or result.returncode != 0:
                stderr = result.stderr.decode("utf-8", "replace").strip().splitlines()
                build.error = "run %d: %s%s" % (
                    len(build.runs),
                    result.describe(),
                    (": " + stderr[-1]) if stderr else "",
                )
            elif expected is None:
                expected = result.stdout
                expected_from = "the %s build" % build.variant.name
            elif result.stdout != expected:
                build.error = "run %d: output differs: %s" % (
                    len(build.runs),
                    output_difference(result.stdout, expected, expected_from),
                )
