"""Random affine loop-nest kernels, correct by construction.

``generate_kernel(seed)`` writes a ``func.func @main()`` that fills one to
three input arrays with a pattern, runs one to three loop nests (depth one
to three, constant bounds) that each write their own output array from
loads of the inputs and of earlier nests' outputs, and prints a checksum of
every output. Every subscript is a loop index plus a small offset and every
array is sized to hold all of them, so every access is in bounds. A nest
reads its own output only where it accumulates into it (the same element),
so the only dependences are those of a reduction: any transformation that
keeps dependences (tiling a permutable band, unrolling) keeps the checksum.
Integer arithmetic wraps, so the result is defined for every input.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

__all__ = ["generate_kernel"]

_BOUNDS = (5, 7, 8, 12, 13, 16, 20, 24, 29, 32)
_OPS = ("arith.addi", "arith.muli", "arith.xori", "arith.subi")


@dataclass
class _Array:
    name: str
    dims: List[int]
    is_output: bool = False


@dataclass
class _Nest:
    bounds: List[int]
    output: _Array
    output_ivs: List[int]
    # Each load: array and, per axis, (loop index, offset) or (None, constant).
    loads: List[Tuple[_Array, List[Tuple[object, int]]]] = field(default_factory=list)
    ops: List[Tuple[str, int]] = field(default_factory=list)


def _plan(rng: random.Random) -> Tuple[List[_Array], List[_Nest]]:
    inputs = [_Array("%%in%d" % n, [1] * rng.randint(1, 2)) for n in range(rng.randint(1, 3))]
    nests: List[_Nest] = []
    for n in range(rng.randint(1, 3)):
        depth = rng.randint(1, 3)
        bounds = [rng.choice(_BOUNDS) for _ in range(depth)]
        output_ivs = rng.sample(range(depth), rng.randint(1, min(2, depth)))
        output = _Array("%%out%d" % n, [bounds[iv] for iv in output_ivs], is_output=True)
        nest = _Nest(bounds, output, output_ivs)
        readable = inputs + [earlier.output for earlier in nests]
        for _ in range(rng.randint(1, 3)):
            array = rng.choice(readable)
            subscripts: List[Tuple[object, int]] = []
            for axis in range(len(array.dims)):
                if not array.is_output:
                    iv = rng.randrange(depth)
                    offset = rng.choice((0, 0, 0, 1, 2))
                    array.dims[axis] = max(array.dims[axis], bounds[iv] + offset)
                    subscripts.append((iv, offset))
                    continue
                fitting = [iv for iv in range(depth) if bounds[iv] <= array.dims[axis]]
                if fitting:
                    subscripts.append((rng.choice(fitting), 0))
                else:
                    subscripts.append((None, rng.randrange(array.dims[axis])))
            nest.loads.append((array, subscripts))
        nest.ops = [(rng.choice(_OPS), rng.randint(1, 9)) for _ in nest.loads]
        nests.append(nest)
    return inputs, nests


class _Writer:
    def __init__(self) -> None:
        self.lines: List[str] = []
        self.counter = 0
        self.indent = 1

    def fresh(self) -> str:
        self.counter += 1
        return "%%v%d" % self.counter

    def emit(self, line: str) -> None:
        self.lines.append("  " * self.indent + line)

    def open_loops(self, ivs: List[str], bounds: List[int]) -> None:
        for iv, bound in zip(ivs, bounds):
            self.emit("affine.for %s = 0 to %d {" % (iv, bound))
            self.indent += 1

    def close_loops(self, count: int) -> None:
        for _ in range(count):
            self.indent -= 1
            self.emit("}")


def _type(array: _Array) -> str:
    return "memref<%sxi64>" % "x".join(str(d) for d in array.dims)


def _subscript(ivs: List[str], subscripts: List[Tuple[object, int]]) -> str:
    parts = []
    for iv, offset in subscripts:
        if iv is None:
            parts.append(str(offset))
        elif offset:
            parts.append("%s + %d" % (ivs[iv], offset))
        else:
            parts.append(ivs[iv])
    return ", ".join(parts)


def _fill(writer: _Writer, array: _Array, pattern: Optional[Tuple[int, int, int, int]]) -> None:
    """Stores ``(d0 * a + d1 * b + c) mod m`` in every element, or zero
    without a pattern."""
    ivs = ["%%f%d" % axis for axis in range(len(array.dims))]
    writer.open_loops(ivs, array.dims)
    if pattern is None:
        writer.emit("affine.store %%zero, %s[%s] : %s" % (array.name, ", ".join(ivs), _type(array)))
        writer.close_loops(len(ivs))
        return
    a, b, c, modulus = pattern
    dims = ", ".join("d%d" % axis for axis in range(len(ivs)))
    terms = " + ".join(["d0 * %d" % a] + (["d1 * %d" % b] if len(ivs) > 1 else []) + [str(c)])
    index = writer.fresh()
    writer.emit(
        "%s = affine.apply affine_map<(%s) -> ((%s) mod %d)>(%s)"
        % (index, dims, terms, modulus, ", ".join(ivs))
    )
    value = writer.fresh()
    writer.emit("%s = arith.index_cast %s : index to i64" % (value, index))
    writer.emit("affine.store %s, %s[%s] : %s" % (value, array.name, ", ".join(ivs), _type(array)))
    writer.close_loops(len(ivs))


def generate_kernel(seed: int) -> str:
    """The kernel of ``seed`` as MLIR text (the same text for the same
    seed on every machine)."""
    rng = random.Random(seed)
    inputs, nests = _plan(rng)
    outputs = [nest.output for nest in nests]
    writer = _Writer()
    writer.emit("%zero = arith.constant 0 : i64")
    writer.emit("%sum = memref.alloc() : memref<1xi64>")
    for array in inputs + outputs:
        writer.emit("%s = memref.alloc() : %s" % (array.name, _type(array)))
    for array in inputs:
        _fill(writer, array, (rng.randint(1, 9), rng.randint(1, 9), rng.randint(0, 9), 31))
    for array in outputs:
        _fill(writer, array, None)

    constants: Dict[int, str] = {}
    for n, nest in enumerate(nests):
        ivs = ["%%n%d_%d" % (n, level) for level in range(len(nest.bounds))]
        writer.open_loops(ivs, nest.bounds)
        values = []
        for array, subscripts in nest.loads:
            value = writer.fresh()
            writer.emit(
                "%s = affine.load %s[%s] : %s"
                % (value, array.name, _subscript(ivs, subscripts), _type(array))
            )
            values.append(value)
        result = None
        for value, (op, constant) in zip(values, nest.ops):
            if constant not in constants:
                constants[constant] = "%%c%d" % constant
                writer.lines.insert(1, "  %%c%d = arith.constant %d : i64" % (constant, constant))
            scaled = writer.fresh()
            writer.emit("%s = %s %s, %s : i64" % (scaled, op, value, constants[constant]))
            if result is None:
                result = scaled
            else:
                combined = writer.fresh()
                writer.emit("%s = arith.addi %s, %s : i64" % (combined, result, scaled))
                result = combined
        target = _subscript(ivs, [(iv, 0) for iv in nest.output_ivs])
        if len(nest.output_ivs) < len(nest.bounds):
            old = writer.fresh()
            writer.emit(
                "%s = affine.load %s[%s] : %s" % (old, nest.output.name, target, _type(nest.output))
            )
            accumulated = writer.fresh()
            writer.emit("%s = arith.addi %s, %s : i64" % (accumulated, old, result))
            result = accumulated
        writer.emit(
            "affine.store %s, %s[%s] : %s" % (result, nest.output.name, target, _type(nest.output))
        )
        writer.close_loops(len(ivs))

    writer.emit("affine.store %zero, %sum[0] : memref<1xi64>")
    for array in outputs:
        ivs = ["%%s%d" % axis for axis in range(len(array.dims))]
        writer.open_loops(ivs, array.dims)
        value = writer.fresh()
        writer.emit(
            "%s = affine.load %s[%s] : %s" % (value, array.name, ", ".join(ivs), _type(array))
        )
        dims = ", ".join("d%d" % axis for axis in range(len(ivs)))
        linear = "d0 * %d + d1 + 1" % array.dims[1] if len(ivs) > 1 else "d0 + 1"
        weight_index = writer.fresh()
        writer.emit(
            "%s = affine.apply affine_map<(%s) -> (%s)>(%s)"
            % (weight_index, dims, linear, ", ".join(ivs))
        )
        weight = writer.fresh()
        writer.emit("%s = arith.index_cast %s : index to i64" % (weight, weight_index))
        product = writer.fresh()
        writer.emit("%s = arith.muli %s, %s : i64" % (product, value, weight))
        old = writer.fresh()
        writer.emit("%s = affine.load %%sum[0] : memref<1xi64>" % old)
        new = writer.fresh()
        writer.emit("%s = arith.addi %s, %s : i64" % (new, old, product))
        writer.emit("affine.store %s, %%sum[0] : memref<1xi64>" % new)
        writer.close_loops(len(ivs))
    total = writer.fresh()
    writer.emit("%s = affine.load %%sum[0] : memref<1xi64>" % total)
    writer.emit("vector.print %s : i64" % total)
    for array in inputs + outputs:
        writer.emit("memref.dealloc %s : %s" % (array.name, _type(array)))
    writer.emit("memref.dealloc %sum : memref<1xi64>")
    writer.emit("return")
    header = (
        "// generator://mlir-affine-v0/%d: a random affine loop-nest kernel (optgym.mlir.generator).\n"
        % seed
    )
    return header + "func.func @main() {\n" + "\n".join(writer.lines) + "\n}\n"
