"""OptGym environments inside Ray workers: actors, and RLlib's env runners.

Each environment lives in the Ray worker process that made it, with its own
driver processes, benchmark roots and scratch directory: nothing is shared
between workers but the on-disk cache of built benchmarks, which takes
concurrent processes (:mod:`optgym.cache`). When a worker dies, even by
SIGKILL, its drivers die with it (they carry a parent-death signal) and the
next environment made on the machine removes its scratch directories
(:func:`optgym.gym.process.remove_orphans`).

::

    import ray, optgym.remote

    ray.init()
    env = optgym.remote.RemoteEnv("llvm-ic-v0", benchmark="benchmark://optgym-v0/crc32")
    observation, info = env.reset()
    observation, reward, terminated, truncated, info = env.step(0)
    env.close()

For RLlib, :func:`env_creator` is an environment creator:
``ray.tune.registry.register_env("optgym", optgym.remote.env_creator)``, then
``config.environment("optgym", env_config={"id": "llvm-autophase-ic-v0",
"benchmark": ...})``. Ray is an optional dependency (``pip install
'optgym[ray]'``).
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List, Mapping, Optional

__all__ = ["EnvWorker", "RemoteEnv", "child_pids", "env_creator", "random_rollout"]


def env_creator(config: Mapping[str, Any]) -> Any:
    """An environment from RLlib's ``env_config``: ``id`` (default
    ``llvm-v0``) and :func:`optgym.make`'s keyword arguments."""
    import optgym

    arguments = dict(config)
    env_id = arguments.pop("id", "llvm-v0")
    return optgym.make(env_id, **arguments)


def random_rollout(env: Any, steps: int, episode_length: int, seed: int) -> Dict[str, float]:
    """What an env runner does between two reports to its driver: ``steps``
    steps of uniformly random actions (seeded), resetting after
    ``episode_length`` steps or when an episode ends. Returns the steps,
    episodes, summed reward and seconds taken."""
    import numpy as np

    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    total = 0.0
    episodes = 0
    taken = 0
    while taken < steps:
        env.reset()
        episodes += 1
        for _ in range(min(episode_length, steps - taken)):
            _, reward, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
            taken += 1
            total += float(reward or 0.0)
            if terminated or truncated:
                break
    return {
        "steps": taken,
        "episodes": episodes,
        "reward": total,
        "seconds": time.perf_counter() - start,
    }


class EnvWorker:
    """One environment, made and used inside a Ray worker process (the
    class :class:`RemoteEnv` makes an actor of)."""

    def __init__(self, env_id: str, arguments: Dict[str, Any]) -> None:
        self.env = env_creator(dict(arguments, id=env_id))

    def reset(self, **kwargs: Any) -> Any:
        return self.env.reset(**kwargs)

    def step(self, action: Any) -> Any:
        return self.env.step(action)

    def steps(self, actions: List[Any]) -> List[Any]:
        """Several steps in one round trip; stops after a terminating one."""
        results = []
        for action in actions:
            results.append(self.env.step(action))
            if results[-1][2]:
                break
        return results

    def rollout(self, steps: int, episode_length: int, seed: int) -> Dict[str, float]:
        """:func:`random_rollout` in the worker: one round trip for many
        steps, as an env runner samples."""
        return random_rollout(self.env, steps, episode_length, seed)

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """The environment's method ``method`` (``validate``, ``cost``,
        ...), called in the worker."""
        return getattr(self.env, method)(*args, **kwargs)

    def attribute(self, name: str) -> Any:
        return getattr(self.env, name)

    def observation(self, name: str) -> Any:
        """The observation ``name`` of the current state."""
        return self.env.observation[name]

    def process(self) -> Dict[str, Any]:
        """The worker's pid and its child processes (the drivers)."""
        return {"pid": os.getpid(), "children": child_pids(os.getpid())}

    def close(self) -> None:
        self.env.close()


def child_pids(pid: int) -> List[int]:
    """The pids of a process's children (none for a process gone)."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as stream:
            return [int(field) for field in stream.read().split()]
    except OSError:
        return []


class RemoteEnv:
    """An environment in a Ray actor, used like a local one: ``reset``,
    ``step``, ``close``; anything else through :meth:`call` and
    :meth:`attribute`. Needs a Ray connection (``ray.init``); ``num_cpus``
    is what the actor reserves."""

    def __init__(self, env_id: str, num_cpus: float = 1, **arguments: Any) -> None:
        import ray

        self._ray = ray
        self.actor = ray.remote(num_cpus=num_cpus)(EnvWorker).remote(env_id, arguments)

    def reset(self, **kwargs: Any) -> Any:
        return self._ray.get(self.actor.reset.remote(**kwargs))

    def step(self, action: Any) -> Any:
        return self._ray.get(self.actor.step.remote(action))

    def steps(self, actions: List[Any]) -> List[Any]:
        return self._ray.get(self.actor.steps.remote(actions))

    def rollout(self, steps: int, episode_length: int, seed: int) -> Dict[str, float]:
        return self._ray.get(self.actor.rollout.remote(steps, episode_length, seed))

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self._ray.get(self.actor.call.remote(method, *args, **kwargs))

    def attribute(self, name: str) -> Any:
        return self._ray.get(self.actor.attribute.remote(name))

    def observation(self, name: str) -> Any:
        return self._ray.get(self.actor.observation.remote(name))

    def process(self) -> Dict[str, Any]:
        return self._ray.get(self.actor.process.remote())

    def close(self, timeout: Optional[float] = 60.0) -> None:
        """Closes the environment and ends the actor."""
        try:
            self._ray.get(self.actor.close.remote(), timeout=timeout)
        finally:
            self._ray.kill(self.actor)

    def __enter__(self) -> "RemoteEnv":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
