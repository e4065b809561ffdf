"""The PPO baseline of issue 17: train on the training split, choose the
checkpoint on held-out training programs, report on the test split against
random search given the same wall time, with the leaderboard's measures.

    PYTHONPATH=utils OPTGYM_PLUGIN=build/lib/OptGym.so \\
        .venv/bin/python bench/ppo/run.py --timesteps 150000 --budgets 2,10

Steps (each skipped when its output exists, so a run can be resumed; --fresh
starts over):

1. ``optgym.rl.train`` on the train split less every 4th program (those
   four validate), one environment process, torch on one thread; the model
   goes to build/ppo/ (--model), its training curve to
   bench/ppo/training-curve.png.
2. On each test program, the trained policy's deterministic rollout
   (``rl.evaluate``, no budget): the ``ppo`` row; its pass orders exported
   as policy files into bench/ppo/policies/.
3. ``optgym search random`` on each test program with a wall-time budget
   equal to what the policy took on that program: the ``random`` row at
   equal time.
4. For each budget B of --budgets: the policy's deterministic rollout and
   sampled rollouts until B seconds (``ppo`` best of sampled rollouts), and
   random search for B seconds.
5. Every row measured as ``optgym leaderboard`` measures pass-order agents
   (``leaderboard.search_row``: the order replayed by opt against opt's
   default<Oz>, .text of its module with -Oz code generation against
   clang -Oz of the same -O0 bitcode, the program built and run against
   -O0), written to
   bench/ppo/results.json and printed as the leaderboard's table.
6. The policy files of step 2 deployed as docs/rl.md says, built from
   source and run: exactly (each unit to bitcode by clang -O0 with the
   plugin replaying the order, then -Oz code generation), the ``ppo policy
   files, exact`` row; and in one step, clang -Oz -fpass-plugin (the
   order, then -Oz's whole pipeline; ``optgym measure``'s measurement), the
   ``ppo policy files`` row.

Search and evaluation lines (optgym search's format, which ``optgym
leaderboard --results`` reads) and the builds' lines are kept in
build/ppo/*.jsonl and copied to bench/ppo/lines/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

_REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(_REPO / "utils"))

from optgym import rl  # noqa: E402
from optgym.benchmark_base import BITCODE_FLAGS, text_size  # noqa: E402
from optgym.benchmarks import benchmark, split_uris  # noqa: E402
from optgym.errors import BenchmarkError  # noqa: E402
from optgym.jsonlines import read_json_lines  # noqa: E402
from optgym.leaderboard import Row, _ir_ratio_with_policy, search_row  # noqa: E402
from optgym.policyeval import geomean, measure_policy  # noqa: E402
from optgym.search.builds import misbehaviour  # noqa: E402
from optgym.search.passorder import search  # noqa: E402
from optgym.toolchain import tool_environment  # noqa: E402

_HERE = Path(__file__).resolve().parent


def _write_lines(path: Path, lines: List[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def _evaluate(model: Path, uris: List[str], budget: float, out: Path) -> List[dict]:
    if not out.exists():
        results = rl.evaluate(model, uris, seed=0, budget_seconds=budget or None)
        _write_lines(out, [result.to_json() for result in results])
    return list(read_json_lines(out))


def _export(lines: List[dict], directory: Path) -> Dict[str, Path]:
    """Each line's pass order as a policy file in ``directory``."""
    import optgym

    policies = {}
    directory.mkdir(parents=True, exist_ok=True)
    with optgym.make("llvm-v0") as env:
        for line in lines:
            result = rl.PolicyResult("ppo", line["benchmark"], line["seed"], None, None)
            for key in (
                "actions",
                "commandline",
                "ir_instruction_count",
                "ir_instruction_count_oz",
            ):
                setattr(result, key, line[key])
            path = directory / ("%s.policy.json" % line["benchmark"].rsplit("/", 1)[-1])
            rl.export_policy(env, result, path)
            policies[line["benchmark"]] = path
    return policies


