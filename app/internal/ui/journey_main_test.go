package ui

import (
	"os"
	"testing"

	"github.com/lifeline-desk/lifeline/internal/netns"
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
		t.Skip("not root or no unshare: running in the host network namespace")
	}
	names, err := netns.NonLoopback()
	if err != nil {
		t.Fatal(err)
	}
	if len(names) > 0 {
		t.Errorf("interfaces %v in the test namespace", names)
	}
}
