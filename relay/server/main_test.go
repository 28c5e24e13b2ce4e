package server

import (
	"os"
	"testing"

	"github.com/lifeline-desk/lifeline/internal/netns"
)

// TestMain runs the relay's tests in a network namespace with nothing but
// loopback (as root; in CI a namespace that cannot be made fails the run):
// the TURN attacks ask the relay to reach 10/8, 169.254.169.254 and other
// private ranges, and even a relay that wrongly let a datagram through
// could not send it off this machine.
func TestMain(m *testing.M) {
	if code, ok := netns.Reexec(); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestNetworkIsolated checks the namespace the tests run in.
func TestNetworkIsolated(t *testing.T) { netns.CheckIsolated(t) }
