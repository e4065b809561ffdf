#!/usr/bin/env bash
# Runs every OptGym test: installs what is missing (utils/setup.sh), then for
# each LLVM major in OPTGYM_LLVM_VERSIONS (default "19 22") builds
# (utils/build.sh) and runs the lit tests (lit + FileCheck, GoogleTest) and
# the Python tests (pytest, test/python) against that major's plugin; then
# the fuzzers' smoke (utils/fuzz.sh, 15 s per target) and the linters (ruff,
# clang-format). Ends with "N passed, N failed"; exits non-zero if a build,
# a test, a fuzzer or a linter failed.
#
#   utils/test.sh            everything (CI)
#   utils/test.sh --quick    LLVM 19 only, without the slow tests (lit's
#                            UNSUPPORTED: quick, pytest's slow marker) and
#                            no fuzzing: a few minutes, for day-to-day work
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${OPTGYM_VENV:-$root/.venv}"
versions="${OPTGYM_LLVM_VERSIONS:-19 22}"
pytest_args=()
lit_args=()
fuzz=1
case "${1:-}" in
  --quick)
    versions="${OPTGYM_LLVM_VERSIONS:-19}"
    pytest_args=(-m "not slow")
    lit_args=(--param quick=1)
    fuzz=0
    ;;
  "") ;;
  *)
    echo "usage: utils/test.sh [--quick]" >&2
    exit 2
    ;;
esac
OPTGYM_LLVM_VERSIONS="$versions" "$root/utils/setup.sh" || exit 1

passed=0
failed=0
status=0
# Adds the counts of a runner's closing lines: lit's "  Passed: N" and
# "  Failed: N", pytest's "N passed, N failed" (either may be absent).
count() {
  local log="$1" summary p f
  p=$(sed -nE 's/^ *Passed *: *([0-9]+).*/\1/p' "$log" | tail -1)
  f=$(sed -nE 's/^ *Failed *: *([0-9]+).*/\1/p' "$log" | tail -1)
  summary=$(grep -E '^=+ .*[0-9]+ (passed|failed|errors?)' "$log" | tail -1)
  if [[ -n "$summary" ]]; then
    p=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+')
    f=$(grep -oE '[0-9]+ (failed|errors?)' <<<"$summary" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s}')
  fi
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
}

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

  echo "== LLVM $v: lit"
  "$venv/bin/python" "$lit" -sv "${lit_args[@]}" "$dir/test/lit" "$dir/test/unit" 2>&1 |
    tee "$dir/lit.log"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
  count "$dir/lit.log"

  echo "== LLVM $v: pytest"
  (cd "$root" && OPTGYM_PLUGIN="$dir/lib/OptGym.so" OPTGYM_MLIR_PLUGIN="$dir/lib/OptGymMLIR.so" \
    PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" -m pytest -p no:cacheprovider "${pytest_args[@]}" test/python) \
    2>&1 | tee "$dir/pytest.log"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
  count "$dir/pytest.log"
done

# The fuzzers' smoke and the linters count as one test each.
one_test() {
  if (cd "$root" && "$@"); then
    passed=$((passed + 1))
  else
    status=1
    failed=$((failed + 1))
  fi
}

# The fuzzers' smoke: every target from its seeds and regression inputs,
# 15 s each, with ASan and UBSan, built in LLVM 19's build/.
if ((fuzz)) && [[ "$versions" == *19* ]]; then
  echo "== fuzz"
  one_test utils/fuzz.sh
fi

echo "== ruff"
one_test bash -c '"$0/bin/ruff" check . && "$0/bin/ruff" format --check .' "$venv"

echo "== clang-format"
# LLVM style (.clang-format), as LLVM 19's clang-format writes it; the
# bundled C programs are datasets, not OptGym's code.
one_test bash -c 'git ls-files -z -- "*.cpp" "*.h" ":!datasets/" ":!test/lit/" |
  xargs -0 clang-format-19 --dry-run -Werror'

echo "$passed passed, $failed failed"
exit "$status"
