"""A real multi-node Ray cluster on this machine, for the tests: a head and
more nodes, each a ``ray start --block`` on 127.0.0.1 in its own session (so
that killing a node kills its raylet and workers, and nothing else), with a
private temporary directory and a private authentication token (Ray's token
authentication: ``environment`` holds what a client needs to join), stopped
when the test ends."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import List

#: Seconds a node may take to join.
JOIN_TIMEOUT = 120.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RayCluster:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.ray = os.path.join(os.path.dirname(sys.executable), "ray")
        self.address = "127.0.0.1:%d" % _free_port()
        self.nodes: List[subprocess.Popen] = []
        token = directory / "auth_token"
        token.write_text(secrets.token_hex(32))
        token.chmod(0o600)
        #: The settings of the nodes and of their clients.
        self.settings = {
            "RAY_USAGE_STATS_ENABLED": "0",
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN_PATH": str(token),
        }
        self.environment = dict(os.environ, **self.settings)

    def _start(self, arguments: List[str]) -> subprocess.Popen:
        log = open(self.directory / ("node-%d.log" % len(self.nodes)), "wb")
        node = subprocess.Popen(
            [self.ray, "start", "--block", "--node-ip-address=127.0.0.1", "--num-cpus=1"]
            + arguments,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.environment,
            start_new_session=True,
        )
        log.close()
        self.nodes.append(node)
        self.wait_for_nodes(len([n for n in self.nodes if n.poll() is None]))
        return node

    def start(self) -> "RayCluster":
        port = self.address.rsplit(":", 1)[1]
        self._start(
            [
                "--head",
                "--port=" + port,
                "--include-dashboard=false",
                "--disable-usage-stats",
                "--temp-dir=" + str(self.directory / "ray"),
            ]
        )
        return self

    def add_node(self) -> subprocess.Popen:
        return self._start(
            ["--address=" + self.address, "--temp-dir=" + str(self.directory / "ray")]
        )

    def alive_nodes(self) -> int:
        status = subprocess.run(
            [self.ray, "status", "--address=" + self.address],
            capture_output=True,
            env=self.environment,
            timeout=60,
        )
        text = status.stdout.decode(errors="replace")
        if status.returncode != 0 or "Active:" not in text:
            return 0
        active = text.split("Active:", 1)[1].split("Pending:", 1)[0]
        return sum(1 for line in active.splitlines() if "node_" in line)

    def wait_for_nodes(self, count: int) -> None:
        deadline = time.monotonic() + JOIN_TIMEOUT
        while time.monotonic() < deadline:
            for node in self.nodes:
                if node.poll() is not None and node.returncode not in (None, -signal.SIGKILL):
                    log = (self.directory / ("node-%d.log" % self.nodes.index(node))).read_text()
                    raise RuntimeError("a Ray node exited: %s" % log[-2000:])
            if self.alive_nodes() >= count:
                return
            time.sleep(1.0)
        raise TimeoutError("the Ray cluster did not reach %d nodes" % count)

    def processes(self, node: subprocess.Popen) -> List[str]:
        """The command lines of the node's processes (its session)."""
        lines = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.getsid(int(entry)) != node.pid:
                    continue
                with open("/proc/%s/cmdline" % entry, "rb") as stream:
                    lines.append(stream.read().replace(b"\0", b" ").decode(errors="replace"))
            except (OSError, ProcessLookupError):
                continue
        return lines

    def kill(self, node: subprocess.Popen) -> None:
        """Kills a node outright: its raylet, workers and everything else."""
        try:
            os.killpg(node.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        node.wait(timeout=30)

    def stop(self) -> None:
        for node in reversed(self.nodes):
            if node.poll() is None:
                try:
                    os.killpg(node.pid, signal.SIGTERM)
                    node.wait(timeout=20)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
            self.kill(node)
