"""Asks the pass-choice driver for observations of a module at step 0.

  observe.py --opt OPT --plugin PLUGIN MODULE NAME...

Starts opt -load-pass-plugin=PLUGIN -passes=optgym-driver on MODULE with a
socket agent that asks, in its hello, for the observations NAME... with the
first query, then answers "stop". Prints one line per name, in the order
given: "NAME = VALUE" (VALUE as JSON) or "NAME error: MESSAGE", then the
driver's exit status. Speaks the protocol (docs/protocol.md) itself, with
nothing but the standard library.

reference-baselines.py imports ask() from here.
"""

import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile

TIMEOUT = 600


def clean_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTGYM_")}
    env.pop("CCC_OVERRIDE_OPTIONS", None)
    return env


def _send(conn, message):
    data = json.dumps(message).encode()
    conn.sendall(struct.pack(">I", len(data)) + data)


def _receive(conn):
    def exactly(n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    head = exactly(4)
    if head is None:
        return None
    body = exactly(struct.unpack(">I", head)[0])
    return None if body is None else json.loads(body)


def ask(opt, plugin, module, names):
    """(values, errors, exit status, stderr) of the driver's first query on
    module, whose hello asked for names."""
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "agent.sock")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(1)
        server.settimeout(0.1)
        env = clean_env()
        env.update(
            OPTGYM_ORACLE="socket:" + path,
            OPTGYM_AGENT_TIMEOUT_MS="0",
            OPTGYM_DECISIONS="pass-choice",
        )
        driver = subprocess.Popen(
            [
                opt,
                "-load-pass-plugin=" + plugin,
                "-passes=optgym-driver",
                "-disable-output",
                module,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        query = None
        try:
            conn = None
            while conn is None:
                try:
                    conn, _ = server.accept()
                except socket.timeout:
                    # A driver that ends (or fails to start) never connects.
                    if driver.poll() is not None:
                        raise
            conn.settimeout(TIMEOUT)
            with conn:
                while True:
                    message = _receive(conn)
                    if message is None:
                        break
                    if message["type"] == "hello":
                        _send(
                            conn,
                            {
                                "type": "hello",
                                "protocol": 1,
                                "agent": "observe.py",
                                "observe": list(names),
                            },
                        )
                    elif message["type"] == "query" and query is None:
                        query = message
                        _send(conn, {"type": "answer", "id": message["id"], "choice": 0})
        except socket.timeout:
            # The driver ended before connecting, or hangs.
            driver.kill()
        finally:
            server.close()
            _, stderr = driver.communicate(timeout=TIMEOUT)
    query = query or {}
    return (
        query.get("observations") or {},
        query.get("observation_errors") or {},
        driver.returncode,
        stderr.decode(errors="replace"),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--opt", required=True)
    parser.add_argument("--plugin", required=True)
    parser.add_argument("module")
    parser.add_argument("names", nargs="+")
    args = parser.parse_args()
    values, errors, status, stderr = ask(args.opt, args.plugin, args.module, args.names)
    for name in args.names:
        if name in values:
            print("%s = %s" % (name, json.dumps(values[name])))
        elif name in errors:
            print("%s error: %s" % (name, " ".join(errors[name].split())))
        else:
            print("%s: no answer" % name)
    print("driver exit status: %d" % status)
    sys.stderr.write(stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
