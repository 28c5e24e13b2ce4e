package instance_test

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
	goTool := testenv.LookPath(t, "go", "golang-go")
	p := winetest.Shared(t)
	exe := filepath.Join(t.TempDir(), "instance.test.exe")
	build := exec.Command(goTool, "test", "-c", "-o", exe, ".")
	goflags := strings.Join(slices.DeleteFunc(strings.Fields(os.Getenv("GOFLAGS")), func(f string) bool { return f == "-race" }), " ")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS="+goflags)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cross-build the tests: %v\n%s", err, out)
	}
	res := p.Run(t, "", t.TempDir(), 2*time.Minute, exe, "-test.v", "-test.run", "^TestWindows")
	out := string(res.Stdout) + string(res.Stderr)
	for _, name := range []string{"TestWindowsPipeName", "TestWindowsSecondProcess", "TestWindowsSimultaneousStarts", "TestWindowsSameProcess", "TestWindowsSilentClient"} {
		if !strings.Contains(out, "--- PASS: "+name) {
			t.Errorf("%s did not pass", name)
		}
	}
	if res.ExitCode != 0 || t.Failed() {
		t.Fatalf("the Windows tests under Wine exited %d:\n%s", res.ExitCode, out)
	}
	t.Logf("under Wine in %v:\n%s", res.Took, out)
}
