#!/usr/bin/env python3
"""Round trips of the agent socket, and what an agent costs a build.

    .venv/bin/python bench/agent_roundtrip.py [--llvm 19] [--n 20000] [--repeats 5]
                                     [--rounds 3]

1. Per-decision round trip, p50 and p99, measured inside the plugin's own
   socket oracle (build/bin/optgym-bench-agent decide), against the C++ agent
   (optgym-agent) and the Python agent (python3 -m optgym serve), next to a
   bare Unix-socket one-byte ping-pong measured in the same run. Each in two
   placements: client and agent pinned to the same core, and to two cores.
2. Framing alternatives, Python on both ends (the slow side): a
   length-prefixed frame versus a newline-terminated line, same JSON query.
3. clang -O2 -c of the bundled programs: wall time with a table policy
   holding every decision, with the C++ agent, and with the Python agent
   (both answering the default, so the objects are identical).

Prints Markdown tables for bench/README.md.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMS = os.path.join(ROOT, "datasets", "programs")


def build_dir(llvm):
    return os.path.join(ROOT, "build" if llvm == 19 else "build-%d" % llvm)


def pinned(cpu, command):
    return ["taskset", "-c", str(cpu)] + command


def start(command, ready_prefix, env=None):
    """Starts a server; returns (process, its first output line)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline().strip()
    if not line.startswith(ready_prefix):
        process.kill()
        sys.exit("bench: %s did not start (%r)" % (command, line))
    return process, line


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


