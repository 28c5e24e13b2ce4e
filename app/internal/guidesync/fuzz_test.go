package guidesync_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/lifeline-desk/lifeline/app/internal/bootstrap"
	"github.com/lifeline-desk/lifeline/app/internal/guidesync"
	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/guide/pack"
)

// FuzzPackBuild feeds arbitrary bodies through what the desktop does with
// a relay's answer (and its saved copy): decode, then build the library.
// Whatever comes in, it never panics; a pack is either refused whole
// (ErrRefused) or gives a library that lints clean, holds every guide of
// the pack and none it hides.
func FuzzPackBuild(f *testing.F) {
	ok := newPack("v1", tokenGuide(f, "enrol"))
	ok.Hidden = []string{"add-printer"}
	f.Add(mustJSON(f, ok))
	f.Add(mustJSON(f, newPack("v2", tokenGuide(f, "no-such-step"))))
	f.Add([]byte(`{"v":1,"etag":"e","guides":[{"id":"x","version":1,"yaml":"id: y\n"}],"hidden":["wifi-not-connecting"],"variables":{}}`))
	f.Add([]byte(`{"v":2}`))
	known := bootstrap.Known()
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := pack.Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		lib, _, err := guidesync.Build(assets.Guides(), &p, nil, known)
		if err != nil {
			if !errors.Is(err, guidesync.ErrRefused) {
				t.Fatalf("Build: %v, want ErrRefused or a library", err)
			}
			return
		}
		if probs := guide.Lint(lib.All(), known); len(probs) > 0 {
			t.Fatalf("accepted pack lints with %v", probs)
		}
		for _, id := range p.Hidden {
			if _, in := lib.Get(id); in && !slices.ContainsFunc(p.Guides, func(g pack.Guide) bool { return g.ID == id }) {
				t.Errorf("hidden guide %s still in the library", id)
			}
		}
		for _, g := range p.Guides {
			if got, in := lib.Get(g.ID); !in || got.Source != "relay:"+g.ID+".yaml" {
				t.Errorf("pack guide %s missing from the library", g.ID)
			}
		}
	})
}
