; The ProgramlJson graph of a module with a call, a loop, phis and a
; declaration, every node and edge derived by hand from the rules of
; docs/gym.md#program-graphs: instruction nodes first (function by function,
; in program order), then each function's variables and constants in the
; order its instructions first name them; edges in the order the builder
; visits the instructions. The unused result of the second call of @ext has
; no variable node; the constant 0 is one node for its three uses in @loop.
; RUN: %python %S/../Inputs/programl.py --opt %opt --plugin %plugin %s | FileCheck %s

; CHECK:      graph: ok
; CHECK-NEXT: functions: sq loop
; CHECK-NEXT: nodes: 27 = 15 instructions + 10 variables + 2 constants
; CHECK-NEXT: edges: 49 = 13 control + 26 data + 10 call
; CHECK-NEXT: n0 instruction [external] | [external]
; CHECK-NEXT: n1 instruction f#0 b0 mul | %m = mul i32 %x, %x
; CHECK-NEXT: n2 instruction f#0 b0 ret | ret i32 %m
; CHECK-NEXT: n3 instruction f#1 b0 br | br label %head
; CHECK-NEXT: n4 instruction f#1 b1 phi | %i = phi i32 [ 0, %entry ], [ %next, %body ]
; CHECK-NEXT: n5 instruction f#1 b1 phi | %acc = phi i32 [ 0, %entry ], [ %sum, %body ]
; CHECK-NEXT: n6 instruction f#1 b1 icmp | %done = icmp eq i32 %i, %n
; CHECK-NEXT: n7 instruction f#1 b1 br | br i1 %done, label %exit, label %body
; CHECK-NEXT: n8 instruction f#1 b2 call | %s = call i32 @sq(i32 %i)
; CHECK-NEXT: n9 instruction f#1 b2 add | %sum = add i32 %acc, %s
; CHECK-NEXT: n10 instruction f#1 b2 add | %next = add i32 %i, 1
; CHECK-NEXT: n11 instruction f#1 b2 br | br label %head
; CHECK-NEXT: n12 instruction f#1 b3 call | %e = call i32 @ext(i32 %acc)
; CHECK-NEXT: n13 instruction f#1 b3 call | %unused = call i32 @ext(i32 0)
; CHECK-NEXT: n14 instruction f#1 b3 ret | ret i32 %e
; CHECK-NEXT: n15 variable f#0 b0 i32 | i32 %x
; CHECK-NEXT: n16 variable f#0 b0 i32 | i32 %m
; CHECK-NEXT: n17 constant f#1 b1 i32 | i32 0
; CHECK-NEXT: n18 variable f#1 b2 i32 | i32 %next
; CHECK-NEXT: n19 variable f#1 b1 i32 | i32 %i
; CHECK-NEXT: n20 variable f#1 b2 i32 | i32 %sum
; CHECK-NEXT: n21 variable f#1 b1 i32 | i32 %acc
; CHECK-NEXT: n22 variable f#1 b0 i32 | i32 %n
; CHECK-NEXT: n23 variable f#1 b1 i1 | i1 %done
; CHECK-NEXT: n24 variable f#1 b2 i32 | i32 %s
; CHECK-NEXT: n25 constant f#1 b2 i32 | i32 1
; CHECK-NEXT: n26 variable f#1 b3 i32 | i32 %e
; The root calls every function with a body.
; CHECK-NEXT: e n0 -> n1 call 0
; CHECK-NEXT: e n0 -> n3 call 0
; @sq: %x twice, at operands 0 and 1 (keys 0 and 1); its return goes back
; to the root.
; CHECK-NEXT: e n15 -> n1 data 0
; CHECK-NEXT: e n15 -> n1 data 1
; CHECK-NEXT: e n1 -> n16 data 0
; CHECK-NEXT: e n1 -> n2 control 0
; CHECK-NEXT: e n16 -> n2 data 0
; CHECK-NEXT: e n2 -> n0 call 0
; @loop: the entry's branch to the header.
; CHECK-NEXT: e n3 -> n4 control 0
; The phis: incoming values at their operand positions, one of them from a
; later block.
; CHECK-NEXT: e n17 -> n4 data 0
; CHECK-NEXT: e n18 -> n4 data 1
; CHECK-NEXT: e n4 -> n19 data 0
; CHECK-NEXT: e n4 -> n5 control 0
; CHECK-NEXT: e n17 -> n5 data 0
; CHECK-NEXT: e n20 -> n5 data 1
; CHECK-NEXT: e n5 -> n21 data 0
; CHECK-NEXT: e n5 -> n6 control 0
; CHECK-NEXT: e n19 -> n6 data 0
; CHECK-NEXT: e n22 -> n6 data 1
; CHECK-NEXT: e n6 -> n23 data 0
; CHECK-NEXT: e n6 -> n7 control 0
; The conditional branch: its condition is operand 0; successor 0 is the
; true destination (exit), successor 1 the loop body.
; CHECK-NEXT: e n23 -> n7 data 0
; CHECK-NEXT: e n7 -> n12 control 0
; CHECK-NEXT: e n7 -> n8 control 1
; The call of @sq: no data edge from the callee; a call edge to its entry
; and one from its return.
; CHECK-NEXT: e n19 -> n8 data 0
; CHECK-NEXT: e n8 -> n24 data 0
; CHECK-NEXT: e n8 -> n1 call 0
; CHECK-NEXT: e n2 -> n8 call 0
; CHECK-NEXT: e n8 -> n9 control 0
; CHECK-NEXT: e n21 -> n9 data 0
; CHECK-NEXT: e n24 -> n9 data 1
; CHECK-NEXT: e n9 -> n20 data 0
; CHECK-NEXT: e n9 -> n10 control 0
; CHECK-NEXT: e n19 -> n10 data 0
; CHECK-NEXT: e n25 -> n10 data 1
; CHECK-NEXT: e n10 -> n18 data 0
; CHECK-NEXT: e n10 -> n11 control 0
; The back edge.
; CHECK-NEXT: e n11 -> n4 control 0
; Calls of the declaration @ext go to the root and come back from it.
; CHECK-NEXT: e n21 -> n12 data 0
; CHECK-NEXT: e n12 -> n26 data 0
; CHECK-NEXT: e n12 -> n0 call 0
; CHECK-NEXT: e n0 -> n12 call 0
; CHECK-NEXT: e n12 -> n13 control 0
; CHECK-NEXT: e n17 -> n13 data 0
; CHECK-NEXT: e n13 -> n0 call 0
; CHECK-NEXT: e n0 -> n13 call 0
; CHECK-NEXT: e n13 -> n14 control 0
; CHECK-NEXT: e n26 -> n14 data 0
; CHECK-NEXT: e n14 -> n0 call 0
; CHECK-NOT:  {{.}}

declare i32 @ext(i32)

define i32 @sq(i32 %x) {
  %m = mul i32 %x, %x
  ret i32 %m
}

define i32 @loop(i32 %n) {
entry:
  br label %head
head:
  %i = phi i32 [ 0, %entry ], [ %next, %body ]
  %acc = phi i32 [ 0, %entry ], [ %sum, %body ]
  %done = icmp eq i32 %i, %n
  br i1 %done, label %exit, label %body
body:
  %s = call i32 @sq(i32 %i)
  %sum = add i32 %acc, %s
  %next = add i32 %i, 1
  br label %head
exit:
  %e = call i32 @ext(i32 %acc)
  %unused = call i32 @ext(i32 0)
  ret i32 %e
}
