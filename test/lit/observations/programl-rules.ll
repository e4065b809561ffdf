; The ProgramlJson rules for what the by-hand test has not: global values
; and intrinsics, indirect calls, a switch with two cases to one block,
; an unused argument, an unreachable block; every node and edge derived by
; hand (docs/gym.md#program-graphs). A function or a global named as an
; operand is a constant node ("ptr @noop"); the call through %f has a data
; edge from %f and no call edge; the intrinsic is a declaration called
; through the root; the switch's case values are at positions 1 and 2 (not
; its operand numbers: LLVM 22 keeps case values out of the operands) and
; its successors 0 (default), 1 and 2 (two edges to %zero, keys 0 and 1); the
; unused %unused has no node; %dead's unreachable has no edge.
; RUN: %python %S/../Inputs/programl.py --opt %opt --plugin %plugin %s | FileCheck %s

; CHECK:      graph: ok
; CHECK-NEXT: functions: noop rules
; CHECK-NEXT: nodes: 21 = 10 instructions + 3 variables + 8 constants
; CHECK-NEXT: edges: 28 = 7 control + 14 data + 7 call
; CHECK-NEXT: n0 instruction [external] | [external]
; CHECK-NEXT: n1 instruction f#0 b0 ret | ret void
; CHECK-NEXT: n2 instruction f#1 b0 store | store ptr @noop, ptr @fp, align 8
; CHECK-NEXT: n3 instruction f#1 b0 call | call void %f()
; CHECK-NEXT: n4 instruction f#1 b0 call | call void @llvm.memset.p0.i64(ptr @table, i8 0, i64 8, i1 false)
; CHECK-NEXT: n5 instruction f#1 b0 switch | switch i32 %k, label %other [ i32 0, label %zero i32 1, label %zero ]
; CHECK-NEXT: n6 instruction f#1 b1 load | %v = load i32, ptr @table, align 4
; CHECK-NEXT: n7 instruction f#1 b1 ret | ret i32 %v
; CHECK-NEXT: n8 instruction f#1 b2 ret | ret i32 0
; CHECK-NEXT: n9 instruction f#1 b3 unreachable | unreachable
; CHECK-NEXT: n10 constant f#1 b0 ptr | ptr @noop
; CHECK-NEXT: n11 constant f#1 b0 ptr | ptr @fp
; CHECK-NEXT: n12 variable f#1 b0 ptr | ptr %f
; CHECK-NEXT: n13 constant f#1 b0 ptr | ptr @table
; CHECK-NEXT: n14 constant f#1 b0 i8 | i8 0
; CHECK-NEXT: n15 constant f#1 b0 i64 | i64 8
; CHECK-NEXT: n16 constant f#1 b0 i1 | i1 false
; CHECK-NEXT: n17 variable f#1 b0 i32 | i32 %k
; CHECK-NEXT: n18 constant f#1 b0 i32 | i32 0
; CHECK-NEXT: n19 constant f#1 b0 i32 | i32 1
; CHECK-NEXT: n20 variable f#1 b1 i32 | i32 %v
; CHECK-NEXT: e n0 -> n1 call 0
; CHECK-NEXT: e n0 -> n2 call 0
; CHECK-NEXT: e n1 -> n0 call 0
; CHECK-NEXT: e n10 -> n2 data 0
; CHECK-NEXT: e n11 -> n2 data 1
; CHECK-NEXT: e n2 -> n3 control 0
; CHECK-NEXT: e n12 -> n3 data 0
; CHECK-NEXT: e n3 -> n4 control 0
; CHECK-NEXT: e n13 -> n4 data 0
; CHECK-NEXT: e n14 -> n4 data 1
; CHECK-NEXT: e n15 -> n4 data 2
; CHECK-NEXT: e n16 -> n4 data 3
; CHECK-NEXT: e n4 -> n0 call 0
; CHECK-NEXT: e n0 -> n4 call 0
; CHECK-NEXT: e n4 -> n5 control 0
; CHECK-NEXT: e n17 -> n5 data 0
; CHECK-NEXT: e n18 -> n5 data 1
; CHECK-NEXT: e n19 -> n5 data 2
; CHECK-NEXT: e n5 -> n8 control 0
; CHECK-NEXT: e n5 -> n6 control 1
; CHECK-NEXT: e n5 -> n6 control 2
; CHECK-NEXT: e n13 -> n6 data 0
; CHECK-NEXT: e n6 -> n20 data 0
; CHECK-NEXT: e n6 -> n7 control 0
; CHECK-NEXT: e n20 -> n7 data 0
; CHECK-NEXT: e n7 -> n0 call 0
; CHECK-NEXT: e n18 -> n8 data 0
; CHECK-NEXT: e n8 -> n0 call 0
; CHECK-NOT:  {{.}}

@table = global [2 x i32] [i32 1, i32 2]
@fp = global ptr null

declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)

define internal void @noop() {
  ret void
}

define i32 @rules(i32 %k, ptr %f, i32 %unused) {
entry:
  store ptr @noop, ptr @fp, align 8
  call void %f()
  call void @llvm.memset.p0.i64(ptr @table, i8 0, i64 8, i1 false)
  switch i32 %k, label %other [ i32 0, label %zero
                                i32 1, label %zero ]
zero:
  %v = load i32, ptr @table, align 4
  ret i32 %v
other:
  ret i32 0
dead:
  unreachable
}
