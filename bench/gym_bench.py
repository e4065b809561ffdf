#!/usr/bin/env python3
"""Speed and memory of the pass-ordering environment, against the naive way.

Three modules, made from the built-in programs (their -O0 bitcode, each
program's main renamed and everything else internalized, then linked):

  small   crc32 alone (432 IR instructions; CompilerGym's step figure is on
          its crc32)
  large   programs linked until the module has at least 20,000 instructions
  huge    all programs, twice, until at least 70,000 (the memory target)

For each module, in the same run:

  step      env.step() of a cheap pass (-globaldce) and of an expensive one
            (-gvn), reward IrInstructionCount, no observation; against the
            naive step: one `opt -passes=P in.bc -o out.bc` process
  observed step
            env.step() with an observation space (Autophase, InstCount) and
            the IrInstructionCount reward, the step an RL agent takes, next
            to the same step without an observation; of the cheap pass,
            then of -reg2mem and -mem2reg in turn (they change the module
            every step); against the naive observed step: one `opt
            -passes='P,print<optgym-...>,print<optgym-instcount>'` process
            that writes the next bitcode and prints the features and the
            instruction count, parsed into the observation and the reward
  reset     env.reset() from the benchmark's root process; against the naive
            reset (copying the bitcode file)
  fork      env.fork(); against the naive fork (copying the bitcode file)
  observe   each observation the driver computes, asked on its own; against
            the naive tool (opt print pass, llvm-dis, clang -c + llvm-size);
            Programl is ProgramlJson made a networkx graph (networkx must be
            installed: pip install optgym[graphs])
  memory    peak resident memory of the root driver process (VmHWM) and the
            proportional set size of one forked environment (Pss)

Figures are medians over --repeat runs (after one warm-up); steps, which
take microseconds, over --steps runs. Command:

  /usr/bin/python3 bench/gym_bench.py [--llvm 19] [--repeat 30] [--steps 500]
  /usr/bin/python3 bench/gym_bench.py --only small --steps-only   # steps alone
"""

import argparse
import itertools
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "utils"))

import optgym  # noqa: E402
from optgym.benchmarks import builtin_uris  # noqa: E402

CHEAP, EXPENSIVE = "-globaldce", "-gvn"


def tool(llvm, name):
    return "/usr/lib/llvm-%s/bin/%s" % (llvm, name)


def run(argv, **kwargs):
    return subprocess.run(argv, check=True, capture_output=True, **kwargs)


def count_instructions(llvm, bitcode):
    """Instructions in a bitcode file, by the plugin's InstCount printer."""
    plugin = optgym.find_plugin()
    out = run(
        [
            tool(llvm, "opt"),
            "-load-pass-plugin=" + plugin,
            "-passes=print<optgym-instcount>",
            "-disable-output",
            bitcode,
        ],
        text=True,
    ).stderr
    match = re.search(r"TotalInsts\D*(\d+)", out)
    return int(match.group(1))


def renamed_program(llvm, uri, suffix, scratch):
    """The program's bitcode with main renamed to main_SUFFIX, all else
    internal: programs then link into one module without clashes."""
    bitcode = str(optgym.benchmark(uri).bitcode_path())
    text = run([tool(llvm, "llvm-dis"), bitcode, "-o", "-"], text=True).stdout
    new_main = "main_%s" % suffix
    text = re.sub(r"@main\(", "@%s(" % new_main, text)
    source = os.path.join(scratch, "%s.ll" % suffix)
    with open(source, "w") as f:
        f.write(text)
    out = os.path.join(scratch, "%s.bc" % suffix)
    run(
        [
            tool(llvm, "opt"),
            "-passes=internalize",
            "-internalize-public-api-list=" + new_main,
            source,
            "-o",
            out,
        ]
    )
    return out


