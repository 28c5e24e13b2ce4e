package atomicfile_test

import (
	"os"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/winetest"
)

func TestMain(m *testing.M) { os.Exit(winetest.Main(m)) }

// TestUnderWine runs this package's Windows tests, cross-built, under
// Wine: a folder cannot be flushed on Windows, and the desktop's state
// (install id, outbox, guide pack) must still be written.
func TestUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds the package and starts Wine")
	}
	p := winetest.Shared(t)
	exe := winetest.BuildTests(t)
	res := p.Run(t, "", os.TempDir(), 2*time.Minute, exe, "-test.v", "-test.run", "^TestWindows")
	winetest.CheckPassed(t, res, "TestWindowsWrite")
}
