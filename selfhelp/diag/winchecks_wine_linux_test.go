package diag_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/testenv"
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
	goTool := testenv.LookPath(t, "go", "golang-go")
	p := winetest.Shared(t)
	display := xtest.Start(t, 1366, 768)
	exe := filepath.Join(t.TempDir(), "diag.test.exe")
	build := exec.Command(goTool, "test", "-c", "-o", exe, ".")
	// -race (if GOFLAGS carries it) needs cgo, which this build must not use.
	goflags := strings.Join(slices.DeleteFunc(strings.Fields(os.Getenv("GOFLAGS")), func(f string) bool { return f == "-race" }), " ")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS="+goflags)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cross-build the tests: %v\n%s", err, out)
	}
	res := p.Run(t, display, t.TempDir(), 3*time.Minute, exe, "-test.v", "-test.run", "^TestWindows")
	out := string(res.Stdout) + string(res.Stderr)
	if res.ExitCode != 0 || !strings.Contains(out, "--- PASS: TestWindowsAPIs") {
		t.Fatalf("the Windows tests under Wine exited %d:\n%s", res.ExitCode, out)
	}
	t.Logf("under Wine in %v:\n%s", res.Took, out)
}
