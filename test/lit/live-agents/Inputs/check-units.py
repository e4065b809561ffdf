"""Checks run-build's units against the trace recorded in the same build.

    check-units.py UNITS.json TRACE.jsonl MODULE...

Every unit must be one of the expected modules, appear once, have its
module-end statistics, and hold decisions whose keys are its own module's
(keys start with "MODULE:"; pass-gate keys of whole-module passes too).
Together the units must hold exactly the trace's decisions: none lost, none
duplicated, none crossed between units.
"""

import collections
import json
import sys


def main(units_path, trace_path, modules):
    units = json.load(open(units_path))["units"]
    problems = []
    seen = collections.Counter(u["module"] for u in units)
    if sorted(seen) != sorted(modules) or max(seen.values()) != 1:
        problems.append("units %s, expected each of %s once" % (dict(seen), modules))
    arrived = collections.Counter()
    for unit in units:
        if not unit["stats"] or unit["stats"]["queries"] != len(unit["decisions"]):
            problems.append(
                "%s: stats %s for %d decisions"
                % (unit["module"], unit["stats"], len(unit["decisions"]))
            )
        for d in unit["decisions"]:
            if not d["key"].startswith(unit["module"] + ":"):
                problems.append("%s holds %s" % (unit["module"], d["key"]))
            arrived[(d["kind"], d["key"])] += 1
    recorded = collections.Counter()
    for line in open(trace_path):
        record = json.loads(line)
        recorded[(record["kind"], record["key"])] += 1
    if arrived != recorded:
        problems.append(
            "agent and trace differ: %d only at the agent, %d only "
            "in the trace"
            % (sum((arrived - recorded).values()), sum((recorded - arrived).values()))
        )
    for p in problems[:20]:
        print("check-units: " + p)
    if problems:
        return 1
    print(
        "%d units, %d decisions: every decision arrived once, under its own "
        "module" % (len(units), sum(arrived.values()))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
