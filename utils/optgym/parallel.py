"""Independent jobs in worker processes on this machine, or as tasks on a
Ray cluster.

A job is a call of a module-level function with keyword arguments (a
benchmark's search, say) whose result depends on nothing but those
arguments, seeds included; its result is JSON-like. :func:`run_jobs`
runs a list of them either in ``workers`` spawned processes or, given a
Ray address, as Ray tasks spread over the cluster's nodes, and reports each
outcome as it arrives. Both ways give the same results for the same
arguments.

On Ray, a task whose worker or node dies is run again elsewhere (Ray's own
retries, :data:`RAY_TASK_RETRIES` times); the workers get the caller's
``OPTGYM_*`` settings and ``PYTHONPATH``, so they use the same plugin,
toolchain and package as the caller. Ray is an optional dependency: ``pip
install 'optgym[ray]'``.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import socket
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, Optional, Sequence, Union

__all__ = [
    "CONNECT_TIMEOUT",
    "JobFailure",
    "LOCAL_RAY",
    "RAY_TASK_RETRIES",
    "RayUnavailable",
    "connect",
    "run_jobs",
    "worker_environment",
]

#: ``--ray`` without an address: join the cluster ``$RAY_ADDRESS`` names,
#: else start a Ray instance on this machine for the run.
LOCAL_RAY = ""
#: How many times Ray runs a task again whose worker or node died.
RAY_TASK_RETRIES = 3


class RayUnavailable(RuntimeError):
    """Ray is not installed, or the cluster cannot be reached."""


@dataclass
class JobFailure:
    """A job that raised, or whose worker died for good."""

    message: str


Outcome = Union[Any, JobFailure]


def run_jobs(
    function: Callable[..., Any],
    jobs: Sequence[Dict[str, Any]],
    workers: int,
    ray_address: Optional[str] = None,
) -> Iterator[tuple]:
    """Runs ``function(**job)`` for every job; yields ``(index, outcome)``
    in the order jobs finish, an outcome being the function's result or a
    :class:`JobFailure`. ``ray_address`` None: ``workers`` spawned
    processes here; otherwise Ray tasks on the cluster at that address
    (:data:`LOCAL_RAY`: see there), as many at a time as it has CPUs."""
    if not jobs:
        return iter(())
    if ray_address is None:
        return _local(function, jobs, workers)
    return _ray(function, jobs, ray_address)


def _local(function: Callable[..., Any], jobs: Sequence[Dict[str, Any]], workers: int):
    # Spawned, not forked: a worker must not inherit this process's state.
    pool = concurrent.futures.ProcessPoolExecutor(
        max(1, min(workers, len(jobs))), mp_context=multiprocessing.get_context("spawn")
    )
    try:
        futures = {pool.submit(function, **job): index for index, job in enumerate(jobs)}
        for future in concurrent.futures.as_completed(futures):
            try:
                outcome: Outcome = future.result()
            except Exception as error:  # noqa: BLE001 - a dead worker is one failed job
                outcome = JobFailure("%s: %s" % (type(error).__name__, error))
            yield futures[future], outcome
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def worker_environment() -> Dict[str, str]:
    """The settings Ray's workers get from the caller: ``OPTGYM_*`` and
    ``PYTHONPATH`` (made absolute, since workers start elsewhere)."""
    settings = {k: v for k, v in os.environ.items() if k.startswith("OPTGYM_")}
    if os.environ.get("PYTHONPATH"):
        settings["PYTHONPATH"] = os.pathsep.join(
            os.path.abspath(entry) for entry in os.environ["PYTHONPATH"].split(os.pathsep) if entry
        )
    return settings


def connect(address: str) -> Any:
    """Joins the Ray cluster at ``address`` (or :data:`LOCAL_RAY`); returns
    the ray module. RayUnavailable when Ray is missing or unreachable."""
    try:
        import ray
    except ImportError:
        raise RayUnavailable(
            "--ray needs Ray: pip install 'optgym[ray]' (or pip install ray)"
        ) from None
    if ray.is_initialized():
        return ray
    options: Dict[str, Any] = dict(
        runtime_env={"env_vars": worker_environment()},
        logging_level="ERROR",
        log_to_driver=False,
    )
    _check_reachable(address or os.environ.get("RAY_ADDRESS", ""))
    starts_here = address == LOCAL_RAY and not os.environ.get("RAY_ADDRESS")
    if starts_here:
        # A private instance for this run: no dashboard, no usage report.
        options["include_dashboard"] = False
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        ray.init(address=address or None, **options)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise RayUnavailable(
            "cannot join the Ray cluster at %s: %s" % (address or "$RAY_ADDRESS", error)
        ) from None
    return ray


#: Seconds to wait for a cluster's head to accept a connection.
CONNECT_TIMEOUT = 10.0


def _check_reachable(address: str) -> None:
    """RayUnavailable unless HOST:PORT accepts a TCP connection: ray.init
    waits for an unreachable head without end."""
    if "://" in address and not address.startswith("ray://"):
        raise RayUnavailable(
            "%r is no Ray address (HOST:PORT): --ray takes an optional address, "
            "so give one, or put --ray after the benchmarks" % address
        )
    if "://" in address or ":" not in address:
        return  # "auto", a Ray client URL, or nothing to join
    host, _, port = address.rpartition(":")
    if not port.isdigit():
        raise RayUnavailable("a Ray address is HOST:PORT, not %r" % address)
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as error:
        raise RayUnavailable(
            "cannot join the Ray cluster at %s: %s (is `ray start --head` running there?)"
            % (address, error.strerror or error)
        ) from None


def _ray(function: Callable[..., Any], jobs: Sequence[Dict[str, Any]], address: str):
    joined_here = not _ray_initialized()
    ray = connect(address)
    try:
        task = ray.remote(num_cpus=1, max_retries=RAY_TASK_RETRIES)(function)
        pending = {task.remote(**job): index for index, job in enumerate(jobs)}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                index = pending.pop(ref)
                try:
                    outcome: Outcome = ray.get(ref)
                except Exception as error:  # noqa: BLE001 - a failed task is one failed job
                    outcome = JobFailure(_ray_error(error))
                yield index, outcome
    finally:
        # A caller's own Ray connection stays open.
        if joined_here:
            ray.shutdown()


def _ray_initialized() -> bool:
    try:
        import ray
    except ImportError:
        return False
    return ray.is_initialized()


def _ray_error(error: BaseException) -> str:
    """A task's error, without Ray's traceback banner."""
    cause = getattr(error, "cause", None)
    if isinstance(cause, BaseException):
        return "%s: %s" % (type(cause).__name__, cause)
    first = str(error).strip().splitlines()
    return "%s: %s" % (type(error).__name__, first[-1] if first else "")
