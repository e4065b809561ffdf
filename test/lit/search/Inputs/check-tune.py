"""Checks the lines `optgym tune -o` wrote: the documented members, a best
no worse than the baseline, the evaluation budget kept, a trajectory that
only improves, a table that is exactly the recorded departures, and a
measured effect for every decision tried (a saving for each departure).

    check-tune.py TUNE.jsonl MAX_EVALUATIONS
"""

import json
import sys

MEMBERS = {
    "benchmark",
    "kinds",
    "score",
    "level",
    "seed",
    "baseline",
    "best",
    "improvement",
    "walltime",
    "evaluations",
    "departures",
    "table",
    "trajectory",
    "validated",
    "error",
    "decisions",
}

path, budget = sys.argv[1], int(sys.argv[2])
lines = [json.loads(line) for line in open(path)]
assert lines, "no lines"
for result in lines:
    name = result.get("benchmark")
    assert set(result) == MEMBERS, (name, sorted(set(result) ^ MEMBERS))
    assert result["error"] is None, (name, result["error"])
    assert 0 < result["best"] <= result["baseline"], (name, result["best"], result["baseline"])
    assert 1 <= result["evaluations"] <= budget, (name, result["evaluations"])
    values = [value for _, value in result["trajectory"]]
    assert values and values[0] == result["baseline"] and values[-1] == result["best"], name
    assert all(a > b for a, b in zip(values, values[1:])), (name, values)
    departures = {
        (d["kind"], d["key"]): d["chosen"]
        for d in result["decisions"]
        if d["chosen"] != d["default"]
    }
    table = {
        (kind, key): choice
        for kind, entries in result["table"].items()
        for key, choice in entries.items()
    }
    assert departures == table, (name, set(departures) ^ set(table))
    assert result["departures"] == len(table), name
    for decision in result["decisions"]:
        assert decision["kind"] in result["kinds"], (name, decision["kind"])
        assert decision["features"], (name, decision["key"])
        assert isinstance(decision["tried"], bool), (name, decision["key"])
        # A tried decision says what trying it did to the size.
        effect = decision["effect"]
        assert decision["tried"] == (effect is not None), (name, decision["key"])
        if effect is not None:
            assert effect["choice"] != decision["default"], (name, decision["key"])
            if decision["chosen"] != decision["default"]:
                assert effect["delta"] < 0, (name, decision["key"], effect)
    print(
        "%s: %d -> %d bytes, %d departures, %d of %d decisions tried"
        % (
            name,
            result["baseline"],
            result["best"],
            len(table),
            sum(d["tried"] for d in result["decisions"]),
            len(result["decisions"]),
        )
    )
