#!/usr/bin/env python3
"""Writes the fuzzers' generated seeds from a real compile.

The hand-written seeds in test/fuzz/NAME/ stay as they are; this script
(re)writes the files named ``session-*`` (protocol streams and the
messages in them), ``recorded-*`` (traces) and ``from-trace-*`` (policies),
so they follow the protocol and the decision kinds of this build:

    test/fuzz/make_seeds.py [--build build]

It runs opt with the plugin against a small agent that records what the
plugin sends and answers each query, alternating choice indices and names,
sometimes with an ``observe`` list.
"""

import argparse
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "utils"))

from optgym.protocol import decode_payload, encode_frame  # noqa: E402

FUZZ = ROOT / "test" / "fuzz"
PROGRAMS = [ROOT / "test/lit/Inputs/loops.ll", ROOT / "test/lit/Inputs/calls.ll"]


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def record_session(sock: socket.socket, out: list) -> None:
    """Serves one plugin connection; appends (payload, reply) pairs."""
    connection, _ = sock.accept()
    kinds = {}
    count = 0
    with connection, connection.makefile("rb") as stream:
        while True:
            prefix = stream.read(4)
            if len(prefix) < 4:
                return
            payload = stream.read(struct.unpack(">I", prefix)[0])
            message = decode_payload(payload)
            reply = None
            if message["type"] == "hello":
                kinds = {k["name"]: k["choices"] for k in message["kinds"]}
                reply = encode_frame({"type": "hello", "protocol": 1, "agent": "make_seeds"})
            elif message["type"] == "query":
                count += 1
                choices = kinds[message["kind"]]
                index = count % len(choices)
                answer = {"type": "answer", "id": message["id"]}
                answer["choice"] = index if count % 2 else choices[index]
                if count % 3 == 0:
                    answer["observe"] = ["IrInstructionCount"]
                reply = encode_frame(answer)
            out.append((payload, reply))
            if reply is not None:
                connection.sendall(reply)


def optimize(build: Path, program: Path, **settings: str) -> None:
    """Runs opt -O2 with the plugin on program, with these OPTGYM_* settings."""
    subprocess.run(
        [
            "opt-19",
            "-load-pass-plugin",
            str(build / "lib/OptGym.so"),
            "-passes=default<O2>",
            "-disable-output",
            str(program),
        ],
        env=dict(os.environ, **settings),
        check=True,
    )


def capture(build: Path, program: Path, workdir: Path) -> list:
    path = str(workdir / ("agent-%s.sock" % program.stem))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    frames: list = []
    agent = threading.Thread(target=record_session, args=(listener, frames))
    agent.start()
    optimize(build, program, OPTGYM_ORACLE="socket:" + path)
    agent.join()
    listener.close()
    return frames


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    args = parser.parse_args()
    for name in ("protocol", "flatjson", "trace", "policy", "py-protocol"):
        for old in (FUZZ / name).glob("session-*"):
            old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for number, program in enumerate(PROGRAMS):
            frames = capture(args.build, program, workdir)
            # The plugin's stream as an agent receives it, and the stream the
            # protocol fuzzer reads: the hello, then each query with its answer.
            client = b"".join(frame(payload) for payload, _ in frames)
            exchange = b"".join(frame(payload) + (reply or b"") for payload, reply in frames[:12])
            write(FUZZ / "protocol" / ("session-%d-exchange" % number), exchange)
            write(FUZZ / "py-protocol" / ("session-%d-client" % number), client[:16384])
            for index, (payload, reply) in enumerate(frames[1:6]):
                write(FUZZ / "flatjson" / ("session-%d-message-%d" % (number, index)), payload)
                if reply:
                    write(FUZZ / "flatjson" / ("session-%d-reply-%d" % (number, index)), reply[4:])
            trace = workdir / "trace.jsonl"
            trace.unlink(missing_ok=True)
            optimize(
                args.build,
                program,
                OPTGYM_ORACLE="random:seed=%d" % number,
                OPTGYM_RECORD=str(trace),
            )
            lines = trace.read_bytes().splitlines(keepends=True)
            write(FUZZ / "trace" / ("session-%d-recorded" % number), b"".join(lines[:20]))
            policy = workdir / "policy.json"
            subprocess.run(
                [
                    str(args.build / "bin/optgym-policy"),
                    "from-trace",
                    str(trace),
                    "-o",
                    str(policy),
                ],
                check=True,
            )
            write(FUZZ / "policy" / ("session-%d-from-trace" % number), policy.read_bytes())
    print("make_seeds: wrote the session-* seeds under", FUZZ)
    return 0


if __name__ == "__main__":
    sys.exit(main())
