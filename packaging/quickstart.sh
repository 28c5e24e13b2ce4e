#!/usr/bin/env bash
# Quick start: the relay with a demo technician, and the desktop app pointed
# at it. Ctrl+C (or closing the window) stops both.
#
#   LIFELINE_PORT   relay HTTP port (default 8080)
#   LIFELINE_QUICKSTART_DATA  where the relay keeps its data (default .quickstart/)
set -euo pipefail
cd "$(dirname "$0")/.."

port=${LIFELINE_PORT:-8080}
data=${LIFELINE_QUICKSTART_DATA:-.quickstart}
url="http://127.0.0.1:$port"
mkdir -p "$data"

if curl -fsS "$url/healthz" >/dev/null 2>&1; then
  echo "Something is already answering on $url. Stop it, or choose another port: LIFELINE_PORT=8081 make run" >&2
  exit 1
fi

bin/lifeline-relay serve --demo --listen "127.0.0.1:$port" --turn-listen "127.0.0.1:3478" \
  --data "$data/relay" --log-level warn &
relay=$!
app=""
stop() {
  trap - EXIT INT TERM
  [ -n "$app" ] && kill "$app" 2>/dev/null
  kill "$relay" 2>/dev/null
  wait 2>/dev/null
  echo
  echo "Lifeline stopped."
}
trap stop EXIT INT TERM

for _ in $(seq 100); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$relay" 2>/dev/null || { echo "The relay did not start; see the messages above." >&2; exit 1; }
  sleep 0.1
done

cat <<MSG

  Lifeline is running.
  Technician console:  $url   (user "demo", password printed above; it is shown only once,
                        delete $data/ to get a new one)
MSG

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  cat <<MSG
  No desktop was found (DISPLAY is not set), so the Lifeline window cannot open. Instead:
    bin/lifeline search "printer says offline"
    bin/lifeline assist --relay $url --request "my printer is offline"
  Press Ctrl+C to stop the relay.

MSG
  wait "$relay"
  exit 0
fi

echo "  Desktop app:         opening the Lifeline window. Press Ctrl+C here to stop both."
echo
LIFELINE_RELAY="$url" bin/lifeline &
app=$!
# Stop when either ends.
while kill -0 "$relay" 2>/dev/null && kill -0 "$app" 2>/dev/null; do sleep 0.5; done
