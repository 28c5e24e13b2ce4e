package server_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/internal/testenv"
)

// The relay must stay pure Go: nothing under relay/ may pull in the desktop
// stack (fyne, robotgo, screen capture) or any cgo package.
func TestRelayDependenciesArePureGo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goBin := testenv.LookPath(t, "go", "golang-go")
	// CGO_ENABLED=1 so that cgo files are listed rather than filtered out.
	cmd := exec.Command(goBin, "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}} {{len .CgoFiles}}", "github.com/lifeline-desk/lifeline/relay/...")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	banned := []string{"fyne.io/", "github.com/go-vgo/robotgo", "github.com/kbinani/screenshot", "github.com/vcaesar/", "github.com/lifeline-desk/lifeline/app", "github.com/lifeline-desk/lifeline/assist"}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		n++
		path, std, cgoFiles := f[0], f[1] == "true", f[2]
		for _, b := range banned {
			if strings.HasPrefix(path, b) {
				t.Errorf("relay depends on %s", path)
			}
		}
		if !std && cgoFiles != "0" {
			t.Errorf("relay depends on cgo package %s", path)
		}
	}
	if n < 50 {
		t.Fatalf("go list returned only %d packages; the check did not run", n)
	}
	build := exec.Command(goBin, "build", "-o", t.TempDir()+"/relay", "github.com/lifeline-desk/lifeline/relay/cmd/lifeline-relay")
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 build: %v\n%s", err, out)
	}
}
