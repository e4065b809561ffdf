"""What a deployment found: each variant's build and runs
(:class:`VariantResult`), and the whole comparison (:class:`DeployResult`)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..toolchain import RunResult
from .plan import Variant

__all__ = ["DeployResult", "VariantResult"]


@dataclass
class VariantResult:
    """What one variant's build produced and how its runs went.

    Attributes:
        variant: the build.
        directory: where it was built (the copy, or the CMake build tree).
        command: the build command(s), as shell text to rerun by hand.
        build_seconds: wall time of the build.
        binary: the program, or None when the build failed.
        file_bytes, text_bytes: its size and its ``.text`` section's.
        runs: its runs, in order.
        decisions: for the recording build, ``{kind: [queries, departed]}``
            from its trace.
        error: why it failed (build, run or output), or None.
    """

    variant: Variant
    directory: Path
    command: List[str] = field(default_factory=list)
    build_seconds: float = 0.0
    binary: Optional[Path] = None
    file_bytes: int = 0
    text_bytes: int = 0
    runs: List[RunResult] = field(default_factory=list)
    decisions: Dict[str, List[int]] = field(default_factory=dict)
    trace: Optional[Path] = None
    error: Optional[str] = None

    @property
    def median_seconds(self) -> Optional[float]:
        if not self.runs:
            return None
        return statistics.median(result.walltime for result in self.runs)

    def to_json(self) -> Dict[str, Any]:
        return {
            "build": self.variant.name,
            "level": self.variant.level,
            "policy": self.variant.policy,
            "directory": str(self.directory),
            "command": self.command,
            "build_seconds": round(self.build_seconds, 3),
            "binary": str(self.binary) if self.binary else None,
            "file_bytes": self.file_bytes,
            "text_bytes": self.text_bytes,
            "run_seconds": [round(result.walltime, 6) for result in self.runs],
            "median_seconds": self.median_seconds,
            "decisions": self.decisions,
            "trace": str(self.trace) if self.trace else None,
            "error": self.error,
        }


@dataclass
class DeployResult:
    """The whole comparison; ``builds[0]`` is the reference (-Oz).
    ``recording`` is the policy build made again with every decision
    recorded (None when ``record`` is off, or when a build failed before it);
    ``recording_differs`` says whether its binary differs from the policy
    build's (recording must not change the code, but a build that is not
    reproducible, ``__DATE__`` say, differs anyway)."""

    program: Path
    system: str
    target: str
    run_command: str
    llvm_version: str
    clang: str
    plugin: str
    policy: str
    builds: List[VariantResult]
    policy_kinds: List[str]
    binary_differs: Optional[bool] = None
    record: bool = True
    recording: Optional[VariantResult] = None
    recording_differs: Optional[bool] = None

    @property
    def reference(self) -> VariantResult:
        return self.builds[0]

    @property
    def policy_build(self) -> VariantResult:
        return next(build for build in self.builds if build.variant.policy)

    @property
    def ok(self) -> bool:
        recording_failed = self.recording is not None and self.recording.error is not None
        return not recording_failed and all(build.error is None for build in self.builds)

    @property
    def departed(self) -> Optional[int]:
        """Decisions that departed from LLVM's default, None when not recorded."""
        if self.recording is None:
            return None
        return sum(counts[1] for counts in self.recording.decisions.values())

    def to_json(self) -> Dict[str, Any]:
        return {
            "program": str(self.program),
            "build_system": self.system,
            "target": self.target,
            "run": self.run_command,
            "llvm_version": self.llvm_version,
            "clang": self.clang,
            "plugin": self.plugin,
            "policy": self.policy,
            "policy_kinds": self.policy_kinds,
            "binary_differs_from_Oz": self.binary_differs,
            "decisions_departed": self.departed,
            "ok": self.ok,
            "builds": [build.to_json() for build in self.builds],
            "recording": self.recording.to_json() if self.recording else None,
            "recording_differs": self.recording_differs,
        }