def linked_module(llvm, minimum, scratch, name):
    """Programs linked in a fixed order until the module has `minimum`
    instructions; a second round of copies when one is not enough."""
    uris = builtin_uris()
    parts, total, round_ = [], 0, 0
    while total < minimum:
        for index, uri in enumerate(uris):
            part = renamed_program(llvm, uri, "%d_%d" % (round_, index), scratch)
            parts.append(part)
            total += count_instructions(llvm, part)
            if total >= minimum:
                break
        round_ += 1
    out = os.path.join(scratch, name + ".bc")
    run([tool(llvm, "llvm-link")] + parts + ["-o", out])
    return out


def median_ms(samples):
    return statistics.median(samples) * 1e3


def timed(function, repeat, setup=None):
    """Times function() `repeat` times after a warm-up; setup() runs before
    each call, untimed."""
    samples = []
    for index in range(repeat + 1):
        if setup:
            setup()
        start = time.perf_counter()
        function()
        if index:
            samples.append(time.perf_counter() - start)
    return samples


def proc_status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def pss_kib(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def parent_pid(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


class Naive:
    """The alternative without OptGym: a bitcode file and one tool process
    per operation."""

    def __init__(self, llvm, bitcode, scratch, pipelines):
        self.llvm, self.bitcode, self.scratch = llvm, bitcode, scratch
        self.pipelines = pipelines
        self.state = os.path.join(scratch, "naive-state.bc")
        shutil.copyfile(bitcode, self.state)

    def step(self, action):
        out = os.path.join(self.scratch, "naive-next.bc")
        run([tool(self.llvm, "opt"), "-passes=" + self.pipelines[action], self.state, "-o", out])
        os.replace(out, self.state)

    def observed_step(self, action, observation):
        """One opt process: the pass, then the printers of the observation
        and of the instruction count (the reward's cost); returns both."""
        out = os.path.join(self.scratch, "naive-next.bc")
        printers = ["print<optgym-instcount>"]
        if observation == "Autophase":
            printers.insert(0, "print<optgym-autophase>")
        printed = run(
            [
                tool(self.llvm, "opt"),
                "-load-pass-plugin=" + optgym.find_plugin(),
                "-passes=" + ",".join([self.pipelines[action]] + printers),
                self.state,
                "-o",
                out,
            ],
            text=True,
        ).stderr
        os.replace(out, self.state)
        # Each printer: a title line ("Autophase of x.bc:"), then
        # "  Name: value" lines.
        vectors = []
        for line in printed.splitlines():
            if line.startswith("  "):
                vectors[-1].append(int(line.rsplit(":", 1)[1]))
            else:
                vectors.append([])
        counts = vectors[-1]
        return vectors[0], counts[0]

    def copy(self):
        shutil.copyfile(self.state, os.path.join(self.scratch, "naive-copy.bc"))

    def observe(self, name):
        opt, plugin = tool(self.llvm, "opt"), optgym.find_plugin()
        if name == "Autophase":
            run(
                [
                    opt,
                    "-load-pass-plugin=" + plugin,
                    "-passes=print<optgym-autophase>",
                    "-disable-output",
                    self.state,
                ]
            )
        elif name in ("InstCount", "IrInstructionCount"):
            run(
                [
                    opt,
                    "-load-pass-plugin=" + plugin,
                    "-passes=print<optgym-instcount>",
                    "-disable-output",
                    self.state,
                ]
            )
        elif name == "Ir":
            run([tool(self.llvm, "llvm-dis"), self.state, "-o", "-"])
        elif name == "ObjectTextSizeBytes":
            obj = os.path.join(self.scratch, "naive.o")
            run(
                [
                    tool(self.llvm, "clang"),
                    "-c",
                    "-O2",
                    "-Xclang",
                    "-disable-llvm-passes",
                    self.state,
                    "-o",
                    obj,
                ]
            )
            run([tool(self.llvm, "llvm-size"), "-A", obj])
        else:
            return False
        return True


OBSERVATIONS = (
    "IrInstructionCount",
    "Autophase",
    "InstCount",
    "Ir",
    "Bitcode",
    "ObjectTextSizeBytes",
    "ProgramlJson",
    "Programl",
)


#: The observation spaces of the observed steps.
OBSERVED = ("Autophase", "InstCount")
#: Two passes that change crc32 every time, one after the other.
CHANGING = ("-reg2mem", "-mem2reg")


def interleaved_steps(envs, actions, steps, per_episode):
    """Seconds of env.step() per environment: each episode begins with a
    reset and an untimed step, then the steps take ``actions`` in turn,
    every environment's step of the same action one after the other, so
    that the machine's noise hits all alike."""
    samples = {space: [] for space in envs}
    done = 0
    while done < steps:
        chunk = min(per_episode, steps - done)
        for env in envs.values():
            env.reset()
            env.step(actions[-1])
        for position in range(chunk):
            action = actions[position % len(actions)]
            for space, env in envs.items():
                start = time.perf_counter()
                env.step(action)
                samples[space].append(time.perf_counter() - start)
        done += chunk
    return samples


def observed_steps(llvm, uri, bitcode, scratch, steps, naive_repeat):
    """Rows: env.step() with no observation and with each of OBSERVED, all
    with the IrInstructionCount reward, against the naive step and the
    naive observed step; first of the cheap pass (which, after its first
    step, changes nothing: what CompilerGym's figure measures too), then of
    passes that change the module every step (the driver then counts
    everything again)."""
    spaces = (None,) + OBSERVED
    envs = {
        space: optgym.make(
            "llvm-v0", benchmark=uri, observation_space=space, reward_space="IrInstructionCount"
        )
        for space in spaces
    }
    try:
        names = envs[None].action_space.names
        pipelines = envs[None].action_space.pipelines
        cheap = (names.index(CHEAP),)
        changing = tuple(names.index(name) for name in CHANGING)
        # The driver takes at most 1000 passes an episode
        # (OPTGYM_MAX_PASSES); -reg2mem/-mem2reg grow the module a little
        # every round, so their episodes are kept short.
        runs = [
            ("cheap (%s)" % CHEAP, cheap, interleaved_steps(envs, cheap, steps, 900)),
            (
                "changing (%s in turn)" % ", ".join(CHANGING),
                changing,
                interleaved_steps(envs, changing, max(steps // 4, 50), 20),
            ),
        ]
    finally:
        for env in envs.values():
            env.close()
    rows = []
    for label, actions, samples in runs:
        for space in spaces:
            naive = Naive(llvm, bitcode, scratch, pipelines)
            turn = itertools.cycle(actions)
            if space is None:
                theirs = timed(lambda n=naive, t=turn: n.step(next(t)), naive_repeat)
                label_space = "step %s, no observation" % label
            else:
                theirs = timed(
                    lambda n=naive, t=turn, s=space: n.observed_step(next(t), s), naive_repeat
                )
                label_space = "step %s + %s observation + IrInstructionCount reward" % (
                    label,
                    space,
                )
            rows.append((label_space, median_ms(samples[space]), median_ms(theirs)))
    return rows


def print_rows(rows):
    print("| operation | OptGym (ms) | naive (ms) | speed-up |")
    print("|---|---:|---:|---:|")
    for label, ours, theirs in rows:
        if theirs is None:
            print("| %s | %.3f | | |" % (label, ours))
        else:
            print("| %s | %.3f | %.2f | %.0f× |" % (label, ours, theirs, theirs / ours))


def measure(llvm, name, bitcode, scratch, repeat, steps, steps_only=False):
    print("== %s: %s instructions" % (name, count_instructions(llvm, bitcode)), flush=True)
    uri = "file://" + bitcode
    if steps_only:
        print_rows(observed_steps(llvm, uri, bitcode, scratch, steps, min(repeat, 10)))
        print(flush=True)
        return
    rows = []
    start = time.perf_counter()
    env = optgym.make(
        "llvm-v0", benchmark=uri, observation_space=None, reward_space="IrInstructionCount"
    )
    env.reset()
    rows.append(
        (
            "first reset (start opt, load, -Oz/-O3 baselines)",
            (time.perf_counter() - start) * 1e3,
            None,
        )
    )
    names = env.action_space.names
    naive = Naive(llvm, bitcode, scratch, env.action_space.pipelines)

    reset = timed(env.reset, repeat)
    copy = timed(naive.copy, min(repeat, 10))
    rows.append(("reset", median_ms(reset), median_ms(copy)))

    for label, action in (("cheap", CHEAP), ("expensive", EXPENSIVE)):
        index = names.index(action)
        env.reset()
        naive = Naive(llvm, bitcode, scratch, env.action_space.pipelines)
        ours = timed(lambda i=index: env.step(i), repeat)
        theirs = timed(lambda n=naive, i=index: n.step(i), min(repeat, 10))
        rows.append(("step %s (%s)" % (label, action), median_ms(ours), median_ms(theirs)))
    rows += observed_steps(llvm, uri, bitcode, scratch, steps, min(repeat, 10))

    env.reset()
    env.step(names.index("-sroa"))
    forks = []

    def fork():
        forks.append(env.fork())

    fork_times = timed(fork, repeat)
    rows.append(("fork", median_ms(fork_times), median_ms(copy)))
    child = forks[0]
    child.step(names.index(EXPENSIVE))
    child_pss = pss_kib(child._connection.pid) / 1024.0
    for f in forks:
        f.close()

    for observation in OBSERVATIONS:

        def observe(observation=observation):
            env.observation[observation]

        def fresh_state():
            # A new state: nothing computed for it yet.
            env.reset()
            env.step(names.index("-sroa"))

        ours = timed(observe, max(3, repeat // 3), setup=fresh_state)
        theirs = None
        if naive.observe(observation):
            theirs = median_ms(timed(lambda o=observation: naive.observe(o), 3))
        rows.append(("observe %s" % observation, median_ms(ours), theirs))

    pid = env._connection.pid
    root = parent_pid(pid)
    memory = {
        "root driver peak RSS (VmHWM)": proc_status_kib(root, "VmHWM") / 1024.0,
        "env driver peak RSS (VmHWM)": proc_status_kib(pid, "VmHWM") / 1024.0,
        "env driver Pss": pss_kib(pid) / 1024.0,
        "forked env Pss after a -gvn step": child_pss,
    }
    env.close()
    print_rows(rows)
    for label, mib in memory.items():
        print("| %s | %.1f MiB | | |" % (label, mib))
    print(flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--llvm", default=os.environ.get("OPTGYM_LLVM_VERSION", "19"))
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--steps",
        type=int,
        default=500,
        help="samples of each observed step (they take microseconds)",
    )
    parser.add_argument(
        "--steps-only", action="store_true", help="measure the observed steps alone"
    )
    parser.add_argument("--only", choices=("small", "large", "huge"), action="append")
    args = parser.parse_args()
    os.environ.setdefault("OPTGYM_LLVM_VERSION", args.llvm)
    scratch = tempfile.mkdtemp(prefix="optgym-gym-bench-")
    # A cache of its own: the first reset then includes the baselines, as
    # it does the first time anyone uses a benchmark.
    os.environ["OPTGYM_CACHE"] = os.path.join(scratch, "cache")
    try:
        modules = {
            "small": lambda: str(optgym.benchmark("benchmark://optgym-v0/crc32").bitcode_path()),
            "large": lambda: linked_module(args.llvm, 20000, scratch, "large"),
            "huge": lambda: linked_module(args.llvm, 70000, scratch, "huge"),
        }
        for name in args.only or ("small", "large", "huge"):
            bitcode = modules[name]()
            local = os.path.join(scratch, name + "-input.bc")
            shutil.copyfile(bitcode, local)
            measure(args.llvm, name, local, scratch, args.repeat, args.steps, args.steps_only)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
