"""A random agent, run against a multi-file make -j2 build from Python.

    python3 docs/examples/random_agent.py [SEED]

Each decision is drawn from its choices with a generator seeded by the seed,
the kind and the key, so a rerun makes the same decisions whatever order the
parallel compilers ask them in. The plugin keeps every choice safe (size
guards, no reordering of floating-point math), so the program still prints
what it printed before.
"""

import os
import random
import subprocess
import sys
import tempfile

import optgym

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def random_agent(seed):
    def decide(query):
        rng = random.Random("%s:%s:%s" % (seed, query.kind, query.key))
        return rng.choice(query.choices)

    return decide


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    with tempfile.TemporaryDirectory() as work:
        program = os.path.join(work, "wordfreq")
        subprocess.run(
            ["cp", "-r", os.path.join(ROOT, "datasets", "programs", "wordfreq"), work], check=True
        )
        result = optgym.run_build(
            ["make", "-s", "-j2", "-C", program, "CC=clang-19", "CFLAGS=-O2"], random_agent(seed)
        )
        for unit in result.units:
            print(
                "%-10s %4d decisions, %4d departed, %5d IR instructions"
                % (unit.module, unit.queries, unit.departures, unit.stats["ir_instructions"])
            )
        print("build ok:", result.ok)
        output = subprocess.run(
            [os.path.join(program, "wordfreq")], check=True, capture_output=True, text=True
        ).stdout
        print("program says:", output.splitlines()[-1])


if __name__ == "__main__":
    main()
