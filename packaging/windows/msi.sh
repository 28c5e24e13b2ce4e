#!/usr/bin/env bash
# Builds Lifeline's MSI from lifeline.wxs with wixl, then adds what wixl 0.101
# cannot express (see the comment at the top of lifeline.wxs) and checks it.
#
#   packaging/windows/msi.sh dist/windows/lifeline.exe 0.1.0 dist/lifeline-0.1.0-windows-amd64.msi
set -euo pipefail
exe=$1 version=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")

# wixl resolves sources against the working directory and rejects absolute
# paths: gather them in a scratch directory. The icon (Add/Remove Programs,
# Start menu) is an .ico made from the app's PNG.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")" "$work/lifeline.exe"
convert "$here/../../assets/icons/lifeline.png" -define icon:auto-resize=256,64,48,32,16 "$work/lifeline.ico"
(cd "$work" && wixl -a x64 -D Version="$version" -D Exe=lifeline.exe -D Icon=lifeline.ico -o "$out" "$here/lifeline.wxs")

# Each Policy_<name> component installs only when its property <NAME> is set.
policies=$(msiinfo export "$out" Component | awk -F'\t' '$1 ~ /^Policy_/ {print $1}')
[ -n "$policies" ] || { echo "msi.sh: no Policy_ components in $out" >&2; exit 1; }
props=()
for c in $policies; do
  p=$(tr '[:lower:]' '[:upper:]' <<<"${c#Policy_}")
  props+=("$p")
  msibuild "$out" -q "UPDATE \`Component\` SET \`Condition\` = '$p' WHERE \`Component\` = '$c'"
done
secure=$(msiinfo export "$out" Property | awk -F'\t' '$1 == "SecureCustomProperties" {print $2}')
list=$(IFS=';'; echo "${props[*]}")
msibuild "$out" -q "UPDATE \`Property\` SET \`Value\` = '${secure:+$secure;}$list' WHERE \`Property\` = 'SecureCustomProperties'"

# Check: every policy component carries its condition.
unconditioned=$(msiinfo export "$out" Component | awk -F'\t' '$1 ~ /^Policy_/ && $5 == "" {print $1}')
[ -z "$unconditioned" ] || { echo "msi.sh: components without condition: $unconditioned" >&2; exit 1; }
msiinfo export "$out" Property | grep -q "^SecureCustomProperties	.*RELAY_URL" ||
  { echo "msi.sh: SecureCustomProperties not set" >&2; exit 1; }
echo "$out ($(du -k "$out" | cut -f1) KiB, ${#props[@]} organisation properties)"
