"""Baseline agents: searches that look for better optimization decisions.

* :mod:`optgym.search.passorder`: random, greedy and beam search over the
  pass-ordering gym (``optgym.make("llvm-ic-v0")``), scored by the IR
  instruction count against -Oz.
* :mod:`optgym.search.decisions`: per-decision search in real clang builds
  (coordinate descent over the keys a build records), scored by .text size
  or runtime.

Both run from the command line (``python3 -m optgym search`` and
``python3 -m optgym tune``), take a seed and a wall-time budget, run
benchmarks in parallel and write one JSON line per benchmark (see
docs/search.md).
"""
