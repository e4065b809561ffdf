// In a clang build, a forced width takes effect, also at -Oz where LLVM
// vectorizes only on request.
// RUN: rm -rf %t && split-file %s %t && cd %t
// RUN: env OPTGYM_KEY_ROOT=%t OPTGYM_ORACLE=policy:policy.json %optgym-clang -O2 -S -emit-llvm input.c -o - | FileCheck %s
// RUN: env OPTGYM_KEY_ROOT=%t OPTGYM_ORACLE=policy:policy.json %optgym-clang -Oz -S -emit-llvm input.c -o - | FileCheck %s --check-prefix=OZ
// RUN: %clang -Oz -S -emit-llvm input.c -o - | FileCheck %s --check-prefix=OZ-BASE
// CHECK-LABEL: define {{.*}} @add(
// CHECK: add nsw <16 x i32>
// At -Oz the vector loop may be tail-folded (masked), so look for any
// 16-lane vector and the vectorizer's mark.
// OZ-LABEL: define {{.*}} @add(
// OZ: <16 x
// OZ: !"llvm.loop.isvectorized"
// OZ-BASE-NOT: !"llvm.loop.isvectorized"

//--- input.c
void add(int *restrict a, const int *restrict b, int n) {
  for (int i = 0; i < n; i++)
    a[i] += b[i];
}
//--- policy.json
{"format": "optgym-policy", "version": 1,
 "decisions": {"loop-vectorize": {"table": {"input.c:add:loop#0": "w16i1"}}}}
