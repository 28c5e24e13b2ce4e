package search

import (
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
)

// spellingFilter is the name of the token filter that folds the many ways
// people type one IT word ("wi-fi", "wi fi", "WiFi"; "log in", "sign on",
// "logged in") into the single form the index uses. It works on tokens, not
// characters, so highlighted snippets keep the original text and offsets.
const spellingFilter = "lifeline_spelling"

// spellings maps a run of one to four lower-cased tokens, joined by single
// spaces, to the word that replaces them. The tokenizer has already split
// on hyphens and spaces, so "wi-fi" arrives as "wi fi".
func spellings() map[string]string {
	return map[string]string{
		"wi fi": "wifi", "wi fi's": "wifi", "wlan": "wifi",
		"e mail": "email", "e mails": "emails", "e mailed": "emailed",
		"log in": "signin", "log on": "signin", "sign in": "signin", "sign on": "signin",
		"logged in": "signin", "logged on": "signin", "signed in": "signin", "signed on": "signin",
		"logging in": "signin", "logging on": "signin", "signing in": "signin", "signing on": "signin",
		"login": "signin", "logon": "signin", "signon": "signin", "logins": "signin", "logged into": "signin",
		"log into": "signin", "sign into": "signin", "signed into": "signin",
		"log out": "signout", "log off": "signout", "sign out": "signout", "sign off": "signout",
		"logged out": "signout", "signed out": "signout", "logout": "signout", "logoff": "signout",
		"pass word": "password", "pass code": "passcode",
		"off line": "offline", "on line": "online",
		"set up": "setup", "setting up": "setup", "set it up": "setup",
		"blue tooth": "bluetooth",
		"one drive":  "onedrive", "google drive": "gdrive",
		"web cam": "webcam", "web camera": "webcam",
		"pop up": "popup", "pop ups": "popup", "popups": "popup",
		"two factor": "twofactor", "2 factor": "twofactor", "two step": "twofactor", "2 step": "twofactor",
		"2fa": "twofactor", "multi factor": "mfa", "multifactor": "mfa",
		"blue screen": "bluescreen", "blue screen of death": "bluescreen",
		"touch pad": "touchpad", "track pad": "trackpad",
		"user name": "username", "anti virus": "antivirus", "start up": "startup",
		"recycle bin": "recyclebin", "recycling bin": "recyclebin",
		"thumb drive": "thumbdrive", "flash drive": "thumbdrive", "pen drive": "thumbdrive",
		"memory stick": "thumbdrive", "usb stick": "thumbdrive", "usb drive": "thumbdrive",
		"share point": "sharepoint", "print spooler": "spooler",
		"lap top": "laptop", "note book": "notebook", "head set": "headset",
		"mother board": "motherboard", "up date": "update", "up dates": "updates",
		"out of office": "outofoffice", "out of the office": "outofoffice", "ooo": "outofoffice", "oof": "outofoffice",
		"auto reply": "autoreply", "auto replies": "autoreply", "automatic reply": "autoreply",
		"automatic replies": "autoreply", "autoreplies": "autoreply",
	}
}

// maxSpellingTokens is the longest key in spellings, in tokens.
const maxSpellingTokens = 4

// spellingTokenFilter holds the spellings and the first word of every key,
// so most tokens are passed through without building candidate keys.
type spellingTokenFilter struct {
	spellings map[string]string
	starts    map[string]bool
}

func newSpellingTokenFilter() spellingTokenFilter {
	f := spellingTokenFilter{spellings: spellings(), starts: map[string]bool{}}
	for k := range f.spellings {
		first, _, _ := strings.Cut(k, " ")
		f.starts[first] = true
	}
	return f
}

// Filter merges adjacent tokens that form a known spelling; the merged
// token spans the original text of all of them. Apostrophes are dropped
// from terms so "won't" and "wont" are the same word.
func (f spellingTokenFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	in = splitJoined(in)
	out := in[:0]
	for i := 0; i < len(in); {
		merged := false
		if !f.starts[stripApostrophes(string(in[i].Term))] {
			t := in[i]
			if s := stripApostrophes(string(t.Term)); len(s) != len(t.Term) {
				t.Term = []byte(s)
			}
			out = append(out, t)
			i++
			continue
		}
		for n := min(maxSpellingTokens, len(in)-i); n >= 1; n-- {
			if !adjacent(in[i : i+n]) {
				continue
			}
			parts := make([]string, n)
			for k := range n {
				parts[k] = stripApostrophes(string(in[i+k].Term))
			}
			if repl, ok := f.spellings[strings.Join(parts, " ")]; ok {
				t := in[i]
				t.Term = []byte(repl)
				t.End = in[i+n-1].End
				out = append(out, t)
				i += n
				merged = true
				break
			}
		}
		if !merged {
			t := in[i]
			if s := stripApostrophes(string(t.Term)); len(s) != len(t.Term) {
				t.Term = []byte(s)
			}
			out = append(out, t)
			i++
		}
	}
	return out
}

// joiners are characters Unicode word segmentation keeps inside a word
// ("title:printer", "outlook.exe") that people use between words.
const joiners = ":._"

// splitJoined splits tokens at joiners, keeping byte offsets exact.
func splitJoined(in analysis.TokenStream) analysis.TokenStream {
	split := false
	for _, t := range in {
		if strings.ContainsAny(string(t.Term), joiners) {
			split = true
			break
		}
	}
	if !split {
		return in
	}
	out := make(analysis.TokenStream, 0, len(in)+4)
	for _, t := range in {
		term := string(t.Term)
		if !strings.ContainsAny(term, joiners) || len(term) != t.End-t.Start {
			out = append(out, t)
			continue
		}
		start := 0
		for i := 0; i <= len(term); i++ {
			if i < len(term) && !strings.ContainsRune(joiners, rune(term[i])) {
				continue
			}
			if i > start {
				out = append(out, &analysis.Token{Term: []byte(term[start:i]), Start: t.Start + start, End: t.Start + i,
					Position: t.Position, Type: t.Type})
			}
			start = i + 1
		}
	}
	return out
}

// adjacent reports whether tokens follow each other with at most one
// separator character (a space, hyphen, dot or underscore) between them.
func adjacent(ts []*analysis.Token) bool {
	for k := 1; k < len(ts); k++ {
		if ts[k].Start-ts[k-1].End > 1 {
			return false
		}
	}
	return true
}

func stripApostrophes(s string) string {
	if !strings.ContainsAny(s, "'’") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\'' || r == '’' {
			return -1
		}
		return r
	}, s)
}

// stopWords are dropped in addition to Bleve's English list: contractions
// typed without their apostrophe, and filler that every guide would match.
func stopWords() []string {
	return []string{
		"wont", "cant", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "couldnt",
		"wouldnt", "shouldnt", "hasnt", "havent", "im", "ive", "id", "whats", "theres", "pls",
		"please", "help", "hi", "hello", "thanks", "thank", "ok", "okay", "anymore", "suddenly",
		"keeps", "keep", "says", "say", "saying", "get", "got", "getting", "how", "do", "i", "my",
	}
}
