package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	bleveindex "github.com/blevesearch/bleve_index_api"
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
	count uint64 // guides holding the unstemmed word
	known bool   // the index has this word or its stem
	typos []typo // other terms within the allowed typos, none sharing its stem
}

// alternatives are the typo terms searched along with w: all of them for a
// word the index does not know or when typo tolerance applies to every
// word, and for a rare word only the terms far more guides hold.
func (w word) alternatives(allFuzzy bool) []typo {
	if allFuzzy || !w.known {
		return w.typos
	}
	var out []typo
	for _, t := range w.typos {
		if w.count > 0 && t.count >= rareRatio*w.count {
			out = append(out, t)
		}
	}
	return out
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
	words, err := ix.words(text)
	if err != nil {
		return res, err
	}
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

func (ix *Index) words(text string) ([]word, error) {
	adv, err := ix.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer r.Close()
	fr, ok := r.(bleveindex.IndexReaderFuzzy)
	if !ok {
		return nil, fmt.Errorf("search: index reader %T has no fuzzy term dictionary", r)
	}
	var out []word
	seen := map[string]bool{}
	for _, w := range terms(ix.worder, text) {
		if seen[w] {
			continue
		}
		seen[w] = true
		wd := word{text: w, count: ix.vocab[w], known: ix.vocab[w] > 0}
		stems := terms(ix.stemmer, w)
		for _, s := range stems {
			wd.known = wd.known || ix.stemVocab[s]
		}
		typos, err := ix.typos(fr, w)
		if err != nil {
			return nil, err
		}
		for _, t := range typos {
			if !slices.Equal(terms(ix.stemmer, t.term), stems) {
				wd.typos = append(wd.typos, t)
			}
		}
		out = append(out, wd)
	}
	return out, nil
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

// build makes the query: per field, a disjunction with one clause per word
// (so a field that holds more of the words scores more), boosted by field;
// a word's clause also matches its typo alternatives, each scored by the
// alternative's own BM25 weight times typoWeight; a prefix match on the word
// being typed; and a phrase bonus in symptoms and title.
func (ix *Index) build(words []word, allFuzzy, typing bool) query.Query {
	texts := make([]string, len(words))
	for i, w := range words {
		texts[i] = w.text
	}
	all := strings.Join(texts, " ")
	var clauses []query.Query
	for _, fb := range fieldBoosts() {
		per := make([]query.Query, len(words))
		for i, w := range words {
			per[i] = wordQuery(w, w.alternatives(allFuzzy), fb)
		}
		clauses = append(clauses, bleve.NewDisjunctionQuery(per...))
	}
	if len(words) > 1 {
		clauses = append(clauses, coverage(words, allFuzzy))
	}
	if last := words[len(words)-1]; typing && !last.known && utf8.RuneCountInString(last.text) >= 3 {
		pq := bleve.NewPrefixQuery(last.text)
		pq.SetField(fieldWords)
		clauses = append(clauses, pq)
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

// coverageBoost weighs the bonus for a guide that matches every word.
const coverageBoost = 3

// coverage matches only guides that hold every word (or one of its typo
// alternatives) in one of the fields people describe problems with, so a
// guide about both "outlook" and "crashes" outranks one that only says
// "crash" in many ways. Meilisearch's first ranking rule is the same: more
// of the query's words matched first.
func coverage(words []word, allFuzzy bool) query.Query {
	per := make([]query.Query, len(words))
	for i, w := range words {
		per[i] = wordQuery(w, w.alternatives(allFuzzy), fieldBoost{fieldWords, coverageBoost})
	}
	return bleve.NewConjunctionQuery(per...)
}

// wordQuery matches w, and its typo alternatives, in one field. Bleve
// multiplies a disjunction's score by the share of its clauses that
// matched; a guide is not meant to hold every alternative of one word, so
// each boost is scaled by the number of alternatives to undo that.
func wordQuery(w word, alts []typo, fb fieldBoost) query.Query {
	match := func(text string, boost float64) query.Query {
		mq := bleve.NewMatchQuery(text)
		mq.SetField(fb.field)
		mq.SetBoost(boost)
		return mq
	}
	if len(alts) == 0 {
		return match(w.text, fb.boost)
	}
	n := float64(len(alts))
	if w.known {
		n++
	}
	var qs []query.Query
	if w.known {
		qs = append(qs, match(w.text, fb.boost*n))
	}
	for _, t := range alts {
		qs = append(qs, match(t.term, fb.boost*n*typoWeight(t.dist)))
	}
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewDisjunctionQuery(qs...)
}
