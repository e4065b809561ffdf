#!/usr/bin/env python3
"""Episodes of the gym with faults injected into the real driver, counting
what they leave behind.

Each episode resets an ``llvm-v0`` environment (the real driver: opt with
the plugin), takes random steps and, at a random step, injects one fault
(each of them once in every 7 episodes, in a random order):

  normal       none
  kill-between SIGKILL the episode's driver between two steps
  kill-mid     SIGKILL it while a step waits for it (stopped first, so that
               the kill lands inside the step whatever the machine's speed)
  kill-race    SIGKILL it after a random 0-3 ms while steps run
  stop         SIGSTOP it: to the gym, a pass that never returns; the step
               must end after --step-timeout seconds (set for that step
               only: the others have the default, 60 s here, so that a
               loaded machine makes no false timeouts) with error_type
               "timeout"
  ulimit       cap its address space at its current size (prlimit): the
               next allocation fails and LLVM aborts ("out of memory")
  kill-root    SIGKILL the benchmark's root process: the next reset must
               start a new one

A faulted step must end the episode (terminated, ``info["error_type"]`` and
``info["error_details"]``); the next reset and step must work (every
episode starts with both). Before the first and after the last episode (and
every --report episodes) it counts: zombie processes among this process's
descendants, the descendants, this process's open file descriptors, the
entries of the gym's temporary directories (``$TMPDIR/optgym-*-PID-*`` and
the files in them), optgym's on-disk cache entries and, with
--state-cache, the states in a private Redis, each of which must be a
state some successful step reached (none of a faulted step).

  bench/gym_faults/soak.py [--episodes 1000] [--seed 0] [--step-timeout 0.5]
                           [--state-cache] [--json FILE]

Needs the package (utils/build.sh, or PYTHONPATH=utils and
$OPTGYM_PLUGIN) and, for --state-cache, redis-server. Exit status 1 if an
episode misbehaved or something leaked.

Zombies: a root reaps its ended forks each time it forks again, so an
episode that ended is its root's zombie until the next reset that forks the
root ("root_zombies"; with --state-cache a reset may fork nothing). Zombies
of anything else ("zombies") are leaks. test/python/test_gym_faults.py runs
a few dozen episodes through :func:`run`.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import resource
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

import optgym
from optgym.cache import Cache
from optgym.gym.process import process_gone
from optgym.gym.state_cache import KEY_PREFIX, next_key

FAULTS = ("normal", "kill-between", "kill-mid", "kill-race", "stop", "ulimit", "kill-root")
#: What a faulted step's info["error_type"] may be, by fault.
EXPECTED = {
    "kill-between": {"crashed"},
    "kill-mid": {"crashed"},
    "kill-race": {"crashed"},
    "stop": {"timeout"},
    # "ok": 50 steps ran in memory the driver had mapped before the cap
    # (malloc's free lists), which a handful of episodes in 1,000 do.
    "ulimit": {"crashed", "ok"},
}
BENCHMARK = "benchmark://optgym-v0/crc32"
# Zombies there before the run (of another environment in this process).
_ignored: Set[int] = set()
#: The step timeout of every step but those of the "stop" fault.
NORMAL_TIMEOUT = 60.0


def process_table() -> Dict[int, "tuple[str, int]"]:
    """pid -> (state, parent pid), from /proc."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as stream:
                fields = stream.read().rsplit(b")", 1)[-1].split()
        except OSError:
            continue
        table[int(name)] = (fields[0].decode(), int(fields[1]))
    return table


def descendants(root: Optional[int] = None, parents: bool = False) -> Dict[int, Any]:
    """The descendants of ``root`` (default: this process), pid -> state
    (``parents``: pid -> (state, parent pid))."""
    root = os.getpid() if root is None else root
    table = process_table()
    children: Dict[int, List[int]] = {}
    for pid, (_, parent) in table.items():
        children.setdefault(parent, []).append(pid)
    found: Dict[int, Any] = {}
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        if pid in found or pid not in table:
            continue
        found[pid] = table[pid] if parents else table[pid][0]
        todo += children.get(pid, [])
    return found


def zombies(env: Any = None, ignore: "Set[int] | frozenset" = frozenset()) -> "tuple[int, int]":
    """(zombies among this process's descendants whose parent is none of
    ``env``'s roots, zombies whose parent is one). A root reaps its ended
    forks when it forks again (oracle/SocketOracle.cpp): until then an
    episode that ended is a zombie of its root, at most one per root
    when every reset forks it, more with a state cache (a reset from the
    cache forks nothing). Zombies in ``ignore`` are not counted."""
    roots = set()
    if env is not None and not env.closed:
        roots = {root.connection.pid for root in env._pool.roots.values()}
    stray = of_roots = 0
    for pid, (state, parent) in descendants(parents=True).items():
        if state == "Z" and pid not in ignore:
            if parent in roots:
                of_roots += 1
            else:
                stray += 1
    return stray, of_roots


