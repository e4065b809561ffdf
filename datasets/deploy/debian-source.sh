#!/usr/bin/env bash
# Fetches the upstream source of a Debian package into DEST (default
# ./PACKAGE-src), for `optgym deploy` to build with its own Makefile.
#
#   datasets/deploy/debian-source.sh bzip2 /tmp/bzip2-src
#   python3 -m optgym deploy /tmp/bzip2-src/bzip2-1.0.8 --goal bzip2 ...
#
# The machine's apt sources are left alone: OptGym's private apt
# configuration (python3 -m optgym.corpus.apt, shared with `optgym datasets
# build`) copies the machine's archives, mirrors and keys with deb-src added
# into $XDG_CACHE_HOME/optgym/apt (~/.cache/optgym/apt), with package lists
# of its own. The upstream tarball (*.orig.tar.*) is unpacked as it is,
# without Debian's patches (they can change the build: Debian's bzip2 links
# the program to a shared libbz2). Needs apt-get and the network to the
# machine's Debian archive; prints the unpacked directory.
set -euo pipefail

package="${1:?usage: debian-source.sh PACKAGE [DEST]}"
dest="${2:-$PWD/$package-src}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${OPTGYM_PYTHON:-$root/.venv/bin/python}"
[[ -x "$python" ]] || python=python3
mkdir -p "$dest"
mapfile -t apt_options < <(PYTHONPATH="$root/utils${PYTHONPATH:+:$PYTHONPATH}" \
  "$python" -m optgym.corpus.apt options)
[[ ${#apt_options[@]} -gt 0 ]] || exit 1
cd "$dest"
apt-get -q "${apt_options[@]}" source --download-only "$package" >&2
shopt -s nullglob extglob
# The tarball, not its detached signature (*.orig.tar.xz.asc).
tarballs=(*.orig.tar.!(*.asc|*.sig))
if [[ ${#tarballs[@]} -ne 1 ]]; then
  echo "debian-source.sh: expected one upstream tarball in $dest, found ${#tarballs[@]}" >&2
  exit 1
fi
top="$(tar -tf "${tarballs[0]}" | awk -F/ 'NR == 1 { print $1 }')"
tar -xf "${tarballs[0]}"
echo "$dest/$top"
