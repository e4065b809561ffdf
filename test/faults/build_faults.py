"""Seeded fault trials: parallel builds against one failing socket agent.

    build_faults.py [--trials N] [--seed S] [--program DIR] [--plugin SO]
                    [--clang CLANG] [--jobs J] [--timeout-ms MS]
                    [--triggers queries|time|both] [--departure P]
                    [--require-struck] [--work DIR] [--keep] [--json FILE]

Each trial runs ``make -jJ`` of a multi-file program (its own Makefile) with
``clang -O2 -fpass-plugin=SO`` and ``OPTGYM_ORACLE=socket:...`` pointing at
ONE agent. The agent answers every query with a choice drawn from the key
(so the objects legitimately differ from the default build's), until its
fault strikes, after K queries of the whole build or T ms, both drawn from
the trial's seed. The fault types take turns (trial i gets FAULTS[i mod 8]):

    kill            the agent process is killed (SIGKILL)
    sigstop         the agent process is stopped (SIGSTOP)
    stall           the agent keeps its connections and stops answering
    random-bytes    random bytes instead of an answer
    truncated       a frame cut short, then silence or a hang-up
    wrong-length    a frame whose header announces more or fewer bytes
    invalid-json    a frame whose payload is not a JSON object with a type
    out-of-range    a valid frame with a choice or id the plugin must refuse

From the fault on, every query gets it (kill and sigstop: the whole agent).
Checks per trial: make exits 0; the program links, runs and prints what the
default build (OPTGYM_ORACLE=default) prints; every object is an ELF object
(llvm-readelf); every compiler process (its stderr goes to OBJECT.stderr
through a CC wrapper) prints at most one "optgym: warning". A trial
"struck" when at least one process warned. Prints one line per trial and a
summary; exits 1 if any check failed, or if with --require-struck a trial
did not strike. Standard library only; the agent is a raw-socket
implementation of docs/protocol.md run as a child process (so that it can be
killed and stopped).
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

FAULTS = [
    "kill",
    "sigstop",
    "stall",
    "random-bytes",
    "truncated",
    "wrong-length",
    "invalid-json",
    "out-of-range",
]

WRAPPER = """#!/bin/sh
# The compiler of one trial: its stderr goes to OBJECT.stderr (or, for a
# command without -o, to a file of its own), so warnings count per process.
out=""
prev=""
for a in "$@"; do
  [ "$prev" = "-o" ] && out="$a"
  prev="$a"