def temp_entries() -> List[str]:
    """This process's private directories in the temporary directory and
    every file in them."""
    parent = tempfile.gettempdir()
    marker = "-%d-" % os.getpid()
    entries = []
    for name in sorted(os.listdir(parent)):
        if name.startswith("optgym-") and marker in name:
            path = os.path.join(parent, name)
            entries.append(path)
            for folder, _, files in os.walk(path):
                entries += [os.path.join(folder, file) for file in files]
    return entries


def cache_entries(root: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(root)) if root.exists() else 0


def counts(env: Any, cache_dir: Path, redis: Any) -> Dict[str, Any]:
    """What the run has left behind so far."""
    tree = descendants()
    stray, of_roots = zombies(env, _ignored)
    result: Dict[str, Any] = {
        "zombies": stray,
        "root_zombies": of_roots,
        "descendants": len(tree),
        "open_fds": len(os.listdir("/proc/self/fd")),
        "temp_entries": len(temp_entries()),
        "cache_files": cache_entries(cache_dir),
    }
    if redis is not None:
        env.state_cache.flush()
        result["cache_states"] = env.state_cache.server_info()[0]
    return result


def _kill(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def _episode_pid(env: Any) -> Optional[int]:
    """The pid of the episode's driver (None: a state-cache episode that
    has none yet)."""
    connection = env._connection
    driver = getattr(connection, "driver", connection)
    if driver is None or driver.closed or driver.query is None:
        return None
    return driver.pid


def _state_key(env: Any) -> Optional[str]:
    return getattr(env._connection, "key", None)


def run(
    episodes: int = 1000,
    seed: int = 0,
    step_timeout: float = 0.5,
    state_cache: bool = False,
    report: int = 100,
    out: Any = sys.stdout,
    faults: Any = FAULTS,
) -> Dict[str, Any]:
    """Runs the episodes; returns the summary (``problems`` lists every
    misbehaviour and leak)."""
    rng = random.Random(seed)
    # What exists already (another environment of this process): not ours.
    old_pids = set(descendants())
    global _ignored
    _ignored = {pid for pid, state in descendants().items() if state == "Z"}
    old_entries = set(temp_entries())
    problems: List[str] = []
    tally: Dict[str, int] = {fault: 0 for fault in FAULTS}
    outcome: Dict[str, int] = {}
    reached: Set[str] = set()
    most = {"zombies": 0, "root_zombies": 0}
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="optgym-soak-")))
        redis = None
        if state_cache:
            from optgym.redis_server import RedisServer

            redis = stack.enter_context(RedisServer(str(scratch / "redis"), maxmemory="256mb"))
        cache_dir = scratch / "cache"
        env = optgym.make(
            "llvm-v0",
            benchmark=BENCHMARK,
            observation_space="IrInstructionCount",
            reward_space="IrInstructionCountOz",
            step_timeout=NORMAL_TIMEOUT,
            cache=Cache(cache_dir),
            state_cache=redis.url if redis is not None else False,
            numpy=False,
        )
        stack.callback(env.close)
        env.action_space.seed(seed)
        n_actions = env.action_space.n
        # A warm-up episode: the root, the baselines, the caches exist.
        env.reset()
        env.step(0)
        env.reset()
        if redis is not None:
            reached.add(_state_key(env))
            reached.add(next_key(_state_key(env), 1))
        before = counts(env, cache_dir, redis)
        print("before: %s" % json.dumps(before), file=out, flush=True)
        start = time.monotonic()
        block: List[str] = []
        for episode in range(1, episodes + 1):
            # Every fault once per len(faults) episodes, in a random order.
            if not block:
                block = list(faults)
                rng.shuffle(block)
            fault = block.pop()
            tally[fault] += 1
            try:
                _, info = env.reset()
                key = _state_key(env)
                if key is not None:
                    reached.add(key)
                result = env.step(rng.randrange(n_actions))
            except Exception as error:  # noqa: BLE001 - reported, not raised
                problems.append("episode %d: reset and a step failed: %r" % (episode, error))
                continue
            if result[2] or "error_type" in result[4]:
                problems.append("episode %d: the first step failed: %r" % (episode, result[4]))
                continue
            if _state_key(env) is not None:
                reached.add(_state_key(env))
            got = _inject(env, fault, rng, reached, step_timeout)
            # Zombies after every episode: the most seen at any point.
            for name, value in zip(("zombies", "root_zombies"), zombies(env, _ignored)):
                most[name] = max(most[name], value)
            outcome["%s:%s" % (fault, got)] = outcome.get("%s:%s" % (fault, got), 0) + 1
            if fault in EXPECTED and got not in EXPECTED[fault] and got != "no-driver":
                problems.append("episode %d: %s ended with %s" % (episode, fault, got))
            if report and episode % report == 0:
                now = counts(env, cache_dir, redis)
                print(
                    "%d episodes, %.1f s: %s"
                    % (episode, time.monotonic() - start, json.dumps(now)),
                    file=out,
                    flush=True,
                )
        # The last episode's driver is killed by the next reset: reset once
        # more, as a training loop would, then count.
        env.reset()
        if _state_key(env) is not None:
            reached.add(_state_key(env))
        after = counts(env, cache_dir, redis)
        elapsed = time.monotonic() - start
        if redis is not None:
            env.state_cache.flush()
            client = env.state_cache._available()
            stored = {
                name.decode()[len(KEY_PREFIX) :]
                for name in client.scan_iter(match=KEY_PREFIX + "*", count=1000)
            }
            stray = stored - reached
            if stray:
                problems.append(
                    "%d cached states no successful step reached (of %d)"
                    % (len(stray), len(stored))
                )
        for name in ("zombies", "temp_entries", "cache_files", "open_fds", "descendants"):
            if after[name] > before[name]:
                problems.append("%s: %d before, %d after" % (name, before[name], after[name]))
        if most["zombies"]:
            problems.append("%d zombies (not of a root) after an episode" % most["zombies"])
        # Without a state cache the last reset forked every root, which
        # reaped the episodes that ended before it.
        if after["root_zombies"] > (len(env._pool.roots) if state_cache else 0):
            problems.append("%d zombies of roots after the last reset" % after["root_zombies"])
        env.close()
        pids = [pid for pid in descendants() if pid not in old_pids]
    time.sleep(0.2)
    left = [pid for pid in pids if not process_gone(pid, None)]
    if left:
        problems.append("processes left after close: %s" % left)
    left_entries = sorted(set(temp_entries()) - old_entries)
    if left_entries:
        problems.append("temporary entries left after close: %s" % left_entries)
    summary = {
        "episodes": episodes,
        "seed": seed,
        "step_timeout": step_timeout,
        "state_cache": state_cache,
        "seconds": round(elapsed, 1),
        "faults": tally,
        "outcomes": dict(sorted(outcome.items())),
        "before": before,
        "after": after,
        "most_after_an_episode": most,
        "problems": problems,
    }
    return summary


