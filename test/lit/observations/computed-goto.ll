; A computed-goto dispatch table (a global initializer of blockaddresses,
; as GCC's labels-as-values make it; Lua's interpreter has one) used to end
; the driver: CloneModule of LLVM 19 pointed the copy's table at the
; original module's blocks, and code generation of the copy died with
; "Undefined temporary symbol". Now every observation of it works and equals
; what opt and clang give.
; RUN: rm -rf %t && %python %S/../Inputs/reference-baselines.py \
; RUN:   --plugin %plugin --opt %opt --clang %clang --out %t %s | FileCheck %s
; CHECK-NOT: MISMATCH
; CHECK: {{^}}1 modules: 1 match{{$}}

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-pc-linux-gnu"

@run.table = internal constant [4 x ptr] [ptr blockaddress(@run, %inc), ptr blockaddress(@run, %dec), ptr blockaddress(@run, %double), ptr blockaddress(@run, %halt)]

define i32 @run(ptr %code, i32 %start) #0 {
entry:
  br label %dispatch

dispatch:
  %pc = phi ptr [ %code, %entry ], [ %pc.inc, %inc ], [ %pc.dec, %dec ], [ %pc.double, %double ]
  %acc = phi i32 [ %start, %entry ], [ %acc.inc, %inc ], [ %acc.dec, %dec ], [ %acc.double, %double ]
  %op = load i8, ptr %pc
  %index = zext i8 %op to i64
  %slot = getelementptr inbounds [4 x ptr], ptr @run.table, i64 0, i64 %index
  %target = load ptr, ptr %slot
  indirectbr ptr %target, [label %inc, label %dec, label %double, label %halt]

inc:
  %acc.inc = add i32 %acc, 1
  %pc.inc = getelementptr inbounds i8, ptr %pc, i64 1
  br label %dispatch

dec:
  %acc.dec = sub i32 %acc, 1
  %pc.dec = getelementptr inbounds i8, ptr %pc, i64 1
  br label %dispatch

double:
  %acc.double = shl i32 %acc, 1
  %pc.double = getelementptr inbounds i8, ptr %pc, i64 1
  br label %dispatch

halt:
  ret i32 %acc
}

attributes #0 = { noinline nounwind "target-cpu"="x86-64" }
