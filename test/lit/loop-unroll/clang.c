// In a clang build, forced unroll choices take effect: count:3 (with
// vectorization off) gives three copies of the body plus one in the
// remainder loop, and -Werror builds do not fail on OptGym's hints.
// RUN: rm -rf %t && split-file %s %t && cd %t
// RUN: env OPTGYM_KEY_ROOT=%t OPTGYM_ORACLE=policy:policy.json %optgym-clang -O2 -Werror -S -emit-llvm input.c -o - | FileCheck %s
// CHECK-LABEL: define {{.*}} @triple(
// CHECK-COUNT-4: mul nsw i32 %{{.*}}, 3
// CHECK-NOT: mul nsw
// CHECK: {{^}}}

//--- input.c
void triple(int *a, int n) {
  for (int i = 0; i < n; i++)
    a[i] *= 3;
}
//--- policy.json
{"format": "optgym-policy", "version": 1,
 "decisions": {"loop-unroll": {"table": {"input.c:triple:loop#0": "count:3"}},
               "loop-vectorize": {"fallback": "off"}}}
