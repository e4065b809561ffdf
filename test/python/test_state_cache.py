"""The state cache in Redis (optgym.gym.state_cache, cached_connection,
redis_server) with the real driver and Debian's redis-server.

Every test starts its own server on a Unix socket in a private directory
and stops it. The central check: the same episodes and searches, run
without the cache, with a cold one and with a warm one (in this process
and in another), give the same rewards, observations and results, and a
warm run needs no driver but the roots. Then the failures: Redis absent,
dying mid-run, answering too slowly, full, returning garbage — each a
single warning and the same results.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Dict, List
from unittest import mock

import pytest

import optgym
from optgym.gym import state_cache as state_cache_module
from optgym.gym.driver import DriverConnection
from optgym.gym.state_cache import KEY_PREFIX, StateCache, StateCacheWarning
from optgym.redis_server import RedisServer
from optgym.search.passorder import search

from machine import driver_plugin

_REPO = Path(__file__).resolve().parents[2]
CRC32 = "benchmark://optgym-v0/crc32"
HUFFMAN = "benchmark://optgym-v0/huffman"


@pytest.fixture(scope="module")
def plugin() -> str:
    # Without a plugin that runs the driver, every test fails (machine.py).
    return driver_plugin()


@pytest.fixture
def server(tmp_path):
    with RedisServer(str(tmp_path / "redis"), maxmemory="64mb") as running:
        yield running


def _episodes(
    plugin: str, cache: Any, benchmark: str = CRC32, seed: int = 0, episodes: int = 2
) -> Dict[str, Any]:
    """Random episodes with every kind of step, observation and reward,
    and forks; returns everything they returned and the cache's stats."""
    rng = random.Random(seed)
    record: List[Any] = []
    env = optgym.make(
        "llvm-v0",
        benchmark=benchmark,
        observation_space="Autophase",
        reward_space="IrInstructionCountOz",
        plugin=plugin,
        state_cache=cache,
    )
    try:
        for _ in range(episodes):
            observation, _ = env.reset()
            record.append(observation.tolist())
            # Every action from one state, as a greedy search tries them.
            for action in rng.sample(range(env.action_space.n), 20):
                child = env.fork()
                record.append(child.step(action)[1:4])
                child.close()
            for step in range(12):
                if step % 4 == 3:
                    actions = [rng.randrange(env.action_space.n) for _ in range(3)]
                    result = env.multistep(actions)
                else:
                    result = env.step(rng.randrange(env.action_space.n))
                observation, reward, terminated, truncated, info = result
                record.append((observation.tolist(), reward, terminated, truncated, info))
                record.append(
                    (
                        env.observation["IrSha1"],
                        env.observation["InstCount"].tolist(),
                        env.observation["IrInstructionCount"],
                    )
                )
                if step == 5:
                    record.append(env.reward["ObjectTextSizeOz"])
                    record.append(
                        env.step(
                            rng.randrange(env.action_space.n),
                            observation_spaces=["ObjectTextSizeBytes", "IrInstructionCountOz"],
                            reward_spaces=["ObjectTextSizeOz", "IrInstructionCount"],
                        )[:2]
                    )
                if step == 7:
                    child = env.fork()
                    for _ in range(3):
                        outcome = child.step(rng.randrange(env.action_space.n))
                        record.append((outcome[0].tolist(), outcome[1], child.ir_sha1))
                    child.close()
            record.append(env.state.commandline)
        stats = env.state_cache.stats.to_json() if env.state_cache else None
        forks = sum(root.forks for root in env._pool.roots.values())
    finally:
        env.close()
    return {"record": record, "stats": stats, "root_forks": forks}


def _uncached(plugin: str, **kwargs: Any) -> List[Any]:
    with mock.patch.dict(os.environ):
        os.environ.pop("OPTGYM_CACHE_URL", None)
        return _episodes(plugin, False, **kwargs)["record"]


def test_the_cache_changes_no_result(plugin, server):
    plain = _uncached(plugin)
    cold = _episodes(plugin, server.url)
    assert cold["record"] == plain
    assert cold["stats"]["stores"] > 0
    warm = _episodes(plugin, server.url)
    assert warm["record"] == plain
    assert warm["stats"]["misses"] == 0 and warm["stats"]["hit_rate"] == 1.0
    # Not one driver besides the root, which gives the baselines.
    assert warm["root_forks"] == 0

    # Another process (a second worker), through $OPTGYM_CACHE_URL.
    script = (
        "import json, sys; sys.path.insert(0, %r); import test_state_cache as t; "
        "print(json.dumps(t._episodes(%r, None)))" % (str(Path(__file__).parent), plugin)
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        env=dict(os.environ, OPTGYM_CACHE_URL=server.url),
        capture_output=True,
        check=True,
    )
    other = json.loads(completed.stdout)
    assert other["root_forks"] == 0 and other["stats"]["hit_rate"] == 1.0
    assert other["record"] == json.loads(json.dumps(plain))


