"""Builds of a search (optgym.search.builds) from a benchmark's bitcode: the
module gets the function attributes clang gives at the level, as a build
of the source would, so a unit collected from a -O2 build is searched as
-Oz code."""

import tempfile
import unittest
from pathlib import Path

import optgym
from optgym.search.builds import ProgramBuilder

from machine import needs, require_clang

# What clang -O2 -Xclang -disable-llvm-passes leaves of a function: no
# minsize, no optsize. @untouched is a -O0 function (optnone, noinline).
UNIT = b"""
define i32 @sum(ptr %p, i32 %n) #0 {
entry:
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i.next, %loop ]
  %s = phi i32 [ 0, %entry ], [ %s.next, %loop ]
  %a = getelementptr i32, ptr %p, i32 %i
  %v = load i32, ptr %a
  %s.next = add i32 %s, %v
  %i.next = add i32 %i, 1
  %done = icmp eq i32 %i.next, %n
  br i1 %done, label %exit, label %loop
exit:
  ret i32 %s.next
}

define i32 @untouched(i32 %x) #1 {
  ret i32 %x
}

attributes #0 = { nounwind }
attributes #1 = { noinline nounwind optnone }
"""


def function_attributes(text, name):
    """The attribute group line of function ``name`` in textual IR."""
    header = next(line for line in text.splitlines() if line.startswith("define") and name in line)
    group = header.split("#")[-1].split()[0]
    return next(line for line in text.splitlines() if line.startswith("attributes #" + group))


@needs(require_clang)
class LevelAttributesTest(unittest.TestCase):
    def setUp(self) -> None:
        self.bench = optgym.Benchmark.from_file_contents("benchmark://test-v0/unit", UNIT)

    def source_text(self, level: str) -> str:
        with tempfile.TemporaryDirectory() as scratch:
            with ProgramBuilder(self.bench, level, scratch=Path(scratch)) as builder:
                self.assertEqual(len(builder.sources), 1)
                text = self.bench.disassemble(builder.sources[0])
                builder.build()  # the edited module compiles
        return text

    def test_oz_gives_minsize_and_optsize(self) -> None:
        text = self.source_text("z")
        self.assertIn("minsize", function_attributes(text, "@sum"))
        self.assertIn("optsize", function_attributes(text, "@sum"))
        # optnone excludes both: it goes, noinline stays.
        untouched = function_attributes(text, "@untouched")
        self.assertIn("minsize", untouched)
        self.assertNotIn("optnone", untouched)
        self.assertIn("noinline", untouched)

    def test_os_gives_optsize_only(self) -> None:
        attributes = function_attributes(self.source_text("s"), "@sum")
        self.assertIn("optsize", attributes)
        self.assertNotIn("minsize", attributes)

    def test_o2_leaves_the_module_alone(self) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            with ProgramBuilder(self.bench, "2", scratch=Path(scratch)) as builder:
                self.assertEqual(builder.sources, [self.bench.bitcode_path()])


if __name__ == "__main__":
    unittest.main()
