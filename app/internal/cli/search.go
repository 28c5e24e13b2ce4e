package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/search"
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
	var dirs multiFlag
	fs.Var(&dirs, "guides", "extra guide folder (repeatable)")
	noCache := fs.Bool("no-cache", false, "build the index in memory instead of using the on-disk cache")
	if err := parse(fs, args); err != nil {
		return err
	}
	q := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(q) == "" {
		return fmt.Errorf("%w: lifeline search [--json] [--limit N] QUERY...", ErrUsage)
	}
	if *limit < 1 {
		return fmt.Errorf("%w: --limit must be at least 1", ErrUsage)
	}
	ix, err := OpenIndex(ctx, dirs, !*noCache, s)
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

// OpenIndex loads the built-in guides plus extra folders and opens the
// search index, cached on disk under the user's cache folder when cache is
// true. Guide problems are printed as warnings; the rest still loads.
func OpenIndex(ctx context.Context, extraDirs []string, cache bool, s IO) (*search.Index, error) {
	lib, probs, err := guide.Load(assets.Guides(), extraDirs, Known())
	if err != nil {
		return nil, err
	}
	for _, p := range probs {
		fmt.Fprintf(s.Stderr, "warning: %s (guide skipped)\n", p)
	}
	opts := search.Options{}
	if cache {
		opts.CacheDir = IndexCacheDir()
	}
	return search.Open(ctx, lib, opts)
}