def test_searches_match_and_repeat_from_the_cache(plugin, server):
    def run(agent: str) -> Dict[str, Any]:
        result = search(agent, HUFFMAN, seed=3, budget_seconds=None, max_evaluations=120)
        assert result.error is None
        line = result.to_json()
        line.pop("walltime")
        line["trajectory"] = [count for _, count in line["trajectory"]]
        return line

    for agent in ("greedy", "beam"):
        with mock.patch.dict(os.environ, {"OPTGYM_PLUGIN": plugin}):
            os.environ.pop("OPTGYM_CACHE_URL", None)
            plain = run(agent)
            os.environ["OPTGYM_CACHE_URL"] = server.url
            assert run(agent) == plain
            with mock.patch.object(
                DriverConnection, "answer", side_effect=AssertionError("a driver step")
            ):
                # Repeated: every step and count comes from the cache.
                assert run(agent) == plain


def test_a_fork_whose_parent_is_gone_replays_from_the_root(plugin, server):
    env = optgym.make("llvm-ic-v0", benchmark=CRC32, plugin=plugin, state_cache=server.url)
    env.reset()
    env.multistep([3, 7, 11])
    child = env.fork()
    env.close()
    child.step(5)
    child.multistep([2, 9])
    assert child.state.commandline == child.action_space.to_string([3, 7, 11, 5, 2, 9])
    counts = child.observation["IrInstructionCount"], child.ir_sha1
    child.close()
    with mock.patch.dict(os.environ):
        os.environ.pop("OPTGYM_CACHE_URL", None)
        fresh = optgym.make("llvm-ic-v0", benchmark=CRC32, plugin=plugin, state_cache=False)
        fresh.reset()
        fresh.multistep([3, 7, 11, 5, 2, 9])
        assert (fresh.observation["IrInstructionCount"], fresh.ir_sha1) == counts
        fresh.close()


def _warnings_of(function: Any, *args: Any, **kwargs: Any) -> "tuple[Any, List[str]]":
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    return result, [
        str(warning.message) for warning in caught if warning.category is StateCacheWarning
    ]


def test_redis_absent(plugin, tmp_path):
    plain = _uncached(plugin)
    url = "unix://%s/nobody.sock" % tmp_path
    result, messages = _warnings_of(_episodes, plugin, url)
    assert result["record"] == plain
    assert len(messages) == 1, messages
    assert "nobody.sock is unavailable" in messages[0] and "going on without it" in messages[0]


def test_redis_dies_mid_run(plugin, tmp_path):
    plain = _uncached(plugin, episodes=3)
    server = RedisServer(str(tmp_path / "redis")).start()
    steps = [0]
    original = StateCache.lookup

    def lookup(self, key, names=()):
        steps[0] += 1
        if steps[0] == 40:
            server.stop()
        return original(self, key, names)

    try:
        with mock.patch.object(StateCache, "lookup", lookup):
            result, messages = _warnings_of(_episodes, plugin, server.url, episodes=3)
    finally:
        server.stop()
    assert result["record"] == plain
    assert len(messages) == 1 and "is unavailable" in messages[0], messages


