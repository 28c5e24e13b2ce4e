package guidesync_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/app/internal/bootstrap"
	"github.com/lifeline-desk/lifeline/app/internal/guidesync"
	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/guide/pack"
)

// tokenGuide is an organisation's guide for a symptom no built-in guide
// knows (testdata/vpn-token-expired.yaml, which the window's tests use
// too), whose first step names the help desk's phone number; next names
// its "Yes" answer's step (an unknown one makes the pack broken).
func tokenGuide(t testing.TB, next string) pack.Guide {
	t.Helper()
	b, err := os.ReadFile("testdata/vpn-token-expired.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return pack.Guide{ID: "vpn-token-expired", Version: 1, YAML: strings.Replace(string(b), "next: enrol", "next: "+next, 1)}
}

func newPack(etag string, guides ...pack.Guide) *pack.Pack {
	return &pack.Pack{V: pack.Version, ETag: etag, PublishedAt: time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC),
		Guides: guides, Variables: map[string]string{"helpdesk_phone": "+44 20 7946 0999"}}
}

// packServer serves whatever pack it holds at guidesync.Path with the ETag
// and If-None-Match handling the relay has, counting requests and 304s.
type packServer struct {
	*httptest.Server
	mu       sync.Mutex
	body     []byte
	etag     string
	requests atomic.Int32
	notMod   atomic.Int32
	limited  atomic.Int32 // answer this many requests 429 first
}

func newPackServer(t *testing.T) *packServer {
	ps := &packServer{}
	ps.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != guidesync.Path {
			http.NotFound(w, r)
			return
		}
		ps.requests.Add(1)
		if ps.limited.Add(-1) >= 0 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "too many guide downloads from your address", http.StatusTooManyRequests)
			return
		}
		ps.mu.Lock()
		body, etag := ps.body, ps.etag
		ps.mu.Unlock()
		if body == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", `"`+etag+`"`)
		if r.Header.Get("If-None-Match") == `"`+etag+`"` {
			ps.notMod.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(ps.Close)
	return ps
}

func (ps *packServer) serve(t *testing.T, p *pack.Pack) {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	ps.serveRaw(p.ETag, b)
}

func (ps *packServer) serveRaw(etag string, body []byte) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.body, ps.etag = body, etag
}

// desktop is one start of the desktop's syncer.
type desktop struct {
	s       *guidesync.Syncer
	first   *guidesync.Snapshot
	updates chan *guidesync.Snapshot
}

func config(t *testing.T, relayURL, cacheDir string) guidesync.Config {
	return guidesync.Config{RelayURL: relayURL, CacheDir: cacheDir, IndexDir: t.TempDir(),
		Builtin: assets.Guides(), Known: bootstrap.Known(), Interval: time.Hour}
}

func start(t *testing.T, cfg guidesync.Config) *desktop {
	t.Helper()
	s, snap, err := guidesync.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &desktop{s: s, first: snap, updates: make(chan *guidesync.Snapshot, 8)}
	t.Cleanup(func() {
		s.Close()
		snap.Index.Close()
		close(d.updates)
		for u := range d.updates {
			u.Index.Close()
		}
	})
	s.Start(func(u *guidesync.Snapshot) { d.updates <- u })
	return d
}

func (d *desktop) next(t *testing.T) *guidesync.Snapshot {
	t.Helper()
	select {
	case u := <-d.updates:
		t.Cleanup(func() { u.Index.Close() })
		return u
	case <-time.After(20 * time.Second):
		t.Fatal("no new guides from the relay")
		return nil
	}
}

func (d *desktop) none(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case u := <-d.updates:
		u.Index.Close()
		t.Fatalf("unexpected update to pack %q", u.ETag)
	case <-time.After(within):
	}
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func hitIDs(t *testing.T, snap *guidesync.Snapshot, q string) []string {
	t.Helper()
	res, err := snap.Index.Search(context.Background(), q, 5)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// findOpener is a built-in guide that another guide's answer opens.
func findOpener(t *testing.T, lib *guide.Library) string {
	t.Helper()
	for _, g := range lib.All() {
		for _, s := range g.Steps {
			for _, a := range s.Answers {
				if a.Guide != "" && a.Guide != g.ID {
					if tg, ok := lib.Get(a.Guide); ok && strings.HasPrefix(tg.Source, "builtin:") {
						return a.Guide
					}
				}
			}
		}
	}
	t.Fatal("no built-in guide opens another")
	return ""
}
