#!/usr/bin/env bash
# Fetches the upstream source of a Debian package into DEST (default
# ./PACKAGE-src), for `optgym deploy` to build with its own Makefile.
#
#   datasets/deploy/debian-source.sh bzip2 /tmp/bzip2-src
#   python3 -m optgym deploy /tmp/bzip2-src/bzip2-1.0.8 --goal bzip2 ...
#
# The machine's apt sources carry no deb-src lines and are left alone: a
# private source list and package lists live in $XDG_CACHE_HOME/optgym/apt
# (~/.cache/optgym/apt). The upstream tarball (*.orig.tar.*) is unpacked as
# it is, without Debian's patches (they can change the build: Debian's bzip2
# links the program to a shared libbz2). Needs apt-get and the network to
# Debian's archive; prints the unpacked directory.
set -euo pipefail

package="${1:?usage: debian-source.sh PACKAGE [DEST]}"
dest="${2:-$PWD/$package-src}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/optgym/apt"
suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"

mkdir -p "$cache/parts" "$cache/lists/partial" "$cache/archives/partial" "$dest"
cat >"$cache/parts/deb-src.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_options=(
  -o "Dir::Etc::SourceList=/dev/null"
  -o "Dir::Etc::SourceParts=$cache/parts"
  -o "Dir::State::Lists=$cache/lists"
  -o "Dir::Cache=$cache"
)
if ! compgen -G "$cache/lists/*Sources*" >/dev/null; then
  apt-get -q "${apt_options[@]}" update >&2
fi
cd "$dest"
apt-get -q "${apt_options[@]}" source --download-only "$package" >&2
shopt -s nullglob
tarballs=(*.orig.tar.*)
if [[ ${#tarballs[@]} -ne 1 ]]; then
  echo "debian-source.sh: expected one upstream tarball in $dest, found ${#tarballs[@]}" >&2
  exit 1
fi
top="$(tar -tf "${tarballs[0]}" | awk -F/ 'NR == 1 { print $1 }')"
tar -xf "${tarballs[0]}"
echo "$dest/$top"
