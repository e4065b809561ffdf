"""Faults injected into the gym's real driver (opt with the plugin): the
driver SIGKILLed between and in the middle of a step, stopped in a step (a
pass that never returns: the step timeout), out of memory in a step (an
address-space limit), the root killed or hung. After each: the episode ends
with ``info["error_type"]`` and ``info["error_details"]``, ``reset()``
works and a step succeeds, and nothing is left behind: no zombie among this
process's descendants, no new entry in the gym's temporary directories, no
new file descriptor, no state cache entry of a failed step. The 1,000
episode soak is bench/gym_faults/soak.py; a short run of it is the last
test.
"""

from __future__ import annotations

import importlib.util
import io
import os
import resource
import signal
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set

import pytest

import optgym
from optgym.cache import Cache
from optgym.gym.driver import DriverStartError
from optgym.gym.process import parse_memory_limit, stderr_tail
from optgym.gym.state_cache import KEY_PREFIX, next_key
from optgym.redis_server import RedisServer

from machine import driver_plugin

_REPO = Path(__file__).resolve().parents[2]
CRC32 = "benchmark://optgym-v0/crc32"


def _load_soak() -> Any:
    spec = importlib.util.spec_from_file_location(
        "gym_faults_soak", _REPO / "bench" / "gym_faults" / "soak.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


soak = _load_soak()


@pytest.fixture(scope="module")
def cache(tmp_path_factory: Any) -> Cache:
    # Without a plugin that runs the driver, every test fails (machine.py).
    driver_plugin()
    return Cache(tmp_path_factory.mktemp("faults") / "cache")


def _snapshot() -> Dict[str, Any]:
    tree = soak.descendants()
    return {
        "zombies": sorted(pid for pid, state in tree.items() if state == "Z"),
        "temp": soak.temp_entries(),
        "fds": len(os.listdir("/proc/self/fd")),
    }


# Zombies there before the test began.
_preexisting: Set[int] = set()


@pytest.fixture
def clean() -> Iterator[None]:
    """Checks that the test leaves no zombie, temporary entry or file
    descriptor behind (its environments closed). Relative to what was
    there before: other test modules' environments live in this process
    too."""
    before = _snapshot()
    _preexisting.clear()
    _preexisting.update(before["zombies"])
    yield
    after = _snapshot()
    assert set(after["zombies"]) <= set(before["zombies"]), (before, after)
    assert set(after["temp"]) <= set(before["temp"]), (before, after)
    assert after["fds"] <= before["fds"], (before, after)


def make(cache: Cache, **kwargs: Any) -> Any:
    kwargs.setdefault("observation_space", "IrInstructionCount")
    kwargs.setdefault("reward_space", "IrInstructionCountOz")
    return optgym.make("llvm-v0", benchmark=CRC32, cache=cache, numpy=False, **kwargs)


def episode_pid(env: Any) -> int:
    pid = soak._episode_pid(env)
    assert pid is not None
    return pid


def assert_ended(result: Any, error_type: str, *patterns: str) -> Dict[str, Any]:
    _, reward, terminated, truncated, info = result
    assert terminated and not truncated, info
    assert reward == 0
    assert info["error_type"] == error_type, info
    for pattern in patterns:
        assert pattern in info["error_details"], info
    return info


def assert_recovers(env: Any, cached: bool = False) -> None:
    """A step after the failure says the episode ended; a reset and a step
    then work; the descendants hold no zombie (with a state cache,
    ``cached``, at most one per root, which reaps it when it forks
    again)."""
    assert env.step(0)[4]["error_type"] == "episode-ended"
    observation, _ = env.reset()
    assert observation > 0
    result = env.step(env.action_space.index("-mem2reg"))
    assert not result[2] and "error_type" not in result[4], result[4]
    assert result[0] < observation
    stray, of_roots = soak.zombies(env, _preexisting)
    assert stray == 0
    assert of_roots <= (len(env._pool.roots) if cached else 0)


def test_killed_between_steps(cache: Cache, clean: None) -> None:
    with make(cache) as env:
        env.reset()
        good = env.step(env.action_space.index("-mem2reg"))[0]
        os.kill(episode_pid(env), signal.SIGKILL)
        result = env.step(env.action_space.index("-sroa"))
        assert_ended(result, "crashed", "killed by SIGKILL")
        # The last good observation and state.
        assert result[0] == good
        assert env.actions == [env.action_space.index("-mem2reg")]
        assert_recovers(env)


def test_killed_mid_step(cache: Cache, clean: None) -> None:
    with make(cache) as env:
        env.reset()
        pid = episode_pid(env)
        # Stopped, then killed from another thread while the step waits.
        os.kill(pid, signal.SIGSTOP)
        killer = threading.Timer(0.2, os.kill, (pid, signal.SIGKILL))
        killer.start()
        result = env.step(env.action_space.index("-mem2reg"))
        killer.join()
        assert_ended(result, "crashed", "driver pid %d" % pid, "killed by SIGKILL")
        assert env.actions == []
        assert_recovers(env)


def test_pass_that_never_returns_times_out(cache: Cache, clean: None) -> None:
    with make(cache) as env:
        env.reset()
        pid = episode_pid(env)
        # To the gym a stopped driver is a pass that never returns.
        os.kill(pid, signal.SIGSTOP)
        env.step_timeout = 1.0  # for this step only
        result = env.step(env.action_space.index("-gvn"))
        env.step_timeout = 60.0
        assert_ended(result, "timeout", "within 1 s", "killed")
        # Killed (a zombie of its root, at most, until the next reset).
        state = soak.process_table().get(pid, ("gone", 0))[0]
        assert state in ("Z", "gone")
        assert_recovers(env)
        assert pid not in soak.process_table(), "the stopped driver was not reaped"


def test_out_of_memory_mid_step(cache: Cache, clean: None) -> None:
    with make(cache) as env:
        env.reset()
        pid = episode_pid(env)
        with open("/proc/%d/statm" % pid) as stream:
            size = int(stream.read().split()[0]) * resource.getpagesize()
        # Its address space capped at its size: the next mapping fails.
        resource.prlimit(pid, resource.RLIMIT_AS, (size, resource.RLIM_INFINITY))
        for action in ["-loop-data-prefetch", "-gvn", "-licm", "-instcombine"] * 10:
            result = env.step(env.action_space.index(action))
            if result[2]:
                break
        info = assert_ended(result, "crashed", "killed by SIGABRT", "out of memory")
        # The cause is kept, the stack dump left out.
        assert "Stack dump" not in info["error_details"]
        assert_recovers(env)


def test_memory_limit_setting(
    cache: Cache, clean: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with make(cache, memory_limit="3G") as env:
        assert env.memory_limit == 3 << 30
        env.reset()
        (root,) = env._pool.roots.values()
        for pid in (root.connection.pid, episode_pid(env)):
            with open("/proc/%d/limits" % pid) as stream:
                limits = stream.read()
            assert "Max address space         %d" % (3 << 30) in limits, limits
            assert "Max core file size        0 " in limits, limits
        assert not env.step(0)[2]
    monkeypatch.setenv("OPTGYM_MEMORY_LIMIT", "2500M")
    with make(cache) as env:
        assert env.memory_limit == 2500 << 20
    # Too small for opt to start: reset raises, as for any benchmark that
    # cannot be started, and says why.
    monkeypatch.setenv("OPTGYM_MEMORY_LIMIT", "16M")
    with make(cache) as env:
        with pytest.raises(DriverStartError, match="exited"):
            env.reset()
        assert [pid for pid in soak.descendants()] == []
    monkeypatch.setenv("OPTGYM_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="OPTGYM_MEMORY_LIMIT"):
        make(cache)


def test_parse_memory_limit() -> None:
    assert parse_memory_limit(None) is None
    assert parse_memory_limit("") is None
    assert parse_memory_limit("0") is None
    assert parse_memory_limit("none") is None
    assert parse_memory_limit(1024) == 1024
    assert parse_memory_limit("1024") == 1024
    assert parse_memory_limit("512M") == 512 << 20
    assert parse_memory_limit("2g") == 2 << 30
    assert parse_memory_limit("1.5GiB") == 3 << 29
    assert parse_memory_limit("64kb") == 64 << 10
    for bad in ("-1", "2X", "G", True, [1]):
        with pytest.raises(ValueError):
            parse_memory_limit(bad)


def test_stderr_tail_keeps_the_cause(tmp_path: Path) -> None:
    dump = [
        "LLVM ERROR: out of memory",
        "Allocation failed",
        "PLEASE submit a bug report to https://github.com/llvm/llvm-project/issues/ ...",
        "Stack dump:",
        "0.\tProgram arguments: opt -passes=optgym-driver bench.bc",
        '1.\tRunning pass "gvn" on function "main"',
        "Stack dump without symbol names (ensure you have llvm-symbolizer ...):",
    ] + [
        "%-2d libLLVM.so.19.1 0x00007ffff10b73c6 llvm::sys::PrintStackTrace() + %d" % (i, i)
        for i in range(40)
    ]
    path = tmp_path / "stderr"
    path.write_text("earlier noise\n" * 500 + "\n".join(dump) + "\n")
    tail = stderr_tail(str(path))
    assert tail.splitlines() == [
        "earlier noise",
        "earlier noise",
        "earlier noise",
        "earlier noise",
        "LLVM ERROR: out of memory",
        "Allocation failed",
        "0.\tProgram arguments: opt -passes=optgym-driver bench.bc",
        '1.\tRunning pass "gvn" on function "main"',
    ]


def test_hung_root_is_replaced(cache: Cache, clean: None) -> None:
    with make(cache) as env:
        env.reset()
        (root,) = env._pool.roots.values()
        os.kill(root.connection.pid, signal.SIGSTOP)
        # The fork times out; the root is killed and started again (in 2
        # s too: a bound a loaded machine keeps).
        env.step_timeout = 2.0
        observation, _ = env.reset()
        (fresh,) = env._pool.roots.values()
        assert fresh.connection.pid != root.connection.pid
        assert root.connection.process.poll() == -signal.SIGKILL
        assert observation > 0 and not env.step(0)[2]


def test_killed_root_is_replaced_and_leaves_no_files(cache: Cache, clean: None) -> None:
    with make(cache) as env:
        env.reset()
        files = sorted(os.listdir(env._pool.workdir()))
        pids = []
        for _ in range(3):
            (root,) = env._pool.roots.values()
            pids.append(root.connection.pid)
            root.connection.process.kill()
            root.connection.process.wait()
            env.reset()
            assert not env.step(0)[2]
        assert len(set(pids)) == 3
        # One stderr file per benchmark, not one per start.
        assert sorted(os.listdir(env._pool.workdir())) == files


def test_resets_leave_no_zombies(cache: Cache, clean: None) -> None:
    with make(cache) as env:
        for _ in range(10):
            env.reset()
            env.step(0)
            # The episode the reset killed is reaped by the root's fork.
            assert soak.zombies(env, _preexisting) == (0, 0)


def test_state_cache_keeps_no_state_of_a_failed_step(
    cache: Cache, clean: None, tmp_path: Path
) -> None:
    with RedisServer(str(tmp_path / "redis"), maxmemory="64mb") as server:
        with make(cache, state_cache=server.url) as env:
            env.reset()
            start = env._connection.key
            mem2reg = env.action_space.index("-mem2reg")
            assert not env.step(mem2reg)[2]
            reached = env._connection.key
            os.kill(episode_pid(env), signal.SIGKILL)
            sroa = env.action_space.index("-sroa")
            assert_ended(env.step(sroa), "crashed")
            env.state_cache.flush()
            client = env.state_cache._available()
            stored = {
                name.decode()[len(KEY_PREFIX) :] for name in client.scan_iter(KEY_PREFIX + "*")
            }
            assert stored == {start, reached}
            assert next_key(reached, sroa + 1) not in stored
            assert_recovers(env, cached=True)


@pytest.mark.parametrize("state_cache", [False, True], ids=["no-cache", "state-cache"])
def test_soak(state_cache: bool, clean: None) -> None:
    out = io.StringIO()
    summary = soak.run(
        episodes=21, seed=5, step_timeout=0.5, state_cache=state_cache, report=7, out=out
    )
    assert summary["problems"] == [], (summary, out.getvalue())
    # Every fault was injected (three times each) and every faulted
    # episode ended with its error type.
    assert all(count == 3 for count in summary["faults"].values()), summary
    outcomes: List[str] = list(summary["outcomes"])
    for fault, expected in soak.EXPECTED.items():
        seen = {outcome.split(":", 1)[1] for outcome in outcomes if outcome.startswith(fault)}
        assert seen <= expected | {"no-driver"}, summary
    assert summary["after"]["zombies"] == 0
    if not state_cache:
        assert summary["after"]["root_zombies"] == 0
