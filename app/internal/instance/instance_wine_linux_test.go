package instance_test

import (
	"os"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/winetest"
)

func TestMain(m *testing.M) { os.Exit(winetest.Main(m)) }

// TestUnderWine cross-builds this package's tests for Windows and runs them
// under Wine: the named-pipe single instance in one process, across two
// processes and with simultaneous starts. (The portable test is left out:
// its t.TempDir cannot be removed under Wine 8, whose file system answers
// Go 1.26's RemoveAll with "Invalid function".)
func TestUnderWine(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds the package and starts Wine")
	}
	p := winetest.Shared(t)
	exe := winetest.BuildTests(t)
	res := p.Run(t, "", t.TempDir(), 2*time.Minute, exe, "-test.v", "-test.run", "^TestWindows")
	winetest.CheckPassed(t, res, "TestWindowsPipeName", "TestWindowsSecondProcess", "TestWindowsSimultaneousStarts", "TestWindowsSameProcess", "TestWindowsSilentClient")
}
