#!/usr/bin/env bash
# Installs what OptGym needs on a fresh Debian bookworm machine:
#
# 1. the Debian packages: the compiler and build tools, GoogleTest, csmith,
#    redis-server (the gym's state cache; never started as a service: the
#    project's commands and tests start their own), dpkg-dev (fetching and
#    building Debian source packages for the corpus), and LLVM's development packages for each major in OPTGYM_LLVM_VERSIONS
#    (default: "19 22"), with MLIR's tools and development files for the
#    MLIR plugin: Debian's libmlir-19 and libmlir-22 conflict, and
#    mlir-22-tools needs libmlir-22, so apt installs 22's and 19's are
#    unpacked (not installed) under build/deps/mlir-19, where CMake finds
#    them - whichever majors are asked for, so that a later run asking for
#    others never swaps packages;
# 2. the project's virtual environment, .venv/ at the top of the source tree
#    (or $OPTGYM_VENV), made with Debian's python3, holding the optgym
#    package's dependencies and its dev extra (pytest, ruff, matplotlib,
#    Ray, Stable-Baselines3 and torch: about 6 GB, 80 s from PyPI's mirror)
#    from PyPI, and the package itself, installed in development mode by
#    utils/build.sh for the LLVM major $OPTGYM_LLVM_VERSION (default 19),
#    which every later utils/build.sh of that major refreshes.
#
# Idempotent: when everything is installed it touches nothing (no apt-get
# update, no network, no file rewritten).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${OPTGYM_VENV:-$root/.venv}"

versions="${OPTGYM_LLVM_VERSIONS:-19 22}"
packages=(cmake ninja-build g++ python3 python3-venv python3-pip libgtest-dev
  clang-format-19 csmith libcsmith-dev redis-server libclang-rt-19-dev valgrind strace
  dpkg-dev)
# The one major whose MLIR libraries apt installs (see above).
mlir_installed=22
for v in $versions; do
  packages+=("llvm-$v-dev" "clang-$v" "llvm-$v-tools" "mlir-$v-tools")
  if ((v == mlir_installed)); then
    packages+=("libmlir-$v-dev")
  fi
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "optgym setup: all ${#packages[@]} Debian packages are installed"
else
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    sudo=(sudo)
  fi
  echo "optgym setup: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
fi

# The MLIR development files (headers, CMake package, runner libraries) of
# the other majors, unpacked from Debian's own packages into build/deps.
for v in $versions; do
  deps="$root/build/deps/mlir-$v"
  if ((v == mlir_installed)) || [[ -e "$deps/usr/lib/llvm-$v/lib/cmake/mlir/MLIRConfig.cmake" ]]; then
    continue
  fi
  echo "optgym setup: unpacking libmlir-$v-dev and libmlir-$v into $deps"
  downloads="$root/build/deps/downloads"
  mkdir -p "$downloads" "$deps"
  # As root, apt would fetch as its _apt user, who cannot write here.
  sandbox=()
  if [[ $(id -u) -eq 0 ]]; then
    sandbox=(-o APT::Sandbox::User=root)
  fi
  (cd "$downloads" && apt-get download "${sandbox[@]}" "libmlir-$v" "libmlir-$v-dev" >/dev/null)
  for deb in "$downloads"/libmlir-"$v"_*.deb "$downloads"/libmlir-"$v"-dev_*.deb; do
    dpkg-deb -x "$deb" "$deps"
  done
  # MLIR's exported targets check that its tools exist next to the package.
  ln -sfn "/usr/lib/llvm-$v/bin" "$deps/usr/lib/llvm-$v/bin"
done

if [[ ! -x "$venv/bin/python" ]]; then
  echo "optgym setup: creating the virtual environment $venv"
  /usr/bin/python3 -m venv "$venv"
fi

# What pyproject.toml asks for: the build backend (utils/build.sh installs
# the package without build isolation), the dependencies and the dev extra.
# pip leaves satisfied requirements alone, without asking PyPI.
mapfile -t requirements < <("$venv/bin/python" - "$root/pyproject.toml" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as stream:
    project = tomllib.load(stream)
print("\n".join(project["build-system"]["requires"] + project["project"]["dependencies"]
                + project["project"]["optional-dependencies"]["dev"]))
PY
)
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}"
echo "optgym setup: $venv has what pyproject.toml requires"
if ! "$venv/bin/python" -c 'import optgym' 2>/dev/null; then
  echo "optgym setup: installing the optgym package into $venv (a first build)"
  "$root/utils/build.sh" "${OPTGYM_LLVM_VERSION:-19}"
fi

# Earlier versions of this script made `import optgym` work through .pth
# files in the interpreters' user site-packages and wrote a launcher to
# ~/.local/bin; the environment replaces both, so remove what they left.
launcher="$HOME/.local/bin/optgym"
if [[ -f "$launcher" ]] && grep -q "written by utils/setup.sh" "$launcher"; then
  rm -f "$launcher"
  echo "optgym setup: removed the old launcher $launcher"
fi
for python in python3 /usr/bin/python3; do
  command -v "$python" >/dev/null 2>&1 || continue
  pth="$("$python" -c 'import site; print(site.getusersitepackages())' 2>/dev/null)/optgym.pth"
  if [[ -f "$pth" ]]; then
    rm -f "$pth"
    echo "optgym setup: removed the old $pth"
  fi
done
