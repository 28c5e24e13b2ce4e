package guide_test

import (
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

func known() guide.Known {
	return guide.Known{Checks: diag.CheckNames(), Fixes: diag.FixNames(), Vars: guide.DefaultVars()}
}

// TestBuiltinLibraryClean lints the guides shipped in the binary.
func TestBuiltinLibraryClean(t *testing.T) {
	guides, probs, err := guide.ParseFS(assets.Guides(), ".", "assets/guides/")
	if err != nil {
		t.Fatal(err)
	}
	probs = append(probs, guide.Lint(guides, known())...)
	for _, p := range probs {
		t.Error(p)
	}
	if len(guides) == 0 {
		t.Fatal("no built-in guides")
	}
}

// TestCatalogComplete asserts that every guide of the catalog ships, with
// the catalog's id and category.
func TestCatalogComplete(t *testing.T) {
	lib, probs, err := guide.Load(assets.Guides(), nil, known())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		t.Error(p)
	}
	data := readFile(t, "testdata/guide-catalog.tsv")
	rows := 0
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if i == 0 {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			t.Fatalf("catalog line %d: %q", i+1, line)
		}
		rows++
		g, ok := lib.Get(f[0])
		if !ok {
			t.Errorf("catalog guide %q (%s) is missing", f[0], f[2])
			continue
		}
		if g.Category != f[1] {
			t.Errorf("%s: category %q, catalog says %q", f[0], g.Category, f[1])
		}
		if n := len(g.Symptoms); n < 3 || n > 8 {
			t.Errorf("%s: %d symptoms, want 3–8", f[0], n)
		}
		escalates := false
		for _, s := range g.Steps {
			for _, a := range s.Answers {
				escalates = escalates || (a.Next == guide.EndEscalate && a.Note != "")
			}
		}
		if !escalates {
			t.Errorf("%s: no escalate answer with a note for the technician", f[0])
		}
	}
	if rows != 61 {
		t.Errorf("catalog has %d rows, want 61", rows)
	}
}