def test_redis_too_slow(plugin, tmp_path):
    """A server that accepts and never answers: every wait ends after the
    socket timeout, and the cache is then left alone."""
    plain = _uncached(plugin)
    path = str(tmp_path / "mute.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)
    accepted: List[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        cache = StateCache("unix://" + path, socket_timeout=0.2)
        start = time.monotonic()
        result, messages = _warnings_of(_episodes, plugin, cache)
        elapsed = time.monotonic() - start
    finally:
        stop.set()
        thread.join()
        listener.close()
        for connection in accepted:
            connection.close()
    assert result["record"] == plain
    assert len(messages) == 1 and "Timeout" in messages[0], messages
    # One timeout, then no more tries for RETRY_SECONDS.
    assert result["stats"]["failures"] == 1
    assert elapsed < state_cache_module.RETRY_SECONDS


def test_redis_full(plugin, tmp_path):
    plain = _uncached(plugin)
    with RedisServer(str(tmp_path / "redis"), policy="noeviction") as server:
        client = StateCache(server.url)._available()
        client.set("ballast", b"x" * (4 << 20))
        client.config_set("maxmemory", "2mb")  # past the cap: writes are refused
        result, messages = _warnings_of(_episodes, plugin, server.url)
    assert result["record"] == plain
    assert len(messages) == 1 and "is full" in messages[0], messages
    assert result["stats"]["failures"] >= 1


def test_redis_returns_garbage(plugin, server):
    plain = _uncached(plugin)
    assert _episodes(plugin, server.url)["record"] == plain
    client = StateCache(server.url)._available()
    for name in client.scan_iter(match=KEY_PREFIX + "*"):
        fields = client.hkeys(name)
        client.hset(name, mapping={field: b"\xff{not json" for field in fields})
    result, messages = _warnings_of(_episodes, plugin, server.url)
    assert result["record"] == plain
    assert len(messages) == 1 and "cannot have been given" in messages[0], messages


def test_a_cache_that_disagrees_with_the_driver_is_dropped(plugin, server):
    env = optgym.make("llvm-ic-v0", benchmark=CRC32, plugin=plugin, state_cache=server.url)
    env.reset()
    env.multistep([3, 7])
    env.close()
    client = StateCache(server.url)._available()
    for name in client.scan_iter(match=KEY_PREFIX + "*"):
        query = json.loads(client.hget(name, "query"))
        if query[1] == 2:
            query[3] += 1000  # well formed, and wrong
            client.hset(name, "query", json.dumps(query))

    def episode() -> Any:
        env = optgym.make("llvm-ic-v0", benchmark=CRC32, plugin=plugin, state_cache=server.url)
        env.reset()
        env.multistep([3, 7])
        env.observation["Ir"]  # not cached: the driver catches up
        count = env.observation["IrInstructionCount"]
        hits = env.state_cache.stats.hits
        env.step(1)
        assert env.state_cache.stats.hits == hits, "the cache was used again"
        env.close()
        return count

    count, messages = _warnings_of(episode)
    assert len(messages) == 1 and "disagrees with the driver" in messages[0], messages
    assert count < 1000


def test_urls_are_checked():
    with pytest.raises(ValueError, match="http://host: not a Redis URL"):
        StateCache("http://host")
    with pytest.raises(ValueError, match="not a Redis URL"):
        optgym.make("llvm-v0", state_cache="/tmp/redis.sock")
    with pytest.raises(ValueError, match="given twice"):
        optgym.make("llvm-v0", cache="unix:///a.sock", state_cache="unix:///b.sock")


def test_servers_are_private(tmp_path):
    with RedisServer(str(tmp_path / "unix")) as server:
        assert os.stat(server.directory).st_mode & 0o777 == 0o700
        assert server.url == "unix://%s/redis.sock" % server.directory
    with RedisServer(str(tmp_path / "tcp"), tcp_port=0) as server:
        assert os.stat(os.path.join(server.directory, "redis.conf")).st_mode & 0o777 == 0o600
        assert server.url.startswith("redis://:") and "@127.0.0.1:" in server.url
        anonymous = StateCache("redis://127.0.0.1:%d/0" % server.tcp_port)
        _, messages = _warnings_of(anonymous.lookup, "0" * 64)
        assert len(messages) == 1 and "Authentication" in messages[0], messages
        assert StateCache(server.url).server_info()[1]["maxmemory_policy"] == "allkeys-lru"


def test_state_cache_command(plugin, tmp_path):
    directory = tmp_path / "served"
    serving = subprocess.Popen(
        [sys.executable, "-m", "optgym", "state-cache", "serve", "--dir", str(directory)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = serving.stdout.readline().strip()
        assert line.startswith("export OPTGYM_CACHE_URL='unix://"), line
        url = line.split("'")[1]
        assert _episodes(plugin, url, episodes=1)["stats"]["stores"] > 0

        def command(*argv: str) -> str:
            return subprocess.run(
                [sys.executable, "-m", "optgym", "state-cache", *argv, "--url", url],
                capture_output=True,
                text=True,
                check=True,
            ).stdout

        stats = json.loads(command("stats"))
        assert stats["states"] > 10 and stats["maxmemory_policy"] == "allkeys-lru"
        assert command("clear").startswith("deleted %d states" % stats["states"])
        assert json.loads(command("stats"))["states"] == 0
    finally:
        serving.send_signal(signal.SIGTERM)
        assert serving.wait(10) == 0
    assert not (directory / "redis.sock").exists()


def test_validation_replays_without_the_cache(plugin, server):
    env = optgym.make(
        "llvm-v0",
        benchmark=CRC32,
        reward_space="IrInstructionCountOz",
        plugin=plugin,
        state_cache=server.url,
    )
    env.reset()
    env.multistep([3, 7, 11])
    replay = env._replay_env(CRC32)
    assert replay.state_cache is None
    replay.close()
    assert env.validate().okay()
    env.close()


def test_cache_argument_takes_a_url(plugin, server):
    with optgym.make("llvm-ic-v0", benchmark=CRC32, plugin=plugin, cache=server.url) as env:
        assert env.state_cache.url == server.url and env.cache is None
        env.reset()
        env.step(3)
        assert env.state_cache.stats.stores > 0
    with mock.patch.dict(os.environ, {"OPTGYM_CACHE_URL": server.url}):
        with optgym.make("llvm-ic-v0", plugin=plugin, state_cache=False) as env:
            assert env.state_cache is None
        with optgym.make("llvm-ic-v0", plugin=plugin) as env:
            assert env.state_cache.url == server.url