def _clang_oz(policies: Dict[str, Path], out: Path) -> dict:
    """The policy files deployed in one step: each program built from its
    sources by clang -Oz -fpass-plugin with its policy (the order, then
    -Oz's whole pipeline), against plain clang -Oz (``optgym measure``), and
    its IR count as ``optgym leaderboard`` counts a policy's."""
    if not out.exists():
        lines = []
        for uri, policy in policies.items():
            line = measure_policy(uri, policy, "z").to_json()
            line["ir_ratio"] = _ir_ratio_with_policy(uri, policy)
            lines.append(line)
        _write_lines(out, lines)
    lines = list(read_json_lines(out))
    row = Row(
        agent="ppo policy files",
        algorithm="each program's ppo order by clang -Oz -fpass-plugin, then -Oz's pipeline",
    )
    for line in lines:
        if line["error"]:
            row.failed.append(line["benchmark"])
            continue
        row.text_ratios.append(line["ratio"])
        if line["ir_ratio"]:
            row.ir_ratios.append(line["ir_ratio"])
        row.count_validation(line["benchmark"], line["validated"])
    return {
        "agent": row.agent,
        "algorithm": row.algorithm,
        "cells": row.cells(),
        "ir_vs_oz_geomean": geomean(row.ir_ratios),
        "text_vs_oz_geomean": geomean(row.text_ratios),
        "validated": row.validated,
        "runnable": row.runnable,
        "failed": row.failed,
        "wrong": row.wrong,
        "per_program": {
            line["benchmark"].rsplit("/", 1)[-1]: {
                "text_plain": line["text_plain"],
                "text_policy": line["text_policy"],
                "ir_ratio": line["ir_ratio"],
                "validated": line["validated"],
            }
            for line in lines
        },
    }


def _random(uris: List[str], budgets: Dict[str, float], out: Path) -> List[dict]:
    if not out.exists():
        _write_lines(
            out,
            [search("random", uri, seed=0, budget_seconds=budgets[uri]).to_json() for uri in uris],
        )
    return list(read_json_lines(out))


def _row(name: str, algorithm: str, records: List[dict]) -> dict:
    row = search_row(name, records, jobs=1)
    row.algorithm = algorithm
    return {
        "agent": name,
        "algorithm": algorithm,
        "cells": row.cells(),
        "ir_vs_oz_geomean": geomean(row.ir_ratios),
        "text_vs_oz_geomean": geomean(row.text_ratios),
        "walltime_mean": sum(row.walltimes) / len(row.walltimes),
        "validated": row.validated,
        "runnable": row.runnable,
        "failed": row.failed,
        "wrong": row.wrong,
        "driver_ir_vs_oz_geomean": geomean(
            [r["improvement_over_oz"] for r in records if r.get("improvement_over_oz")]
        ),
        "per_program": {
            r["benchmark"].rsplit("/", 1)[-1]: {
                "ir_instruction_count": r["ir_instruction_count"],
                "ir_instruction_count_oz": r["ir_instruction_count_oz"],
                "walltime": r["walltime"],
                "evaluations": r["evaluations"],
            }
            for r in records
        },
    }


