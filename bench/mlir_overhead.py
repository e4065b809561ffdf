#!/usr/bin/env python3
"""What OptGymMLIR.so costs mlir-opt with the default oracle.

Runs mlir-opt on each kernel of datasets/mlir-kernels, and on one module
holding every kernel many times over (so that the pass itself, not the
process start, is what is timed), in four ways, one after the other in
turns so that the machine's noise hits each alike:

  upstream      func.func(affine-loop-unroll), no plugin
  loaded        the same with OptGymMLIR.so loaded
  optgym        optgym-affine-unroll, OPTGYM_ORACLE unset
  default       optgym-affine-unroll, OPTGYM_ORACLE=default

(or optgym-affine-tile against affine-loop-tile, optgym-affine-unroll-jam
against affine-loop-unroll-jam, with --pass; --options gives both passes the
same options)

and prints the median wall time of each, and the overhead of the last
three against the first. The outputs of all four are checked to be the
same first.

  bench/mlir_overhead.py [--llvm 19|22] [--repeat N] [--copies N]
                         [--pass optgym-affine-tile|optgym-affine-unroll-jam] [--options 'cache-size=8']
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNELS = os.path.join(ROOT, "datasets", "mlir-kernels")


#: Each OptGym pass measured, with the upstream pass it replaces.
UPSTREAM = {
    "optgym-affine-unroll": "affine-loop-unroll",
    "optgym-affine-unroll-jam": "affine-loop-unroll-jam",
    "optgym-affine-tile": "affine-loop-tile",
}


def variants(llvm, plugin, ours_name, options):
    mlir_opt = "/usr/lib/llvm-%s/bin/mlir-opt" % llvm
    load = ["--load-pass-plugin=" + plugin]
    braces = "{%s}" % options if options else ""
    upstream = "--pass-pipeline=builtin.module(func.func(%s%s))" % (UPSTREAM[ours_name], braces)
    ours = "--pass-pipeline=builtin.module(%s%s)" % (ours_name, braces)
    base = {k: v for k, v in os.environ.items() if not k.startswith("OPTGYM_")}
    return {
        "upstream": ([mlir_opt, upstream], base),
        "loaded": ([mlir_opt] + load + [upstream], base),
        "optgym": ([mlir_opt] + load + [ours], base),
        "default": ([mlir_opt] + load + [ours], dict(base, OPTGYM_ORACLE="default")),
    }


def many_kernels(copies, directory):
    """One module with every kernel `copies` times, each main renamed."""
    parts = []
    for name in sorted(os.listdir(KERNELS)):
        with open(os.path.join(KERNELS, name)) as stream:
            text = stream.read()
        for copy in range(copies):
            suffix = "%s_%d" % (re.sub(r"\W", "_", name[: -len(".mlir")]), copy)
            parts.append(text.replace("func.func @main(", "func.func @main_%s(" % suffix))
    path = os.path.join(directory, "all-kernels.mlir")
    with open(path, "w") as stream:
        stream.write("\n".join(parts))
    return path


def timed(argv, env, path):
    start = time.perf_counter()
    subprocess.run(argv + [path, "-o", os.devnull], env=env, check=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llvm", default=os.environ.get("OPTGYM_LLVM_VERSION", "19"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument(
        "--pass", dest="pass_name", choices=sorted(UPSTREAM), default="optgym-affine-unroll"
    )
    parser.add_argument("--options", default="", help="the passes' options, as in {...}")
    args = parser.parse_args()
    build = "build" if args.llvm == "19" else "build-%s" % args.llvm
    plugin = os.path.join(ROOT, build, "lib", "OptGymMLIR.so")
    if not os.path.exists(plugin):
        sys.exit("mlir_overhead: no %s (utils/build.sh %s builds it)" % (plugin, args.llvm))
    ways = variants(args.llvm, plugin, args.pass_name, args.options)
    with tempfile.TemporaryDirectory(prefix="optgym-mlir-bench-") as scratch:
        inputs = [os.path.join(KERNELS, n) for n in sorted(os.listdir(KERNELS))]
        inputs.append(many_kernels(args.copies, scratch))
        print("| input | upstream (ms) | loaded | optgym | default oracle | overhead of default |")
        print("|---|---:|---:|---:|---:|---:|")
        for path in inputs:
            outputs = {
                way: subprocess.run(argv + [path], env=env, check=True, capture_output=True).stdout
                for way, (argv, env) in ways.items()
            }
            if len(set(outputs.values())) != 1:
                sys.exit("mlir_overhead: %s: the outputs differ" % path)
            samples = {way: [] for way in ways}
            for _ in range(args.repeat):
                for way, (argv, env) in ways.items():
                    samples[way].append(timed(argv, env, path))
                print(".", end="", file=sys.stderr, flush=True)
            ms = {way: 1000 * statistics.median(times) for way, times in samples.items()}
            print(
                "| %s | %.1f | %.1f | %.1f | %.1f | %+.1f%% |"
                % (
                    os.path.basename(path),
                    ms["upstream"],
                    ms["loaded"],
                    ms["optgym"],
                    ms["default"],
                    100 * (ms["default"] / ms["upstream"] - 1),
                ),
                flush=True,
            )
        print(file=sys.stderr)


if __name__ == "__main__":
    main()
