"""The comparison as text: a table of the builds, the policy's decisions,
the commands to rebuild each by hand, and the verdict."""

from __future__ import annotations

from typing import List, Optional

from .results import DeployResult

__all__ = ["report"]


def _relative(value: float, base: float) -> str:
    if not base:
        return "-"
    return "%+.1f%%" % (100.0 * (value - base) / base)


def _seconds(value: Optional[float]) -> str:
    if value is None:
        return "-"
    if value < 0.1:
        return "%.1f ms" % (value * 1000)
    return "%.3f s" % value


def _table(result: DeployResult, runs: int) -> List[str]:
    """One line a build: sizes (and relative to the reference and -O2),
    median run time, build time, output check."""
    reference = result.builds[0]
    o2 = next((build for build in result.builds if build.variant.name == "-O2"), None)
    if o2 is reference:
        o2 = None
    columns = ["build", "file bytes", "vs " + reference.variant.name]
    columns += ["vs -O2"] if o2 is not None else []
    columns += [".text bytes", "vs " + reference.variant.name]
    columns += ["vs -O2"] if o2 is not None else []
    columns += ["run (median of %d)" % runs, "build", "output"]
    table = [columns]
    for build in result.builds:
        if build.binary is None:
            table.append([build.variant.name, "FAILED"] + [""] * (len(columns) - 2))
            continue
        row = [build.variant.name]
        for size in ("file_bytes", "text_bytes"):
            value = getattr(build, size)
            row.append(str(value))
            row.append("" if build is reference else _relative(value, getattr(reference, size)))
            if o2 is not None:
                row.append("" if build is o2 else _relative(value, getattr(o2, size)))
        if build.error is not None:
            status = "FAILED"
        elif build is reference:
            status = "reference, exit 0"
        else:
            status = "same as %s, exit 0" % reference.variant.name
        row += [_seconds(build.median_seconds), "%.2f s" % build.build_seconds, status]
        table.append(row)
    widths = [max(len(row[index]) for row in table) for index in range(len(columns))]
    lines = []
    for row in table:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:-1], widths[1:-1])]
        cells.append(row[-1])
        lines.append("  ".join(cells).rstrip())
    return lines


def _recording_lines(result: DeployResult) -> List[str]:
    """How many decisions the recording build made and departed from, by
    kind, and what recording cost."""
    recording = result.recording
    if not result.record:
        return ["policy decisions: not recorded (--no-record)"]
    if recording is None or recording.binary is None:
        # A build failed: its error is reported already.
        return []
    policy_build = result.policy_build
    queries = sum(counts[0] for counts in recording.decisions.values())
    lines = [
        "policy decisions: %d, departed from LLVM's default: %d" % (queries, result.departed),
    ]
    for kind, (asked, departed) in recording.decisions.items():
        lines.append("  %-16s %7d decisions, %6d departed" % (kind, asked, departed))
    silent = [kind for kind in result.policy_kinds if kind not in recording.decisions]
    if silent:
        lines.append(
            "  warning: the policy names %s, which made no decision: not active in this "
            "plugin? (OPTGYM_DECISIONS=all, or --decisions, activates every kind)"
            % ", ".join(silent)
        )
    lines.append(
        "recorded in one more build (OPTGYM_RECORD): %.2f s, against %.2f s for %s; "
        "its binary %s"
        % (
            recording.build_seconds,
            policy_build.build_seconds,
            policy_build.variant.name,
            "DIFFERS (the build is not reproducible, or recording changed the code)"
            if result.recording_differs
            else "is identical",
        )
    )
    return lines


def _binary_line(result: DeployResult) -> List[str]:
    if result.binary_differs is None:
        return []
    return [
        "binary: %s the %s build's"
        % (
            "differs from" if result.binary_differs else "IDENTICAL to",
            result.reference.variant.name,
        )
    ]


def report(result: DeployResult, runs: int) -> str:
    """The comparison as text: the builds, the policy's decisions, the
    commands to rebuild each by hand, and ``deploy: ok`` or ``FAILED``."""
    lines = [
        "optgym deploy: %s (%s), program %s, run: %s"
        % (result.program, result.system, result.target or "-", result.run_command or "-"),
        "toolchain: %s (LLVM %s), plugin %s" % (result.clang, result.llvm_version, result.plugin),
        "policy: %s (kinds: %s)" % (result.policy, ", ".join(result.policy_kinds) or "none"),
        "",
    ]
    failures = [build for build in result.builds if build.error is not None]
    if result.recording is not None and result.recording.error is not None:
        failures.append(result.recording)
    if result.reference.variant.policy:
        # The policy build is built first; when it fails nothing else is.
        lines.append("the policy build failed; nothing else was built")
    else:
        lines += _table(result, runs)
    for build in failures:
        lines.append("%s: %s" % (build.variant.name, build.error))
    if result.policy_build.binary is not None:
        lines.append("")
        lines += _recording_lines(result) + _binary_line(result)
    lines.append("")
    recording = [result.recording] if result.recording is not None else []
    for build in result.builds + recording:
        for command in build.command:
            lines.append("%s: (cd %s && %s)" % (build.variant.name, build.directory, command))
    if recording and recording[0].trace is not None and recording[0].trace.exists():
        lines.append("the policy's decisions: %s" % recording[0].trace)
    lines.append("")
    if result.ok:
        lines.append("deploy: ok")
    else:
        lines.append(
            "deploy: FAILED (%d of %d builds)"
            % (len(failures), len(result.builds) + len(recording))
        )
    return "\n".join(lines)
