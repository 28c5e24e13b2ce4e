// Package e2e holds the technician console's browser tests: the embedded
// console served by an in-process relay, driven in a real headless
// Chromium through chromedp, against real desktop-side clients
// (relay/client) and, in the full flow, a real assist session capturing a
// private Xvfb display.
//
// When run as root the test binary re-executes itself inside a fresh
// network namespace that has only loopback (unshare -n), so WebRTC can
// only use 127.0.0.1 and nothing can reach the outside. Screenshots of the
// main views are written to relay/console/testdata/screenshots (ignored
// by git). The tests skip when chromium is not installed (Debian package
// chromium; packaging/setup-deps.sh installs it).
package e2e