def _inject(env: Any, fault: str, rng: random.Random, reached: Set[str], timeout: float) -> str:
    """Steps the episode with ``fault`` injected; returns how it ended: the
    error type of the step that failed, ``ok`` or ``no-driver``."""
    n_actions = env.action_space.n
    steps = rng.randrange(1, 8)
    killer: Optional[threading.Timer] = None
    for position in range(steps):
        pid = _episode_pid(env)
        if position == steps - 1 and fault != "normal":
            if fault == "kill-root":
                for root in env._pool.roots.values():
                    _kill(root.connection.pid)
                    with contextlib.suppress(Exception):
                        root.connection.process.wait(5)
                break
            if pid is None:
                return "no-driver"
            if fault == "kill-between":
                _kill(pid)
            elif fault == "kill-mid":
                os.kill(pid, signal.SIGSTOP)
                threading.Timer(min(0.05, timeout / 4), _kill, (pid,)).start()
            elif fault == "stop":
                os.kill(pid, signal.SIGSTOP)
                env.step_timeout = timeout
            elif fault == "ulimit":
                with open("/proc/%d/statm" % pid) as stream:
                    size = int(stream.read().split()[0]) * resource.getpagesize()
                resource.prlimit(pid, resource.RLIMIT_AS, (size, resource.RLIM_INFINITY))
            elif fault == "kill-race":
                killer = threading.Timer(rng.uniform(0, 0.003), _kill, (pid,))
                killer.start()
            # Step until the fault shows (a pass may fit in free memory; a
            # racing kill may land after the next step, or after 50 on a
            # loaded machine: it is waited for, never left to hit a reused
            # pid).
            for count in itertools.count():
                if count >= 50 and (killer is None or not killer.is_alive()):
                    break
                try:
                    result = env.step(rng.randrange(n_actions))
                finally:
                    env.step_timeout = NORMAL_TIMEOUT
                if result[2]:
                    info = result[4]
                    if not info.get("error_details"):
                        return "no-details"
                    again = env.step(0)[4].get("error_type")
                    if again != "episode-ended":
                        return "step-after-end:%s" % again
                    return info["error_type"]
                if _state_key(env) is not None:
                    reached.add(_state_key(env))
            return "ok"
        result = env.step(rng.randrange(n_actions))
        if result[2]:
            return "unexpected:%s" % result[4].get("error_type")
        if _state_key(env) is not None:
            reached.add(_state_key(env))
    return "ok"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--step-timeout", type=float, default=0.5)
    parser.add_argument("--state-cache", action="store_true", help="a private Redis state cache")
    parser.add_argument("--report", type=int, default=100, help="count every N episodes")
    parser.add_argument("--json", help="write the summary there too")
    args = parser.parse_args(argv)
    summary = run(args.episodes, args.seed, args.step_timeout, args.state_cache, args.report)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    return 1 if summary["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
