#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Lifeline needs to build and test.
# Idempotent and quiet when everything is there.
#
#   packaging/setup-deps.sh            build + test packages
#   packaging/setup-deps.sh build      only what `go build` needs
#   packaging/setup-deps.sh bench      test packages plus ffmpeg (benchmark reference)
#   packaging/setup-deps.sh windows    the Windows cross-build and Wine test toolchain
set -euo pipefail

build_pkgs=(gcc pkg-config curl libgl1-mesa-dev xorg-dev libxtst-dev libxkbcommon-dev libxkbcommon-x11-dev libpng-dev libvpx-dev libyuv-dev)
# wine and the mingw C compiler: the Windows checks' tests cross-build and run
# under Wine (selfhelp/diag TestUnderWine, its ProcessPrng shim).
test_pkgs=(xvfb xdotool xclip x11-xserver-utils x11-utils chromium imagemagick util-linux iproute2 cups-client cups-daemon wine wine64 gcc-mingw-w64-x86-64)
bench_pkgs=(ffmpeg)
# mingw cross compilers, Wine to run the tests, wixl/msitools for the MSI,
# yasm/cmake for the libvpx/libyuv cross-build (packaging/windows/deps.sh),
# dpkg-dev for `apt-get source`, osslsigncode for Authenticode signing,
# imagemagick for the installer icon.
windows_pkgs=(fonts-dejavu-core gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine wine64 wixl msitools yasm cmake dpkg-dev xz-utils osslsigncode openssl xvfb xdotool imagemagick)

case "${1:-test}" in
  build) want=("${build_pkgs[@]}") ;;
  test) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  bench) want=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  windows) want=("${build_pkgs[@]}" "${windows_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|bench|windows]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Lifeline needs these packages, but this system has no apt-get: ${missing[*]}" >&2
  echo "Install their equivalents with your package manager, then run this again." >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "Lifeline needs these packages: ${missing[*]}" >&2
    echo "Run this script as root (or install sudo), or install them yourself:" >&2
    echo "  apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
echo "Installing ${missing[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed ${#missing[@]} package(s)." >&2
