package guide_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

// FuzzParse feeds the guide loader arbitrary files, as an administrator's
// extra guide directory may hold: Parse never panics, says why it refuses
// a file, and whatever it accepts survives the linter, the library and
// variable expansion.
func FuzzParse(f *testing.F) {
	_ = fs.WalkDir(assets.Guides(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := fs.ReadFile(assets.Guides(), p); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
	for _, dir := range []string{"testdata/good", "testdata/broken"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("id: x\nsteps: [{id: a, answers: [{label: y, next: a}]}]\n"))
	k := known()
	f.Fuzz(func(t *testing.T, b []byte) {
		g, probs := guide.Parse("fuzz.yaml", b)
		if g == nil && len(probs) == 0 {
			t.Fatal("refused without a problem")
		}
		for _, p := range probs {
			if p.File != "fuzz.yaml" || p.Message == "" {
				t.Fatalf("problem without file or message: %+v", p)
			}
		}
		if g == nil {
			return
		}
		guide.Lint([]*guide.Guide{g}, k)
		lib := guide.NewLibrary([]*guide.Guide{g})
		if lib.Len() > 1 {
			t.Fatalf("one guide, library of %d", lib.Len())
		}
		for _, s := range g.Steps {
			k.Vars.Expand(s.Text)
			for _, v := range s.Variants {
				k.Vars.Expand(v)
			}
		}
	})
}
