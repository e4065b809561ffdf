"""Runs every kernel of a directory twice, lowered as it is and after a pass
pipeline of OptGymMLIR.so under an oracle, and checks that both print the
same checksum. Prints one line per kernel with how many of its decisions
departed from the default, then a summary; exits 1 if any output differs or
a kernel fails to build or run.

  check-mlir-kernels.py --kernels DIR --mlir-opt CMD --optgym-mlir-opt CMD
      --run CMD --lower PIPELINE --pipeline PIPELINE --oracle SPEC --scratch DIR

CMD arguments are command lines (split like a shell would).
"""

import argparse
import json
import os
import shlex
import subprocess
import sys


def run(argv, stdin=None, env=None):
    return subprocess.run(argv, input=stdin, capture_output=True, env=env, check=False, timeout=300)


def lowered_output(opt, pipeline, run_cmd, kernel, env=None):
    """The kernel's stdout after `opt --pass-pipeline=builtin.module(PIPELINE)`
    and the runner; raises RuntimeError naming the step that failed."""
    lowered = run(opt + ["--pass-pipeline=builtin.module(%s)" % pipeline, kernel], env=env)
    if lowered.returncode:
        raise RuntimeError("mlir-opt failed: %s" % lowered.stderr.decode().strip()[-300:])
    ran = run(run_cmd, stdin=lowered.stdout)
    if ran.returncode:
        raise RuntimeError("the run failed: %s" % ran.stderr.decode().strip()[-300:])
    return ran.stdout.decode()


def main():
    parser = argparse.ArgumentParser()
    for name in (
        "kernels",
        "mlir-opt",
        "optgym-mlir-opt",
        "run",
        "lower",
        "pipeline",
        "oracle",
        "scratch",
    ):
        parser.add_argument("--" + name, required=True)
    args = parser.parse_args()
    os.makedirs(args.scratch, exist_ok=True)
    kernels = sorted(f for f in os.listdir(args.kernels) if f.endswith(".mlir"))
    failed = 0
    for name in kernels:
        kernel = os.path.join(args.kernels, name)
        record = os.path.join(args.scratch, name + ".jsonl")
        if os.path.exists(record):
            os.unlink(record)
        env = dict(os.environ, OPTGYM_ORACLE=args.oracle, OPTGYM_RECORD=record)
        try:
            expected = lowered_output(
                shlex.split(args.mlir_opt), args.lower, shlex.split(args.run), kernel
            )
            got = lowered_output(
                shlex.split(args.optgym_mlir_opt),
                "%s,%s" % (args.pipeline, args.lower),
                shlex.split(args.run),
                kernel,
                env,
            )
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            print("%s: %s" % (name, error))
            failed += 1
            continue
        decisions = []
        if os.path.exists(record):
            with open(record) as stream:
                decisions = [json.loads(line) for line in stream if line.strip()]
        departed = sum(1 for d in decisions if d["chosen"] != d["default"])
        same = got == expected
        failed += not same
        print(
            "%s: %s checksum %s, %d of %d decisions departed"
            % (
                name,
                "same" if same else "DIFFERENT",
                got.strip() if same else "%s vs %s" % (got.strip(), expected.strip()),
                departed,
                len(decisions),
            )
        )
    print(
        "%d kernels: %s"
        % (len(kernels), "all print the same" if not failed else "%d failed" % failed)
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
