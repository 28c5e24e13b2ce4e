// Package querynorm folds what people type into a search box into one key
// per problem, so the relay's content-gap report groups "Outlook won't
// open", "outlook wont open!" and "OUTLOOK not opening" together. It is
// deliberately small and pure Go (the desktop's Bleve analysis does not
// belong in the relay): lower case, letters and digits only, a few
// spellings joined ("wi fi" → "wifi"), filler and negation words dropped,
// plural and -ing endings trimmed, words de-duplicated and sorted.
package querynorm

import (
	"slices"
	"strings"
	"unicode"
)

// MaxLen is the longest key Normalise returns, in bytes.
const MaxLen = 200

// stop are words that do not tell one problem from another.
var stop = map[string]bool{
	"a": true, "an": true, "the": true, "my": true, "our": true, "your": true, "i": true, "me": true, "we": true,
	"is": true, "are": true, "was": true, "be": true, "been": true, "am": true, "it": true, "its": true, "this": true, "that": true,
	"to": true, "of": true, "on": true, "in": true, "at": true, "for": true, "from": true, "with": true, "and": true, "or": true,
	"not": true, "no": true, "cant": true, "cannot": true, "wont": true, "dont": true, "doesnt": true, "isnt": true,
	"didnt": true, "can": true, "will": true, "does": true, "do": true, "anymore": true, "any": true, "again": true,
	"please": true, "help": true, "how": true, "what": true, "why": true, "when": true, "keep": true, "keeps": true,
	"working": true, "work": true, "works": true,
}

// joined are two-word spellings folded into one word.
var joined = map[[2]string]string{
	{"wi", "fi"}: "wifi", {"e", "mail"}: "email", {"log", "in"}: "signin", {"sign", "in"}: "signin",
	{"log", "on"}: "signin", {"log", "out"}: "signout", {"sign", "out"}: "signout", {"set", "up"}: "setup",
	{"pass", "word"}: "password", {"off", "line"}: "offline", {"on", "line"}: "online", {"lap", "top"}: "laptop",
	{"up", "date"}: "update", {"blue", "tooth"}: "bluetooth", {"web", "cam"}: "webcam", {"user", "name"}: "username",
}

// Normalise returns the grouping key of a search text ("" when nothing
// is left).
func Normalise(q string) string {
	q = strings.ToLower(q)
	q = strings.NewReplacer("'", "", "’", "").Replace(q)
	words := strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if i+1 < len(words) {
			if j, ok := joined[[2]string{w, words[i+1]}]; ok {
				w = j
				i++
			}
		}
		if w == "login" || w == "logon" {
			w = "signin"
		}
		if stop[w] {
			continue
		}
		out = append(out, stem(w))
	}
	slices.Sort(out)
	out = slices.Compact(out)
	key := strings.Join(out, " ")
	for len(key) > MaxLen {
		i := strings.LastIndexByte(key[:MaxLen], ' ')
		if i < 0 {
			i = MaxLen
			for i > 0 && !isStart(key[i]) {
				i--
			}
		}
		key = key[:i]
	}
	return key
}

// isStart reports whether b begins a UTF-8 sequence.
func isStart(b byte) bool { return b&0xC0 != 0x80 }

// stem trims an -ing or plural ending from words long enough to have one.
func stem(w string) string {
	switch {
	case len(w) > 5 && strings.HasSuffix(w, "ing"):
		w = strings.TrimSuffix(w, "ing")
		if n := len(w); n > 2 && w[n-1] == w[n-2] { // "stopping" → "stop"
			w = w[:n-1]
		}
		return w
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return strings.TrimSuffix(w, "ies") + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us"):
		return strings.TrimSuffix(w, "s")
	}
	return w
}
