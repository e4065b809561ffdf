#!/usr/bin/env bash
# Configures and builds OptGym for one LLVM major: build/ for 19 (the
# default), build-22/ for 22. Usage: utils/build.sh [19|22]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${1:-19}"
dir="$root/build"
if [[ "$version" != 19 ]]; then
  dir="$root/build-$version"
fi
cmake -S "$root" -B "$dir" -G Ninja -DOPTGYM_LLVM_VERSION="$version" >/dev/null
cmake --build "$dir"
