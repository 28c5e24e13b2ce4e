package search

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// MaxQueryLen caps the search text; longer input is cut, not refused.
const MaxQueryLen = 256

// minExactHits is how many results the exact pass must find before typo
// tolerance is applied to every word.
const minExactHits = 3

// Highlight markers, in Unicode's private-use area so no guide text can
// contain them.
const (
	markStart   = "\ue000"
	markEnd     = "\ue001"
	highlighter = "lifeline"
)

// Segment is a piece of a snippet; Match marks words that matched the query.
type Segment struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// Hit is one guide found.
type Hit struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Summary  string    `json:"summary,omitempty"`
	Category string    `json:"category,omitempty"`
	Score    float64   `json:"score"`
	Snippet  []Segment `json:"snippet,omitempty"`
}

// SnippetText is the snippet with matches wrapped in before/after.
func (h Hit) SnippetText(before, after string) string {
	var b strings.Builder
	for _, s := range h.Snippet {
		if s.Match {
			b.WriteString(before + s.Text + after)
		} else {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

// Results is the answer to a query.
type Results struct {
	Query string
	Hits  []Hit
	// Typos reports that typo tolerance was applied to every word because
	// exact matching found too little.
	Typos bool
	Took  time.Duration
}

type word struct {
	text  string // unstemmed, normalised
	known bool   // the index has this word or its stem
}

// Search finds the guides best matching text, best first. Text is taken
// literally; an empty query finds nothing.
func (ix *Index) Search(ctx context.Context, text string, limit int) (Results, error) {
	start := time.Now()
	if limit <= 0 {
		limit = 10
	}
	if len(text) > MaxQueryLen {
		text = text[:MaxQueryLen]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
	}
	res := Results{Query: text}
	words := ix.words(text)
	if len(words) == 0 {
		res.Took = time.Since(start)
		return res, nil
	}
	typing := !strings.HasSuffix(text, " ")
	hits, err := ix.run(ctx, ix.build(words, false, typing), limit)
	if err != nil {
		return res, err
	}
	if len(hits) < minExactHits && len(hits) < ix.lib.Len() {
		more, err := ix.run(ctx, ix.build(words, true, typing), limit)
		if err != nil {
			return res, err
		}
		if len(more) > len(hits) {
			hits, res.Typos = more, true
		}
	}
	res.Hits = hits
	res.Took = time.Since(start)
	return res, nil
}

func (ix *Index) words(text string) []word {
	var out []word
	seen := map[string]bool{}
	for _, w := range terms(ix.worder, text) {
		if seen[w] {
			continue
		}
		seen[w] = true
		known := ix.vocab[w]
		if !known {
			for _, s := range terms(ix.stemmer, w) {
				known = known || ix.stemVocab[s]
			}
		}
		out = append(out, word{text: w, known: known})
	}
	return out
}

// fuzziness is Meilisearch's rule: no typo below 5 letters, one from 5,
// two from 9.
func fuzziness(w string) int {
	switch n := utf8.RuneCountInString(w); {
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

func (ix *Index) run(ctx context.Context, q query.Query, limit int) ([]Hit, error) {
	req := bleve.NewSearchRequestOptions(q, limit, 0, false)
	req.Highlight = bleve.NewHighlightWithStyle(highlighter)
	req.Highlight.AddField(fieldSymptoms)
	req.Highlight.AddField(fieldSummary)
	req.Highlight.AddField(fieldTitle)
	sr, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	hits := make([]Hit, 0, len(sr.Hits))
	for _, h := range sr.Hits {
		g, ok := ix.lib.Get(h.ID)
		if !ok {
			continue
		}
		hit := Hit{ID: g.ID, Title: g.Title, Summary: g.Summary, Category: g.Category, Score: h.Score}
		hit.Snippet = snippet(h.Fragments, g.Summary)
		hits = append(hits, hit)
	}
	return hits, nil
}

// snippet picks the most telling highlighted fragment: a matching symptom,
// else the summary.
func snippet(frags map[string][]string, summary string) []Segment {
	for _, f := range []string{fieldSymptoms, fieldSummary} {
		for _, frag := range frags[f] {
			if strings.Contains(frag, markStart) {
				return segments(frag)
			}
		}
	}
	return []Segment{{Text: summary}}
}

func segments(frag string) []Segment {
	var out []Segment
	for frag != "" {
		i := strings.Index(frag, markStart)
		if i < 0 {
			out = append(out, Segment{Text: frag})
			break
		}
		if i > 0 {
			out = append(out, Segment{Text: frag[:i]})
		}
		frag = frag[i+len(markStart):]
		j := strings.Index(frag, markEnd)
		if j < 0 {
			out = append(out, Segment{Text: frag, Match: true})
			break
		}
		out = append(out, Segment{Text: frag[:j], Match: true})
		frag = frag[j+len(markEnd):]
	}
	return out
}

// build makes the query: per field, a match of all the words (so a field
// that holds more of them scores more), boosted by field; fuzzy matches on
// the unstemmed words for words the index does not know (or for every
// word when allFuzzy); a prefix match on the word being typed; and a
// phrase bonus in symptoms and title.
func (ix *Index) build(words []word, allFuzzy, typing bool) query.Query {
	texts := make([]string, len(words))
	for i, w := range words {
		texts[i] = w.text
	}
	all := strings.Join(texts, " ")
	var clauses []query.Query
	for _, fb := range fieldBoosts() {
		mq := bleve.NewMatchQuery(all)
		mq.SetField(fb.field)
		mq.SetBoost(fb.boost)
		clauses = append(clauses, mq)
	}
	var extra []query.Query
	for i, w := range words {
		if k := fuzziness(w.text); k > 0 && (!w.known || allFuzzy) {
			fq := bleve.NewFuzzyQuery(w.text)
			fq.SetField(fieldWords)
			fq.SetFuzziness(k)
			fq.SetBoost(1.5)
			extra = append(extra, fq)
		}
		if typing && i == len(words)-1 && !w.known && utf8.RuneCountInString(w.text) >= 3 {
			pq := bleve.NewPrefixQuery(w.text)
			pq.SetField(fieldWords)
			extra = append(extra, pq)
		}
	}
	if len(extra) > 0 {
		clauses = append(clauses, bleve.NewDisjunctionQuery(extra...))
	}
	if len(words) > 1 {
		for _, f := range []string{fieldSymptoms, fieldTitle} {
			pq := bleve.NewMatchPhraseQuery(all)
			pq.SetField(f)
			pq.SetBoost(2)
			clauses = append(clauses, pq)
		}
	}
	return bleve.NewDisjunctionQuery(clauses...)
}
