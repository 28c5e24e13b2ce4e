package search

import (
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search/highlight"
	"github.com/blevesearch/bleve/v2/search/highlight/format/plain"
	simplehl "github.com/blevesearch/bleve/v2/search/highlight/highlighter/simple"
)

// registerAnalysis adds the spelling filter and the snippet highlighter to
// Bleve's registry, through which Bleve finds them by name, also when it
// opens a cached index. That registry is process-wide and unlocked, meant
// to be filled before any index is used, so the registration runs once,
// on the first Open, and its error is returned to every Open.
var registerAnalysis = sync.OnceValue(func() error {
	if err := registry.RegisterTokenFilter(spellingFilter, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return newSpellingTokenFilter(), nil
	}); err != nil {
		return err
	}
	if err := registry.RegisterFragmentFormatter("lifeline_marks", func(map[string]any, *registry.Cache) (highlight.FragmentFormatter, error) {
		return plain.NewFragmentFormatter(markStart, markEnd), nil
	}); err != nil {
		return err
	}
	return registry.RegisterHighlighter(highlighter, func(_ map[string]any, c *registry.Cache) (highlight.Highlighter, error) {
		f, err := c.FragmentFormatterNamed("lifeline_marks")
		if err != nil {
			return nil, err
		}
		return simplehl.NewHighlighter(newWordFragmenter(), f, " … "), nil
	})
})
