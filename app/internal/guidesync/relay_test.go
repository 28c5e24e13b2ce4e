package guidesync_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/relaytest"
)

// TestSyncWithRelay is the loop against a real relay (real SQLite, the
// real endpoint): an editor publishes a guide and the organisation's phone
// number; the desktop finds the new symptom within seconds with the number
// filled in; a second check is a 304 (the relay's pack is unchanged); a
// revert on the relay is followed; with the relay stopped a restarted
// desktop still has the pack.
func TestSyncWithRelay(t *testing.T) {
	r := relaytest.Start(t)
	api := r.SignIn(t, relaytest.Username, relaytest.Password)
	api.SetGuideVariables(t, map[string]string{"helpdesk_phone": "+44 20 7946 0999"})
	v1 := api.PublishGuide(t, tokenGuide(t, "enrol").YAML)

	// Count the desktop's requests and their answers on the way.
	var mu sync.Mutex
	var codes []int
	answers := func() []int { mu.Lock(); defer mu.Unlock(); return slices.Clone(codes) }
	counting := &http.Client{Transport: roundTrip(func(req *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err == nil {
			mu.Lock()
			codes = append(codes, resp.StatusCode)
			mu.Unlock()
		}
		return resp, err
	})}
	cfg := config(t, r.URL, t.TempDir())
	cfg.HTTP = counting
	published := time.Now()
	d := start(t, cfg)
	snap := d.next(t)
	t.Logf("published → found by the desktop in %v", time.Since(published).Round(time.Millisecond))
	if ids := hitIDs(t, snap, tokenQuery); len(ids) == 0 || ids[0] != "vpn-token-expired" {
		t.Fatalf("search %q: %v", tokenQuery, ids)
	}
	if got := stepText(t, snap, "vpn-token-expired", "call"); !strings.Contains(got, "Call the help desk on +44 20 7946 0999") {
		t.Errorf("step text %q", got)
	}

	d.s.Refresh()
	waitFor(t, "a 304", func() bool { return len(answers()) >= 2 })
	if got := answers(); got[0] != http.StatusOK || got[1] != http.StatusNotModified {
		t.Errorf("answers %v, want 200 then 304", got)
	}
	d.none(t, 200*time.Millisecond)

	v2YAML := strings.Replace(tokenGuide(t, "enrol").YAML, "ask for a new token", "ask for a replacement token", 1)
	api.PublishGuide(t, v2YAML)
	d.s.Refresh()
	if got := stepText(t, d.next(t), "vpn-token-expired", "call"); !strings.Contains(got, "replacement token") {
		t.Fatalf("v2 step text %q", got)
	}
	if st := api.Call("POST", "/api/guides/vpn-token-expired/revert", map[string]any{"version": v1, "note": "back to v1"}, nil); st != http.StatusOK {
		t.Fatalf("revert: %d", st)
	}
	d.s.Refresh()
	if got := stepText(t, d.next(t), "vpn-token-expired", "call"); !strings.Contains(got, "ask for a new token") {
		t.Fatalf("after the revert the step reads %q", got)
	}

	r.Stop()
	d.s.Close()
	again := start(t, cfg)
	if got := stepText(t, again.first, "vpn-token-expired", "call"); !strings.Contains(got, "ask for a new token") || !strings.Contains(got, "+44 20 7946 0999") {
		t.Errorf("restarted without the relay, the step reads %q", got)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
