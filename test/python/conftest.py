"""pytest configuration of OptGym's Python tests (test/python).

The tests import the installed optgym package (utils/setup.sh and
utils/build.sh install it into the project's virtual environment) and use
the plugin it finds: ``$OPTGYM_PLUGIN`` (utils/test.sh sets it to each LLVM
major's build in turn) or the installed one.

A skipped test fails the run unless its reason starts with one of
:data:`EXPECTED_SKIPS`: a test that cannot run here must say why, and a run
in which tests silently did not run is no pass.
"""

from __future__ import annotations

from typing import List, Tuple

import pytest

#: Reasons a test may be skipped without failing the run, with why.
EXPECTED_SKIPS = {
    "no IPv6 loopback": "a container without ::1 cannot serve on it",
}

_unexpected_skips: List[Tuple[str, str]] = []


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = str(longrepr[2])
    else:
        reason = str(longrepr)
    return reason[len("Skipped: ") :] if reason.startswith("Skipped: ") else reason


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = _skip_reason(report)
        if not any(reason.startswith(expected) for expected in EXPECTED_SKIPS):
            _unexpected_skips.append((report.nodeid, reason))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _unexpected_skips and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's type
    if not _unexpected_skips:
        return
    terminalreporter.section("unexpected skips (they fail the run)", red=True)
    for nodeid, reason in _unexpected_skips:
        terminalreporter.line("%s: %s" % (nodeid, reason))
