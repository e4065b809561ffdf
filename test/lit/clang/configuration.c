// The clang door: a configuration error fails the compile with one error and
// exit status 1 at every -O level; -mllvm options work, on LLVM 19 with the
// -fplugin= workaround (clang 19 parses -mllvm before loading pass plugins);
// with OPTGYM_ORACLE unset the plugin is inert and warns that a requested
// recording will not happen.
// RUN: rm -rf %t && split-file %s %t && cd %t
// DEFINE: %{status} = %python %S/../Inputs/exit-status.py

// RUN: env OPTGYM_KEY_ROOT=%t OPTGYM_ORACLE=bogus %{status} %optgym-clang -O2 -c input.c -o input.o 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: env OPTGYM_KEY_ROOT=%t OPTGYM_ORACLE=bogus %{status} %optgym-clang -O0 -c input.c -o input.o 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: env OPTGYM_KEY_ROOT=%t OPTGYM_ORACLE=policy:broken.json %{status} %optgym-clang -Oz -c input.c -o input.o 2>&1 | FileCheck %s --check-prefix=BROKEN
// BAD: error: optgym: OPTGYM_ORACLE=bogus: unknown oracle 'bogus'
// BAD: exit status 1
// BROKEN: error: optgym: broken.json:1:40: unsupported policy version (this OptGym reads versions 1 to 2)
// BROKEN: exit status 1

// RUN: %{status} %clang -fplugin=%plugin -fpass-plugin=%plugin -mllvm -optgym-oracle=nope -O2 -c input.c -o input.o 2>&1 | FileCheck %s --check-prefix=MLLVM
// MLLVM: error: optgym: -optgym-oracle=nope: unknown oracle 'nope'
// MLLVM: exit status 1
// RUN: %clang -fplugin=%plugin -fpass-plugin=%plugin -mllvm -optgym-key-root=%t -mllvm -optgym-oracle=policy:policy.json -O2 -S -emit-llvm input.c -o - | FileCheck %s --check-prefix=KEPT
// KEPT: call {{.*}}@twice(

// RUN: %clang -O2 -c input.c -o ref.o
// RUN: env OPTGYM_KEY_ROOT=%t OPTGYM_RECORD=trace.jsonl %optgym-clang -O2 -c input.c -o inert.o 2>&1 | FileCheck %s --check-prefix=INERT
// RUN: cmp ref.o inert.o
// RUN: not ls trace.jsonl
// INERT: optgym: warning: OPTGYM_RECORD is set but OPTGYM_ORACLE is not, so nothing is recorded

//--- input.c
static int twice(int x) { return 2 * x; }
int caller(int x) { return twice(x) + 1; }
//--- broken.json
{"format": "optgym-policy", "version": 7,    "decisions": {}}
//--- policy.json
{"format": "optgym-policy", "version": 1,
 "decisions": {"inline": {"table": {"input.c:caller:call#0:twice": "no-inline"}}}}
