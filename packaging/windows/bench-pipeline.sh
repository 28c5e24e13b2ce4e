#!/usr/bin/env bash
# The Windows client's capture + encode pipeline under Wine at 1920×1080
# against ffmpeg x11grab + libvpx and the Linux pipeline on the same Xvfb
# (assist.BenchmarkPipelineUnderWine; see assist/BENCHMARKS.md).
# Usage: packaging/windows/bench-pipeline.sh [count]   (default 3 runs)
# Needs `make windows-deps` (the cross-built libvpx/libyuv), Wine, Xvfb, ffmpeg.
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-3}
# The benchmark cross-builds with cgo: never alongside another cgo build.
while pgrep -f "go build" >/dev/null; do
	echo "waiting for a running go build to finish…" >&2
	sleep 10
done
uptime
go test ./assist -run '^$' -bench '^BenchmarkPipelineUnderWine$' -benchtime 1x -count "$count" -v 2>&1 | grep -v '^XGB:'
uptime
