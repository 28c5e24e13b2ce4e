package search

import (
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search/highlight"
	"github.com/blevesearch/bleve/v2/search/highlight/fragmenter/simple"
)

// snippetRunes is the length of a snippet fragment, in characters.
const snippetRunes = 140

// wordFragmenter is Bleve's simple fragmenter with each fragment's ends
// moved to word boundaries, so a snippet never starts or ends in the
// middle of a word ("… essage someone sent"). An end moves only over text
// that holds no match.
type wordFragmenter struct{ simple *simple.Fragmenter }

func newWordFragmenter() wordFragmenter {
	return wordFragmenter{simple: simple.NewFragmenter(snippetRunes)}
}

func (f wordFragmenter) Fragment(orig []byte, ot highlight.TermLocations) []*highlight.Fragment {
	frags := f.simple.Fragment(orig, ot)
	for _, fr := range frags {
		first, last := fr.End, fr.Start
		for _, t := range ot {
			if t.Start >= fr.Start && t.End <= fr.End {
				first, last = min(first, t.Start), max(last, t.End)
			}
		}
		if start := wordStartAfter(orig, fr.Start); start <= first && start < fr.End {
			fr.Start = start
		}
		if end := wordEndBefore(orig, fr.End); end >= last && end > fr.Start {
			fr.End = end
		}
	}
	return frags
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// wordStartAfter is i, or when i falls inside a word, the start of the next
// word.
func wordStartAfter(b []byte, i int) int {
	if i <= 0 || i >= len(b) {
		return i
	}
	prev, _ := utf8.DecodeLastRune(b[:i])
	if !isWordRune(prev) {
		return i
	}
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if !isWordRune(r) {
			break
		}
		i += n
	}
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += n
	}
	return i
}

// wordEndBefore is i, or when i falls inside a word, the end of the word
// before it.
func wordEndBefore(b []byte, i int) int {
	if i <= 0 || i >= len(b) {
		return i
	}
	next, _ := utf8.DecodeRune(b[i:])
	if !isWordRune(next) {
		return i
	}
	for i > 0 {
		r, n := utf8.DecodeLastRune(b[:i])
		if !isWordRune(r) {
			break
		}
		i -= n
	}
	for i > 0 {
		r, n := utf8.DecodeLastRune(b[:i])
		if !unicode.IsSpace(r) {
			break
		}
		i -= n
	}
	return i
}
