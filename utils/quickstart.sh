#!/usr/bin/env bash
# OptGym end to end on built-in defaults: install what is missing, build the
# plugin, then the whole loop (python3 -m optgym loop, docs/search.md):
# search the decisions of the training programs in real clang -Oz builds,
# fit a policy of decision trees, build the test programs it never saw with
# it through clang -fpass-plugin, check their outputs, and print a table
# against -Oz.
#
#   utils/quickstart.sh [OPTIONS of optgym loop]     e.g. --budget 60
#
# OPTGYM_LLVM_VERSION=22 uses LLVM 22. Files go to build/loop/. It runs in
# the project's virtual environment (.venv/, utils/setup.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${OPTGYM_VENV:-$root/.venv}"
version="${OPTGYM_LLVM_VERSION:-19}"
build="$root/build"
[[ "$version" == 19 ]] || build="$root/build-$version"

OPTGYM_LLVM_VERSIONS="$version" "$root/utils/setup.sh"
"$root/utils/build.sh" "$version"
cd "$root"
OPTGYM_PLUGIN="$build/lib/OptGym.so" exec "$venv/bin/python" -m optgym loop \
  --work "$build/loop" "$@"
