#!/usr/bin/env bash
# Fuzzes OptGym's parsers: builds the libFuzzer targets (-DOPTGYM_FUZZERS=ON,
# ASan+UBSan, in build/ for LLVM 19) and runs each C++ and Python target from
# its seed corpus, test/fuzz/NAME/, with the JSON dictionary. Prints one line
# per target with its executions; exits non-zero on a finding, which is kept
# under build/fuzz/findings/NAME/ (add it to test/fuzz/NAME/ once fixed).
#
#   utils/fuzz.sh                       every target for 15 s (CI's smoke)
#   utils/fuzz.sh --time 600 policy     one target for 10 minutes
#   utils/fuzz.sh --runs 1000000        every target for a million inputs
#
# The corpus a run grows is kept in build/fuzz/corpus/NAME/, so the next run
# starts from it; test/fuzz/ only holds seeds and regressions.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${OPTGYM_VENV:-$root/.venv}"
build="$root/build"
cxx_targets=(policy trace oracle-spec config protocol flatjson)
python_targets=(py-protocol py-state-csv)
limit=(-max_total_time=15)
targets=()
while (($#)); do
  case "$1" in
    --time) limit=(-max_total_time="$2"); shift 2 ;;
    --runs) limit=(-runs="$2"); shift 2 ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "usage: utils/fuzz.sh [--time SECONDS | --runs N] [TARGET...]" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ((${#targets[@]} == 0)); then
  targets=("${cxx_targets[@]}" "${python_targets[@]}")
fi
for t in "${targets[@]}"; do
  if [[ ! -d "$root/test/fuzz/$t" ]]; then
    echo "optgym fuzz: no target '$t' (expected one of ${cxx_targets[*]} ${python_targets[*]})" >&2
    exit 2
  fi
done

cmake -S "$root" -B "$build" -G Ninja -DOPTGYM_FUZZERS=ON >/dev/null
cmake --build "$build" --target optgym-fuzzers >/dev/null

failed=0
for t in "${targets[@]}"; do
  corpus="$build/fuzz/corpus/$t"
  findings="$build/fuzz/findings/$t"
  log="$build/fuzz/$t.log"
  mkdir -p "$corpus" "$findings"
  case "$t" in
    py-protocol) fuzzer=("$venv/bin/python" "$root/test/fuzz/python/fuzz_protocol.py") ;;
    py-state-csv) fuzzer=("$venv/bin/python" "$root/test/fuzz/python/fuzz_state_csv.py") ;;
    *) fuzzer=("$build/bin/optgym-fuzz-$t") ;;
  esac
  start=$SECONDS
  status=0
  # -timeout: one input may take 10 s (a parser that hangs is a finding);
  # -rss_limit_mb: so may a parser that allocates without bound.
  "${fuzzer[@]}" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="$root/test/fuzz/json.dict" -artifact_prefix="$findings/" \
    "$corpus" "$root/test/fuzz/$t" >"$log" 2>&1 || status=$?
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  if ((status != 0)); then
    failed=$((failed + 1))
    echo "optgym fuzz: $t: FINDING after ${runs:-?} executions ($((SECONDS - start)) s); log: $log"
    grep -E "ERROR|invariant broken|runtime error|Error|assert" "$log" | head -5 | sed 's/^/  /'
  else
    echo "optgym fuzz: $t: ${runs:-?} executions in $((SECONDS - start)) s, no finding ($(find "$corpus" -type f | wc -l) inputs in the corpus)"
  fi
done
exit $((failed > 0))
