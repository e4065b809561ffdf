; opt answered by a Python agent: the agent's answer reaches the loop as
; unroll metadata, and the default agent leaves the output as LLVM makes it.
; RUN: rm -rf %t && mkdir -p %t
; RUN: %optgym-cli run-build --agent %S/Inputs/unroll-by-four.py -- %opt -load-pass-plugin={plugin} -passes=optgym-loop-unroll %s -S -o %t/forced.ll
; RUN: FileCheck %s < %t/forced.ll
; CHECK-LABEL: define void @count_up(
; CHECK: br i1 %{{.*}}, label %{{.*}}, label %{{.*}}, !llvm.loop [[LOOP:![0-9]+]]
; CHECK: [[LOOP]] = distinct !{[[LOOP]], [[COUNT:![0-9]+]],
; CHECK: [[COUNT]] = !{!"llvm.loop.unroll.count", i32 4}

; RUN: %optgym-cli run-build --agent default -- %opt -load-pass-plugin={plugin} -passes='default<O2>' %s -S -o %t/agent.ll
; RUN: env OPTGYM_ORACLE=default %optgym-opt -passes='default<O2>' %s -S -o %t/default.ll
; RUN: diff %t/default.ll %t/agent.ll

define void @count_up(ptr %a, i32 %n) {
entry:
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %next, %loop ]
  %p = getelementptr inbounds i32, ptr %a, i32 %i
  store i32 %i, ptr %p
  %next = add nuw nsw i32 %i, 1
  %done = icmp eq i32 %next, %n
  br i1 %done, label %exit, label %loop
exit:
  ret void
}
