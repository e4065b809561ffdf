def decide(query):
    """Unrolls every loop four times; leaves everything else to LLVM."""
    if query.kind == "loop-unroll":
        return "count:4"
    return query.default
