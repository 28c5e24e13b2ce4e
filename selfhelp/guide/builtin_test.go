package guide_test

import (
	"testing"

	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

func known() guide.Known {
	return guide.Known{Checks: diag.CheckNames(), Fixes: diag.FixNames(), Vars: guide.DefaultVars}
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
