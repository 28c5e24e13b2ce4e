package server

// The organisation's guide pack as the relay keeps it: the built-in guides
// it was built with, the linter run in the context of the whole pack, the
// pack desktops download (cached until it changes) and its size cap.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/relay/store"
	"github.com/lifeline-desk/lifeline/selfhelp/diag/diagnames"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/guide/pack"
)

// guideStore is what the guide pack needs of the store.
type guideStore interface {
	store.Guides
	store.GuideFeedbackLog
}

// guideLib is the relay's view of the guide pack.
type guideLib struct {
	st    guideStore
	known guide.Known // check, fix and variable names (no Guides)

	builtin     []*guide.Guide
	builtinByID map[string]*guide.Guide
	builtinYAML map[string]string

	// change serialises the changes to the published pack, so that its
	// size is checked against what is really published.
	change sync.Mutex

	mu     sync.Mutex
	parsed map[string]*guide.Guide // "id@version" → parsed published version
	cached *builtPack              // nil: rebuild
	gen    uint64                  // counts invalidations, so a pack built across a change is not kept
	had    map[string]bool         // the problems of the pack as it is (nil: lint again), for packProblems

	// onChange is called after every change to the pack (set by New:
	// the desktops are told, guides_push.go); nil: nobody is told.
	onChange func()
}

// builtPack is the encoded pack desktops get.
type builtPack struct {
	body []byte
	etag string // without quotes
}

func newGuideLib(st guideStore) (*guideLib, error) {
	fsys := assets.Guides()
	gs, probs, err := guide.ParseFS(fsys, ".", "builtin:")
	if err != nil {
		return nil, fmt.Errorf("read built-in guides: %w", err)
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("built-in guides: %v", probs[0])
	}
	l := &guideLib{st: st, known: diagnames.Known(), builtin: gs, builtinByID: map[string]*guide.Guide{},
		builtinYAML: map[string]string{}, parsed: map[string]*guide.Guide{}}
	for _, g := range gs {
		l.builtinByID[g.ID] = g
		b, err := fs.ReadFile(fsys, strings.TrimPrefix(g.Source, "builtin:"))
		if err != nil {
			return nil, err
		}
		l.builtinYAML[g.ID] = string(b)
	}
	return l, nil
}

// isBuiltin reports whether id is a built-in guide.
func (l *guideLib) isBuiltin(id string) bool { return l.builtinByID[id] != nil }

// invalidate drops the cached pack after a change (and so tells the
// desktops, by onChange).
func (l *guideLib) invalidate() {
	l.mu.Lock()
	l.cached, l.had = nil, nil
	l.gen++
	l.mu.Unlock()
	if l.onChange != nil {
		l.onChange()
	}
}

// parsePublished parses a stored version, cached by id and version.
func (l *guideLib) parsePublished(v store.GuideVersion) *guide.Guide {
	key := v.GuideID + "@" + strconv.Itoa(v.Version)
	l.mu.Lock()
	g, ok := l.parsed[key]
	l.mu.Unlock()
	if ok {
		return g
	}
	g, _ = guide.Parse("relay:"+v.GuideID+".yaml", []byte(v.YAML))
	l.mu.Lock()
	l.parsed[key] = g
	l.mu.Unlock()
	return g
}

// prune drops parsed versions no longer published once they outnumber
// the published ones.
func (l *guideLib) prune(pub []store.GuideVersion) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.parsed) <= 2*len(pub)+32 {
		return
	}
	keep := make(map[string]bool, len(pub))
	for _, v := range pub {
		keep[v.GuideID+"@"+strconv.Itoa(v.Version)] = true
	}
	maps.DeleteFunc(l.parsed, func(k string, _ *guide.Guide) bool { return !keep[k] })
}

