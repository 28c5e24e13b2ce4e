package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/lifeline-desk/lifeline/app/internal/bootstrap"
	"github.com/lifeline-desk/lifeline/internal/cliflag"
)

// jsonResult is the documented --json output of lifeline search.
type jsonResult struct {
	Query string    `json:"query"`
	Hits  []jsonHit `json:"hits"`
}

type jsonHit struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Score float64 `json:"score"`
}

func cmdSearch(ctx context.Context, args []string, s IO) error {
	fs := newFlags("search", s)
	asJSON := fs.Bool("json", false, `print {"query": ..., "hits": [{"id", "title", "score"}]}`)
	limit := fs.Int("limit", 5, "number of results")
	dirs := cliflag.NewList(fs, "guides", string(os.PathListSeparator), "extra guide folder (repeatable; env LIFELINE_GUIDES, "+string(os.PathListSeparator)+"-separated)")
	noCache := fs.Bool("no-cache", false, "build the index in memory instead of using the on-disk cache")
	if err := parse(fs, args, nil); err != nil {
		return err
	}
	q := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(q) == "" {
		return fmt.Errorf("%w: lifeline search [--json] [--limit N] QUERY...", ErrUsage)
	}
	if *limit < 1 {
		return fmt.Errorf("%w: --limit must be at least 1", ErrUsage)
	}
	ix, err := bootstrap.OpenIndex(ctx, dirs.Values, !*noCache, s.Stderr)
	if err != nil {
		return err
	}
	defer ix.Close()
	res, err := ix.Search(ctx, q, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		out := jsonResult{Query: q, Hits: make([]jsonHit, 0, len(res.Hits))}
		for _, h := range res.Hits {
			out.Hits = append(out.Hits, jsonHit{ID: h.ID, Title: h.Title, Score: h.Score})
		}
		enc := json.NewEncoder(s.Stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	if len(res.Hits) == 0 {
		fmt.Fprintf(s.Stdout, "No guide matches %q. Try other words, or get live help from the help desk.\n", q)
		return nil
	}
	for i, h := range res.Hits {
		fmt.Fprintf(s.Stdout, "%d. %s  [%s]\n   %s\n", i+1, h.Title, h.ID, h.SnippetText("*", "*"))
	}
	return nil
}
