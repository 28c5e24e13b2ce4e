package guide_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

func lintPath(t *testing.T, path string) []string {
	t.Helper()
	gs, probs, err := guide.ParseDir(path)
	if err != nil {
		t.Fatal(err)
	}
	probs = append(probs, guide.Lint(gs, known())...)
	guide.SortProblems(probs)
	var out []string
	for _, p := range probs {
		out = append(out, p.String())
	}
	return out
}

// TestLintBroken checks that each broken guide (one defect per file) is
// reported once, at the right line, in file:line: message form.
func TestLintBroken(t *testing.T) {
	dir := filepath.Join("testdata", "broken")
	tests := []struct {
		file string
		want []string
	}{
		{"empty-answers.yaml", []string{`:11: step "first" has an empty answer list`}},
		{"link-and-next.yaml", []string{`:16: answer "No" of step "first" has both next and guide; an answer goes to one place`}},
		{"link-step-without-guide.yaml", []string{`:16: answer "No" of step "first" has step: without guide: (step: names a step of the guide it opens)`}},
		{"link-to-self.yaml", []string{`:15: answer "No" of step "first" opens its own guide; use next: to go to one of its steps`}},
		{"link-unknown-guide.yaml", []string{`:15: answer "No" of step "first" opens unknown guide "no-such-guide"`}},
		{"missing-summary.yaml", []string{`:1: missing summary`}},
		{"missing-symptoms.yaml", []string{`:1: missing symptoms: list how people describe this problem in their own words`}},
		{"missing-title.yaml", []string{`:1: missing title`}},
		{"mixed-os-text.yaml", []string{`:9: step "first": text names Windows and macOS; put each in variants:`}},
		{"mixed-os-variant.yaml", []string{`:13: step "first": linux variant names Windows and Linux; put each in variants:`}},
		{"no-end.yaml", []string{
			`:16: step "loop-a" has no way to an end ("fixed" or "escalate")`,
			`:22: step "loop-b" has no way to an end ("fixed" or "escalate")`,
		}},
		{"syntax-error.yaml", []string{`:10: mapping values are not allowed in this context`}},
		{"unknown-check.yaml", []string{`:10: unknown check "no.such.check"`}},
		{"unknown-fix.yaml", []string{`:10: unknown fix "no.such.fix"`}},
		{"unknown-key.yaml", []string{`:10: unknown step key "queston"`}},
		{"unknown-next.yaml", []string{`:15: answer "No" of step "first" goes to unknown step "nowhere"`}},
		{"unknown-platform.yaml", []string{`:5: unknown platform "amiga" (windows, macos or linux)`}},
		{"unknown-variable.yaml", []string{`:9: unknown variable {{helpdesk_fone}}`}},
		{"unreachable.yaml", []string{`:14: step "orphan" is unreachable from the start`}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			got := lintPath(t, path)
			var want []string
			for _, w := range tt.want {
				want = append(want, path+w)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("lint %s:\ngot  %q\nwant %q", tt.file, got, want)
			}
		})
	}
}

// TestLintMixedSystems: a step text that names two operating systems the
// guide runs on is flagged; product names, lower-case "windows", words
// that merely contain a system's name, and systems the guide doesn't
// support are not.
func TestLintMixedSystems(t *testing.T) {
	tests := []struct {
		name      string
		platforms string
		text      string
		want      string
	}{
		{"windows and mac", "", "Bottom-right on Windows, top-right on a Mac.", "text names Windows and macOS"},
		{"labels with colons", "", "Windows: Start. macOS: Apple menu.", "text names Windows and macOS"},
		{"three systems", "", "On Windows, macOS or Ubuntu.", "text names Windows, macOS and Linux"},
		{"gnome counts as linux", "", "The GNOME menu, or Finder on a Mac.", "text names macOS and Linux"},
		{"one system", "", "Press the Windows key and type Camera.", ""},
		{"browser windows", "", "Close all browser windows, then on a Mac press Command + Q.", ""},
		{"macbook is not mac", "", "On a MacBook, or in the Windows Security box.", ""},
		{"chromebook is not a platform", "", "On a Chromebook or on Windows.", ""},
		{"unsupported system", "platforms: [windows, linux]\n", "Windows only; Macs are not covered here.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "id: mixed\ntitle: T\nsummary: S.\ncategory: printing\n" + tt.platforms +
				"symptoms:\n  - broken\nsteps:\n  - id: first\n    text: " + strconv.Quote(tt.text) +
				"\n    question: Q?\n    answers:\n      - label: Yes\n        next: fixed\n"
			g, probs := guide.Parse("mixed.yaml", []byte(src))
			if len(probs) > 0 {
				t.Fatalf("parse: %v", probs)
			}
			var got []string
			for _, p := range guide.Lint([]*guide.Guide{g}, known()) {
				got = append(got, p.Message)
			}
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("got %q, want no problem", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("got %q, want one problem containing %q", got, tt.want)
			}
		})
	}
}

func TestLintEveryBrokenFileCovered(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "broken", "*.yaml"))
	for _, f := range files {
		if len(lintPath(t, f)) == 0 {
			t.Errorf("%s: no problem reported for a broken guide", f)
		}
	}
}

