#!/usr/bin/env bash
# Installs every Debian package OptGym needs on a fresh Debian bookworm
# machine, for each LLVM major in OPTGYM_LLVM_VERSIONS (default: "19 22").
# Idempotent: when everything is installed it touches nothing (no apt-get
# update, no network).
set -euo pipefail

versions="${OPTGYM_LLVM_VERSIONS:-19 22}"
packages=(cmake ninja-build g++ python3 libgtest-dev clang-format)
for v in $versions; do
  packages+=("llvm-$v-dev" "clang-$v" "llvm-$v-tools")
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "optgym setup: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi
echo "optgym setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
  --no-install-recommends "${missing[@]}"
