package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/lifeline-desk/lifeline/app/internal/bootstrap"
	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/internal/cliflag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

func cmdGuides(ctx context.Context, args []string, s IO) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: lifeline guides list | lint DIR...", ErrUsage)
	}
	switch args[0] {
	case "lint":
		return guidesLint(args[1:], s)
	case "list":
		return guidesList(args[1:], s)
	}
	return fmt.Errorf("%w: unknown guides command %q (list or lint)", ErrUsage, args[0])
}

// guidesLint checks the named folders (or files) as one set and prints every
// problem as file:line: message.
func guidesLint(args []string, s IO) error {
	fs := newFlags("guides lint", s)
	if err := parse(fs, args, nil); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: lifeline guides lint DIR...", ErrUsage)
	}
	var all []*guide.Guide
	var probs []guide.Problem
	for _, dir := range fs.Args() {
		gs, ps, err := guide.ParseDir(dir)
		if err != nil {
			return err
		}
		all = append(all, gs...)
		probs = append(probs, ps...)
	}
	// A guide may open a built-in one (guide:); the set's own guides come
	// first when both have the id.
	k := bootstrap.Known()
	k.Guides, _, _ = guide.ParseFS(assets.Guides(), ".", "builtin:")
	probs = append(probs, guide.Lint(all, k)...)
	guide.SortProblems(probs)
	for _, p := range probs {
		fmt.Fprintln(s.Stdout, p)
	}
	if len(probs) > 0 {
		fmt.Fprintf(s.Stderr, "%d problem(s) in %d guide(s)\n", len(probs), len(all))
		return ErrProblems
	}
	fmt.Fprintf(s.Stderr, "%d guide(s), no problems\n", len(all))
	return nil
}

func guidesList(args []string, s IO) error {
	fs := newFlags("guides list", s)
	dirs := cliflag.NewList(fs, "guides", string(os.PathListSeparator), "extra guide folder (repeatable; env LIFELINE_GUIDES, "+string(os.PathListSeparator)+"-separated)")
	if err := parse(fs, args, nil); err != nil {
		return err
	}
	lib, probs, err := guide.Load(assets.Guides(), dirs.Values, bootstrap.Known())
	if err != nil {
		return err
	}
	for _, p := range probs {
		fmt.Fprintln(s.Stderr, p)
	}
	for _, g := range lib.All() {
		fmt.Fprintf(s.Stdout, "%-28s %-13s %s\n", g.ID, g.Category, g.Title)
	}
	return nil
}
