#!/usr/bin/env bash
# Runs every OptGym test on each LLVM major in OPTGYM_LLVM_VERSIONS (default
# "19 22"): installs what is missing, builds, then runs the lit tests and the
# GoogleTest unit tests. Ends with "N passed, N failed"; exits non-zero if a
# build or a test failed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
versions="${OPTGYM_LLVM_VERSIONS:-19 22}"
OPTGYM_LLVM_VERSIONS="$versions" "$root/utils/setup.sh" || exit 1

passed=0
failed=0
status=0
for v in $versions; do
  echo "== LLVM $v"
  if ! "$root/utils/build.sh" "$v"; then
    echo "optgym test: the LLVM $v build failed"
    status=1
    failed=$((failed + 1))
    continue
  fi
  dir="$root/build"
  [[ "$v" == 19 ]] || dir="$root/build-$v"
  lit="/usr/lib/llvm-$v/build/utils/lit/lit.py"
  [[ -e "$lit" ]] || lit="/usr/lib/llvm-$v/bin/lit"
  log="$dir/lit.log"
  python3 "$lit" -sv "$dir/test/lit" "$dir/test/unit" 2>&1 | tee "$log"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
  # lit closes with "  Passed: N" / "  Failed: N" (padded when several
  # categories are listed).
  p=$(sed -nE 's/^ *Passed *: *([0-9]+).*/\1/p' "$log" | tail -1)
  f=$(sed -nE 's/^ *Failed *: *([0-9]+).*/\1/p' "$log" | tail -1)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
echo "$passed passed, $failed failed"
exit "$status"
