#!/usr/bin/env bash
# Installs every Debian package OptGym needs on a fresh Debian bookworm
# machine, for each LLVM major in OPTGYM_LLVM_VERSIONS (default: "19 22"),
# then makes the Python library in utils/optgym usable from anywhere:
# `import optgym` in python3 and /usr/bin/python3, and the `optgym` command
# in ~/.local/bin. Idempotent: when everything is installed it touches
# nothing (no apt-get update, no network, no file rewritten).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

versions="${OPTGYM_LLVM_VERSIONS:-19 22}"
# python3-numpy: the gym returns numpy arrays when numpy is there; the tests
# cover both paths (/usr/bin/python3 sees it). python3-matplotlib: the
# leaderboard's plot (optgym leaderboard).
packages=(cmake ninja-build g++ python3 python3-numpy python3-matplotlib libgtest-dev clang-format csmith libcsmith-dev)
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

# The Python library is used in place, from the source tree: a .pth file in
# an interpreter's site-packages adds utils/ to its sys.path. Each python3 on
# the machine has its own site-packages (pyenv's and Debian's may share one).
utils="$root/utils"
done_sites=" "
for python in python3 /usr/bin/python3; do
  command -v "$python" >/dev/null 2>&1 || continue
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))'; then
    echo "optgym setup: import optgym: skipped $python, older than Python 3.9"
    continue
  fi
  # A virtual environment does not read the user site-packages; its own do.
  site_dir="$("$python" -c 'import site, sys, sysconfig
print(sysconfig.get_paths()["purelib"] if sys.prefix != sys.base_prefix else site.getusersitepackages())')"
  if [[ "$done_sites" == *" $site_dir "* ]]; then
    echo "optgym setup: import optgym: $python reads the same $site_dir/optgym.pth"
    continue
  fi
  done_sites+="$site_dir "
  pth="$site_dir/optgym.pth"
  if [[ -f "$pth" && "$(cat "$pth")" == "$utils" ]]; then
    echo "optgym setup: import optgym: $pth is in place ($python)"
  else
    mkdir -p "$site_dir"
    printf '%s\n' "$utils" >"$pth"
    echo "optgym setup: import optgym: wrote $pth ($python)"
  fi
  if ! (cd / && "$python" -c 'import optgym' 2>/dev/null); then
    echo "optgym setup: warning: $python still cannot import optgym; is its user site-packages disabled (PYTHONNOUSERSITE)?"
  fi
done

# The command line, `optgym ...`, for `python3 -m optgym ...`. It sets
# PYTHONPATH itself, so it works even where the .pth file is not read.
bin_dir="$HOME/.local/bin"
launcher="$bin_dir/optgym"
launcher_text="#!/usr/bin/env bash
# The OptGym command line; written by utils/setup.sh of $root.
export PYTHONPATH=$(printf %q "$utils")\"\${PYTHONPATH:+:\$PYTHONPATH}\"
exec python3 -m optgym \"\$@\""
if [[ -x "$launcher" && "$(cat "$launcher")" == "$launcher_text" ]]; then
  echo "optgym setup: command: $launcher is in place"
else
  mkdir -p "$bin_dir"
  printf '%s\n' "$launcher_text" >"$launcher"
  chmod 755 "$launcher"
  echo "optgym setup: command: wrote $launcher"
fi
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "optgym setup: note: $bin_dir is not on PATH; add it to run \`optgym\` by name" ;;
esac
