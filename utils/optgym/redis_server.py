"""A private Redis server for the state cache, and ``optgym state-cache``.

:class:`RedisServer` runs Debian's ``redis-server`` for one user: by default
on a Unix socket in a directory only that user can enter (mode 0700), or
on a loopback TCP port with a generated password (for other machines'
workers, through an SSH tunnel or a private network). It never saves to
disk, and it has a memory cap with an eviction policy, so that a cache
left running cannot fill the machine: by default 1 GiB, least recently used
states evicted first (``allkeys-lru``). The configuration file holds the
password, mode 0600, so that it is never on a command line.

``optgym state-cache serve`` runs one in the foreground and prints the
``OPTGYM_CACHE_URL`` to export; ``stats`` and ``clear`` inspect and empty
a running one. docs/state-cache.md is the user documentation.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from typing import Any, Dict, List, Optional

__all__ = ["RedisServer", "RedisServerError", "configure_parser", "run"]

#: The memory cap of a server started without one.
DEFAULT_MAXMEMORY = "1gb"
#: What Redis does at the cap: evict the least recently used states.
DEFAULT_POLICY = "allkeys-lru"
#: Seconds a server may take to answer its first PING.
START_TIMEOUT = 10.0


class RedisServerError(RuntimeError):
    """redis-server is missing, or did not start."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """One redis-server process for the state cache.

    Args:
        directory: where its socket, configuration and log live (created
            0700; default: a new temporary directory, removed at
            :meth:`stop`).
        tcp_port: listen on 127.0.0.1 at this port (0: a free one) with a
            password, instead of a Unix socket.
        maxmemory: the memory cap (Redis' units: ``256mb``, ``4gb``).
        policy: Redis' ``maxmemory-policy`` (``noeviction`` refuses new
            states when full, which the cache survives too).
        password: the password (TCP default: a random one).
    """

    def __init__(
        self,
        directory: Optional[str] = None,
        *,
        tcp_port: Optional[int] = None,
        maxmemory: str = DEFAULT_MAXMEMORY,
        policy: str = DEFAULT_POLICY,
        password: Optional[str] = None,
        executable: str = "redis-server",
    ) -> None:
        self.directory = directory
        self.tcp_port = tcp_port
        self.maxmemory = maxmemory
        self.policy = policy
        self.password = password
        if password is None and tcp_port is not None:
            self.password = secrets.token_hex(16)
        self.executable = executable
        self.process: Optional["subprocess.Popen[bytes]"] = None
        self._owns_directory = False

    @property
    def socket_path(self) -> str:
        assert self.directory is not None
        return os.path.join(self.directory, "redis.sock")

    @property
    def url(self) -> str:
        """The ``OPTGYM_CACHE_URL`` of this server."""
        if self.tcp_port is not None:
            return "redis://:%s@127.0.0.1:%d/0" % (self.password, self.tcp_port)
        url = "unix://" + self.socket_path
        return url + ("?password=" + self.password if self.password else "")

    def _configuration(self) -> List[str]:
        assert self.directory is not None
        lines = [
            "dir %s" % self.directory,
            "logfile %s" % os.path.join(self.directory, "redis.log"),
            'save ""',
            "appendonly no",
            "daemonize no",
            "maxmemory %s" % self.maxmemory,
            "maxmemory-policy %s" % self.policy,
        ]
        if self.tcp_port is not None:
            lines += ["bind 127.0.0.1", "port %d" % self.tcp_port, "protected-mode yes"]
        else:
            lines += ["port 0", "unixsocket %s" % self.socket_path, "unixsocketperm 700"]
        if self.password:
            lines.append("requirepass %s" % self.password)
        return lines

    def start(self) -> "RedisServer":
        """Starts the server and waits until it answers."""
        executable = shutil.which(self.executable)
        if executable is None:
            raise RedisServerError(
                "%s not found: install Debian's redis-server package (utils/setup.sh does)"
                % self.executable
            )
        if self.directory is None:
            self.directory = tempfile.mkdtemp(prefix="optgym-redis-")
            self._owns_directory = True
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        os.chmod(self.directory, 0o700)
        if self.tcp_port == 0:
            self.tcp_port = _free_port()
        configuration = os.path.join(self.directory, "redis.conf")
        descriptor = os.open(configuration, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write("\n".join(self._configuration()) + "\n")
        self.process = subprocess.Popen(
            [executable, configuration],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                log = self._log_tail()
                self.stop()
                raise RedisServerError(
                    "redis-server exited with status %s%s"
                    % (self.process.returncode, ":\n" + log if log else "")
                )
            if self.ping():
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise RedisServerError("redis-server did not answer within %.0f s" % START_TIMEOUT)
            time.sleep(0.02)

    def _log_tail(self) -> str:
        assert self.directory is not None
        with contextlib.suppress(OSError):
            with open(os.path.join(self.directory, "redis.log"), errors="replace") as log:
                return "".join(log.readlines()[-5:]).strip()
        return ""

    def ping(self) -> bool:
        import redis

        try:
            client = redis.Redis.from_url(self.url, socket_timeout=1.0)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except (redis.RedisError, OSError):
            return False

    def stop(self) -> None:
        """Stops the server (nothing is saved) and removes its directory if
        it made it."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._owns_directory and self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
            self._owns_directory = False

    def __enter__(self) -> "RedisServer":
        return self.start() if self.process is None else self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()


