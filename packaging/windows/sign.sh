#!/usr/bin/env bash
# Authenticode-signs a Windows executable or MSI in place with osslsigncode,
# when a certificate and key are given; without them it does nothing (an
# unsigned build for development).
#
#   SIGN_CERT=cert.pem SIGN_KEY=key.pem packaging/windows/sign.sh dist/windows/lifeline.exe
#
# SIGN_CERT: the code-signing certificate (PEM or DER, with its chain);
# SIGN_KEY: its private key (PEM or DER; SIGN_PASS for an encrypted one);
# SIGN_TIMESTAMP: an RFC 3161 time-stamp server, so the signature outlives
# the certificate (none by default: these machines have no internet).
set -euo pipefail
file=$1
if [ -z "${SIGN_CERT:-}" ] || [ -z "${SIGN_KEY:-}" ]; then
  echo "sign.sh: SIGN_CERT/SIGN_KEY not set; $file left unsigned" >&2
  exit 0
fi
command -v osslsigncode >/dev/null || { echo "sign.sh: osslsigncode missing; run packaging/setup-deps.sh windows" >&2; exit 1; }
args=(sign -certs "$SIGN_CERT" -key "$SIGN_KEY" -n Lifeline -i https://github.com/lifeline-desk/lifeline -h sha256)
[ -n "${SIGN_PASS:-}" ] && args+=(-pass "$SIGN_PASS")
[ -n "${SIGN_TIMESTAMP:-}" ] && args+=(-ts "$SIGN_TIMESTAMP")
tmp=$file.signing
rm -f "$tmp"
osslsigncode "${args[@]}" -in "$file" -out "$tmp" >/dev/null || { rm -f "$tmp"; echo "sign.sh: signing $file failed" >&2; exit 1; }
mv "$tmp" "$file"
echo "sign.sh: signed $file" >&2
