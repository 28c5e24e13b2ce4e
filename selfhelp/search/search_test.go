package search_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/search"
)

func fixture() *guide.Library {
	mk := func(id, title string, symptoms []string, keywords []string, body string) *guide.Guide {
		return &guide.Guide{ID: id, Title: title, Summary: title + ".", Category: "network", Symptoms: symptoms, Keywords: keywords,
			Steps: []guide.Step{{ID: "s", Text: body, Question: "Fixed?", Answers: []guide.Answer{{Label: "Yes", Next: "fixed"}}}}}
	}
	return guide.NewLibrary([]*guide.Guide{
		mk("wifi-not-connecting", "Wi-Fi won't connect", []string{"wifi keeps dropping", "no wifi networks"}, nil, "Turn airplane mode off."),
		mk("password-reset", "Reset a forgotten password", []string{"forgot my password", "can't log in"}, nil, "Use the reset page."),
		mk("email-not-arriving", "Not receiving email", []string{"emails not arriving", "messages stuck in outbox"}, []string{"outlook"}, "Check junk mail."),
		mk("disk-full", "Disk is full", []string{"low disk space", "no space left"}, nil, "Empty the trash."),
		mk("printer-offline", "Printer shows offline", []string{"printer says offline", "nothing prints"}, []string{"cups"}, "Turn the printer on."),
		mk("computer-slow", "Computer is running slow", []string{"laptop is really slow", "everything takes ages"}, nil, "Restart the computer."),
	})
}

