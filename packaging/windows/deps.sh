#!/usr/bin/env bash
# Cross-builds the C libraries assist/vpx links (libvpx, VP8 only, and libyuv)
# as static 64-bit Windows libraries, from Debian's source packages pinned by
# version and SHA-256, into a cache prefix that `make windows` points cgo at.
#
#   packaging/windows/deps.sh            build what the cache lacks, print the prefix
#   LIFELINE_WIN64_PREFIX=/opt/w64 packaging/windows/deps.sh
#
# The prefix defaults to $XDG_CACHE_HOME/lifeline/win64 (~/.cache/lifeline/win64).
# A library is skipped when the prefix already holds the pinned version.
# Needs `packaging/setup-deps.sh windows` (mingw-w64, yasm, cmake, dpkg-dev).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prefix=${LIFELINE_WIN64_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/lifeline/win64}
jobs=${JOBS:-$(nproc)}

# Pinned sources: package, version, then "sha256 file" for every file of the
# source package (.dsc, orig tarball, Debian tarball).
vpx_version=1.12.0-1+deb12u5
vpx_files=(
  "97b094daf6095e91b43328473e03354fbd4eece0ef697398a8290bf1017657f7 libvpx_1.12.0-1+deb12u5.dsc"
  "f1acc15d0fd0cb431f4bf6eac32d5e932e40ea1186fe78e074254d6d003957bb libvpx_1.12.0.orig.tar.gz"
  "35cfacecb71f4c4ddfbb29b53b68fb7e82f1e86e28b67327c72683715c5e22f4 libvpx_1.12.0-1+deb12u5.debian.tar.xz"
)
yuv_version=0.0~git20230123.b2528b0-1
yuv_files=(
  "ddeb08761b38e68568bef2e2ac401e77e14242d2556cdbd8aeae3d17dde7bfbb libyuv_0.0~git20230123.b2528b0-1.dsc"
  "cc22ebe94004ac2e5718acdc45980c6f3b83599f19f5bd768c5ca034de659eef libyuv_0.0~git20230123.b2528b0.orig.tar.gz"
  "76e01b2226288d3d4533f5c5dbdc2efd385ce2f19e52c40293492603fe7fdf16 libyuv_0.0~git20230123.b2528b0-1.debian.tar.xz"
)
# Where the pinned versions stay downloadable once bookworm moves on.
snapshot=https://snapshot.debian.org/archive/debian/20250520T000000Z/pool/main

for tool in x86_64-w64-mingw32-gcc x86_64-w64-mingw32-g++ yasm cmake dpkg-source; do
  command -v "$tool" >/dev/null || { echo "deps.sh: $tool missing; run packaging/setup-deps.sh windows" >&2; exit 1; }
done

# ensure_deb_src adds a deb-src line for bookworm main when apt has none.
ensure_deb_src() {
  if apt-cache showsrc libvpx 2>/dev/null | grep -q '^Package:'; then return; fi
  [ "$(id -u)" -eq 0 ] || { echo "deps.sh: apt has no deb-src lines; run once as root to add them" >&2; return 1; }
  cat >/etc/apt/sources.list.d/lifeline-deb-src.sources <<'EOS'
# Added by lifeline packaging/windows/deps.sh: Debian source packages.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
  apt-get update -qq
}

# fetch_source pkg version files... downloads the pinned source package into
# the current directory (apt first, snapshot.debian.org when apt no longer
# has that version), checks every SHA-256 and unpacks it into ./src.
fetch_source() {
  local pkg=$1 version=$2; shift 2
  if ! (ensure_deb_src && apt-get source -qq --download-only "$pkg=$version") >/dev/null 2>&1; then
    echo "deps.sh: apt has no $pkg $version; fetching it from snapshot.debian.org" >&2
    local entry
    for entry in "$@"; do
      local file=${entry#* }
      curl -fsSL -o "$file" "$snapshot/${pkg:0:4}/$pkg/${file//\~/%7E}"
    done
  fi
  local sums
  sums=$(printf '%s\n' "$@" | sed 's/ /  /')
  if ! sha256sum --quiet -c - <<<"$sums"; then
    echo "deps.sh: $pkg $version: checksum mismatch, refusing to build" >&2
    return 1
  fi
  dpkg-source --no-check -x "${1#* }" src >/dev/null
}

stamp() { echo "$prefix/share/lifeline-deps/$1"; }

# built pkg version: the prefix already holds this version.
built() { [ "$(cat "$(stamp "$1")" 2>/dev/null)" = "$2" ]; }

build_vpx() {
  fetch_source libvpx "$vpx_version" "${vpx_files[@]}"
  mkdir build && cd build
  CROSS=x86_64-w64-mingw32- ../src/configure --target=x86_64-win64-gcc --prefix="$prefix" \
    --enable-static --disable-shared --enable-realtime-only --enable-vp8 --disable-vp9 \
    --disable-examples --disable-tools --disable-docs --disable-unit-tests >configure.log ||
    { cat configure.log >&2; return 1; }
  make -j"$jobs" >build.log 2>&1 || { tail -40 build.log >&2; return 1; }
  make install >/dev/null
}

build_yuv() {
  fetch_source libyuv "$yuv_version" "${yuv_files[@]}"
  cmake -S src -B build -DCMAKE_TOOLCHAIN_FILE="$here/mingw-w64-x86_64.cmake" \
    -DCMAKE_BUILD_TYPE=Release -Wno-dev >configure.log 2>&1 ||
    { cat configure.log >&2; return 1; }
  # Only the static library: the shared one and the tools are not needed.
  cmake --build build --target yuv -j"$jobs" >build.log 2>&1 || { tail -40 build.log >&2; return 1; }
  mkdir -p "$prefix/lib" "$prefix/include"
  cp build/libyuv.a "$prefix/lib/"
  cp -r src/include/libyuv src/include/libyuv.h "$prefix/include/"
}

# run name version builder: builds in a throw-away directory unless cached.
run() {
  local name=$1 version=$2 builder=$3
  if built "$name" "$version"; then
    echo "deps.sh: $name $version already in $prefix" >&2
    return
  fi
  local work start
  work=$(mktemp -d)
  start=$(date +%s)
  echo "deps.sh: building $name $version for win64 ..." >&2
  (cd "$work" && "$builder")
  rm -rf "$work"
  mkdir -p "$(dirname "$(stamp "$name")")"
  echo "$version" >"$(stamp "$name")"
  echo "deps.sh: $name built in $(($(date +%s) - start))s" >&2
}

mkdir -p "$prefix"
run libvpx "$vpx_version" build_vpx
run libyuv "$yuv_version" build_yuv
echo "$prefix"
