package windows_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/internal/winetest"
	"github.com/lifeline-desk/lifeline/internal/xtest"
)

// TestGuidesWalkUnderWine runs the window's walk through every guide
// (app/internal/ui TestWalkEveryGuide: each guide opened, each answer
// button tapped, every step reached checked against the guide) in the
// window's tests cross-built for Windows, under Wine, on the Windows
// variants. Every step is left as a picture in
// dist/windows/screenshots/guides/windows/<guide>/<nn>-<step>.png, for a
// person to read the Windows text as the window shows it.
func TestGuidesWalkUnderWine(t *testing.T) {
	exe := filepath.Join(repo, "dist", "windows", "ui.test.exe")
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("%v: build it with `make windows-uitest` (make test-windows does)", err)
	}
	// A display of its own, as every Windows program here has: the shared
	// prefix's desktop must not start without one (later windows would
	// then fail to open).
	display := xtest.Start(t, 1024, 768)
	p := winetest.Shared(t)
	out := filepath.Join(shotDir, "guides")
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// Wine maps the Linux root to drive Z:.
	screens := "LIFELINE_SCREENS_DIR=Z:" + strings.ReplaceAll(out, "/", `\`)
	res := p.RunEnv(t, display, t.TempDir(), []string{screens}, 15*time.Minute, exe,
		"-test.v", "-test.run", "^TestWalkEveryGuide$/^windows$", "-test.timeout", "15m")
	winetest.CheckPassed(t, res, "TestWalkEveryGuide/windows")
	n := 0
	filepath.WalkDir(filepath.Join(out, "windows"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(d.Name(), ".png") {
			n++
		}
		return nil
	})
	if n < 300 {
		t.Errorf("%d step pictures under %s, want every step of every Windows guide", n, out)
	}
	t.Logf("%d steps walked under Wine in %v; pictures in %s", n, res.Took.Round(time.Second), out)
}
