"""A stand-in for the OptGym plugin's agent client, for the Python tests.

It speaks docs/protocol.md with its own few lines of framing, deliberately
not optgym.protocol's, so that a framing bug in the library cannot cancel
out against the same bug here.

As a program it is a fake compiler (and a fake build of several) for
run_build's tests:

    fake_plugin.py compile [--exit N] [--env-out FILE] [--no-module-end]
                           [--load PLUGIN] MODULE...
        one process, one connection, the modules in turn
    fake_plugin.py build [--jobs N] MODULE...
        one `compile` process per module, N at a time, like make -jN
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import subprocess
import sys
from typing import Any, Dict, List, Optional

#: Two decision kinds shaped like the plugin's (docs/decision-points.md).
KINDS: List[Dict[str, Any]] = [
    {
        "name": "pass-gate",
        "features": [
            {"name": "pass", "type": "string"},
            {"name": "unit", "type": "string"},
            {"name": "unit_size", "type": "int"},
            {"name": "ordinal", "type": "int"},
            {"name": "loop_depth", "type": "int"},
        ],
        "choices": ["run", "skip"],
        "default": 0,
    },
    {
        "name": "loop-unroll",
        "features": [
            {"name": "depth", "type": "int"},
            {"name": "trip_count", "type": "int"},
        ],
        "choices": ["default", "disable", "full", "count:2", "count:4"],
        "default": 0,
    },
]

CHOICES = {kind["name"]: kind["choices"] for kind in KINDS}


def frame(message: Any) -> bytes:
    payload = json.dumps(message).encode("utf-8")
    return struct.pack(">I", len(payload)) + payload


def connect(oracle_spec: str, timeout: float = 10.0) -> socket.socket:
    """Connects to an OPTGYM_ORACLE value of the socket: form."""
    if not oracle_spec.startswith("socket:"):
        raise ValueError("not a socket oracle: %r" % oracle_spec)
    target = oracle_spec[len("socket:") :]
    if target.startswith("tcp:"):
        host, _, port = target[len("tcp:") :].rpartition(":")
        sock = socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    else:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(target)
    return sock


class FakePlugin:
    """One compiler process's connection to the agent."""

    def __init__(
        self,
        oracle_spec: str,
        pid: Optional[int] = None,
        kinds: Optional[List[Dict[str, Any]]] = None,
    ) -> None:
        self.sock = connect(oracle_spec)
        self.pid = os.getpid() if pid is None else pid
        self.kinds = KINDS if kinds is None else kinds
        self.next_id = 1
        self.module_queries = 0
        self.module_departures = 0

    def __enter__(self) -> "FakePlugin":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def send(self, message: Any) -> None:
        self.sock.sendall(frame(message))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def receive(self) -> Optional[Dict[str, Any]]:
        """The next message, or None at the end of the stream."""
        prefix = self._read(4)
        if len(prefix) < 4:
            return None
        (size,) = struct.unpack(">I", prefix)
        payload = self._read(size)
        if len(payload) < size:
            raise ConnectionError("agent sent a truncated frame")
        return json.loads(payload.decode("utf-8"))

    def _read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            try:
                chunk = self.sock.recv(size - len(data))
            except ConnectionResetError:
                return data
            if not chunk:
                break
            data += chunk
        return data

    def at_eof(self) -> bool:
        """True when the agent has closed the connection."""
        return self._read(1) == b""

    def hello(self, token: Optional[str] = None) -> Dict[str, Any]:
        message = {
            "type": "hello",
            "protocol": 1,
            "client": "fake-plugin 0.1.0",
            "llvm": "19.1.7",
            "pid": self.pid,
            "kinds": self.kinds,
        }
        if token is not None:
            message["token"] = token
        self.send(message)
        reply = self.receive()
        assert reply is not None, "the agent closed the connection instead of replying"
        return reply

    def module(self, name: str) -> None:
        self.module_queries = 0
        self.module_departures = 0
        self.send({"type": "module", "module": name})

    def query(self, kind: str, key: str, features: List[Any], default: int = 0) -> Dict[str, Any]:
        """Asks one query and returns the answer message."""
        query_id = self.next_id
        self.next_id += 1
        self.send(
            {
                "type": "query",
                "id": query_id,
                "kind": kind,
                "key": key,
                "default": default,
                "features": features,
            }
        )
        reply = self.receive()
        assert reply is not None, "the agent closed the connection instead of answering"
        assert reply.get("type") == "answer" and reply.get("id") == query_id, reply
        self.module_queries += 1
        if reply["choice"] != default:
            self.module_departures += 1
        return reply

    def choice_name(self, kind: str, reply: Dict[str, Any]) -> str:
        choice = reply["choice"]
        return choice if isinstance(choice, str) else CHOICES[kind][choice]

    def module_end(self, name: str, ir_instructions: int) -> None:
        self.send(
            {
                "type": "module-end",
                "module": name,
                "stats": {
                    "ir_instructions": ir_instructions,
                    "functions": 1,
                    "basic_blocks": 3,
                    "queries": self.module_queries,
                    "departures": self.module_departures,
                },
            }
        )


