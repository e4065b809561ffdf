"""Garbage-collector pauses of an AgentServer holding many decisions.

    python3 bench/load/gc_pauses.py [--queries 100000 400000 ...]

For each count, a fresh AgentServer (LLVM's default to everything) answers
that many queries from one raw-socket client (pipelined 100 at a time), and
the script reports the longest full (generation 2) collection during the run
and the longest server latency (query read to answer sent). A collection
holds the GIL, so every connection waits for it; before the server kept its
decisions untracked (see _RawDecision in utils/optgym/server.py), the pause
grew with the decisions held.
"""

from __future__ import annotations

import argparse
import gc
import json
import socket
import struct
import sys
import time
from typing import Any, Dict, List

import optgym


def _frame(message: Dict[str, Any]) -> bytes:
    payload = json.dumps(message).encode()
    return struct.pack(">I", len(payload)) + payload


def _read(sock: socket.socket, stream: Any) -> Dict[str, Any]:
    (size,) = struct.unpack(">I", stream.read(4))
    return json.loads(stream.read(size))


def measure(queries: int) -> Dict[str, float]:
    pauses: List[float] = []
    cpu: List[float] = []
    started = [0.0, 0.0]

    def on_collection(phase: str, info: Dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started[:] = [time.perf_counter(), time.thread_time()]
        else:
            pauses.append(time.perf_counter() - started[0])
            cpu.append(time.thread_time() - started[1])

    kind = {
        "name": "pass-gate",
        "features": [{"name": "pass", "type": "string"}, {"name": "unit_size", "type": "int"}],
        "choices": ["run", "skip"],
        "default": 0,
    }
    gc.callbacks.append(on_collection)
    try:
        with optgym.AgentServer(lambda query: None, token="") as server:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(server.socket_path)
            stream = sock.makefile("rb")
            sock.sendall(_frame({"type": "hello", "protocol": 1, "pid": 1, "kinds": [kind]}))
            _read(sock, stream)
            sock.sendall(_frame({"type": "module", "module": "m.c"}))
            sent = 0
            start = time.perf_counter()
            while sent < queries:
                batch = min(100, queries - sent)
                sock.sendall(
                    b"".join(
                        _frame(
                            {
                                "type": "query",
                                "id": sent + i + 1,
                                "kind": "pass-gate",
                                "key": "m.c:f%d:gvn#1" % (sent + i),
                                "default": 0,
                                "features": ["gvn", 12],
                            }
                        )
                        for i in range(batch)
                    )
                )
                for _ in range(batch):
                    _read(sock, stream)
                sent += batch
            seconds = time.perf_counter() - start
            stream.close()
            sock.close()
            server.wait_idle(30)
            # (Absent from servers before it: for comparisons.)
            latencies = getattr(server, "answer_latencies", list)()
    finally:
        gc.callbacks.remove(on_collection)
    return {
        "queries": queries,
        "seconds": seconds,
        "full_collections": len(pauses),
        "longest_full_collection_ms": max(pauses, default=0.0) * 1000,
        "longest_full_collection_cpu_ms": max(cpu, default=0.0) * 1000,
        "max_latency_ms": max(latencies, default=float("nan")) * 1000,
    }


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, nargs="+", default=[100_000, 400_000])
    parser.add_argument(
        "--freeze", action="store_true", help="gc.freeze() first: leave the imports out"
    )
    args = parser.parse_args(argv)
    if args.freeze:
        gc.collect()
        gc.freeze()
    for queries in args.queries:
        result = measure(queries)
        print(
            "%7d queries in %5.1f s: %d full collections, longest %.1f ms (%.1f ms CPU); "
            "max server latency %.1f ms"
            % (
                result["queries"],
                result["seconds"],
                result["full_collections"],
                result["longest_full_collection_ms"],
                result["longest_full_collection_cpu_ms"],
                result["max_latency_ms"],
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