func TestLintDuplicateID(t *testing.T) {
	got := lintPath(t, filepath.Join("testdata", "duplicate"))
	want := []string{`testdata/duplicate/b.yaml:1: duplicate guide id "same-id" (first defined in testdata/duplicate/a.yaml:1)`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestLintLinks: links between guides are checked as a set — a step the
// other guide lacks, and guides whose links only lead round in a circle.
func TestLintLinks(t *testing.T) {
	tests := []struct {
		dir  string
		want []string
	}{
		{"links", []string{`testdata/links/from.yaml:16: answer "Try the other guide there" of step "first" opens step "nowhere", which guide "link-to" does not have`}},
		{"link-cycle", []string{
			`testdata/link-cycle/a.yaml:13: answer "Try the other guide" of step "first" opens guide "cycle-b", whose links only lead round in a circle and never to an end ("fixed" or "escalate")`,
			`testdata/link-cycle/b.yaml:13: answer "Try the other guide" of step "first" opens guide "cycle-a", whose links only lead round in a circle and never to an end ("fixed" or "escalate")`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			got := lintPath(t, filepath.Join("testdata", tt.dir))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestLintLinkToKnownGuide: a folder linted on its own may open a guide
// from outside it (the built-in ones) when Known lists it.
func TestLintLinkToKnownGuide(t *testing.T) {
	from, probs := guide.Parse("from.yaml", readFile(t, "testdata/links/from.yaml"))
	to, probs2 := guide.Parse("to.yaml", readFile(t, "testdata/links/to.yaml"))
	if len(probs)+len(probs2) > 0 {
		t.Fatal(probs, probs2)
	}
	k := known()
	if got := guide.Lint([]*guide.Guide{from}, k); len(got) != 2 || !strings.Contains(got[0].Message, `unknown guide "link-to"`) {
		t.Errorf("without the other guide: %v", got)
	}
	k.Guides = []*guide.Guide{to}
	if got := guide.Lint([]*guide.Guide{from}, k); len(got) != 1 || got[0].Line != 16 {
		t.Errorf("with the other guide known: %v, want only the unknown step at line 16", got)
	}
}

func TestLintGood(t *testing.T) {
	if got := lintPath(t, filepath.Join("testdata", "good")); len(got) != 0 {
		t.Errorf("clean guide reported: %q", got)
	}
}

func TestParseRefusesHugeFile(t *testing.T) {
	big := make([]byte, guide.MaxFileSize+1)
	g, probs := guide.Parse("big.yaml", big)
	if g != nil || len(probs) != 1 || !strings.Contains(probs[0].Message, "larger than") {
		t.Errorf("got %v, %v", g, probs)
	}
}

func TestParseNotAMapping(t *testing.T) {
	for _, src := range []string{"- a\n- b\n", "just text\n", ""} {
		g, probs := guide.Parse("x.yaml", []byte(src))
		if g != nil || len(probs) != 1 {
			t.Errorf("%q: got %v, %v", src, g, probs)
		}
	}
}

// TestLoadOverridesAndSkipsBroken: an organisation folder replaces a
// built-in guide by id, adds new ones, and a broken file there is reported
// without hiding the rest.
func TestLoadOverridesAndSkipsBroken(t *testing.T) {
	builtin := fstest.MapFS{"printer-jam.yaml": {Data: readFile(t, "testdata/good/printer-jam.yaml")}}
	org := t.TempDir()
	override := strings.Replace(string(readFile(t, "testdata/good/printer-jam.yaml")), "title: Paper jam in the office printer", "title: Paper jam (our printers)", 1)
	writeFile(t, filepath.Join(org, "printer-jam.yaml"), override)
	writeFile(t, filepath.Join(org, "broken.yaml"), string(readFile(t, "testdata/broken/unknown-next.yaml")))
	writeFile(t, filepath.Join(org, "README.md"), "not a guide")

	lib, probs, err := guide.Load(builtin, []string{org}, known())
	if err != nil {
		t.Fatal(err)
	}
	g, ok := lib.Get("printer-jam")
	if !ok || g.Title != "Paper jam (our printers)" {
		t.Errorf("override not applied: %+v", g)
	}
	if _, ok := lib.Get("unknown-next"); ok {
		t.Error("broken guide was loaded")
	}
	if len(probs) != 1 || !strings.HasSuffix(probs[0].File, "broken.yaml") || probs[0].Line != 15 {
		t.Errorf("problems = %v, want one in broken.yaml:15", probs)
	}
	if lib.Len() != 1 {
		t.Errorf("library has %d guides, want 1", lib.Len())
	}
}

func TestLoadMissingFolder(t *testing.T) {
	_, _, err := guide.Load(fstest.MapFS{}, []string{filepath.Join(t.TempDir(), "nope")}, known())
	if err == nil {
		t.Fatal("missing folder accepted")
	}
}

func TestVarsExpand(t *testing.T) {
	v := guide.Vars{"helpdesk_phone": "+44 20 7946 0000", "vpn_name": "  "}.Merge()
	tests := []struct{ in, want string }{
		{"Call {{helpdesk_phone}}.", "Call +44 20 7946 0000."},
		{"Open {{ vpn_name }}.", "Open the VPN app."},
		{"Typo {{helpdesk_fone}} stays.", "Typo {{helpdesk_fone}} stays."},
		{"No variables.", "No variables."},
	}
	for _, tt := range tests {
		if got := v.Expand(tt.in); got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTextForVariant(t *testing.T) {
	gs, _, err := guide.ParseDir("testdata/good")
	if err != nil || len(gs) != 1 {
		t.Fatal(err)
	}
	st, _ := gs[0].Step("open-tray")
	if got := st.TextFor(guide.MacOS); !strings.HasPrefix(got, "Pull out the tray (the Mac") {
		t.Errorf("macOS variant: %q", got)
	}
	if got := st.TextFor(guide.Windows); !strings.HasPrefix(got, "Pull out the paper tray") {
		t.Errorf("windows falls back to text: %q", got)
	}
}
