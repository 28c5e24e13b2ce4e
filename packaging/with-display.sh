#!/usr/bin/env bash
# Runs a command with an X display: the caller's DISPLAY if set, otherwise a
# private Xvfb that is stopped when the command ends.
set -euo pipefail
if [ -n "${DISPLAY:-}" ]; then
  exec "$@"
fi
n=99
while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
Xvfb ":$n" -screen 0 1920x1080x24 -noreset -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; wait $xvfb 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [ -e "/tmp/.X11-unix/X$n" ] && break
  kill -0 $xvfb 2>/dev/null || { echo "Xvfb failed to start on :$n" >&2; exit 1; }
  sleep 0.05
done
export DISPLAY=":$n"
"$@"
