"""CompilerGym's ``validate_states``: many states validated in parallel."""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Callable, Iterable, Iterator, Optional

from ..gym.env import LlvmEnv
from ..gym.state import CompilerEnvState
from ..gym.validation import ValidationResult

__all__ = ["validate_states"]


def validate_states(
    make_env: Callable[[], LlvmEnv],
    states: Iterable[CompilerEnvState],
    nproc: Optional[int] = None,
    inorder: bool = False,
) -> Iterator[ValidationResult]:
    """Validates each state in an environment of its own from
    ``make_env()``, ``nproc`` at a time (default: the cores); yields the
    results in the order of ``states`` when ``inorder``, else as they
    finish."""

    def validate(state: CompilerEnvState) -> ValidationResult:
        with make_env() as env:
            return env.validate(state)

    workers = max(1, nproc or os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        if inorder:
            yield from pool.map(validate, states)
            return
        futures = [pool.submit(validate, state) for state in states]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
