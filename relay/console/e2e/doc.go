// Package e2e holds the technician console's browser tests: the embedded
// console served by an in-process relay (relay/relaytest), driven in a real
// headless Chromium through chromedp, against real desktop-side relay
// clients (relay/client, pure Go) standing in for the desktop. Nothing here
// needs cgo: the tests that need the real desktop engine (assist) are in
// internal/e2e, and the whole product's story is TestJourney in
// app/internal/ui.
//
// When run as root the test binary re-executes itself inside a fresh
// network namespace that has only loopback (unshare -n), so WebRTC can
// only use 127.0.0.1 and nothing can reach the outside. Screenshots of the
// main views are written to relay/console/testdata/screenshots (ignored
// by git). Without Chromium (Debian package chromium; packaging/setup-deps.sh
// installs it) the browser tests fail in CI (CI=true) and skip elsewhere.
package e2e