done
[ -n "$out" ] || out="cc-$$"
exec "$FAULTS_CLANG" "$@" 2> "$out.stderr"
"""

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---------------------------------------------------------------------------
# The agent (a child process: python3 build_faults.py --agent SPEC PATH).


def read_exact(conn, size):
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frame(conn):
    header = read_exact(conn, 4)
    if header is None:
        return None
    payload = read_exact(conn, struct.unpack(">I", header)[0])
    return None if payload is None else json.loads(payload)


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


def send_json(conn, message):
    conn.sendall(frame(json.dumps(message).encode()))


class Agent:
    """Answers from the key until the fault strikes, then misbehaves."""

    def __init__(self, spec):
        self.fault = spec["fault"]
        self.after_queries = spec.get("after_queries")
        self.after_ms = spec.get("after_ms")
        self.seed = spec["seed"]
        self.departure = spec.get("departure", 0.3)
        self.variant = random.Random("%s:variant" % self.seed)
        self.lock = threading.Lock()
        self.queries = 0
        self.struck = threading.Event()

    def strike(self):
        """The fault begins; kill and sigstop take the whole agent at once."""
        self.struck.set()
        if self.fault == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if self.fault == "sigstop":
            os.kill(os.getpid(), signal.SIGSTOP)

    def timer(self):
        time.sleep(self.after_ms / 1000)
        self.strike()

    def choice(self, kinds, query):
        """A choice drawn from the key: the same key gets the same answer."""
        rng = random.Random("%s:%s:%s" % (self.seed, query["kind"], query["key"]))
        count = len(kinds.get(query["kind"], [])) or 1
        if count < 2 or rng.random() >= self.departure:
            return query["default"]
        return rng.randrange(count)

    def misbehave(self, conn, query, kinds):
        """Answers query the faulty way; False to drop the connection."""
        with self.lock:
            rng = random.Random(self.variant.random())
        if self.fault == "stall":
            threading.Event().wait()
        answer = json.dumps({"type": "answer", "id": query["id"], "choice": query["default"]})
        answer = answer.encode()
        if self.fault == "random-bytes":
            conn.sendall(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))))
            return rng.random() < 0.5
        if self.fault == "truncated":
            whole = frame(answer)
            conn.sendall(whole[: rng.randrange(1, len(whole))])
            return rng.random() < 0.5
        if self.fault == "wrong-length":
            delta = rng.randrange(1, 8)
            size = len(answer) + delta if rng.random() < 0.5 else len(answer) - delta
            conn.sendall(struct.pack(">I", size) + answer)
            return True
        if self.fault == "invalid-json":
            payload = rng.choice(
                [
                    b"choice!",
                    answer[:-1],
                    b"\xff\xfe\x00answer",
                    b"[1, 2, 3]",
                    b'{"id": %d, "choice": 0}' % query["id"],
                    b'{"type": 7, "id": %d, "choice": 0}' % query["id"],
                    b"",
                ]
            )
            conn.sendall(frame(payload))
            return True
        if self.fault == "out-of-range":
            count = len(kinds.get(query["kind"], []))
            body = {"type": "answer", "id": query["id"]}
            body["choice"] = rng.choice(
                [
                    count,
                    count + rng.randrange(1, 1000),
                    -1,
                    "count:99999",
                    "no-such-choice",
                    1.5,
                    True,
                ]
            )
            if rng.random() < 0.2:
                body = {"type": "answer", "id": query["id"] + 1000, "choice": query["default"]}
            send_json(conn, body)
            return True
        raise AssertionError(self.fault)

    def handle(self, conn):
        with conn:
            try:
                hello = read_frame(conn)
                if hello is None:
                    return
                kinds = {k["name"]: k["choices"] for k in hello.get("kinds", [])}
                send_json(conn, {"type": "hello", "protocol": 1, "agent": "faults"})
                while True:
                    message = read_frame(conn)
                    if message is None:
                        return
                    if message.get("type") != "query":
                        continue
                    with self.lock:
                        self.queries += 1
                        due = self.after_queries is not None and self.queries > self.after_queries
                    if due and not self.struck.is_set():
                        self.strike()
                    if self.struck.is_set():
                        if not self.misbehave(conn, message, kinds):
                            return
                        continue
                    send_json(
                        conn,
                        {
                            "type": "answer",
                            "id": message["id"],
                            "choice": self.choice(kinds, message),
                        },
                    )
            except (OSError, ValueError):
                return

    def serve(self, path):
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(128)
        if self.after_ms is not None:
            threading.Thread(target=self.timer, daemon=True).start()
        print("ready", flush=True)
        while True:
            conn, _ = server.accept()
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()


# ---------------------------------------------------------------------------
# The driver.


def copy_program(program, to):
    shutil.copytree(program, to)
    for name in os.listdir(to):
        if name.endswith((".o", ".stderr")):
            os.remove(os.path.join(to, name))


def program_name(directory):
    """The Makefile's first target: the program it links."""
    with open(os.path.join(directory, "Makefile")) as f:
        for line in f:
            if ":" in line and not line.startswith(("\t", "#", ".")) and "=" not in line:
                return line.split(":")[0].strip()
    raise SystemExit("build_faults: no target in %s/Makefile" % directory)


def run_make(command, env, timeout):
    """Runs make in a session of its own, so that a timeout ends the
    compilers too (make then ends killed, and stderr says why)."""
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        stderr += "make timed out after %d s" % timeout
        return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def make(directory, args, env, wrapper):
    env = dict(env, FAULTS_CLANG=args.clang)
    command = [
        "make",
        "-s",
        "-j%d" % args.jobs,
        "-C",
        directory,
        "CC=" + wrapper,
        "CFLAGS=-O2 -fpass-plugin=" + args.plugin,
    ]
    done = run_make(command, env, args.make_timeout)
    return done.returncode, done.stdout + done.stderr


def run_program(path):
    try:
        done = subprocess.run([path], capture_output=True, timeout=120)
        return done.returncode, done.stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e).encode()


