"""OptGym on a real multi-node Ray cluster on this machine (ray_cluster.py):
searches and tuning spread over its nodes give what a local run gives, also
when a node dies mid-run, and environments work inside Ray actors and leave
nothing behind when their worker is killed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import pytest
from ray_cluster import RayCluster

import optgym
from optgym.gym.process import remove_orphans
from optgym.gym.state_cache import StateCache
from optgym.parallel import connect
from optgym.redis_server import RedisServer
from optgym.remote import RemoteEnv

pytestmark = pytest.mark.slow

SEARCHED = ["benchmark://optgym-v0/%s" % name for name in ("crc32", "md5", "sha256", "fft")]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A head and a second node; this process and the commands it runs
    join with the cluster's token."""
    nodes = RayCluster(tmp_path_factory.mktemp("ray"))
    saved = {name: os.environ.get(name) for name in nodes.settings}
    os.environ.update(nodes.settings)
    try:
        nodes.start()
        nodes.add_node()
        yield nodes
    finally:
        nodes.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _optgym(*arguments: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "optgym"] + list(arguments),
        capture_output=True,
        timeout=900,
        **kwargs,
    )


def _results(path) -> dict:
    """JSON lines by benchmark, without what depends on the machine's
    speed (wall times)."""
    lines = {}
    for line in path.read_text().splitlines():
        result = json.loads(line)
        result.pop("walltime")
        result["trajectory"] = [count for _, count in result["trajectory"]]
        lines[result["benchmark"]] = result
    return lines


def _search(out, *extra: str, **kwargs) -> subprocess.CompletedProcess:
    return _optgym(
        "search",
        "greedy",
        *SEARCHED,
        "--max-evaluations",
        "60",
        "--budget",
        "0",
        "--restarts",
        "2",
        "--quiet",
        "--out",
        str(out),
        *extra,
        **kwargs,
    )


