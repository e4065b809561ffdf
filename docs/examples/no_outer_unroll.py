"""An agent that never unrolls a loop containing another loop.

    python3 -m optgym run-build --agent docs/examples/no_outer_unroll.py -- \
        clang-19 -O2 -c datasets/programs/matmul_float.c -o matmul.o

Every other decision stays LLVM's own.
"""


def decide(query):
    if query.kind == "loop-unroll" and not query.features["innermost"]:
        return "disable"
    return query.default
