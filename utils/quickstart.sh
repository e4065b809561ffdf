#!/usr/bin/env bash
# OptGym end to end on built-in defaults: install what is missing, build the
# plugin, compile a bundled program with a random oracle while recording every
# decision, turn the trace into a policy, rebuild with that policy, and show
# what changed against LLVM's default build.
#
#   utils/quickstart.sh [PROGRAM.c] [ORACLE]
#
# PROGRAM.c defaults to datasets/programs/bytecode_vm.c, ORACLE to
# random:seed=1. Everything is written to build/quickstart/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
program="$(realpath "${1:-$root/datasets/programs/bytecode_vm.c}")"
oracle="${2:-random:seed=1}"
version="${OPTGYM_LLVM_VERSION:-19}"
build="$root/build"
[[ "$version" == 19 ]] || build="$root/build-$version"

OPTGYM_LLVM_VERSIONS="$version" "$root/utils/setup.sh"
"$root/utils/build.sh" "$version"
plugin="$build/lib/OptGym.so"
clang="/usr/lib/llvm-$version/bin/clang"
size="/usr/lib/llvm-$version/bin/llvm-size"
work="$build/quickstart"
rm -rf "$work" && mkdir -p "$work"
cd "$work"
cp "$program" .
src="$(basename "$program")"
name="${src%.c}"

compile() { # OUT [ENV...]: clang -O2 of the program, object and executable
  local out="$1"
  shift
  env "$@" "$clang" -O2 -fpass-plugin="$plugin" -c "$src" -o "$out.o"
  "$clang" "$out.o" -o "$out" -lm
}

echo "OptGym quickstart: $src with clang $version -O2"
compile default
./default >default.out
compile random OPTGYM_ORACLE="$oracle" OPTGYM_RECORD=trace.jsonl
./random >random.out
"$build/bin/optgym-policy" from-trace trace.jsonl -o policy.json \
  --description "quickstart: $oracle on $src" 2>/dev/null
compile policy OPTGYM_ORACLE=policy:policy.json
./policy >policy.out

text() { "$size" -A "$1" | awk '$1 == ".text" { print $2 }'; }
python3 - "$oracle" "$(text default.o)" "$(text random.o)" <<'PY'
import collections, filecmp, json, sys

oracle, text_default, text_random = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
asked = collections.Counter()
departed = collections.Counter()
examples = collections.defaultdict(list)
for line in open("trace.jsonl"):
    r = json.loads(line)
    asked[r["kind"]] += 1
    if r["chosen"] != r["default"]:
        departed[r["kind"]] += 1
        if len(examples[r["kind"]]) < 2:
            examples[r["kind"]].append("%s -> %s" % (r["key"], r["chosen"]))
entries = sum(len(k.get("table", {}))
              for k in json.load(open("policy.json"))["decisions"].values())

print("\n1. %s, every decision recorded: %d decisions in trace.jsonl"
      % (oracle, sum(asked.values())))
print("2. optgym-policy from-trace: policy.json with %d table entries" % entries)
print("3. rebuilt with policy:policy.json: object %s the recorded build's"
      % ("identical to" if filecmp.cmp("random.o", "policy.o", shallow=False)
         else "DIFFERENT from"))
print("\nWhat changed against LLVM's default build:")
for kind in ("pass-gate", "loop-unroll", "loop-vectorize", "inline"):
    print("  %-15s %5d decisions, %5d departed from the default"
          % (kind, asked[kind], departed[kind]))
    for e in examples[kind]:
        print("      e.g. " + e)
change = 100.0 * (text_random - text_default) / text_default
print("  .text           %5d bytes -> %d bytes (%+.1f%%)"
      % (text_default, text_random, change))
same = open("default.out").read() == open("random.out").read()
print("  program output  %s" % ("identical to the default build's" if same
                                else "DIFFERENT from the default build's"))
print("\nFiles: %s/{trace.jsonl,policy.json}" % __import__("os").getcwd())
sys.exit(0 if same and filecmp.cmp("random.o", "policy.o", shallow=False)
         else 1)
PY
