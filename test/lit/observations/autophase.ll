; The Autophase vector of a small module, every one of the 56 features
; counted by hand: the order and meaning of CompilerGym's observation.
; RUN: %optgym-opt -passes='print<optgym-autophase>' -disable-output %s 2>&1 | FileCheck %s
; CHECK:      Autophase of {{.*}}autophase.ll:
; CHECK-NEXT:   BBNumArgsHi: 0
; CHECK-NEXT:   BBNumArgsLo: 1
; CHECK-NEXT:   onePred: 1
; CHECK-NEXT:   onePredOneSuc: 0
; CHECK-NEXT:   onePredTwoSuc: 0
; CHECK-NEXT:   oneSuccessor: 1
; CHECK-NEXT:   twoPred: 1
; CHECK-NEXT:   twoPredOneSuc: 0
; CHECK-NEXT:   twoEach: 1
; CHECK-NEXT:   twoSuccessor: 1
; CHECK-NEXT:   morePreds: 0
; CHECK-NEXT:   BB03Phi: 1
; CHECK-NEXT:   BBHiPhi: 0
; CHECK-NEXT:   BBNoPhi: 2
; CHECK-NEXT:   BeginPhi: 1
; CHECK-NEXT:   BranchCount: 2
; CHECK-NEXT:   returnInt: 1
; CHECK-NEXT:   CriticalCount: 1
; CHECK-NEXT:   NumEdges: 3
; The alloca's array size is an implicit i32 1.
; CHECK-NEXT:   const32Bit: 5
; CHECK-NEXT:   const64Bit: 0
; CHECK-NEXT:   numConstZeroes: 2
; CHECK-NEXT:   numConstOnes: 3
; CHECK-NEXT:   UncondBranches: 1
; CHECK-NEXT:   binaryConstArg: 1
; CHECK-NEXT:   NumAShrInst: 0
; CHECK-NEXT:   NumAddInst: 2
; CHECK-NEXT:   NumAllocaInst: 1
; CHECK-NEXT:   NumAndInst: 0
; CHECK-NEXT:   BlockMid: 0
; CHECK-NEXT:   BlockLow: 3
; CHECK-NEXT:   NumBitCastInst: 0
; CHECK-NEXT:   NumBrInst: 2
; CHECK-NEXT:   NumCallInst: 1
; CHECK-NEXT:   NumGetElementPtrInst: 0
; CHECK-NEXT:   NumICmpInst: 1
; CHECK-NEXT:   NumLShrInst: 0
; CHECK-NEXT:   NumLoadInst: 1
; CHECK-NEXT:   NumMulInst: 0
; CHECK-NEXT:   NumOrInst: 0
; CHECK-NEXT:   NumPHIInst: 2
; CHECK-NEXT:   NumRetInst: 1
; CHECK-NEXT:   NumSExtInst: 0
; CHECK-NEXT:   NumSelectInst: 0
; CHECK-NEXT:   NumShlInst: 0
; CHECK-NEXT:   NumStoreInst: 1
; CHECK-NEXT:   NumSubInst: 0
; CHECK-NEXT:   NumTruncInst: 1
; CHECK-NEXT:   NumXorInst: 0
; CHECK-NEXT:   NumZExtInst: 1
; CHECK-NEXT:   TotalBlocks: 3
; CHECK-NEXT:   TotalInsts: 14
; CHECK-NEXT:   TotalMemInst: 4
; CHECK-NEXT:   TotalFuncs: 2
; CHECK-NEXT:   ArgsPhi: 4
; CHECK-NEXT:   testUnary: 4
; CHECK-NOT:  {{.}}

; RUN: %optgym-opt -passes='print<optgym-instcount>' -disable-output %s 2>&1 | FileCheck %s --check-prefix=INSTCOUNT
; INSTCOUNT:      InstCount of {{.*}}autophase.ll:
; INSTCOUNT-NEXT:   TotalInsts: 14
; INSTCOUNT-NEXT:   TotalBlocks: 3
; INSTCOUNT-NEXT:   TotalFuncs: 2
; INSTCOUNT-NEXT:   NumRetInst: 1
; INSTCOUNT-NEXT:   NumBrInst: 2
; INSTCOUNT-NEXT:   NumSwitchInst: 0
; INSTCOUNT:        NumAddInst: 2
; INSTCOUNT:        NumAllocaInst: 1
; INSTCOUNT-NEXT:   NumLoadInst: 1
; INSTCOUNT-NEXT:   NumStoreInst: 1
; INSTCOUNT:        NumTruncInst: 1
; INSTCOUNT-NEXT:   NumZExtInst: 1
; INSTCOUNT:        NumICmpInst: 1
; INSTCOUNT:        NumPHIInst: 2
; INSTCOUNT-NEXT:   NumCallInst: 1
; INSTCOUNT:        NumFreezeInst: 0

define i32 @f(i32 %n, ptr %p) {
entry:
  %a = alloca i32
  store i32 0, ptr %a
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %next, %loop ]
  %s = phi i32 [ 1, %entry ], [ %t, %loop ]
  %x = load i32, ptr %p
  %t = add i32 %s, %x
  %next = add i32 %i, 1
  %c = icmp slt i32 %next, %n
  br i1 %c, label %loop, label %exit
exit:
  %r = call i32 @g(i32 %t)
  %z = zext i32 %r to i64
  %tr = trunc i64 %z to i32
  ret i32 %tr
}

declare i32 @g(i32)
