package diag_test

import (
	"os"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

func TestMain(m *testing.M) { os.Exit(winetest.Main(m)) }

// TestUnderWine cross-builds this package's tests for Windows (cgo-free)
// and runs the ones that call the real Windows APIs (winapi_windows_test.go)
// under Wine on a private X server: each call either answers as on
// Windows or, where Wine lacks it, the check says it couldn't check.
func TestUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds the package and starts Wine")
	}
	p := winetest.Shared(t)
	display := xtest.Start(t, 1366, 768)
	exe := winetest.BuildTests(t)
	res := p.Run(t, display, t.TempDir(), 3*time.Minute, exe, "-test.v", "-test.run", "^TestWindows")
	winetest.CheckPassed(t, res, "TestWindowsAPIs")
}
