// clang 22 loads pass plugins before it parses -mllvm, so OptGym's options
// work there without the -fplugin= workaround.
// REQUIRES: llvm-22
// RUN: rm -rf %t && split-file %s %t && cd %t
// RUN: %optgym-clang -mllvm -optgym-key-root=%t -mllvm -optgym-oracle=policy:policy.json -O2 -S -emit-llvm input.c -o - | FileCheck %s
// CHECK: call {{.*}}@twice(

//--- input.c
static int twice(int x) { return 2 * x; }
int caller(int x) { return twice(x) + 1; }
//--- policy.json
{"format": "optgym-policy", "version": 1,
 "decisions": {"inline": {"table": {"input.c:caller:call#0:twice": "no-inline"}}}}
