// A clang build answered by a Python agent: its forced answers take effect
// (count:3 unrolling, no inlining of `square`), and run-build reports the
// unit's decisions and its optimized IR size.
// RUN: rm -rf %t && split-file %s %t && cd %t
// RUN: %optgym-cli run-build --agent agent.py -- %clang -O2 -S -emit-llvm -fpass-plugin={plugin} input.c -o out.ll | FileCheck %s --check-prefix=UNITS
// RUN: FileCheck %s < out.ll
// UNITS: input.c queries={{[1-9][0-9]*}} departures={{[1-9][0-9]*}} ir_instructions={{[1-9][0-9]*}}
// CHECK-LABEL: define {{.*}} @triple(
// CHECK-COUNT-4: mul nsw i32 %{{.*}}, 3
// CHECK-NOT: mul nsw
// CHECK: {{^}}}
// CHECK-LABEL: define {{.*}} @sum_squares(
// CHECK: call {{.*}} @square(

//--- input.c
void triple(int *a, int n) {
  for (int i = 0; i < n; i++)
    a[i] *= 3;
}
static int square(int x) { return x * x; }
int sum_squares(int n) {
  int s = 0;
  for (int i = 0; i < n; i++)
    s += square(i);
  return s;
}
//--- agent.py
def decide(query):
    if query.kind == "loop-unroll" and query.key.endswith(":triple:loop#0"):
        return "count:3"
    if query.kind == "loop-vectorize":
        return "off"
    if query.kind == "inline" and query.key.endswith(":square"):
        return "no-inline"
    return query.default
