// Package e2e holds the cross-stack tests that need both the relay side
// (the relay, its technician console in Chromium) and the desktop side
// (assist: screen capture, VP8, input injection on a private Xvfb, or its
// wire formats), so that the relay's own tests stay free of cgo. The whole
// product's story is TestJourney in app/internal/ui; the tests here check
// what only a real desktop under the console shows: its video, and input
// from the browser arriving on the X server and stopping when control is
// taken back. The console's own flows, with a Go relay client standing in
// for the desktop, are in relay/console/e2e.
//
// Like those, the tests run in a network namespace with only loopback when
// run as root, and a missing Chromium or Xvfb fails them in CI and skips
// them elsewhere. Screenshots go to testdata/screenshots (ignored by git).
package e2e
