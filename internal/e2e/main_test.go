package e2e

import (
	"log/slog"
	"os"
	"testing"

	"github.com/lifeline-desk/lifeline/internal/netns"
	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
)

// TestMain runs the tests in a loopback-only network namespace (as root)
// with one shared Chromium (see consoletest.Main).
func TestMain(m *testing.M) {
	os.Exit(consoletest.Main(m))
}

// TestNetworkIsolated checks what the WebRTC tests run in: as root, a
// network namespace with nothing but loopback.
func TestNetworkIsolated(t *testing.T) {
	netns.CheckIsolated(t)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// screenshots is where the views with live video are saved (ignored by git).
const screenshots = "testdata/screenshots"