// packGuides is what desktops see now: the built-in guides not hidden,
// each replaced by the organisation's published version of the same id,
// plus its own published guides; without the guide except.
func (l *guideLib) packGuides(ctx context.Context, except string) ([]*guide.Guide, error) {
	gs, err := l.packSet(ctx, nil, nil)
	return slices.DeleteFunc(gs, func(g *guide.Guide) bool { return g.ID == except }), err
}

// packSet is the guides desktops would see with the changes (guide id →
// the version published, nil: unpublished) and hidden (nil: as stored),
// sorted by id.
func (l *guideLib) packSet(ctx context.Context, changes map[string]*store.GuideVersion, hidden []string) ([]*guide.Guide, error) {
	var err error
	if hidden == nil {
		if hidden, err = l.st.HiddenGuides(ctx); err != nil {
			return nil, err
		}
	}
	pub, err := l.st.PublishedGuides(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*guide.Guide, len(l.builtin)+len(pub))
	for _, g := range l.builtin {
		if !slices.Contains(hidden, g.ID) {
			byID[g.ID] = g
		}
	}
	for _, v := range pub {
		if _, changed := changes[v.GuideID]; changed {
			continue
		}
		if g := l.parsePublished(v); g != nil && g.ID == v.GuideID {
			byID[v.GuideID] = g
		}
	}
	l.prune(pub)
	for id, v := range changes {
		if v == nil {
			continue
		}
		if g, _ := guide.Parse("relay:"+id+".yaml", []byte(v.YAML)); g != nil && g.ID == id {
			byID[id] = g
		}
	}
	out := make([]*guide.Guide, 0, len(byID))
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		out = append(out, byID[id])
	}
	return out, nil
}

// packProblems are the problems a change would bring to the pack as a
// whole that it does not have now — another guide's link to a step or a
// guide the change removes, say — each said with the guide it is in and
// at line 0 (the line is not in the guide being edited). Desktops lint the
// pack they get and refuse it whole on any problem: such a change is
// refused instead.
func (l *guideLib) packProblems(ctx context.Context, changes map[string]*store.GuideVersion, hidden []string) ([]guide.Problem, error) {
	k := l.known
	l.mu.Lock()
	had, gen := l.had, l.gen
	l.mu.Unlock()
	if had == nil {
		now, err := l.packSet(ctx, nil, nil)
		if err != nil {
			return nil, err
		}
		had = map[string]bool{}
		for _, p := range guide.Lint(now, k) {
			had[p.String()] = true
		}
		l.mu.Lock()
		if l.gen == gen {
			l.had = had
		}
		l.mu.Unlock()
	}
	next, err := l.packSet(ctx, changes, hidden)
	if err != nil {
		return nil, err
	}
	var out []guide.Problem
	for _, p := range guide.Lint(next, k) {
		if had[p.String()] {
			continue
		}
		id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(p.File, "relay:"), "builtin:"), ".yaml")
		out = append(out, guide.Problem{Message: fmt.Sprintf("guide %s, line %d: %s", id, p.Line, p.Message)})
	}
	return out, nil
}

// lint parses yaml as guide id (empty: whatever id it names) and lints it
// with the rest of the pack, as `lifeline guides lint` would with the
// organisation's folder; the guide is nil when the YAML cannot be read.
func (l *guideLib) lint(ctx context.Context, id, yaml string) (*guide.Guide, []guide.Problem, error) {
	file := id + ".yaml"
	if id == "" {
		file = "guide.yaml"
	}
	g, probs := guide.Parse(file, []byte(yaml))
	if g == nil {
		return nil, probs, nil
	}
	if id != "" && g.ID != id {
		probs = append(probs, guide.Problem{File: file, Line: g.Pos.FieldLine("id"), Message: fmt.Sprintf("id is %q, but this is guide %q: an id cannot change (create a new guide instead)", g.ID, id)})
	}
	others, err := l.packGuides(ctx, g.ID)
	if err != nil {
		return nil, nil, err
	}
	k := l.known
	k.Guides = others
	probs = append(probs, guide.Lint([]*guide.Guide{g}, k)...)
	guide.SortProblems(probs)
	return g, probs, nil
}

