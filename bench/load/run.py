"""Load test of one Python agent: a parallel build of a many-unit program.

    python3 bench/load/run.py [--units 240] [--jobs 16] [--burst 64]
                              [--timeout-ms 2000] [--deadline 1200] [--workdir DIR] [--tcp]

Generates a C program of ``--units`` translation units (generate.py) and
builds it with clang -O2 in four ways, each in its own copy of the sources:

1. ``plain``: no plugin (the reference objects, program output and time);
2. ``inert``: ``-fpass-plugin=OptGym.so`` without an oracle (time only);
3. ``agent-j16``: the plugin asking ONE :class:`optgym.AgentServer` every
   decision, ``make -j JOBS``, the agent answering LLVM's default to every
   query; its objects must equal plain's byte for byte;
4. ``agent-j64``: the same with ``make -j BURST`` (64 compilers, so 64
   connections, at once), the agent following a simple rule (fully unroll
   loops of at most 4 iterations, vectorize loops of unknown trip count by 4
   interleaved by 2, inline callees of at most 8 instructions);
   the program must print plain's checksum.

Each agent build runs under a deadline (a deadlock shows as a timeout and
the build's process group is killed), with ``OPTGYM_VERBOSE=1`` and each
compile's stderr in its own file, and is checked by loadlib.check_build: the
build and every compile finished, no compile warned or fell back to LLVM's
defaults (a dropped query), and the agent answered exactly the queries each
compile counted. During each agent build a probe process (a fake compiler
of a few lines, another implementation of docs/protocol.md) asks one query
every few milliseconds on its own connection and times each round trip:
the wait a compiler sees, from its side, under the same load.

Reports, per agent build: queries, per-decision latency at the server (query
read to answer sent; p50/p99/max), the probe's round trips, the peak of
simultaneous connections at the server, build time and throughput. Exits 1
if any check failed. Use ``--plugin`` (default: ``$OPTGYM_PLUGIN`` or the
installed one) and ``--llvm`` to pick the toolchain.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import generate  # noqa: E402
import loadlib  # noqa: E402

import optgym  # noqa: E402
from optgym.toolchain import Toolchain  # noqa: E402


def decide_default(query: optgym.Query) -> None:
    """LLVM's default for every query: the build must equal plain's."""
    return None


def decide_rule(query: optgym.Query) -> Optional[str]:
    """A simple deterministic rule that departs from the default."""
    if query.kind == "loop-unroll" and 0 < query.features["trip_count"] <= 4:
        return "full" if "full" in query.choices else None
    if query.kind == "loop-vectorize" and query.features["trip_count"] == 0:
        return "w4i2" if "w4i2" in query.choices else None
    if query.kind == "inline" and query.features["callee_insts"] <= 8:
        return "inline"
    return None


# -- The probe: a fake compiler that times its round trips ---------------------

_PROBE_KIND = {
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
}


def _send(sock: socket.socket, message: Dict[str, Any]) -> None:
    payload = json.dumps(message).encode()
    sock.sendall(struct.pack(">I", len(payload)) + payload)


def _receive(sock: socket.socket) -> Dict[str, Any]:
    def exactly(size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("the agent closed the connection")
            data += chunk
        return data

    (size,) = struct.unpack(">I", exactly(4))
    return json.loads(exactly(size))


def probe(oracle_spec: str, output: str, interval: float) -> int:
    """Asks a query every ``interval`` s until stdin closes; writes the
    round trips (seconds, one a line) to ``output``."""
    target = oracle_spec[len("socket:") :]
    if target.startswith("tcp:"):
        host, _, port = target[len("tcp:") :].rpartition(":")
        sock = socket.create_connection((host.strip("[]"), int(port)))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    else:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(target)
    _send(sock, {"type": "hello", "protocol": 1, "pid": os.getpid(), "kinds": [_PROBE_KIND]})
    _receive(sock)
    _send(sock, {"type": "module", "module": "probe"})
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    round_trips: List[float] = []
    query_id = 0
    while not stop.wait(interval):
        query_id += 1
        start = time.perf_counter()
        _send(
            sock,
            {
                "type": "query",
                "id": query_id,
                "kind": "pass-gate",
                "key": "probe:f:gvn#%d" % query_id,
                "default": 0,
                "features": ["gvn", "function", 42, 1, 0],
            },
        )
        answer = _receive(sock)
        round_trips.append(time.perf_counter() - start)
        if answer.get("id") != query_id:
            raise SystemExit("probe: answer %r to query %d" % (answer, query_id))
    sock.close()
    with open(output, "w") as stream:
        stream.write("".join("%.9f\n" % value for value in round_trips))
    return 0


# -- The builds ------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return "%.3f" % (seconds * 1000)


class CollectorPauses:
    """Times the garbage collector's full collections while installed: each
    holds the GIL, so every connection of the agent waits for it. Wall time,
    and the collecting thread's CPU time (on an oversubscribed machine the
    difference is time the thread was preempted while holding the GIL)."""

    def __init__(self) -> None:
        self.pauses: List[float] = []
        self.cpu: List[float] = []
        self.started = (0.0, 0.0)

    def __call__(self, phase: str, info: Dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self.started = (time.perf_counter(), time.thread_time())
        else:
            self.pauses.append(time.perf_counter() - self.started[0])
            self.cpu.append(time.thread_time() - self.started[1])

    def __enter__(self) -> "CollectorPauses":
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        gc.callbacks.remove(self)


class Progress(threading.Thread):
    """Prints a line every few seconds while a build runs."""

    def __init__(self, label: str, directory: str, total: int, server: Any = None) -> None:
        super().__init__(daemon=True)
        self.label, self.directory, self.total, self.server = label, directory, total, server
        self.done = threading.Event()
        self.start_time = time.monotonic()

    def run(self) -> None:
        while not self.done.wait(5.0):
            objects = sum(1 for name in os.listdir(self.directory) if name.endswith(".o"))
            text = "  [%s] %5.1f s: %d/%d objects" % (
                self.label,
                time.monotonic() - self.start_time,
                objects,
                self.total,
            )
            if self.server is not None:
                text += ", %d connections (peak %d), %d answers" % (
                    self.server.connection_count,
                    self.server.peak_connections,
                    len(self.server.answer_latencies()),
                )
            print(text, flush=True)


def prepare(root: str, name: str, units: int, seed: int) -> tuple:
    directory = os.path.join(root, name)
    shutil.rmtree(directory, ignore_errors=True)
    sources = generate.generate(directory, units, seed)
    return directory, sources


def build_without_agent(
    root: str, name: str, args: argparse.Namespace, cc: str, cflags: str
) -> Dict[str, Any]:
    directory, sources = prepare(root, name, args.units, args.seed)
    print("%s: make -j%d, CFLAGS=%s" % (name, args.jobs, cflags), flush=True)
    environment = optgym.toolchain.tool_environment()
    progress = Progress(name, directory, len(sources))
    progress.start()
    result = loadlib.run_make(
        directory,
        sources,
        ["-s", "-j%d" % args.jobs, "CC=" + cc, "CFLAGS=" + cflags],
        environment,
        args.deadline,
    )
    progress.done.set()
    if result.status != 0:
        raise SystemExit("%s: the build failed:\n%s" % (name, result.output[-3000:]))
    output = subprocess.run(
        [os.path.join(directory, "load")], capture_output=True, text=True, check=True
    ).stdout
    load = os.getloadavg()[0]
    print(
        "  %.1f s (load average %.1f); the program prints %s"
        % (result.seconds, load, output.strip()),
        flush=True,
    )
    return {"seconds": result.seconds, "directory": directory, "output": output, "load": load}


def build_with_agent(
    root: str,
    name: str,
    args: argparse.Namespace,
    jobs: int,
    cc: str,
    cflags: str,
    decide: Any,
    plain: Dict[str, Any],
    compare_objects: bool,
) -> Dict[str, Any]:
    directory, sources = prepare(root, name, args.units, args.seed)
    log_dir = os.path.join(root, name + "-logs")
    shutil.rmtree(log_dir, ignore_errors=True)
    print(
        "%s: make -j%d, one AgentServer (%s, %s), OPTGYM_AGENT_TIMEOUT_MS=%d"
        % (name, jobs, decide.__name__, "TCP" if args.tcp else "Unix socket", args.timeout_ms),
        flush=True,
    )
    server_log: List[str] = []
    with optgym.AgentServer(decide, log=server_log.append, token="", tcp=args.tcp) as server:
        environment = optgym.toolchain.tool_environment()
        environment.update(
            OPTGYM_ORACLE=server.oracle_spec,
            OPTGYM_VERBOSE="1",
            OPTGYM_AGENT_TIMEOUT_MS=str(args.timeout_ms),
        )
        probe_file = os.path.join(root, name + "-probe.txt")
        prober = subprocess.Popen(
            [
                sys.executable,
                os.path.abspath(__file__),
                "--probe",
                server.oracle_spec,
                probe_file,
                str(args.probe_interval),
            ],
            stdin=subprocess.PIPE,
        )
        progress = Progress(name, directory, len(sources), server)
        progress.start()
        with CollectorPauses() as collector:
            result = loadlib.run_make(
                directory,
                sources,
                ["-s", "-j%d" % jobs, "CC=" + cc, "CFLAGS=" + cflags],
                environment,
                args.deadline,
                log_dir,
                nice=args.make_nice,
            )
        progress.done.set()
        assert prober.stdin is not None
        prober.stdin.close()
        prober.wait(60)
        idle = server.wait_idle(60)
        units = server.units()
        latencies = sorted(server.answer_latencies())
        peak = server.peak_connections
        connections = server.connection_count
        connection_errors = server.connection_errors
        errors = server.errors
    check = loadlib.check_build(result, units, errors + connection_errors)
    if not idle:
        check.fail("connections still open 60 s after the build")
    probe_units = [unit for unit in units if unit.module == "probe"]
    with open(probe_file) as stream:
        round_trips = sorted(float(line) for line in stream if line.strip())
    if len(round_trips) != sum(unit.queries for unit in probe_units):
        check.fail("the probe's queries and the agent's count of them differ")
    if server_log:
        check.fail("the agent logged:\n  " + "\n  ".join(server_log))
    if compare_objects:
        differing = [
            source
            for source in sources
            if not _same_file(
                os.path.join(directory, source[:-2] + ".o"),
                os.path.join(plain["directory"], source[:-2] + ".o"),
            )
        ]
        if differing:
            check.fail(
                "%d objects differ from the plain build's: %s"
                % (len(differing), " ".join(differing[:10]))
            )
    if not result.timed_out and result.status == 0:
        output = subprocess.run(
            [os.path.join(directory, "load")], capture_output=True, text=True
        ).stdout
        if output != plain["output"]:
            check.fail("the program prints %r, not %r" % (output, plain["output"]))
    departures = sum(log.departures for log in result.logs.values())
    queries = check.client_queries
    report = {
        "load_average": os.getloadavg()[0],
        "jobs": jobs,
        "transport": "tcp" if args.tcp else "unix",
        "decide": decide.__name__,
        "seconds": round(result.seconds, 2),
        "compiles": len(sources),
        "compiles_finished": sum(1 for log in result.logs.values() if log.finished),
        "client_queries": queries,
        "server_answers": check.server_queries,
        "departures": departures,
        "fallbacks": sum(1 for log in result.logs.values() if log.fallback or log.warnings),
        "connections": connections,
        "peak_connections": peak,
        "queries_per_second": round(queries / result.seconds),
        "server_latency_ms": {
            "p50": float(_ms(loadlib.percentile(latencies, 0.50))),
            "p99": float(_ms(loadlib.percentile(latencies, 0.99))),
            "max": float(_ms(latencies[-1])) if latencies else None,
            "count": len(latencies),
        },
        "full_collections": len(collector.pauses),
        "longest_full_collection_ms": float(_ms(max(collector.pauses, default=0.0))),
        "longest_full_collection_cpu_ms": float(_ms(max(collector.cpu, default=0.0))),
        "make_nice": args.make_nice,
        "gc_freeze": args.gc_freeze,
        "probe_round_trip_ms": {
            "p50": float(_ms(loadlib.percentile(round_trips, 0.50))),
            "p99": float(_ms(loadlib.percentile(round_trips, 0.99))),
            "max": float(_ms(round_trips[-1])) if round_trips else None,
            "count": len(round_trips),
        },
        "problems": check.problems,
    }
    waits = sorted(log.waits_us for log in result.logs.values() if log.waits_us)
    if waits:
        # Only per-compile figures exist: the median compile's p50, the
        # worst compile's p99, the longest wait of all.
        report["client_wait_us"] = {
            "median_p50": loadlib.percentile(sorted(w[0] for w in waits), 0.5),
            "worst_p99": max(w[1] for w in waits),
            "max": max(w[2] for w in waits),
        }
        print("  client waits (plugin): %r" % report["client_wait_us"], flush=True)
    print(
        "  %.1f s, %d/%d compiles finished, %d queries asked, %d answered, %d departures, "
        "%d fallbacks; %d connections, peak %d at once; %d queries/s; load average %.1f"
        % (
            result.seconds,
            report["compiles_finished"],
            len(sources),
            queries,
            check.server_queries,
            departures,
            report["fallbacks"],
            connections,
            peak,
            report["queries_per_second"],
            report["load_average"],
        ),
        flush=True,
    )
    print(
        "  server latency (read -> answer sent): p50 %s ms, p99 %s ms, max %s ms; "
        "probe round trip: p50 %s ms, p99 %s ms, max %s ms (%d); "
        "%d full collections, longest %s ms (%s ms of CPU)"
        % (
            report["server_latency_ms"]["p50"],
            report["server_latency_ms"]["p99"],
            report["server_latency_ms"]["max"],
            report["probe_round_trip_ms"]["p50"],
            report["probe_round_trip_ms"]["p99"],
            report["probe_round_trip_ms"]["max"],
            len(round_trips),
            report["full_collections"],
            report["longest_full_collection_ms"],
            report["longest_full_collection_cpu_ms"],
        ),
        flush=True,
    )
    for problem in check.problems[:20]:
        print("  PROBLEM: " + problem, flush=True)
    return report


def _same_file(a: str, b: str) -> bool:
    try:
        with open(a, "rb") as first, open(b, "rb") as second:
            return first.read() == second.read()
    except OSError:
        return False


def main(argv: List[str]) -> int:
    if argv[:1] == ["--probe"]:
        return probe(argv[1], argv[2], float(argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=240)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--burst", type=int, default=64)
    parser.add_argument("--timeout-ms", type=int, default=2000)
    parser.add_argument("--deadline", type=float, default=1200.0, help="seconds per build")
    parser.add_argument("--probe-interval", type=float, default=0.005)
    parser.add_argument("--workdir", help="where to build (default: a temporary directory)")
    parser.add_argument("--plugin", help="OptGym.so (default: the package's)")
    parser.add_argument("--llvm")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--skip", action="append", default=[], help="skip a build: inert, j64")
    parser.add_argument("--tcp", action="store_true", help="serve on loopback TCP")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() before the agent builds: what the process holds by then (the "
        "imported modules) is left out of every later collection",
    )
    parser.add_argument(
        "--make-nice",
        type=int,
        default=0,
        help="run the agent builds' make (and so the compilers) under nice -n N",
    )
    args = parser.parse_args(argv)

    # The compilers run in the build's directory.
    plugin_path = os.path.abspath(args.plugin) if args.plugin else None
    toolchain = Toolchain(llvm_version=args.llvm, plugin=plugin_path)
    cc = toolchain.require("clang")
    plugin = toolchain.plugin()
    root = args.workdir or tempfile.mkdtemp(prefix="optgym-load-")
    os.makedirs(root, exist_ok=True)
    print(
        "%d translation units + main.c (seed %d), %s, plugin %s, in %s"
        % (args.units, args.seed, cc, plugin, root),
        flush=True,
    )
    figures: Dict[str, Any] = {"units": args.units + 1, "clang": toolchain.clang_version()}
    plain = build_without_agent(root, "plain", args, cc, "-O2")
    figures["plain_seconds"] = round(plain["seconds"], 2)
    figures["plain_load_average"] = plain["load"]
    if "inert" not in args.skip:
        inert = build_without_agent(root, "inert", args, cc, "-O2 -fpass-plugin=" + plugin)
        figures["inert_seconds"] = round(inert["seconds"], 2)
        figures["inert_load_average"] = inert["load"]
    cflags = "-O2 -fpass-plugin=" + plugin
    builds = [("agent-j%d" % args.jobs, args.jobs, decide_default, True)]
    if "j64" not in args.skip:
        builds.append(("agent-j%d" % args.burst, args.burst, decide_rule, False))
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    failed = False
    for name, jobs, decide, compare in builds:
        report = build_with_agent(root, name, args, jobs, cc, cflags, decide, plain, compare)
        figures[name] = report
        failed = failed or bool(report["problems"])
    if args.json:
        with open(args.json, "w") as stream:
            json.dump(figures, stream, indent=2)
            stream.write("\n")
    print("FAILED" if failed else "all checks passed", flush=True)
    if not args.workdir:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
