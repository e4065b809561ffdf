"""Prints the driver's ProgramlJson graph of a module, one line per node and
edge, after checking that it is a well-formed graph.

  programl.py --opt OPT --plugin PLUGIN MODULE [--summary] [--json]

Asks the pass-choice driver at step 0 (observe.py's ask()) for
ProgramlJson, for ProgramlJson=PATH (the same graph written to a file) and
IrInstructionCount, and checks: the inline and the file graphs are equal;
node ids are 0, 1, ... in order; every edge joins two nodes; each edge's key
counts the edges between its two nodes before it (networkx's keys); node 0
is the root; there is one instruction node per counted instruction; the
edges of each flow join the node types the schema (docs/gym.md) says.
Prints "graph: ok" or one line per broken rule, then:

  functions: NAME...
  nodes: N = I instructions + V variables + C constants
  edges: E = C control + D data + K call
  n3 instruction f#0 b1 add | %s = add i32 %a, 1        (one per node;
                                                        white space of the
                                                        full text collapsed)
  e n3 -> n7 data 1                                     (one per edge)

--summary leaves out the node and edge lines; --json prints the graph as
the driver wrote it, instead of them.
"""

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from observe import ask  # noqa: E402

TYPES = ("instruction", "variable", "constant")
FLOWS = ("control", "data", "call")


def problems(graph, file_graph, instructions):
    """The rules the graph breaks, as sentences."""
    found = []
    if graph != file_graph:
        found.append("ProgramlJson=PATH wrote another graph than ProgramlJson")
    if not (graph["directed"] and graph["multigraph"]):
        found.append("not a directed multigraph")
    nodes, links = graph["nodes"], graph["links"]
    if [node["id"] for node in nodes] != list(range(len(nodes))):
        found.append("node ids are not 0, 1, ... in order")
    root = nodes[0] if nodes else {}
    if (root.get("text"), root.get("type"), root.get("function")) != ("[external]", 0, None):
        found.append("node 0 is not the root")
    counted = sum(node["type"] == 0 for node in nodes) - 1
    if counted != instructions:
        found.append("%d instruction nodes for %d instructions" % (counted, instructions))
    functions = len(graph["graph"]["functions"])
    for node in nodes[1:]:
        if node["type"] not in (0, 1, 2) or not 0 <= node["function"] < functions:
            found.append("node %d: bad type or function" % node["id"])
    parallel = {}
    for index, link in enumerate(links):
        source, target = link["source"], link["target"]
        if not (0 <= source < len(nodes) and 0 <= target < len(nodes)):
            found.append("edge %d: an endpoint is no node" % index)
            continue
        if link["key"] != parallel.get((source, target), 0):
            found.append("edge %d: key %d is not networkx's" % (index, link["key"]))
        parallel[(source, target)] = parallel.get((source, target), 0) + 1
        kinds = (nodes[source]["type"], nodes[target]["type"])
        if link["flow"] == 1:
            allowed = kinds in ((1, 0), (2, 0)) or (kinds == (0, 1) and link["position"] == 0)
        else:
            allowed = kinds == (0, 0) and link["flow"] in (0, 2)
        if not allowed:
            found.append(
                "edge %d: a %s edge from a %s to a %s" % ((index,) + describe(link, nodes))
            )
    return found


def flat(text):
    """A switch prints on several lines: one line here."""
    return " ".join(text.split())


def describe(link, nodes):
    return (
        FLOWS[link["flow"]] if link["flow"] in (0, 1, 2) else str(link["flow"]),
        TYPES[nodes[link["source"]]["type"]],
        TYPES[nodes[link["target"]]["type"]],
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--opt", required=True)
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--summary", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("module")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "graph.json")
        names = ["ProgramlJson", "ProgramlJson=" + path, "IrInstructionCount"]
        values, errors, status, stderr = ask(args.opt, args.plugin, args.module, names)
        if status != 0 or errors or "ProgramlJson" not in values:
            sys.stderr.write(stderr)
            print("driver exit status %d, errors: %s" % (status, errors))
            return 1
        with open(path, encoding="utf-8") as stream:
            file_graph = json.load(stream)
    graph = values["ProgramlJson"]
    found = problems(graph, file_graph, values["IrInstructionCount"])
    print("graph: " + ("; ".join(found) if found else "ok"))
    nodes, links = graph["nodes"], graph["links"]
    print("functions: " + " ".join(graph["graph"]["functions"]))
    print(
        "nodes: %d = %s"
        % (
            len(nodes),
            " + ".join(
                "%d %ss" % (sum(node["type"] == kind for node in nodes), name)
                for kind, name in enumerate(TYPES)
            ),
        )
    )
    print(
        "edges: %d = %s"
        % (
            len(links),
            " + ".join(
                "%d %s" % (sum(link["flow"] == flow for link in links), name)
                for flow, name in enumerate(FLOWS)
            ),
        )
    )
    if args.json:
        print(json.dumps(graph, sort_keys=True))
    elif not args.summary:
        for node in nodes:
            where = (
                "" if node["function"] is None else " f#%d b%d" % (node["function"], node["block"])
            )
            print(
                "n%d %s%s %s | %s"
                % (node["id"], TYPES[node["type"]], where, node["text"], flat(node["full_text"]))
            )
        for link in links:
            print(
                "e n%d -> n%d %s %d"
                % (link["source"], link["target"], FLOWS[link["flow"]], link["position"])
            )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
