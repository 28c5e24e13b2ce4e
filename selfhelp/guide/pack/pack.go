// Package pack is the organisation's guide pack as the relay serves it to
// every desktop (GET /api/client/guides, relay/API.md) and the desktop
// caches it: the published version of each of the organisation's guides
// (new ones and overrides of built-in guides by id), the built-in guides
// the organisation hid, and the organisation variables.
//
// The wire form is JSON, versioned by "v" (this package speaks 1):
//
//	{"v":1,"etag":"3f…","published_at":"2026-12-03T07:00:00Z",
//	 "guides":[{"id":"printer-offline","version":3,"yaml":"id: printer-offline\n…"}],
//	 "hidden":["bitlocker-recovery"],
//	 "variables":{"helpdesk_phone":"+1 555 0100"}}
//
// A pack is at most MaxSize bytes; Decode refuses a larger body before
// reading past the cap, and refuses the whole pack on any defect (the
// desktop then keeps the previous one).
package pack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

// Version is the pack format version.
const Version = 1

// MaxSize caps an encoded pack, in bytes: the relay refuses to publish a
// change that would make the pack larger, and a desktop refuses a larger body.
const MaxSize = 16 << 20

// Limits of the parts of a pack.
const (
	MaxGuides = 5000
	MaxIDLen  = 64
	MaxETag   = 128
)

// Pack is one organisation's published guides.
type Pack struct {
	V int `json:"v"`
	// ETag is the pack's strong validator, the same as the HTTP ETag
	// header without its quotes.
	ETag string `json:"etag"`
	// PublishedAt is when the pack last changed (zero for a pack with
	// nothing in it).
	PublishedAt time.Time  `json:"published_at"`
	Guides      []Guide    `json:"guides"`
	Hidden      []string   `json:"hidden"`
	Variables   guide.Vars `json:"variables"`
}

// Guide is the published version of one of the organisation's guides.
type Guide struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	YAML    string `json:"yaml"`
}

// Errors of Decode.
var (
	ErrTooLarge = fmt.Errorf("guide pack larger than %d bytes", MaxSize)
	ErrInvalid  = errors.New("invalid guide pack")
)

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidID reports whether id is a guide id: lower-case words joined by
// hyphens, at most MaxIDLen bytes.
func ValidID(id string) bool { return len(id) <= MaxIDLen && idPattern.MatchString(id) }

// Decode reads one pack from r (at most MaxSize bytes) and checks its
// shape: the version, ids, sizes, no id twice, variables known and on one
// line. It does not lint the guides; Parse does that part.
func Decode(r io.Reader) (Pack, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return Pack{}, fmt.Errorf("read guide pack: %w", err)
	}
	if len(b) > MaxSize {
		return Pack{}, ErrTooLarge
	}
	var p Pack
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Pack{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if dec.More() {
		return Pack{}, fmt.Errorf("%w: trailing data", ErrInvalid)
	}
	if err := p.Validate(); err != nil {
		return Pack{}, err
	}
	return p, nil
}

// Validate checks a pack's shape (see Decode).
func (p *Pack) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	if p.V != Version {
		return bad("version %d, want %d", p.V, Version)
	}
	if len(p.ETag) > MaxETag {
		return bad("etag longer than %d bytes", MaxETag)
	}
	if len(p.Guides) > MaxGuides || len(p.Hidden) > MaxGuides {
		return bad("more than %d guides", MaxGuides)
	}
	seen := make(map[string]bool, len(p.Guides))
	for i, g := range p.Guides {
		switch {
		case !ValidID(g.ID):
			return bad("guide %d: id %.64q is not a guide id", i+1, g.ID)
		case seen[g.ID]:
			return bad("guide %q twice", g.ID)
		case g.Version < 1:
			return bad("guide %q: version %d", g.ID, g.Version)
		case len(g.YAML) > guide.MaxFileSize:
			return bad("guide %q larger than %d bytes", g.ID, guide.MaxFileSize)
		}
		seen[g.ID] = true
	}
	for _, id := range p.Hidden {
		if !ValidID(id) {
			return bad("hidden id %.64q is not a guide id", id)
		}
	}
	if probs := guide.CheckVars("variables", p.Variables, nil); len(probs) > 0 {
		return bad("%s", probs[0].Message)
	}
	return nil
}

// Encode writes p as JSON, refusing a pack over MaxSize.
func (p *Pack) Encode() ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode guide pack: %w", err)
	}
	if len(b) > MaxSize {
		return nil, ErrTooLarge
	}
	return b, nil
}

// Parse reads every guide of the pack, named "relay:<id>.yaml" in
// problems, and checks that each YAML's id: is the id it is listed under.
// Lint the result with the desktop's Known (built-in guides as
// Known.Guides, minus Hidden) before using it.
func (p *Pack) Parse() ([]*guide.Guide, []guide.Problem) {
	var out []*guide.Guide
	var probs []guide.Problem
	for _, pg := range p.Guides {
		file := "relay:" + pg.ID + ".yaml"
		g, ps := guide.Parse(file, []byte(pg.YAML))
		probs = append(probs, ps...)
		if g == nil {
			continue
		}
		if g.ID != pg.ID {
			probs = append(probs, guide.Problem{File: file, Line: g.Pos.FieldLine("id"), Message: fmt.Sprintf("guide id %q, listed as %q", g.ID, pg.ID)})
			continue
		}
		out = append(out, g)
	}
	guide.SortProblems(probs)
	return out, probs
}
