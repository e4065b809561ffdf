"""The whole comparison: :func:`deploy` builds every variant, runs them
and checks them."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Optional, Sequence

from ..toolchain import clang_level
from .building import build_variant
from .plan import (
    DEFAULT_BUILD_TIMEOUT,
    DEFAULT_RUN_TIMEOUT,
    DEFAULT_RUNS,
    BuildPlan,
    DeployError,
    Variant,
    build_system,
    default_policy,
    default_program,
    read_policy_kinds,
    resolve_toolchain,
)
from .results import DeployResult
from .running import run_builds

__all__ = ["deploy"]


def deploy(
    program: Optional[os.PathLike] = None,
    policy: Optional[os.PathLike] = None,
    *,
    plugin: Optional[str] = None,
    llvm_version: Optional[str] = None,
    level: str = "Oz",
    baselines: Sequence[str] = ("Oz", "O2"),
    target: Optional[str] = None,
    goals: Sequence[str] = (),
    make_args: Sequence[str] = (),
    cmake_args: Sequence[str] = (),
    cflags: Sequence[str] = (),
    run_command: Optional[str] = None,
    runs: int = DEFAULT_RUNS,
    run_timeout: float = DEFAULT_RUN_TIMEOUT,
    build_timeout: float = DEFAULT_BUILD_TIMEOUT,
    jobs: Optional[int] = None,
    decisions: Optional[str] = None,
    always_make: bool = True,
    record: bool = True,
    out: os.PathLike,
) -> DeployResult:
    """Builds ``program`` with its own build at each baseline level and at
    ``level`` with the plugin and ``policy``, into ``out/<build>``; measures,
    runs and checks them.

    The first baseline is the reference: sizes and outputs are compared with
    it. The policy build is timed as users run it, without recording; with
    ``record``, one more build of the policy records every decision
    (``OPTGYM_RECORD``) to count them, and is timed on its own. Raises
    DeployError when nothing can be built (no build file, a missing policy
    or plugin); a build or run that fails is reported in its
    :class:`VariantResult` instead, and makes the result not ``ok``.
    """
    source = Path(program) if program is not None else default_program()
    source = source.resolve()
    if not source.is_dir():
        raise DeployError("%s: no such directory" % source)
    system = build_system(source)
    policy_path = Path(policy) if policy is not None else default_policy()
    policy_path = policy_path.resolve()
    if policy is None and not policy_path.is_file():
        raise DeployError(
            "policy %s (the default): no such file; name one with --policy FILE" % policy_path
        )
    kinds = read_policy_kinds(policy_path)
    toolchain, plugin_path = resolve_toolchain(plugin, llvm_version)
    out_path = Path(out).resolve()
    if out_path == source or source in out_path.parents:
        raise DeployError("the output directory %s must not be inside %s" % (out_path, source))
    out_path.mkdir(parents=True, exist_ok=True)
    levels = [clang_level(name) for name in baselines]
    policy_level = clang_level(level)
    variants = [Variant(name, name.lstrip("-"), name) for name in levels]
    policy_variant = Variant(
        policy_level + "+policy",
        policy_level.lstrip("-") + "-policy",
        policy_level,
        str(policy_path),
    )
    variants.append(policy_variant)
    plan = BuildPlan(
        program=source,
        system=system,
        out=out_path,
        toolchain=toolchain,
        plugin=plugin_path,
        target=target,
        goals=list(goals),
        make_args=list(make_args),
        cmake_args=list(cmake_args),
        cflags=list(cflags),
        jobs=jobs or os.cpu_count() or 1,
        always_make=always_make,
        timeout=build_timeout,
    )
    # The policy build first: a policy the plugin rejects stops everything
    # before the baselines spend their time.
    outcomes = {variants[-1].name: build_variant(plan, variants[-1], decisions)}
    if outcomes[variants[-1].name].error is None:
        for variant in variants[:-1]:
            outcomes[variant.name] = build_variant(plan, variant, decisions)
    builds = [outcomes[variant.name] for variant in variants if variant.name in outcomes]
    recording = None
    if record and len(builds) == len(variants):
        recording = build_variant(
            plan,
            dataclasses.replace(
                policy_variant,
                name=policy_variant.name + ", recording",
                directory=policy_variant.directory + "-record",
                record=True,
            ),
            decisions,
        )
    if len(builds) == len(variants):
        run_builds(builds, run_command, source, runs, run_timeout)
    result = DeployResult(
        program=source,
        system=system,
        target="",
        run_command=run_command or "",
        llvm_version=toolchain.llvm_version,
        clang=toolchain.path("clang"),
        plugin=plugin_path,
        policy=str(policy_path),
        builds=builds,
        policy_kinds=kinds,
        record=record,
        recording=recording,
    )
    reference, policy_build = builds[0], result.policy_build
    if reference.binary is not None:
        result.target = str(reference.binary.relative_to(reference.directory))
        if not result.run_command:
            result.run_command = "./" + result.target
    if reference.binary is not None and policy_build.binary is not None:
        result.binary_differs = reference.binary.read_bytes() != policy_build.binary.read_bytes()
    if recording is not None and recording.binary is not None and policy_build.binary is not None:
        result.recording_differs = recording.binary.read_bytes() != policy_build.binary.read_bytes()
    return result