def _exact_build(uri: str, policy: Path) -> dict:
    """One program built from its sources as docs/rl.md deploys a policy
    file exactly: each unit by ``clang -O0 -Xclang -disable-O0-optnone
    -fpass-plugin`` with ``OPTGYM_DECISIONS=pass-choice`` to bitcode (the
    gym's starting point, then the order), then ``clang -Oz -Xclang
    -disable-llvm-passes`` to an object (-Oz's code generation, no IR pass),
    linked and run. Against two references: each unit by plain ``clang -Oz
    -c`` (a real -Oz build), and ``clang -Oz -c`` of the unit's -O0 bitcode
    (what ``optgym leaderboard`` compares pass orders with: the gym's
    starting point carries -O0's function attributes, ``noinline`` and
    ``frame-pointer=all``, without -Oz's ``minsize``/``optsize``, and so
    does every module made from it)."""
    import optgym

    bench = benchmark(uri)
    toolchain = bench.toolchain
    clang = toolchain.require("clang", uri)
    plugin = optgym.find_plugin(toolchain.llvm_version)
    plain = tool_environment()
    replay = dict(
        plain,
        OPTGYM_ORACLE="policy:%s" % policy.resolve(),
        OPTGYM_DECISIONS="pass-choice",
        OPTGYM_VERBOSE="1",
    )
    line = {"benchmark": uri, "error": None, "validated": None}
    with tempfile.TemporaryDirectory(prefix="optgym-ppo-") as scratch:
        directory = Path(scratch)
        objects, references, bitcode_references, hits = [], [], [], 0
        try:
            for index, source in enumerate(bench.sources):
                relative = os.path.relpath(source, bench.root)
                bitcode = directory / ("%d.bc" % index)
                objects.append(directory / ("%d.o" % index))
                references.append(directory / ("%d-oz.o" % index))
                bitcode_references.append(directory / ("%d-oz-bitcode.o" % index))
                unoptimized = directory / ("%d-O0.bc" % index)
                flags = list(bench.cflags)
                first = subprocess.run(
                    [clang, "-O0", "-Xclang", "-disable-O0-optnone", "-fpass-plugin=" + plugin]
                    + ["-emit-llvm", "-c"]
                    + flags
                    + [relative, "-o", str(bitcode)],
                    cwd=str(bench.root),
                    env=replay,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                hits += int(first.stderr.split(" table hits")[0].rsplit(" ", 1)[-1])
                for level, argv, cwd in (
                    (
                        "-Oz",
                        ["-Xclang", "-disable-llvm-passes", str(bitcode), "-o", str(objects[-1])],
                        None,
                    ),
                    ("-Oz", flags + [relative, "-o", str(references[-1])], str(bench.root)),
                    (
                        "-O0",
                        list(BITCODE_FLAGS[1:]) + flags + [relative, "-o", str(unoptimized)],
                        str(bench.root),
                    ),
                    ("-Oz", [str(unoptimized), "-o", str(bitcode_references[-1])], None),
                ):
                    subprocess.run(
                        [clang, level, "-c"] + argv,
                        cwd=cwd,
                        env=plain,
                        check=True,
                        capture_output=True,
                    )
            line["text"] = sum(text_size(o, toolchain, uri) for o in objects)
            line["text_oz"] = sum(text_size(o, toolchain, uri) for o in references)
            line["text_oz_of_O0_bitcode"] = sum(
                text_size(o, toolchain, uri) for o in bitcode_references
            )
            line["table_hits"] = hits
            if bench.runnable:
                exe = directory / "program"
                subprocess.run(
                    [clang] + [str(o) for o in objects] + ["-o", str(exe)] + list(bench.link_flags),
                    env=plain,
                    check=True,
                    capture_output=True,
                )
                line["validated"] = misbehaviour(bench, bench.run(exe)) is None
        except (subprocess.CalledProcessError, BenchmarkError) as error:
            line["error"] = str(error)
    return line


def _exact(policies: Dict[str, Path], out: Path) -> dict:
    """The row of :func:`_exact_build` on every program."""
    if not out.exists():
        _write_lines(out, [_exact_build(uri, policy) for uri, policy in policies.items()])
    lines = list(read_json_lines(out))
    row = Row(
        agent="ppo policy files, exact",
        algorithm="each program's ppo order replayed by clang -fpass-plugin, -Oz code "
        "generation; .text against clang -Oz from source",
    )
    against_bitcode = []
    for line in lines:
        if line["error"]:
            row.failed.append(line["benchmark"])
            continue
        row.text_ratios.append(line["text"] / line["text_oz"])
        against_bitcode.append(line["text"] / line["text_oz_of_O0_bitcode"])
        row.count_validation(line["benchmark"], line["validated"])
    return {
        "agent": row.agent,
        "algorithm": row.algorithm,
        "cells": row.cells(),
        "ir_vs_oz_geomean": None,
        "text_vs_oz_geomean": geomean(row.text_ratios),
        "text_vs_oz_of_O0_bitcode_geomean": geomean(against_bitcode),
        "validated": row.validated,
        "runnable": row.runnable,
        "failed": row.failed,
        "wrong": row.wrong,
        "per_program": {line["benchmark"].rsplit("/", 1)[-1]: line for line in lines},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timesteps", type=int, default=150_000)
    parser.add_argument("--budgets", default="2,10", help="seconds per program, comma-separated")
    parser.add_argument("--model", type=Path, default=_REPO / "build" / "ppo")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fresh", action="store_true", help="retrain and re-evaluate")
    args = parser.parse_args()
    work = args.model
    if args.fresh and work.exists():
        for path in work.glob("*"):
            path.unlink()
    work.mkdir(parents=True, exist_ok=True)

    # 1. Training.
    training, validation = rl.train_validation_split(split_uris("train"))
    if not (work / "config.json").exists():
        config = rl.TrainConfig(
            benchmarks=training,
            validation=validation,
            total_timesteps=args.timesteps,
            seed=args.seed,
        )
        rl.train(config, work)
    summary = json.loads((work / "config.json").read_text())
    rl.plot_training(work / "training.jsonl", _HERE / "training-curve.png")

    # 2-4. Evaluation on the test split.
    test = split_uris("test")
    rows = []
    ppo = _evaluate(work, test, 0.0, work / "ppo.jsonl")
    policies = _export(ppo, _HERE / "policies")
    equal = {r["benchmark"]: float(r["walltime"]) for r in ppo}
    random_equal = _random(test, equal, work / "random-equal.jsonl")
    rows += [
        _row("ppo", "PPO policy: one deterministic rollout", ppo),
        _row("random", "random search, each program the time PPO's rollout took", random_equal),
    ]
    for budget in [float(b) for b in args.budgets.split(",") if b.strip()]:
        sampled = _evaluate(work, test, budget, work / ("ppo-%gs.jsonl" % budget))
        random_b = _random(
            test, {uri: budget for uri in test}, work / ("random-%gs.jsonl" % budget)
        )
        rows += [
            _row(
                "ppo %gs" % budget,
                "PPO policy: deterministic + sampled rollouts for %g s" % budget,
                sampled,
            ),
            _row("random %gs" % budget, "pass order: random search", random_b),
        ]

    rows.append(_exact(policies, work / "exact.jsonl"))
    rows.append(_clang_oz(policies, work / "clang-oz.jsonl"))

    episodes, validations = rl.read_training_log(work / "training.jsonl")
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "command": "bench/ppo/run.py " + " ".join(sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "llvm": subprocess.run(
                ["llvm-config-19", "--version"], capture_output=True, text=True
            ).stdout.strip(),
            "load_average_at_end": os.getloadavg(),
        },
        "training": {
            key: summary[key]
            for key in (
                "timesteps",
                "walltime",
                "episode_length",
                "best_timestep",
                "best_validation_score",
                "best_deterministic_timestep",
                "best_deterministic_score",
                "seed",
                "n_steps",
                "batch_size",
                "n_epochs",
                "learning_rate",
                "gamma",
                "gae_lambda",
                "ent_coef",
                "net_arch",
                "versions",
            )
        },
        "training_programs": [u.rsplit("/", 1)[-1] for u in training],
        "validation_programs": [u.rsplit("/", 1)[-1] for u in validation],
        "actions": summary["actions"],
        "episodes": len(episodes),
        "validations": [(v["timestep"], v["score"], v["deterministic"]) for v in validations],
        "rows": rows,
    }
    (_HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    # The lines behind the rows, for optgym leaderboard --results and a
    # second look (the model stays in --model: 1 MB per checkpoint).
    lines = _HERE / "lines"
    lines.mkdir(exist_ok=True)
    for path in sorted(work.glob("*.jsonl")):
        if path.name != "training.jsonl":
            shutil.copyfile(path, lines / path.name)
    header = ["Agent", "Algorithm", "Date", "Walltime", "IR vs -Oz", ".text vs -Oz", "Validated"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row["cells"]) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
