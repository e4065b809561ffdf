#!/usr/bin/env bash
# Configures and builds OptGym for one LLVM major, tests and benchmarks
# included: build/ for 19 (the default), build-22/ for 22.
#
#   utils/build.sh [19|22]
#
# For the major of the project's virtual environment (utils/setup.sh makes
# it; $OPTGYM_LLVM_VERSION, default 19) it then installs the optgym package
# into it in development mode from the same build directory: Python sources
# are used in place, the plugin and tools of this build are copied in.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${OPTGYM_VENV:-$root/.venv}"
version="${1:-19}"
dir="$root/build"
if [[ "$version" != 19 ]]; then
  dir="$root/build-$version"
fi
python=()
if [[ -x "$venv/bin/python" ]]; then
  python=(-DOPTGYM_PYTHON="$venv/bin/python")
fi
cmake -S "$root" -B "$dir" -G Ninja -DOPTGYM_LLVM_VERSION="$version" \
  -DOPTGYM_BUILD_TESTS=ON -DOPTGYM_BUILD_BENCH=ON -DOPTGYM_MLIR=ON "${python[@]}" >/dev/null
cmake --build "$dir"

if [[ "$version" == "${OPTGYM_LLVM_VERSION:-19}" && -x "$venv/bin/python" ]]; then
  # The same configuration, so nothing is compiled again.
  OPTGYM_LLVM_VERSION="$version" "$venv/bin/python" -m pip install --quiet \
    --disable-pip-version-check --no-build-isolation --no-deps --editable "$root" \
    --config-settings=build-dir="$dir" \
    --config-settings=cmake.define.OPTGYM_BUILD_TESTS=ON \
    --config-settings=cmake.define.OPTGYM_BUILD_BENCH=ON \
    --config-settings=cmake.define.OPTGYM_MLIR=ON
  echo "optgym build: installed optgym (LLVM $version) into $venv"
fi
