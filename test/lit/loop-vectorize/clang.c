// In a clang build, a forced width takes effect, also at -Oz where LLVM
// vectorizes only on request.
// RUN: rm -rf %t && split-file %s %t && cd %t
// RUN: env OPTGYM_ORACLE=policy:policy.json %optgym-clang -O2 -S -emit-llvm input.c -o - | FileCheck %s
// RUN: env OPTGYM_ORACLE=policy:policy.json %optgym-clang -Oz -S -emit-llvm input.c -o - | FileCheck %s
// CHECK-LABEL: define {{.*}} @add(
// CHECK: add nsw <16 x i32>

//--- input.c
void add(int *restrict a, const int *restrict b, int n) {
  for (int i = 0; i < n; i++)
    a[i] += b[i];
}
//--- policy.json
{"format": "optgym-policy", "version": 1,
 "decisions": {"loop-vectorize": {"table": {"input.c:add:loop#0": "w16i1"}}}}
