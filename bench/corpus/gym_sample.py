#!/usr/bin/env python3
"""The gym on a random sample of a built corpus: every unit reset, stepped
with random actions, validated, and its final module verified and compiled.

    bench/corpus/gym_sample.py [--dir DATASETS_DIR] [--count 500] [--steps 50] [--seed 0]

For each of ``--count`` units drawn with ``--seed`` from
``benchmark://debian-v0`` (all splits), one ``llvm-ic-v0`` episode: reset,
``--steps`` uniformly random actions, ``env.validate()`` (the actions
replayed in a fresh episode must give the same reward and module), then the
final bitcode through LLVM's verifier (``opt -passes=verify``) and code
generation (``clang -c``). Prints a line per failure with its cause and a
summary; ``--json FILE`` keeps every episode's outcome.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Dict, List

import optgym
from optgym.corpus.dataset import CorpusDataset
from optgym.progress import Progress
from optgym.toolchain import Toolchain


def _check_module(env: Any, toolchain: Toolchain, scratch: Path) -> str:
    """'' when the episode's final module verifies and compiles, else why not."""
    bitcode = env.write_bitcode(scratch / "final.bc")
    for argv, what in (
        ([toolchain.require("opt"), "-passes=verify", "-disable-output", str(bitcode)], "verifier"),
        (
            [toolchain.require("clang"), "-c", "-O0", str(bitcode), "-o", str(scratch / "final.o")],
            "codegen",
        ),
    ):
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        if completed.returncode != 0:
            return "%s: %s" % (what, (completed.stderr.strip().splitlines() or ["failed"])[-1])
    return ""


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dir", type=Path, help="where corpora live (default: $OPTGYM_DATASETS_DIR)"
    )
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write every episode's outcome here")
    args = parser.parse_args(argv)
    corpus = CorpusDataset("debian-v0", args.dir / "debian-v0" if args.dir else None)
    uris = corpus.sample(args.count, seed=args.seed)
    print(
        "%d units sampled (seed %d) of %d; %d random steps each"
        % (len(uris), args.seed, corpus.size, args.steps)
    )
    toolchain = Toolchain.default()
    rng = random.Random(args.seed)
    outcomes: List[Dict[str, Any]] = []
    start = time.monotonic()
    env = optgym.make("llvm-ic-v0")
    try:
        with (
            tempfile.TemporaryDirectory(prefix="optgym-gym-sample-") as scratch,
            Progress("gym on debian-v0", total=len(uris)) as bar,
        ):
            for uri in uris:
                outcome: Dict[str, Any] = {"uri": uri, "error": ""}
                began = time.monotonic()
                try:
                    env.reset(benchmark=uri)
                    for _ in range(args.steps):
                        _, _, done, info = env.step(rng.randrange(env.action_space.n))[:4]
                        if done:
                            outcome["error"] = "step: %s: %s" % (
                                info.get("error_type"),
                                info.get("error_details"),
                            )
                            break
                    if not outcome["error"]:
                        result = env.validate()
                        if not result.okay():
                            outcome["error"] = "validate: %s" % result
                    if not outcome["error"]:
                        outcome["error"] = _check_module(env, toolchain, Path(scratch))
                    outcome["instructions"] = env.observation["IrInstructionCount"]
                except Exception as error:  # noqa: BLE001 - every failure is listed, none stops the run
                    outcome["error"] = "%s: %s" % (type(error).__name__, error)
                    outcome["traceback"] = traceback.format_exc()
                    env.close()
                    env = optgym.make("llvm-ic-v0")
                outcome["seconds"] = round(time.monotonic() - began, 2)
                outcomes.append(outcome)
                failed = [o for o in outcomes if o["error"]]
                bar.update(advance=1, status="%d failed" % len(failed))
    finally:
        env.close()
    failed = [o for o in outcomes if o["error"]]
    for outcome in failed:
        print("FAIL %s: %s" % (outcome["uri"], outcome["error"]))
    seconds = time.monotonic() - start
    print(
        "%d units, %d failed, %d steps each, %.0f s (%.2f s per unit; machine: %d CPUs)"
        % (
            len(outcomes),
            len(failed),
            args.steps,
            seconds,
            seconds / max(1, len(outcomes)),
            os.cpu_count() or 0,
        )
    )
    if args.json:
        args.json.write_text(json.dumps(outcomes, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