# -- optgym state-cache ---------------------------------------------------------------------


def configure_parser(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        help="run a private Redis server for the state cache until Ctrl-C; print its "
        "OPTGYM_CACHE_URL",
    )
    serve.add_argument(
        "--dir",
        help="its directory (socket, configuration, log), made 0700 "
        "(default: a temporary one, removed at the end)",
    )
    serve.add_argument(
        "--tcp",
        type=int,
        nargs="?",
        const=0,
        metavar="PORT",
        help="listen on 127.0.0.1 (at PORT, default a free one) with a generated "
        "password instead of a Unix socket",
    )
    serve.add_argument(
        "--maxmemory", default=DEFAULT_MAXMEMORY, help="memory cap (default %(default)s)"
    )
    serve.add_argument(
        "--policy",
        default=DEFAULT_POLICY,
        help="Redis' maxmemory-policy at the cap (default %(default)s)",
    )
    for name, text in (
        ("stats", "print a state cache's size, memory and evictions as JSON"),
        ("clear", "delete every state of a state cache"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument(
            "--url", help="the cache's URL (default: $OPTGYM_CACHE_URL)", default=None
        )


def _cache(url: Optional[str]) -> Any:
    from .gym.state_cache import CACHE_URL_ENV, StateCache

    url = url or os.environ.get(CACHE_URL_ENV)
    if not url:
        raise SystemExit("optgym state-cache: no --url and no $%s" % CACHE_URL_ENV)
    try:
        return StateCache(url)
    except ValueError as error:
        raise SystemExit("optgym state-cache: %s" % error) from None


def run(args: argparse.Namespace) -> int:
    import json

    if args.action == "serve":
        server = RedisServer(
            args.dir, tcp_port=args.tcp, maxmemory=args.maxmemory, policy=args.policy
        )
        try:
            server.start()
        except RedisServerError as error:
            raise SystemExit("optgym state-cache: %s" % error) from None
        stopped = threading.Event()
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda *_: stopped.set())
        print("export OPTGYM_CACHE_URL='%s'" % server.url, flush=True)
        try:
            while not stopped.wait(1.0):
                if server.process is None or server.process.poll() is not None:
                    print("optgym state-cache: redis-server exited", flush=True)
                    return 1
        finally:
            server.stop()
        return 0
    cache = _cache(args.url)
    try:
        if args.action == "stats":
            states, figures = cache.server_info()
            report: Dict[str, Any] = {"states": states}
            report.update(figures)
            print(json.dumps(report))
        else:
            print("deleted %d states" % cache.clear())
    except ConnectionError as error:
        raise SystemExit("optgym state-cache: %s" % error) from None
    finally:
        cache.close()
    return 0