def client(build, cpu, args):
    out = subprocess.run(
        pinned(cpu, [os.path.join(build, "bin", "optgym-bench-agent")] + args),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def round_trips(build, n, repeats, tmp):
    rows = []
    placements = [("same core", 0, 0), ("two cores", 0, 1)]
    for placement, client_cpu, agent_cpu in placements:
        echo_path = os.path.join(tmp, "echo.sock")
        echo, _ = start(
            pinned(
                agent_cpu,
                [os.path.join(build, "bin", "optgym-bench-agent"), "echo-server", echo_path],
            ),
            "ready",
        )
        cpp, line = start(
            pinned(
                agent_cpu,
                [
                    os.path.join(build, "bin", "optgym-agent"),
                    "--socket",
                    os.path.join(tmp, "cpp.sock"),
                ],
            ),
            "OPTGYM_ORACLE=",
        )
        cpp_spec = line.split("=", 1)[1]
        py_path = os.path.join(tmp, "py.sock")
        py = subprocess.Popen(
            pinned(
                agent_cpu,
                [
                    sys.executable,
                    "-m",
                    "optgym",
                    "serve",
                    "--socket",
                    py_path,
                    "--agent",
                    "default",
                ],
            ),
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if os.path.exists(py_path):
                break
            time.sleep(0.05)
        # These VMs swing by 30 % from one run to the next: interleave the
        # three peers and keep the median run of each.
        peers = [
            ("raw socket ping-pong", ["ping", echo_path]),
            ("C++ agent", ["decide", cpp_spec]),
            ("Python agent", ["decide", "socket:" + py_path]),
        ]
        runs = {name: [] for name, _ in peers}
        try:
            for _ in range(repeats):
                for name, args in peers:
                    runs[name].append(client(build, client_cpu, args + [str(n)]))
            medians = {
                name: {k: statistics.median(r[k] for r in runs[name]) for k in ("p50_us", "p99_us")}
                for name in runs
            }
            raw = medians["raw socket ping-pong"]
            for name, _ in peers:
                rows.append((placement, name, medians[name], raw))
        finally:
            for p in (echo, cpp, py):
                stop(p)
    return rows


QUERY = json.dumps(
    {
        "type": "query",
        "id": 17,
        "kind": "loop-unroll",
        "key": "src/module.c:kernel:loop#1",
        "default": 0,
        "features": [2, 1, 64, 64, 64, 23, 4, 2, 1, 0, 1472],
    }
).encode()
ANSWER = json.dumps({"type": "answer", "id": 17, "choice": 0}).encode()


def framing_server(kind, listener):
    conn, _ = listener.accept()
    # Both framings read through a buffered file: one recv per message.
    reader = conn.makefile("rb")
    with conn, reader:
        if kind == "length":
            while True:
                header = reader.read(4)
                if len(header) < 4:
                    return
                (size,) = struct.unpack(">I", header)
                json.loads(reader.read(size))
                conn.sendall(struct.pack(">I", len(ANSWER)) + ANSWER)
        else:
            for line in reader:
                json.loads(line)
                conn.sendall(ANSWER + b"\n")


def framing(n, tmp):
    """Python client and server in two processes, one per framing."""
    results = {}
    for kind in ("length", "line"):
        path = os.path.join(tmp, kind + ".sock")
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        listener.listen(1)
        pid = os.fork()
        if pid == 0:
            framing_server(kind, listener)
            os._exit(0)
        listener.close()
        conn = socket.socket(socket.AF_UNIX)
        conn.connect(path)
        reader = conn.makefile("rb")
        times = []
        for _ in range(n):
            start_ns = time.perf_counter_ns()
            if kind == "length":
                conn.sendall(struct.pack(">I", len(QUERY)) + QUERY)
                (size,) = struct.unpack(">I", reader.read(4))
                json.loads(reader.read(size))
            else:
                conn.sendall(QUERY + b"\n")
                json.loads(reader.readline())
            times.append((time.perf_counter_ns() - start_ns) / 1000)
        # The file object holds the socket open: close both, or the server
        # never sees the end of the stream.
        reader.close()
        conn.close()
        os.waitpid(pid, 0)
        times = sorted(times[n // 10 :])
        results[kind] = (times[len(times) // 2], times[int(len(times) * 0.99)])
    return results


def build_times(build, llvm, rounds, tmp):
    clang = "/usr/lib/llvm-%d/bin/clang" % llvm
    plugin = os.path.join(build, "lib", "OptGym.so")
    sources = sorted(os.path.join(PROGRAMS, f) for f in os.listdir(PROGRAMS) if f.endswith(".c"))

    def compile_all(env):
        start_s = time.perf_counter()
        for src in sources:
            out = os.path.join(tmp, os.path.basename(src) + ".o")
            subprocess.run(
                [clang, "-O2", "-c", "-fpass-plugin=" + plugin, src, "-o", out],
                env=env,
                check=True,
                stderr=subprocess.PIPE,
            )
        return time.perf_counter() - start_s

    base = {k: v for k, v in os.environ.items() if not k.startswith("OPTGYM_")}
    trace = os.path.join(tmp, "all.jsonl")
    compile_all(dict(base, OPTGYM_ORACLE="default", OPTGYM_RECORD=trace))
    policy = os.path.join(tmp, "all.json")
    subprocess.run(
        [os.path.join(build, "bin", "optgym-policy"), "from-trace", trace, "--all", "-o", policy],
        check=True,
    )
    cpp, line = start(
        [
            os.path.join(build, "bin", "optgym-agent"),
            "--socket",
            os.path.join(tmp, "build-cpp.sock"),
        ],
        "OPTGYM_ORACLE=",
    )
    py_path = os.path.join(tmp, "build-py.sock")
    py = subprocess.Popen(
        [sys.executable, "-m", "optgym", "serve", "--socket", py_path, "--agent", "default"],
        stderr=subprocess.DEVNULL,
    )
    while not os.path.exists(py_path):
        time.sleep(0.05)
    configs = [
        (
            "policy file (every decision in its tables)",
            dict(base, OPTGYM_ORACLE="policy:" + policy),
        ),
        ("socket, C++ agent", dict(base, OPTGYM_ORACLE=line.split("=", 1)[1])),
        ("socket, Python agent", dict(base, OPTGYM_ORACLE="socket:" + py_path)),
    ]
    times = {name: [] for name, _ in configs}
    try:
        for _ in range(rounds):
            for name, env in configs:
                times[name].append(compile_all(env))
    finally:
        stop(cpp)
        stop(py)
    return [(name, statistics.median(times[name])) for name, _ in configs], len(sources)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--llvm", type=int, default=19)
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the build-time comparison")
    parser.add_argument(
        "--repeats", type=int, default=5, help="runs of each round-trip measurement"
    )
    args = parser.parse_args()
    build = build_dir(args.llvm)
    tmp = tempfile.mkdtemp(prefix="optgym-bench-")
    try:
        print(
            "## Per-decision round trip (%d decisions per run, first tenth "
            "dropped; median of %d interleaved runs)\n" % (args.n, args.repeats)
        )
        print("| placement | peer | p50 µs | p99 µs | p50 / raw p50 |")
        print("|---|---|---:|---:|---:|")
        for placement, name, r, raw in round_trips(build, args.n, args.repeats, tmp):
            print(
                "| %s | %s | %.1f | %.1f | %.2f× |"
                % (placement, name, r["p50_us"], r["p99_us"], r["p50_us"] / raw["p50_us"])
            )
        print("\n## Framing, Python on both ends (%d round trips)\n" % args.n)
        print("| framing | p50 µs | p99 µs |")
        print("|---|---:|---:|")
        for kind, (p50, p99) in framing(args.n, tmp).items():
            label = {"length": "4-byte length prefix", "line": "newline-terminated"}[kind]
            print("| %s | %.1f | %.1f |" % (label, p50, p99))
        rows, count = build_times(build, args.llvm, args.rounds, tmp)
        print(
            "\n## clang -O2 -c of the %d bundled programs, median of %d "
            "rounds\n" % (count, args.rounds)
        )
        print("| oracle | seconds | vs policy file |")
        print("|---|---:|---:|")
        for name, seconds in rows:
            print("| %s | %.2f | %+.1f %% |" % (name, seconds, 100 * (seconds / rows[0][1] - 1)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
