package ui

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

// TestWalkEveryGuide goes through every guide the way a person does: it
// opens the guide, taps each answer button of each step it reaches (the
// window's own buttons, replaying the taps from the start for every
// branch) and checks that the tap lands on the step the guide names, that
// every step fits the window's width and says something. Answers that end
// the guide or open another one are tapped too; the other guide is walked
// on its own. With LIFELINE_SCREENS_DIR set it leaves every step as
// <dir>/<system>/<guide>/<nn>-<step>.png, the whole step on one picture,
// so a person can read each guide end to end as the window shows it.
func TestWalkEveryGuide(t *testing.T) {
	for _, p := range []guide.Platform{guide.Linux, guide.Windows, guide.MacOS} {
		t.Run(string(p), func(t *testing.T) {
			u := newTestUI(t, nil)
			u.deps.Platform = p
			// Checks answer at once: the walk reads the steps, the
			// checks have their own tests.
			u.guide.checks = fixedChecks{u.deps.Diag, diag.Result{Status: diag.Unknown, Detail: "(not checked in this walk)"}}
			steps := 0
			for _, g := range u.deps.Index.Library().All() {
				if g.Supports(p) {
					steps += walkGuide(t, u, g)
				}
			}
			if steps < 300 {
				t.Errorf("walked %d steps on %s, want the whole library", steps, p)
			}
			t.Logf("%s: walked %d steps", p, steps)
		})
	}
}

// walkGuide visits every step of g reachable by answers and returns how
// many it saw.
func walkGuide(t *testing.T, u *UI, g *guide.Guide) int {
	t.Helper()
	type path []int // answer indexes from the start
	replay := func(taps path) {
		u.openGuide(g.ID)
		for _, i := range taps {
			v, _ := u.guide.run.Current()
			test.Tap(findButton(t, u.guide.body, v.Answers[i]))
		}
	}
	seen := map[string]bool{}
	queue := []path{nil}
	for len(queue) > 0 {
		taps := queue[0]
		queue = queue[1:]
		replay(taps)
		v, ok := u.guide.run.Current()
		if !ok || v.GuideID != g.ID || seen[v.StepID] {
			continue
		}
		seen[v.StepID] = true
		st, _ := g.Step(v.StepID)
		if v.Text == "" {
			t.Errorf("%s/%s shows no text", g.ID, v.StepID)
		}
		if w := u.main.MinSize().Width; w > WindowWidth {
			t.Errorf("%s/%s needs %.0f px, more than the window's %d", g.ID, v.StepID, w, WindowWidth)
		}
		saveStep(t, u, filepath.Join(string(u.deps.Platform), g.ID, fmt.Sprintf("%02d-%s.png", len(seen), v.StepID)))
		for i, a := range st.Answers {
			next := append(append(path(nil), taps...), i)
			switch {
			case a.Next == guide.EndFixed || a.Next == guide.EndEscalate:
				// Ending answers: tap it and see the guide end.
				replay(next)
				if _, ok := u.guide.run.Current(); ok {
					t.Errorf("%s/%s: %q does not end the guide", g.ID, v.StepID, a.Label)
				}
			case a.Opens() && a.Next == "":
				replay(next)
				if cur, _ := u.guide.run.Current(); cur.GuideID != a.Guide {
					t.Errorf("%s/%s: %q shows guide %s, want %s", g.ID, v.StepID, a.Label, cur.GuideID, a.Guide)
				}
			default:
				queue = append(queue, next)
			}
		}
	}
	if len(seen) == 0 {
		t.Errorf("%s: no step shown", g.ID)
	}
	return len(seen)
}

// saveStep writes the whole current step, however long, to
// $LIFELINE_SCREENS_DIR/name; it does nothing when the variable is unset.
func saveStep(t *testing.T, u *UI, name string) {
	t.Helper()
	dir := os.Getenv("LIFELINE_SCREENS_DIR")
	if dir == "" {
		return
	}
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	// Tall enough for the step without scrolling.
	h := u.guide.body.MinSize().Height + 260
	u.win.Resize(fyne.NewSize(WindowWidth, max(640, h)))
	defer u.win.Resize(fyne.NewSize(WindowWidth, 640))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, u.win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}
