package ui

import (
	"context"
	"errors"
	"sync"

	"github.com/lifeline-desk/lifeline/app/internal/guidesync"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/search"
)

// GuideSource is where new guides come from: *guidesync.Syncer. The window
// asks it again when the help desk connection comes up, passes on the
// relay's word that the guides changed (Changed) and shows its Status in
// Settings; the new guides themselves arrive by UpdateGuides.
type GuideSource interface {
	Refresh()
	Changed(etag string)
	Status() guidesync.Status
}

// guideSet is the library (inside its search index) and the organisation
// variables the window uses. A new set replaces it as a whole; the old
// one is closed once no search runs on it.
type guideSet struct {
	ix    *search.Index
	vars  guide.Vars
	owned bool // closed by the window; the first set is the caller's

	mu     sync.RWMutex // held for reading while a search runs on ix
	closed bool
}

// errRetired: the set was replaced (and closed) while a search waited.
var errRetired = errors.New("guides replaced")

func (g *guideSet) search(ctx context.Context, q string, n int) (search.Results, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return search.Results{}, errRetired
	}
	return g.ix.Search(ctx, q, n)
}

// retire closes an owned set once its searches are done.
func (g *guideSet) retire() {
	if !g.owned {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.closed = true
		g.ix.Close()
	}
}

// guides is the set in use now.
func (u *UI) guides() *guideSet { return u.set.Load() }

// UpdateGuides makes ix (built in the background) and vars the guides the
// window uses from now on; the window owns ix from here and closes it. A
// guide open on screen keeps the version it was opened with until the
// person leaves it; the home screen's lists and results follow at once.
// Safe from any goroutine.
func (u *UI) UpdateGuides(ix *search.Index, vars guide.Vars) {
	u.do(func() {
		if u.ctx.Err() != nil {
			ix.Close()
			return
		}
		old := u.set.Swap(&guideSet{ix: ix, vars: vars, owned: true})
		u.goBackground(func(context.Context) { old.retire() })
		u.home.guidesChanged()
		if u.onGuides != nil {
			u.onGuides()
		}
	})
}

// searchGuides searches the set in use, again on the new one when it was
// replaced meanwhile.
func (u *UI) searchGuides(ctx context.Context, q string, n int) (search.Results, error) {
	for {
		res, err := u.guides().search(ctx, q, n)
		if !errors.Is(err, errRetired) {
			return res, err
		}
	}
}
