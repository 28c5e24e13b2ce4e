package guidesync

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/guide/pack"
)

// ErrRefused is matched (errors.Is) by the *RefusedError Build returns for
// a pack with any problem.
var ErrRefused = errors.New("guide pack refused")

// RefusedError lists every problem of a refused pack.
type RefusedError struct{ Problems []guide.Problem }

func (e *RefusedError) Error() string {
	if len(e.Problems) == 0 {
		return ErrRefused.Error()
	}
	return fmt.Sprintf("%v: %d problem(s), the first %s", ErrRefused, len(e.Problems), e.Problems[0])
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// Build makes the library the window shows, in order of precedence (a
// later source replaces an earlier guide with the same id):
//
//  1. the built-in guides, less those the pack hides;
//  2. the organisation's pack (p, nil for none): its guides are added, or
//     replace a built-in guide with the same id (a pack guide is used even
//     when the same id is also hidden);
//  3. the extra guide folders of this computer (--guides, LIFELINE_GUIDES,
//     the saved setting), as today: what is set on the computer itself is
//     the most specific, so it wins over the organisation's pack, as
//     machine policy and flags win over the pack's variables.
//
// The built-in guides and the pack are linted as one set, so a pack is
// refused whole (a *RefusedError) when any of its guides has a problem,
// links to an unknown guide or step, or hides a guide another one still
// opens. The folders' guides are linted as before: one with problems is
// left out and its problems returned in local.
func Build(builtin fs.FS, p *pack.Pack, extraDirs []string, known guide.Known) (lib *guide.Library, local []guide.Problem, err error) {
	builtins, probs, err := guide.ParseFS(builtin, ".", "builtin:")
	if err != nil {
		return nil, nil, fmt.Errorf("read built-in guides: %w", err)
	}
	if len(probs) > 0 {
		// The shipped guides are linted when built; never expected.
		return nil, nil, fmt.Errorf("built-in guides: %s", probs[0])
	}
	base := builtins
	if p != nil {
		base, err = withPack(builtins, p, known)
		if err != nil {
			return nil, nil, err
		}
	}
	all, local, err := guide.Overlay(base, extraDirs, known)
	if err != nil {
		return nil, nil, err
	}
	return guide.NewLibrary(all), local, nil
}

// withPack is builtins less the hidden and the overridden ones, plus the
// pack's guides, linted whole.
func withPack(builtins []*guide.Guide, p *pack.Pack, known guide.Known) ([]*guide.Guide, error) {
	org, probs := p.Parse()
	mine := make(map[string]bool, len(org)+len(p.Hidden))
	for _, g := range org {
		mine[g.ID] = true
	}
	for _, id := range p.Hidden {
		mine[id] = true
	}
	set := slices.DeleteFunc(slices.Clone(builtins), func(g *guide.Guide) bool { return mine[g.ID] })
	set = append(set, org...)
	probs = append(probs, guide.Lint(set, known)...)
	if len(p.Guides) != len(org) && len(probs) == 0 {
		probs = append(probs, guide.Problem{File: "relay", Message: "a guide of the pack could not be read"})
	}
	if len(probs) > 0 {
		guide.SortProblems(probs)
		return nil, &RefusedError{Problems: probs}
	}
	return set, nil
}

// describe is a short account of a pack's problems for the log.
func describe(probs []guide.Problem) string {
	var b strings.Builder
	for i, p := range probs {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(probs)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}
