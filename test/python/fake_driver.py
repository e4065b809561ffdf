"""A stand-in for the pass-choice driver (opt -passes=optgym-driver), for the
gym's tests.

It speaks the driver's side of the protocol (docs/protocol.md plus the
extensions of the gym spec: observations attached to queries, observe and
fork requests) with its own few lines of framing, deliberately not
optgym.protocol's. Its "module" is a number of instructions; each action
changes it by a fixed rule, so that tests can compute every reward by hand.

    fake_driver.py [--fault FAULT]... BITCODE

BITCODE is a JSON file {"source": "fake.c", "ir": 100}; the Bitcode=PATH
observation writes one (with "history": the choices applied). Faults, to test
how the environment copes:

    die-at-step=N         exit abruptly instead of sending the query of step N
    garbage-at-step=N     send a frame that is not JSON instead of it
    sleep-at-step=N:SEC   sleep SEC seconds before sending it
    error-at-step=N       query N reports "verifier: ..." in its error feature
    max-passes=N          query N reports the pass limit, as the driver does
    exit-before-hello     print an error and exit 1 before connecting
    no-pass-choice        declare no pass-choice kind
    fork-error            answer fork requests with an error
    bad-fork-token        a forked child presents the wrong token
    obs-error=NAME        observation NAME fails
    die-on-observe=NAME   exit abruptly when asked for NAME
    ir-too-large          the Ir observation fails as too large (Ir=PATH works)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys
import time
from typing import Any, Dict, List, Optional

#: The actions (choice i + 1) and the pipeline text of each.
ACTIONS = [
    "-adce",
    "-instcombine",
    "-gvn",
    "-simplifycfg",
    "-licm",
    "-reg2mem",
    "-mem2reg",
    "-loop-unroll<O3;runtime>",
    "-dce",
    "-sroa",
]
PIPELINES = [
    "adce",
    "instcombine<no-verify-fixpoint>",
    "gvn",
    "simplifycfg",
    "function(loop-mssa(licm))",
    "reg2mem",
    "mem2reg",
    "function(loop-unroll<O3;runtime>)",
    "dce",
    "sroa",
]
CHOICES = ["stop"] + ACTIONS

INST_COUNT_NAMES = [
    "TotalInsts",
    "TotalBlocks",
    "TotalFuncs",
    "NumRetInst",
    "NumBrInst",
    "NumAddInst",
    "NumLoadInst",
    "NumStoreInst",
]
AUTOPHASE_NAMES = ["Feature%d" % index for index in range(56)]
AUTOPHASE_NAMES[51] = "TotalInsts"


def apply(ir: int, action: str) -> int:
    """The instruction count after one action (choices are 1-based)."""
    if action == "-adce":
        return ir - ir // 10
    if action == "-instcombine":
        return ir - 3 if ir > 3 else ir
    if action == "-gvn":
        return ir - 1 if ir % 2 == 0 else ir
    if action == "-simplifycfg":
        return ir - 2 if ir > 2 else ir
    if action == "-licm":
        return ir
    if action == "-reg2mem":
        return ir + 5
    if action == "-mem2reg":
        return ir - 4 if ir > 4 else ir
    if action == "-loop-unroll<O3;runtime>":
        return ir + 7
    if action == "-dce":
        return ir - 1 if ir > 1 else ir
    if action == "-sroa":
        return ir - ir // 20
    raise ValueError(action)


def oz(ir: int) -> int:
    return max(1, ir // 2)


def o3(ir: int) -> int:
    return max(1, ir * 3 // 4)


def text_size(ir: int) -> int:
    return 4 * ir + 16


def ir_text(source: str, ir: int) -> str:
    lines = ["; ModuleID = '%s'" % source, 'source_filename = "%s"' % source, ""]
    lines.append("define i32 @main() {")
    lines += ["  %%v%d = add i32 0, %d" % (index, index) for index in range(ir - 1)]
    lines += ["  ret i32 0", "}", ""]
    return "\n".join(lines)


def frame(message: Any) -> bytes:
    payload = json.dumps(message).encode("utf-8")
    return struct.pack(">I", len(payload)) + payload


class Connection:
    def __init__(self, endpoint: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(endpoint)

    def send(self, message: Any) -> None:
        self.sock.sendall(frame(message))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            try:
                chunk = self.sock.recv(size - len(data))
            except OSError:
                return data
            if not chunk:
                break
            data += chunk
        return data

    def receive(self) -> Optional[Dict[str, Any]]:
        prefix = self._read(4)
        if len(prefix) < 4:
            return None
        (size,) = struct.unpack(">I", prefix)
        payload = self._read(size)
        if len(payload) < size:
            return None
        return json.loads(payload.decode("utf-8"))

    def close(self) -> None:
        self.sock.close()


class Driver:
    def __init__(self, bitcode: str, faults: Dict[str, str]) -> None:
        with open(bitcode, encoding="utf-8") as stream:
            data = json.load(stream)
        self.source = data.get("source", "fake.c")
        self.ir = int(data.get("ir", 100))
        self.history: List[int] = []
        self.faults = faults
        self.last_changed = 0
        self.last_action = ""
        self.last_id = 0
        self.conn: Optional[Connection] = None
        self.pending: Optional[Dict[str, Any]] = None
        self.next_observe: List[str] = []

    # -- observations ----------------------------------------------------------

    def observe_one(self, name: str) -> Any:
        if self.faults.get("obs-error") == name:
            raise RuntimeError("fake failure of %s" % name)
        if self.faults.get("die-on-observe") == name:
            os._exit(4)
        ir = self.ir
        if name == "IrInstructionCount":
            return ir
        if name == "Autophase":
            values = [(ir * (index + 1)) % 97 for index in range(56)]
            values[51] = ir
            return values
        if name == "AutophaseNames":
            return AUTOPHASE_NAMES
        if name == "InstCount":
            return [ir, ir // 5 + 1, 3, 3, ir // 5, ir // 3, ir // 4, ir // 6]
        if name == "InstCountNames":
            return INST_COUNT_NAMES
        if name == "Ir":
            if "ir-too-large" in self.faults:
                raise RuntimeError("the IR is too large for a message; ask for Ir=PATH")
            return ir_text(self.source, ir)
        if name.startswith("Ir="):
            text = ir_text(self.source, ir).encode("utf-8")
            with open(name[3:], "wb") as stream:
                stream.write(text)
            return len(text)
        if name.startswith("Bitcode="):
            data = json.dumps({"source": self.source, "ir": ir, "history": self.history})
            with open(name[len("Bitcode=") :], "w", encoding="utf-8") as stream:
                stream.write(data)
            return len(data)
        if name == "ObjectTextSizeBytes":
            return text_size(ir)
        if name == "IrInstructionCountOz":
            return oz(ir)
        if name == "IrInstructionCountO3":
            return o3(ir)
        if name == "ObjectTextSizeOz":
            return text_size(oz(ir))
        if name == "ObjectTextSizeO3":
            return text_size(o3(ir))
        if name == "ActionPipelines":
            return [""] + PIPELINES
        raise KeyError("unknown observation %s" % name)

    def observe(self, names: List[str]) -> Dict[str, Any]:
        values: Dict[str, Any] = {}
        errors: Dict[str, str] = {}
        for name in names:
            try:
                values[name] = self.observe_one(name)
            except KeyError as error:
                errors[name] = str(error.args[0])
            except Exception as error:  # noqa: BLE001 - reported to the agent
                errors[name] = str(error)
        result: Dict[str, Any] = {"observations": values}
        if errors:
            result["observation_errors"] = errors
        return result

    # -- the connection -------------------------------------------------------------

    def hello(self) -> None:
        assert self.conn is not None
        kind = {
            "name": "pass-choice" if "no-pass-choice" not in self.faults else "pass-gate",
            "features": [
                {"name": "step", "type": "int"},
                {"name": "last_changed", "type": "int"},
                {"name": "ir_instructions", "type": "int"},
                {"name": "last_action", "type": "string"},
                {"name": "error", "type": "string"},
            ],
            "choices": CHOICES,
            "default": 0,
        }
        hello: Dict[str, Any] = {
            "type": "hello",
            "protocol": 1,
            "client": "fake-driver 0.1.0",
            "llvm": "19.1.7",
            "pid": os.getpid(),
            "kinds": [kind],
        }
        self.conn.send(hello)
        reply = self.conn.receive()
        if reply is None or reply.get("type") != "hello":
            sys.exit(0)
        self.next_observe = list(reply.get("observe", []))

    def query(self, with_observations: bool = True) -> Dict[str, Any]:
        step = len(self.history)
        self.last_id += 1
        error = ""
        if self.faults.get("error-at-step") == str(step):
            error = "verifier: fake broken IR"
        limit = self.faults.get("max-passes")
        if limit is not None and step >= int(limit):
            error = "pass limit: %s passes have run (OPTGYM_MAX_PASSES)" % limit
        query = {
            "type": "query",
            "id": self.last_id,
            "kind": "pass-choice",
            "key": "%s:step#%d" % (self.source, step),
            "default": 0,
            "features": [step, self.last_changed, self.ir, self.last_action, error],
        }
        # The pending query as a forked child sends it again.
        self.pending = dict(query)
        if with_observations and self.next_observe:
            query.update(self.observe(self.next_observe))
        self.next_observe = []
        return query

    def send_query(self) -> None:
        assert self.conn is not None
        step = len(self.history)
        if self.faults.get("die-at-step") == str(step):
            sys.stderr.write("fake_driver: dying at step %d\n" % step)
            sys.stderr.flush()
            os._exit(3)
        sleep = self.faults.get("sleep-at-step")
        if sleep is not None:
            at, _, seconds = sleep.partition(":")
            if at == str(step):
                time.sleep(float(seconds))
        if self.faults.get("garbage-at-step") == str(step):
            self.conn.send_raw(struct.pack(">I", 9) + b"not json!")
            return
        self.conn.send(self.query())

    def fork(self, request: Dict[str, Any]) -> None:
        assert self.conn is not None and self.pending is not None
        if "fork-error" in self.faults:
            self.conn.send({"type": "forked", "id": request["id"], "error": "fake fork failure"})
            return
        sys.stderr.flush()
        child = os.fork()
        if child > 0:
            self.conn.send({"type": "forked", "id": request["id"], "pid": child})
            return
        # The child: never a word on the parent's connection.
        self.conn.close()
        self.conn = Connection(request["endpoint"])
        token = request["token"]
        if "bad-fork-token" in self.faults:
            token = "wrong"
        # A short hello that needs no reply: the agent knows this process.
        self.conn.send({"type": "hello", "protocol": 1, "pid": os.getpid(), "fork_token": token})
        self.next_observe = []
        self.conn.send(self.pending)

    def finish(self) -> None:
        if self.conn is not None:
            try:
                self.conn.send(
                    {
                        "type": "module-end",
                        "module": self.source,
                        "stats": {"ir_instructions": self.ir},
                    }
                )
            except OSError:
                pass
        sys.exit(0)

    def run(self, endpoint: str) -> None:
        self.conn = Connection(endpoint)
        self.hello()
        self.conn.send({"type": "module", "module": self.source})
        self.send_query()
        while True:
            message = self.conn.receive()
            if message is None:
                self.finish()
            kind = message.get("type")
            if kind == "answer":
                choice = message["choice"]
                if isinstance(choice, str):
                    choice = CHOICES.index(choice)
                if choice == 0:
                    self.finish()
                action = CHOICES[choice]
                before = self.ir
                self.ir = apply(self.ir, action)
                self.history.append(choice)
                self.last_changed = int(self.ir != before)
                self.last_action = action
                self.next_observe = list(message.get("observe", []))
                self.send_query()
            elif kind == "observe":
                reply = {"type": "observation", "id": message["id"]}
                reply.update(self.observe(message.get("observe", [])))
                self.conn.send(reply)
            elif kind == "fork":
                self.fork(message)


def main(argv: List[str]) -> int:
    faults: Dict[str, str] = {}
    args = list(argv)
    while args and args[0] == "--fault":
        name, _, value = args[1].partition("=")
        faults[name] = value
        args = args[2:]
    if len(args) != 1:
        sys.stderr.write("usage: fake_driver.py [--fault FAULT]... BITCODE\n")
        return 2
    if "exit-before-hello" in faults:
        sys.stderr.write("fake_driver: error: cannot read %s\n" % args[0])
        return 1
    oracle = os.environ.get("OPTGYM_ORACLE", "")
    if not oracle.startswith("socket:"):
        sys.stderr.write("fake_driver: OPTGYM_ORACLE must be socket:PATH\n")
        return 1
    # A root process's forked children exit on their own; nobody waits for
    # them, so let the kernel reap them.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    Driver(args[0], faults).run(oracle[len("socket:") :])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