def base_env(**extra):
    """The environment without OptGym's settings, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTGYM_")}
    env.update(extra)
    return env


def start_agent(spec, path):
    process = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--agent", json.dumps(spec), path],
        stdout=subprocess.PIPE,
        text=True,
    )
    if process.stdout.readline().strip() != "ready":
        process.kill()
        process.wait()
        raise SystemExit("build_faults: the agent did not start")
    return process


def stop_agent(process):
    process.kill()  # SIGKILL ends a stopped process too
    process.wait()
    process.stdout.close()


def trial(args, index, reference, work, wrapper):
    rng = random.Random("%d:%d" % (args.seed, index))
    fault = FAULTS[(args.seed + index) % len(FAULTS)]
    spec = {"fault": fault, "seed": "%d:%d" % (args.seed, index), "departure": args.departure}
    triggers = {"queries": ["queries"], "time": ["time"], "both": ["queries", "time"]}[
        args.triggers
    ]
    trigger = rng.choice(triggers)
    if trigger == "queries":
        spec["after_queries"] = rng.randrange(0, max(1, reference["queries"] // 2))
        when = "after %d queries" % spec["after_queries"]
    else:
        spec["after_ms"] = rng.randrange(0, max(1, int(reference["seconds"] * 800)))
        when = "after %d ms" % spec["after_ms"]
    directory = os.path.join(work, "trial-%03d" % index)
    copy_program(args.program, directory)
    sock_dir = tempfile.mkdtemp(prefix="optgym-faults-")
    path = os.path.join(sock_dir, "agent.sock")
    agent = start_agent(spec, path)
    try:
        env = base_env()
        env["OPTGYM_ORACLE"] = "socket:" + path
        env["OPTGYM_AGENT_TIMEOUT_MS"] = str(args.timeout_ms)
        started = time.monotonic()
        status, output = make(directory, args, env, wrapper)
        seconds = time.monotonic() - started
    finally:
        stop_agent(agent)
        shutil.rmtree(sock_dir, ignore_errors=True)

    problems = []
    if status != 0:
        problems.append("make exited %s: %s" % (status, output.strip()[-400:]))
    exe = os.path.join(directory, reference["name"])
    valid = False
    if status == 0:
        code, out = run_program(exe)
        if (code, out) != (reference["status"], reference["output"]):
            problems.append("the program's output or status differs from the default build's")
        else:
            valid = True
    objects = sorted(f for f in os.listdir(directory) if f.endswith(".o"))
    for name in objects:
        check = subprocess.run(
            [args.readelf, "-h", os.path.join(directory, name)], capture_output=True, text=True
        )
        if check.returncode != 0 or "REL (Relocatable file)" not in check.stdout:
            problems.append("%s is not a relocatable ELF object" % name)
            valid = False
    differ = 0
    for name in objects:
        with (
            open(os.path.join(directory, name), "rb") as f,
            open(os.path.join(work, "default", name), "rb") as g,
        ):
            differ += f.read() != g.read()
    warnings = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".stderr"):
            with open(os.path.join(directory, name), errors="replace") as f:
                text = f.read()
            warnings[name[: -len(".stderr")]] = text.count("optgym: warning")
    worst = max(warnings.values(), default=0)
    if worst > 1:
        problems.append(
            "warnings per process: %s"
            % ", ".join("%s %d" % (k, v) for k, v in sorted(warnings.items()) if v > 1)
        )
    warned = sum(1 for v in warnings.values() if v)
    result = {
        "trial": index,
        "fault": fault,
        "trigger": when,
        "make_status": status,
        "valid": valid,
        "processes": len(warnings),
        "objects": len(objects),
        "objects_differ": differ,
        "warned": warned,
        "max_warnings": worst,
        "seconds": round(seconds, 2),
        "problems": problems,
    }
    if not args.keep and not problems:
        shutil.rmtree(directory)
    return result


def reference_build(args, work, wrapper):
    """The default build: its output, and how many queries and seconds it takes."""
    directory = os.path.join(work, "default")
    copy_program(args.program, directory)
    env = base_env()
    env["OPTGYM_ORACLE"] = "default"
    trace = os.path.join(work, "default.trace")
    env["OPTGYM_RECORD"] = trace
    started = time.monotonic()
    status, output = make(directory, args, env, wrapper)
    seconds = time.monotonic() - started
    if status != 0:
        raise SystemExit("build_faults: the default build failed: %s" % output)
    name = program_name(directory)
    code, out = run_program(os.path.join(directory, name))
    with open(trace) as f:
        queries = sum(1 for _ in f)
    return {"name": name, "status": code, "output": out, "queries": queries, "seconds": seconds}


def main(argv):
    if argv[:1] == ["--agent"]:
        Agent(json.loads(argv[1])).serve(argv[2])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--program", default=os.path.join(SOURCE_ROOT, "datasets", "programs", "minilisp")
    )
    parser.add_argument("--plugin", default=os.environ.get("OPTGYM_PLUGIN"))
    parser.add_argument("--clang", default=shutil.which("clang-19") or "clang")
    parser.add_argument("--readelf", default=None)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--timeout-ms", type=int, default=300, help="OPTGYM_AGENT_TIMEOUT_MS")
    parser.add_argument(
        "--departure",
        type=float,
        default=0.3,
        help="how often the agent departs from the default before its fault",
    )
    parser.add_argument("--make-timeout", type=int, default=600, help="seconds per make")
    parser.add_argument("--triggers", choices=["queries", "time", "both"], default="both")
    parser.add_argument("--require-struck", action="store_true")
    parser.add_argument("--work", help="a directory for the trials (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the trials that passed")
    parser.add_argument("--json", help="write every trial's result here")
    args = parser.parse_args(argv)
    if not args.plugin:
        parser.error("--plugin or $OPTGYM_PLUGIN is required")
    args.plugin = os.path.abspath(args.plugin)
    args.program = os.path.abspath(args.program)
    if args.readelf is None:
        beside = os.path.join(os.path.dirname(os.path.realpath(args.clang)), "llvm-readelf")
        args.readelf = beside if os.path.exists(beside) else "llvm-readelf"

    temporary = args.work is None
    work = tempfile.mkdtemp(prefix="optgym-build-faults-") if temporary else args.work
    if not temporary:
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
    wrapper = os.path.join(work, "cc")
    with open(wrapper, "w") as f:
        f.write(WRAPPER)
    os.chmod(wrapper, 0o755)
    try:
        reference = reference_build(args, work, wrapper)
        print(
            "default build of %s: %d queries, %.2f s; %d trials, seed %d, make -j%d, timeout %d ms"
            % (
                os.path.basename(args.program),
                reference["queries"],
                reference["seconds"],
                args.trials,
                args.seed,
                args.jobs,
                args.timeout_ms,
            ),
            flush=True,
        )
        results = []
        for index in range(args.trials):
            r = trial(args, index, reference, work, wrapper)
            results.append(r)
            print(
                "trial %3d %-13s %-18s make %s, %s, %d/%d processes warned, max %d warning(s), %d/%d objects differ, %.1f s%s"
                % (
                    index,
                    r["fault"],
                    r["trigger"],
                    r["make_status"],
                    "valid" if r["valid"] else "INVALID",
                    r["warned"],
                    r["processes"],
                    r["max_warnings"],
                    r["objects_differ"],
                    r["objects"],
                    r["seconds"],
                    "".join("\n  FAIL " + p for p in r["problems"]),
                ),
                flush=True,
            )
    finally:
        if temporary:
            shutil.rmtree(work, ignore_errors=True)

    failed_compiles = sum(1 for r in results if r["make_status"] != 0)
    invalid = sum(1 for r in results if not r["valid"])
    worst = max((r["max_warnings"] for r in results), default=0)
    struck = sum(1 for r in results if r["warned"])
    print("summary: %d trials, %d struck" % (len(results), struck))
    print("failed compiles: %d" % failed_compiles)
    print("invalid programs: %d" % invalid)
    print("max warnings per process: %d" % worst)
    for fault in FAULTS:
        mine = [r for r in results if r["fault"] == fault]
        if mine:
            print(
                "  %-13s %3d trials, %3d struck, %d failed, %d invalid, max %d warning(s)"
                % (
                    fault,
                    len(mine),
                    sum(1 for r in mine if r["warned"]),
                    sum(1 for r in mine if r["make_status"] != 0),
                    sum(1 for r in mine if not r["valid"]),
                    max(r["max_warnings"] for r in mine),
                )
            )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    bad = any(r["problems"] for r in results)
    if args.require_struck and struck < len(results):
        print("FAIL: %d trial(s) where the fault never struck" % (len(results) - struck))
        bad = True
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