def test_search_and_tune_on_the_cluster_match_a_local_run(cluster, tmp_path):
    local = _search(tmp_path / "local.jsonl", "--jobs", "2")
    assert local.returncode == 0, local.stderr.decode()
    spread = _search(tmp_path / "ray.jsonl", "--ray", cluster.address)
    assert spread.returncode == 0, spread.stderr.decode()
    assert _results(tmp_path / "ray.jsonl") == _results(tmp_path / "local.jsonl")

    tuned = {}
    for name, extra in (("local", ["--jobs", "2"]), ("ray", ["--ray", cluster.address])):
        out = tmp_path / ("tune-%s.jsonl" % name)
        completed = _optgym(
            "tune", *SEARCHED[:2], "--max-evaluations", "8", "--budget", "600", "--quiet",
            "--out", str(out), *extra,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr.decode()
        tuned[name] = [
            {k: v for k, v in json.loads(line).items() if k not in ("walltime", "trajectory")}
            for line in sorted(out.read_text().splitlines())
        ]
    assert tuned["ray"] == tuned["local"]


def test_searches_on_the_cluster_share_a_state_cache(cluster, tmp_path):
    """The workers of every node use the cache $OPTGYM_CACHE_URL names: the
    results are the local run's, and a second run finds every state."""
    local = _search(tmp_path / "local.jsonl", "--jobs", "2")
    assert local.returncode == 0, local.stderr.decode()
    with RedisServer(str(tmp_path / "redis")) as server:
        client = StateCache(server.url)
        settings = dict(os.environ, OPTGYM_CACHE_URL=server.url)
        misses = []
        for run in ("cold", "warm"):
            before = client.server_info()[1]["keyspace_misses"]
            out = tmp_path / ("%s.jsonl" % run)
            spread = _search(out, "--ray", cluster.address, env=settings)
            assert spread.returncode == 0, spread.stderr.decode()
            assert _results(out) == _results(tmp_path / "local.jsonl")
            misses.append(client.server_info()[1]["keyspace_misses"] - before)
        assert misses[0] > 100 and misses[1] == 0, misses


def test_a_node_killed_mid_search_changes_nothing(cluster, tmp_path):
    """A third node joins; when it is running a search, it is killed: Ray
    runs its tasks again elsewhere, and the results are the local run's."""
    local = _search(tmp_path / "local.jsonl", "--jobs", "2")
    assert local.returncode == 0, local.stderr.decode()
    victim = cluster.add_node()
    run = subprocess.Popen(
        [sys.executable, "-m", "optgym", "search", "greedy"]
        + SEARCHED
        + ["--max-evaluations", "60", "--budget", "0", "--restarts", "2", "--quiet"]
        + ["--out", str(tmp_path / "ray.jsonl"), "--ray", cluster.address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300
    while not any("_search_job" in line for line in cluster.processes(victim)):
        assert run.poll() is None, "the search ended before the node ran a task"
        assert time.monotonic() < deadline, "the new node never ran a search"
        time.sleep(0.05)
    cluster.kill(victim)
    _, stderr = run.communicate(timeout=900)
    assert run.returncode == 0, stderr.decode()
    assert _results(tmp_path / "ray.jsonl") == _results(tmp_path / "local.jsonl")
    cluster.wait_for_nodes(2)


def test_environment_in_a_ray_actor(cluster):
    """Steps in an actor on the cluster give a local environment's rewards
    and observations; killing the actor's worker kills its drivers, and its
    scratch directories are removed as orphans."""
    # Ray reads its authentication settings when it is first imported: after
    # the cluster fixture has set them.
    import ray

    connect(cluster.address)
    try:
        with optgym.make("llvm-ic-v0", benchmark=SEARCHED[0]) as local:
            remote = RemoteEnv("llvm-ic-v0", benchmark=SEARCHED[0], observation_space="Autophase")
            local.observation_space = "Autophase"
            remote_observation, _ = remote.reset()
            local_observation, _ = local.reset()
            assert (remote_observation == local_observation).all()
            for action in (3, 10, 25, 7, 40):
                remote_step = remote.step(action)
                local_step = local.step(action)
                assert remote_step[1] == local_step[1]
                assert (remote_step[0] == local_step[0]).all()
            steps = remote.steps([1, 2, 3])
            assert len(steps) == 3 and remote.attribute("actions")[-3:] == [1, 2, 3]
            worker = remote.process()
            assert worker["pid"] != os.getpid() and worker["children"]
            ray.kill(remote.actor)
            deadline = time.monotonic() + 30
            alive = [worker["pid"]] + worker["children"]
            while alive and time.monotonic() < deadline:
                alive = [pid for pid in alive if os.path.exists("/proc/%d" % pid)]
                time.sleep(0.1)
            assert not alive, "processes of a killed worker live on"
            scratch = [
                name
                for name in os.listdir(tempfile.gettempdir())
                if name.startswith("optgym-roots-%d-" % worker["pid"])
            ]
            assert scratch, "the worker made no scratch directory"
            remove_orphans(tempfile.gettempdir(), "optgym-roots-")
            for name in scratch:
                assert not os.path.exists(os.path.join(tempfile.gettempdir(), name))
    finally:
        ray.shutdown()


def test_an_unreachable_cluster_is_a_clear_error(tmp_path):
    completed = _optgym(
        "search", "greedy", SEARCHED[0], "--max-evaluations", "5", "--budget", "0", "--quiet",
        "--ray", "127.0.0.1:1",
    )  # fmt: skip
    assert completed.returncode == 1
    assert b"cannot join the Ray cluster at 127.0.0.1:1: Connection refused" in completed.stderr
    # --ray takes an optional address: a benchmark right after it is no address.
    swallowed = _optgym("search", "greedy", "--ray", SEARCHED[0], "--budget", "1", "--quiet")
    assert swallowed.returncode == 1
    assert b"is no Ray address (HOST:PORT)" in swallowed.stderr


def test_env_creator_makes_what_rllib_asks_for():
    from optgym.remote import env_creator

    with env_creator({"id": "llvm-autophase-ic-v0", "benchmark": SEARCHED[0]}) as env:
        observation, _ = env.reset()
        assert env.benchmark.uri == SEARCHED[0] and observation.shape == (56,)


def test_corpus_packages_build_on_the_cluster_as_they_do_here(cluster, tmp_path):
    """`optgym datasets build --ray`: each package a Ray task whose units come
    back to the index; the same units as a local build."""
    import sqlite3

    hashes = {}
    for name, extra in (("local", ["--jobs", "1"]), ("ray", ["--ray", cluster.address])):
        completed = _optgym(
            "datasets", "build", "debian-v0", "--packages", "lz4", "--quiet",
            "--dir", str(tmp_path / name), *extra,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr.decode()
        index = sqlite3.connect(str(tmp_path / name / "debian-v0" / "index.sqlite"))
        hashes[name] = sorted(row[0] for row in index.execute("SELECT hash FROM units"))
        index.close()
    assert len(hashes["local"]) >= 9
    assert hashes["ray"] == hashes["local"]
