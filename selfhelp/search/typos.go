package search

import (
	"fmt"
	"unicode/utf8"

	bleveindex "github.com/blevesearch/bleve_index_api"
)

// rareRatio decides when a word the index does know is still treated as a
// probable typo: when a term one typo away occurs in at least rareRatio
// times as many guides. "outlok" is in two guides' symptoms, written there
// on purpose; "outlook" is in dozens, and is what nearly everyone typing
// "outlok" means.
const rareRatio = 4

// typo is a term of the index within the allowed number of typos of a query
// word.
type typo struct {
	term  string
	dist  int    // Damerau–Levenshtein distance to the query word
	count uint64 // guides holding the term
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

// typoWeight scales a match on a term reached through dist typos; it is
// applied on top of that term's own BM25 weight, so a typo that lands on a
// distinctive term (a product name) still outweighs a common word matched
// exactly.
func typoWeight(dist int) float64 {
	return 1 / float64(1+dist)
}

// typos lists the terms of the words field within fuzziness(w) typos of w,
// counting a swap of two adjacent letters as one typo (Damerau–Levenshtein,
// where Bleve's automaton is plain Levenshtein): the automaton's candidates
// for w, plus those for each adjacent swap of w at one typo less, each
// checked by distance.
func (ix *Index) typos(r bleveindex.IndexReaderFuzzy, w string) ([]typo, error) {
	k := fuzziness(w)
	if k == 0 {
		return nil, nil
	}
	seen := map[string]bool{w: true}
	var out []typo
	add := func(from string, k int) error {
		if k == 0 {
			if n := ix.vocab[from]; n > 0 && !seen[from] {
				seen[from] = true
				out = append(out, typo{term: from, dist: damerau(w, from), count: n})
			}
			return nil
		}
		d, err := r.FieldDictFuzzy(fieldWords, from, k, "")
		if err != nil {
			return fmt.Errorf("typo candidates for %q: %w", w, err)
		}
		defer d.Close()
		for {
			e, err := d.Next()
			if err != nil {
				return fmt.Errorf("typo candidates for %q: %w", w, err)
			}
			if e == nil {
				return nil
			}
			if seen[e.Term] {
				continue
			}
			seen[e.Term] = true
			if dist := damerau(w, e.Term); dist <= fuzziness(w) {
				out = append(out, typo{term: e.Term, dist: dist, count: ix.vocab[e.Term]})
			}
		}
	}
	if err := add(w, k); err != nil {
		return nil, err
	}
	rs := []rune(w)
	for i := 0; i+1 < len(rs); i++ {
		if rs[i] == rs[i+1] {
			continue
		}
		rs[i], rs[i+1] = rs[i+1], rs[i]
		err := add(string(rs), k-1)
		rs[i], rs[i+1] = rs[i+1], rs[i]
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// damerau is the optimal-string-alignment distance between a and b: the
// Levenshtein distance with a swap of two adjacent letters as one edit.
func damerau(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev2 := make([]int, len(y)+1)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}