#: The passes a fake compile asks about, in order.
FAKE_PASSES = ["instcombine", "gvn", "licm"]


def fake_compile(plugin: FakePlugin, module: str) -> None:
    """Asks what a small compile of ``module`` would: 3 gates, 1 unroll."""
    plugin.module(module)
    for index, pass_name in enumerate(FAKE_PASSES):
        plugin.query(
            "pass-gate",
            "%s:f:%s#1" % (module, pass_name),
            [pass_name, "function", 10 + index, 1, 0],
        )
    plugin.query("loop-unroll", "%s:f:loop#0" % module, [1, len(module)])
    plugin.module_end(module, ir_instructions=100 + len(module))


def _main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="fake_plugin.py")
    subcommands = parser.add_subparsers(dest="command", required=True)
    compile_parser = subcommands.add_parser("compile")
    compile_parser.add_argument("--exit", type=int, default=0)
    compile_parser.add_argument("--env-out")
    compile_parser.add_argument("--no-module-end", action="store_true")
    # Ignored, like a compiler flag that names the plugin: --env-out shows
    # how run_build substituted it.
    compile_parser.add_argument("--load")
    compile_parser.add_argument("modules", nargs="*")
    build_parser = subcommands.add_parser("build")
    build_parser.add_argument("--jobs", type=int, default=1)
    build_parser.add_argument("modules", nargs="+")
    args = parser.parse_args(argv)

    if args.command == "build":
        status = 0
        pending = list(args.modules)
        while pending:
            batch, pending = pending[: args.jobs], pending[args.jobs :]
            processes = [
                subprocess.Popen([sys.executable, os.path.abspath(__file__), "compile", module])
                for module in batch
            ]
            for process in processes:
                status = max(status, process.wait())
        return status

    if args.env_out:
        names = [
            "OPTGYM_ORACLE",
            "OPTGYM_PLUGIN",
            "OPTGYM_DECISIONS",
            "OPTGYM_AGENT_TIMEOUT_MS",
            "CCC_OVERRIDE_OPTIONS",
            "FAKE_EXTRA",
        ]
        with open(args.env_out, "w") as stream:
            json.dump(
                {
                    "argv": argv,
                    "env": {name: os.environ.get(name) for name in names},
                    "cwd": os.getcwd(),
                },
                stream,
            )
    if args.modules:
        with FakePlugin(os.environ["OPTGYM_ORACLE"]) as plugin:
            plugin.hello()
            for module in args.modules:
                if args.no_module_end:
                    plugin.module(module)
                    plugin.query("loop-unroll", "%s:f:loop#0" % module, [1, 4])
                else:
                    fake_compile(plugin, module)
    return args.exit


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
