// In a clang build, forced inline choices take effect.
// RUN: rm -rf %t && split-file %s %t && cd %t
// RUN: %clang -O2 -S -emit-llvm input.c -o - | FileCheck %s --check-prefix=BASE
// RUN: env OPTGYM_KEY_ROOT=%t OPTGYM_ORACLE=policy:policy.json %optgym-clang -O2 -S -emit-llvm input.c -o - | FileCheck %s
// BASE-LABEL: define {{.*}} @caller(
// BASE-NOT: call {{.*}}@twice(
// BASE: ret i32
// CHECK-LABEL: define {{.*}} @caller(
// CHECK: call {{.*}}@twice(
// CHECK: ret i32

//--- input.c
static int twice(int x) { return 2 * x; }
int caller(int x) { return twice(x) + 1; }
//--- policy.json
{"format": "optgym-policy", "version": 1,
 "decisions": {"inline": {"table": {"input.c:caller:call#0:twice": "no-inline"}}}}