// errPackTooLarge is a change refused because the pack would be larger
// than pack.MaxSize.
var errPackTooLarge = fmt.Errorf("the guide pack would be larger than %d MiB", pack.MaxSize>>20)

// packWith builds the pack as it would be with the changes (guide id →
// the version published, nil: unpublished), hidden and vars replacing the
// stored ones when not nil.
func (l *guideLib) packWith(ctx context.Context, changes map[string]*store.GuideVersion, hidden []string, vars map[string]string) (pack.Pack, error) {
	pub, err := l.st.PublishedGuides(ctx)
	if err != nil {
		return pack.Pack{}, err
	}
	byID := make(map[string]store.GuideVersion, len(pub))
	for _, v := range pub {
		byID[v.GuideID] = v
	}
	for id, v := range changes {
		if v == nil {
			delete(byID, id)
		} else {
			byID[id] = *v
		}
	}
	if hidden == nil {
		if hidden, err = l.st.HiddenGuides(ctx); err != nil {
			return pack.Pack{}, err
		}
	}
	if vars == nil {
		if vars, err = l.st.GuideVariables(ctx); err != nil {
			return pack.Pack{}, err
		}
	}
	changed, err := l.st.GuidePackChanged(ctx)
	if err != nil {
		return pack.Pack{}, err
	}
	p := pack.Pack{V: pack.Version, PublishedAt: changed, Guides: []pack.Guide{}, Hidden: hidden, Variables: vars}
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		v := byID[id]
		p.Guides = append(p.Guides, pack.Guide{ID: id, Version: v.Version, YAML: v.YAML})
	}
	p.ETag = packETag(p)
	return p, nil
}

// checkSize refuses a change that makes the pack too large.
func (l *guideLib) checkSize(ctx context.Context, changes map[string]*store.GuideVersion, hidden []string, vars map[string]string) error {
	p, err := l.packWith(ctx, changes, hidden, vars)
	if err != nil {
		return err
	}
	if _, err := p.Encode(); errors.Is(err, pack.ErrTooLarge) {
		return errPackTooLarge
	} else if err != nil {
		return err
	}
	return nil
}

// packETag is a strong validator of the pack: every field of the body
// but the etag itself.
func packETag(p pack.Pack) string {
	h := sha256.New()
	fmt.Fprintf(h, "v %d %d\n", p.V, p.PublishedAt.UnixMilli())
	for _, g := range p.Guides {
		fmt.Fprintf(h, "g %q %d %d\n", g.ID, g.Version, len(g.YAML))
		h.Write([]byte(g.YAML))
	}
	for _, id := range p.Hidden {
		fmt.Fprintf(h, "h %q\n", id)
	}
	for _, k := range slices.Sorted(maps.Keys(p.Variables)) {
		fmt.Fprintf(h, "v %q %q\n", k, p.Variables[k])
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// current is the pack desktops get, built once per change.
func (l *guideLib) current(ctx context.Context) (*builtPack, error) {
	l.mu.Lock()
	c, gen := l.cached, l.gen
	l.mu.Unlock()
	if c != nil {
		return c, nil
	}
	p, err := l.packWith(ctx, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	body, err := p.Encode()
	if err != nil {
		return nil, err
	}
	c = &builtPack{body: body, etag: p.ETag}
	l.mu.Lock()
	if l.gen == gen { // else the store changed while this was built: the next call builds again
		l.cached = c
	}
	l.mu.Unlock()
	return c, nil
}

// guideKnown reports whether id names a guide desktops may send feedback
// about: a built-in one or one of the organisation's.
func (l *guideLib) guideKnown(ctx context.Context, id string) (bool, error) {
	if l.isBuiltin(id) {
		return true, nil
	}
	_, err := l.st.GuideRecord(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