func openFixture(t testing.TB, opts search.Options) *search.Index {
	t.Helper()
	ix, err := search.Open(context.Background(), fixture(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func top(t *testing.T, ix *search.Index, q string) string {
	t.Helper()
	res, err := ix.Search(context.Background(), q, 5)
	if err != nil {
		t.Fatalf("%q: %v", q, err)
	}
	if len(res.Hits) == 0 {
		return ""
	}
	return res.Hits[0].ID
}

func TestSearchFindsInUsersWords(t *testing.T) {
	ix := openFixture(t, search.Options{})
	tests := []struct{ name, query, want string }{
		{"exact", "printer says offline", "printer-offline"},
		{"stemming", "printing", "printer-offline"},
		{"synonym wireless→wifi", "wireless", "wifi-not-connecting"},
		{"synonym pc→computer", "pc", "computer-slow"},
		{"synonym drive→disk", "drive", "disk-full"},
		{"synonym mail→email", "mail", "email-not-arriving"},
		{"spelling wi-fi", "wi-fi", "wifi-not-connecting"},
		{"spelling wi fi", "wi fi", "wifi-not-connecting"},
		{"spelling e-mail", "e-mail", "email-not-arriving"},
		{"spelling log on", "cannot log on", "password-reset"},
		{"spelling sign in", "unable to sign in", "password-reset"},
		{"contraction", "can't sign-in", "password-reset"},
		{"typo 1 from 5 letters", "pasword", "password-reset"},
		{"typo outlook", "outlok", "email-not-arriving"},
		{"typo 2 from 9 letters", "compputrr", "computer-slow"},
		{"prefix while typing", "print", "printer-offline"},
		{"upper case", "PRINTER OFFLINE", "printer-offline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := top(t, ix, tt.query); got != tt.want {
				t.Errorf("%q: top hit %q, want %q", tt.query, got, tt.want)
			}
		})
	}
}

func TestSearchNoTypoToleranceForShortWords(t *testing.T) {
	ix := openFixture(t, search.Options{})
	// "dosk" is one typo from "disk" but has only 4 letters: Meilisearch's
	// rule allows no typo below 5.
	res, err := ix.Search(context.Background(), "dosk ", 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		if h.ID == "disk-full" {
			t.Errorf("4-letter typo matched: %+v", res.Hits)
		}
	}
}

// TestSearchQuerySyntaxIsLiteral: characters that mean something in
// Bleve's query-string syntax are plain text in the search box.
func TestSearchQuerySyntaxIsLiteral(t *testing.T) {
	ix := openFixture(t, search.Options{})
	for _, q := range []string{"?", ":", "+", "-", "printer: offline?", "+printer -offline", "title:printer", "\"unclosed", "a*b", "~2", "(", "^", "/regex/", "printer AND offline", "\x00", strings.Repeat("printer ", 500)} {
		res, err := ix.Search(context.Background(), q, 5)
		if err != nil {
			t.Errorf("%q: %v", q, err)
			continue
		}
		if strings.Contains(q, "printer") && (len(res.Hits) == 0 || res.Hits[0].ID != "printer-offline") {
			t.Errorf("%q: want printer-offline first, got %+v", q, res.Hits)
		}
	}
}

func TestSearchEmptyAndStopWords(t *testing.T) {
	ix := openFixture(t, search.Options{})
	for _, q := range []string{"", "   ", "the a an", "help please"} {
		res, err := ix.Search(context.Background(), q, 5)
		if err != nil || len(res.Hits) != 0 {
			t.Errorf("%q: %v, %+v", q, err, res.Hits)
		}
	}
}

func TestSearchSnippetHighlightsMatch(t *testing.T) {
	ix := openFixture(t, search.Options{})
	res, err := ix.Search(context.Background(), "wi-fi dropping", 1)
	if err != nil || len(res.Hits) == 0 {
		t.Fatal(err, res.Hits)
	}
	if got := res.Hits[0].SnippetText("[", "]"); got != "[wifi] keeps [dropping]" {
		t.Errorf("snippet = %q", got)
	}
}

// TestSearchCacheReuse: the second open of the same library reuses the
// cached index, and several processes' worth of readers can hold it open
// at once without waiting on a lock.
func TestSearchCacheReuse(t *testing.T) {
	dir := t.TempDir()
	first := openFixture(t, search.Options{CacheDir: dir})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			ix, err := search.Open(context.Background(), fixture(), search.Options{CacheDir: dir, LockTimeout: time.Second})
			if err != nil {
				errs <- err
				return
			}
			defer ix.Close()
			if time.Since(start) > 900*time.Millisecond {
				errs <- context.DeadlineExceeded
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("second instance: %v", err)
	}
	if got := top(t, first, "printer offline"); got != "printer-offline" {
		t.Errorf("cached index search: %q", got)
	}
}

func TestSearchCacheRebuildsWhenGuidesChange(t *testing.T) {
	dir := t.TempDir()
	openFixture(t, search.Options{CacheDir: dir})
	lib := guide.NewLibrary(append(fixture().All(), &guide.Guide{ID: "new-guide", Title: "Zebra crossing", Symptoms: []string{"zebra"},
		Steps: []guide.Step{{ID: "s", Text: "x", Question: "?", Answers: []guide.Answer{{Label: "ok", Next: "fixed"}}}}}))
	ix, err := search.Open(context.Background(), lib, search.Options{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	res, _ := ix.Search(context.Background(), "zebra", 3)
	if len(res.Hits) == 0 || res.Hits[0].ID != "new-guide" {
		t.Errorf("stale cache: %+v", res.Hits)
	}
}

func TestContentHashStable(t *testing.T) {
	lib := guide.NewLibrary([]*guide.Guide{{ID: "a", Title: "A", Steps: []guide.Step{{ID: "s", Variants: map[guide.Platform]string{
		guide.Windows: "w", guide.MacOS: "m", guide.Linux: "l"}}}}})
	first := search.ContentHash(lib)
	for range 20 {
		if got := search.ContentHash(lib); got != first {
			t.Fatalf("hash changed between calls: %s vs %s", got, first)
		}
	}
}

// TestSearchTransposedLettersAreOneTypo: swapping two adjacent letters is
// one typo (Damerau–Levenshtein), so a 5-to-8-letter word still matches.
func TestSearchTransposedLettersAreOneTypo(t *testing.T) {
	ix := openFixture(t, search.Options{})
	for _, q := range []string{"pritner", "prniter offline", "otulook"} {
		want := "printer-offline"
		if q == "otulook" {
			want = "email-not-arriving"
		}
		if got := top(t, ix, q); got != want {
			t.Errorf("%q: top hit %q, want %q", q, got, want)
		}
	}
}

// TestSearchSnippetCutsAtWordBoundaries: a snippet taken from the middle of
// a long summary starts and ends on whole words.
func TestSearchSnippetCutsAtWordBoundaries(t *testing.T) {
	long := "A message someone sent never arrived, or what you send stays in the Outbox, and the inbox looks " +
		"empty although colleagues say they wrote. Check Junk and Other, rules and mailbox space, offline mode " +
		"and big attachments, then try again from another device before calling the help desk about it."
	lib := guide.NewLibrary([]*guide.Guide{{ID: "mail", Title: "Mail", Summary: long,
		Steps: []guide.Step{{ID: "s", Text: "x", Question: "?", Answers: []guide.Answer{{Label: "ok", Next: "fixed"}}}}}})
	ix, err := search.Open(context.Background(), lib, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	res, err := ix.Search(context.Background(), "offline", 1)
	if err != nil || len(res.Hits) == 0 {
		t.Fatal(err, res.Hits)
	}
	got := res.Hits[0].SnippetText("[", "]")
	if !strings.Contains(got, "[offline]") {
		t.Fatalf("snippet %q lacks the match", got)
	}
	words := map[string]bool{}
	for _, w := range strings.Fields(strings.NewReplacer("[", "", "]", "", ",", "", ".", "").Replace(long)) {
		words[w] = true
	}
	for _, w := range strings.Fields(strings.NewReplacer("[", "", "]", "", ",", "", ".", "", "…", "").Replace(got)) {
		if !words[w] {
			t.Errorf("snippet %q holds the cut word %q", got, w)
		}
	}
}
