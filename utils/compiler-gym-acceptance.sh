#!/usr/bin/env bash
# Runs CompilerGym's own client code and public-API tests, unmodified, from a
# CompilerGym source checkout, against OptGym's `compiler_gym`
# (docs/compiler-gym.md). Nothing of CompilerGym is copied into OptGym: the
# checkout stays where it is and is only read.
#
#   utils/compiler-gym-acceptance.sh CHECKOUT [MIRROR]
#
# CHECKOUT: a CompilerGym source tree (github.com/facebookresearch/CompilerGym).
# MIRROR: a download mirror of the cbench-v1 sources (OPTGYM_DOWNLOAD_MIRROR;
# utils/make-cbench-mirror.py makes one), with its manifest overrides
# (OPTGYM_SUITES) when they are not the pinned archives.
#
# Its own virtual environment (build/compiler-gym-acceptance/venv, or
# $OPTGYM_ACCEPTANCE_VENV) gets the package's compiler-gym extra and what
# CompilerGym's tests import; OptGym's package is used in place, with the
# plugin of build/ (or $OPTGYM_PLUGIN). Prints passed/failed per test file and
# writes the pytest logs under build/compiler-gym-acceptance/.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
checkout="$(cd "${1:?usage: utils/compiler-gym-acceptance.sh CHECKOUT [MIRROR]}" && pwd)" || exit 2
[[ -d "$checkout/compiler_gym" && -d "$checkout/tests" ]] || {
  echo "compiler-gym-acceptance: $checkout is no CompilerGym checkout (no compiler_gym/ and tests/)" >&2
  exit 2
}
[[ -n "${2:-}" ]] && export OPTGYM_DOWNLOAD_MIRROR="$2"
out="$root/build/compiler-gym-acceptance"
venv="${OPTGYM_ACCEPTANCE_VENV:-$out/venv}"
mkdir -p "$out"

if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv" || exit 1
fi
# OptGym as the project's environment has it installed (utils/setup.sh),
# behind this environment's own packages: the compiler-gym extra
# (pyproject.toml) and the libraries CompilerGym's tests and helpers import.
project="${OPTGYM_VENV:-$root/.venv}"
[[ -x "$project/bin/python" ]] || "$root/utils/setup.sh" || exit 1
purelib='import sysconfig; print(sysconfig.get_paths()["purelib"])'
site="$("$venv/bin/python" -c "$purelib")"
echo "import site; site.addsitedir('$("$project/bin/python" -c "$purelib")')" >"$site/zz-optgym-project.pth"
"$venv/bin/pip" install -q 'gym>=0.21,<0.23' absl-py humanize 'tabulate>=0.8.7' \
  pytest pytest-mock pytest-timeout flaky pydantic docker requests fasteners deprecated psutil ||
  exit 1
"$venv/bin/python" -m optgym compiler-gym install >/dev/null || exit 1

# A run directory holding CompilerGym's tests, examples and leaderboard but
# not its compiler_gym package, which would shadow OptGym's.
run="$out/run"
rm -rf "$run"
mkdir -p "$run"
for entry in tests examples leaderboard tox.ini; do
  ln -s "$checkout/$entry" "$run/$entry"
done

export COMPILER_GYM_SOURCE="$checkout"
export OPTGYM_PLUGIN="${OPTGYM_PLUGIN:-$root/build/lib/OptGym.so}"

# The clients (examples, leaderboard agents, compiler_gym.random_search,
# compiler_gym.bin.validate through the leaderboard's evaluation) through
# their own smoke tests, then the public-API tests: every test file of
# tests/llvm and tests/llvm/datasets but those of CompilerGym's service
# internals (gRPC connections, session parameters, its LLVM 10 download),
# and the state and validation tests.
files=(
  examples/random_walk_test.py
  examples/tabular_q_test.py
  examples/brute_force_test.py
  leaderboard/llvm_instcount/random_search/random_search_test.py
  leaderboard/llvm_instcount/e_greedy/e_greedy_test.py
  leaderboard/llvm_instcount/tabular_q/tabular_q_test.py
  tests/random_search_test.py
  tests/validate_test.py
  tests/compiler_env_state_test.py
  tests/validation_result_test.py
)
service_internals=(
  tests/llvm/service_connection_test.py
  tests/llvm/llvm_session_parameters_test.py
  tests/llvm/download_llvm_test.py
)
for file in "$checkout"/tests/llvm/*_test.py "$checkout"/tests/llvm/datasets/*_test.py; do
  file="${file#"$checkout"/}"
  [[ " ${service_internals[*]} " == *" $file "* ]] || files+=("$file")
done
status=0
printf '%-62s %7s %7s %7s\n' "test file" passed failed skipped
for file in "${files[@]}"; do
  log="$out/$(echo "$file" | tr / _).log"
  (cd "$run" && timeout 1200 "$venv/bin/python" -m pytest -p no:cacheprovider -q -rfE --timeout=300 "$file") >"$log" 2>&1
  [[ $? -eq 0 ]] || status=1
  summary=$(grep -E '[0-9]+ (passed|failed|errors?|skipped)' "$log" | tail -1)
  count() {
    local n
    n=$(grep -oE "[0-9]+ $1" <<<"$summary" | grep -oE '^[0-9]+' | head -1)
    echo "${n:-0}"
  }
  printf '%-62s %7s %7s %7s\n' "$file" "$(count passed)" "$(($(count failed) + $(count error)))" "$(count skipped)"
done
echo "logs: $out"
exit "$status"
