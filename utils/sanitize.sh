#!/usr/bin/env bash
# Runs OptGym's lit and unit tests on an AddressSanitizer + UBSan build
# (-DOPTGYM_SANITIZE=ON, in build-asan/ for LLVM 19), with the sanitizer
# runtime preloaded into the unsanitized opt, clang and mlir-opt; then
# Valgrind's memcheck on what ASan cannot see (the plugin in an ordinary
# build, inside an ordinary opt and clang). Fails on any report.
#
#   utils/sanitize.sh            everything (about 30 minutes on 2 cores)
#   utils/sanitize.sh TEST...    only these lit tests (paths under test/lit)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${OPTGYM_VENV:-$root/.venv}"
build="$root/build-asan"
reports="$build/sanitizer-reports"

cmake -S "$root" -B "$build" -G Ninja -DOPTGYM_SANITIZE=ON -DOPTGYM_BUILD_TESTS=ON \
  -DOPTGYM_BUILD_BENCH=OFF -DOPTGYM_MLIR=ON -DOPTGYM_PYTHON="$venv/bin/python" >/dev/null
cmake --build "$build"

rm -rf "$reports"
mkdir -p "$reports"
suites=("$build/test/lit" "$build/test/unit")
if (($#)); then
  suites=()
  for t in "$@"; do
    suites+=("$build/test/lit/${t#test/lit/}")
  done
fi
status=0
if ! "$venv/bin/python" /usr/lib/llvm-19/build/utils/lit/lit.py -sv "${suites[@]}" 2>&1 |
  tee "$build/lit.log"; then
  status=1
fi
runtime_errors=$(grep -c "runtime error:" "$build/lit.log" || true)
if ((runtime_errors)); then
  echo "optgym sanitize: UBSan: $runtime_errors runtime error(s) in the tests' output:"
  grep -m 10 "runtime error:" "$build/lit.log"
  status=1
fi
# Reports go to files; UBSan's may also reach a test's output, which lit
# prints for a failing test.
found=$(find "$reports" -type f | wc -l)
for f in "$reports"/*; do
  [[ -e "$f" ]] || continue
  echo "== $f"
  head -40 "$f"
done
if ((found)); then
  echo "optgym sanitize: ASan + UBSan: $found report(s), above"
  status=1
else
  echo "optgym sanitize: ASan + UBSan: 0 reports"
fi

# Valgrind where ASan cannot reach: the shipped (unsanitized) plugin, its
# uninstrumented calls into LLVM and the hosts' own memory, on a sample of
# programs under the default, random and policy oracles.
if (($# == 0)); then
  plugin="$root/build/lib/OptGym.so"
  if [[ ! -f "$plugin" ]]; then
    "$root/utils/build.sh" 19 >/dev/null
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  runs=0
  errors=0
  for program in crc32 huffman; do
    src="$root/datasets/programs/$program.c"
    clang-19 -O0 -Xclang -disable-O0-optnone -emit-llvm -c "$src" -o "$tmp/$program.bc"
    for oracle in default random:seed=1 "policy:$root/policies/codesize.json"; do
      runs=$((runs + 1))
      if ! OPTGYM_ORACLE="$oracle" valgrind -q --error-exitcode=99 \
        --leak-check=no /usr/lib/llvm-19/bin/opt -load-pass-plugin "$plugin" \
        -passes='default<O2>' "$tmp/$program.bc" -o "$tmp/out.bc" 2>"$tmp/valgrind.log"; then
        errors=$((errors + 1))
        echo "optgym sanitize: valgrind: $program under $oracle:"
        head -40 "$tmp/valgrind.log"
      fi
    done
  done
  echo "optgym sanitize: valgrind memcheck: $runs runs, $errors with errors"
  ((errors == 0)) || status=1
fi
exit $status
