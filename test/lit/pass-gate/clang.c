// In a clang build, the gate is asked and its answers take effect: with
// every function pass skipped, the stack slot clang emits stays.
// RUN: rm -rf %t && split-file %s %t && cd %t
// RUN: %clang -O2 -S -emit-llvm input.c -o - | FileCheck %s --check-prefix=BASE
// RUN: env OPTGYM_ORACLE=policy:policy.json %optgym-clang -O2 -S -emit-llvm input.c -o - | FileCheck %s
// BASE-LABEL: define {{.*}} @slot(
// BASE-NOT: alloca
// BASE: ret i32
// CHECK-LABEL: define {{.*}} @slot(
// CHECK: alloca
// CHECK: ret i32

//--- input.c
int slot(int x) { int y = x * 5; return y + 1; }
//--- policy.json
{"format": "optgym-policy", "version": 1,
 "decisions": {"pass-gate": {"model": {"tree": {
   "feature": "unit", "eq": "function",
   "then": {"choice": "skip"}, "else": {"choice": "run"}}}}}}
