; print<optgym-loop-features> prints the loop-unroll and loop-vectorize
; feature vectors of every loop, keyed like the decisions.
; RUN: %optgym-opt -passes='function(mem2reg,instcombine<no-verify-fixpoint>,loop-simplify,loop(loop-rotate),print<optgym-loop-features>)' -disable-output %s 2>&1 | FileCheck %s
; Counts include subloops; est_unrolled_size is body_insts * trip_count.
; CHECK: nest.c:nest:loop#0 loop-unroll: depth=1 innermost=0 trip_count=10 max_trip_count=10 trip_multiple=10 body_insts=18 blocks=5 exits=1 calls=1 subloops=1 est_unrolled_size=180
; CHECK-NEXT: nest.c:nest:loop#1 loop-unroll: depth=2 innermost=1 trip_count=0 max_trip_count=2147483647 trip_multiple=1 body_insts=10 blocks=1 exits=1 calls=1 subloops=0 est_unrolled_size=0
; CHECK-NEXT: loop-vectorize: depth=2 trip_count=0 max_trip_count=2147483647 body_insts=10 blocks=1 exits=1 calls=1 loads=1 stores=1 fp_ops=1 header_phis=1
source_filename = "nest.c"

declare void @use(i32)

define void @nest(ptr %a, i32 %n) {
entry:
  br label %outer

outer:
  %i = phi i32 [ 0, %entry ], [ %i.next, %outer.latch ]
  %guard = icmp sgt i32 %n, 0
  br i1 %guard, label %inner, label %outer.latch

inner:
  %j = phi i32 [ 0, %outer ], [ %j.next, %inner ]
  %p = getelementptr float, ptr %a, i32 %j
  %v = load float, ptr %p
  %w = fmul float %v, 2.0
  store float %w, ptr %p
  call void @use(i32 %j)
  %j.next = add nsw i32 %j, 1
  %c = icmp slt i32 %j.next, %n
  br i1 %c, label %inner, label %outer.latch

outer.latch:
  %i.next = add nsw i32 %i, 1
  %d = icmp slt i32 %i.next, 10
  br i1 %d, label %outer, label %exit

exit:
  ret void
}
