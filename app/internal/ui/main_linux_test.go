package ui

import (
	"os"
	"testing"

	"github.com/lifeline-desk/lifeline/internal/netns"
	"github.com/lifeline-desk/lifeline/internal/testenv"
)

// TestMain runs the package's tests, as root, inside a fresh network
// namespace with only loopback (unshare -n): the journey test's WebRTC can
// only use 127.0.0.1, and nothing any test does leaves the machine. The
// other tests of the package only need loopback.
func TestMain(m *testing.M) {
	if code, ok := netns.Reexec(); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestNetworkIsolated checks what the tests run in: as root, a network
// namespace with nothing but loopback.
func TestNetworkIsolated(t *testing.T) {
	if !netns.Inside() {
		testenv.Missing(t, "needs root and unshare -n (Debian packages util-linux, iproute2)")
	}
	netns.CheckIsolated(t)
}
