"""Runs a command with an agent wired up through OPTGYM_ORACLE.

    with-agent.py AGENT [--timeout-ms N] -- COMMAND...

AGENT is one of
    cpp[:ARGS]      the C++ optgym-agent (ARGS: its options, comma-separated;
                    a Unix socket here unless they say --tcp)
    default         answer every query with its default
    absent          no agent at all: a socket path nobody listens on
    kill-after:N    answer N queries, then the agent process is killed
    sleep:MS        sleep MS milliseconds before every answer
    garbage         answer every query with bytes that are not JSON
    oversized       answer with a frame header announcing 2 GiB
    hangup          close each connection at its first query

The scripted agents are a second, independent implementation of
docs/protocol.md (raw sockets, no optgym package), and they answer the
default until their fault strikes, so a correct fallback yields exactly the
default build. Exits with COMMAND's status; the agent's notes go to stderr.
"""

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time


def read_frame(conn):
    header = b""
    while len(header) < 4:
        chunk = conn.recv(4 - len(header))
        if not chunk:
            return None
        header += chunk
    (size,) = struct.unpack(">I", header)
    payload = b""
    while len(payload) < size:
        chunk = conn.recv(size - len(payload))
        if not chunk:
            return None
        payload += chunk
    return json.loads(payload)


def send_frame(conn, message):
    payload = json.dumps(message).encode()
    conn.sendall(struct.pack(">I", len(payload)) + payload)


def serve_scripted(mode, path):
    """The agent process: listens on path and follows mode until killed."""
    name, _, arg = mode.partition(":")
    answered = [0]
    lock = threading.Lock()

    def handle(conn):
        with conn:
            if read_frame(conn) is None:
                return
            send_frame(conn, {"type": "hello", "protocol": 1, "agent": mode})
            while True:
                message = read_frame(conn)
                if message is None:
                    return
                if message["type"] != "query":
                    continue
                if name == "hangup":
                    return
                if name == "garbage":
                    conn.sendall(struct.pack(">I", 7) + b"choice!")
                    continue
                if name == "oversized":
                    conn.sendall(struct.pack(">I", 1 << 31))
                    continue
                if name == "sleep":
                    time.sleep(int(arg) / 1000)
                with lock:
                    if name == "kill-after" and answered[0] >= int(arg):
                        os.kill(os.getpid(), signal.SIGKILL)
                    answered[0] += 1
                send_frame(
                    conn, {"type": "answer", "id": message["id"], "choice": message["default"]}
                )

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def start_agent(agent, directory):
    """Starts the agent; returns (process or None, OPTGYM_ORACLE value)."""
    path = os.path.join(directory, "agent.sock")
    if agent == "absent":
        return None, "socket:" + path
    if agent == "cpp" or agent.startswith("cpp:"):
        args = [a for a in agent[4:].split(",") if a]
        if "--tcp" not in args:
            args = ["--socket", path] + args
        process = subprocess.Popen(["optgym-agent"] + args, stdout=subprocess.PIPE, text=True)
        line = process.stdout.readline().strip()
        if not line.startswith("OPTGYM_ORACLE="):
            sys.exit("with-agent: optgym-agent did not start: %r" % line)
        return process, line[len("OPTGYM_ORACLE=") :]
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", agent, path], stdout=subprocess.PIPE, text=True
    )
    if process.stdout.readline().strip() != "ready":
        sys.exit("with-agent: the scripted agent did not start")
    return process, "socket:" + path


def main(argv):
    if argv[:1] == ["--serve"]:
        serve_scripted(argv[1], argv[2])
        return 0
    separator = argv.index("--")
    options, command = argv[:separator], argv[separator + 1 :]
    agent = options[0]
    env = dict(os.environ)
    if "--timeout-ms" in options:
        env["OPTGYM_AGENT_TIMEOUT_MS"] = options[options.index("--timeout-ms") + 1]
    with tempfile.TemporaryDirectory(prefix="optgym-test-") as directory:
        process, spec = start_agent(agent, directory)
        env["OPTGYM_ORACLE"] = spec
        try:
            return subprocess.call(command, env=env)
        finally:
            if process:
                process.kill()
                process.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
