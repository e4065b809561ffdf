"""A logging agent: answers LLVM's defaults and logs every query it sees.

    python3 docs/examples/logging_agent.py queries.jsonl &
    OPTGYM_ORACLE=socket:... clang-19 -O2 -fpass-plugin=build/lib/OptGym.so -c x.c

It serves until Ctrl-C (or SIGTERM), then prints a summary per kind. The
output is the default build's, byte for byte.
"""

import collections
import json
import sys
import threading

import optgym


def main():
    log_path = sys.argv[1] if len(sys.argv) > 1 else "queries.jsonl"
    counts = collections.Counter()
    lock = threading.Lock()
    with open(log_path, "w") as log:

        def decide(query):
            with lock:
                counts[query.kind] += 1
                log.write(
                    json.dumps(
                        {
                            "module": query.module,
                            "kind": query.kind,
                            "key": query.key,
                            "features": dict(query.features),
                        }
                    )
                    + "\n"
                )
            return query.default

        optgym.serve(decide)
    for kind, n in sorted(counts.items()):
        print("%-15s %6d queries" % (kind, n))


if __name__ == "__main__":
    main()
