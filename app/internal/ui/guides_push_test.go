package ui

import (
	"sync"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
)

// TestGuidesPushedToTheWindow: with the window connected to a real relay
// through the real helpdesk.Desk and the periodic check an hour away, an
// editor publishes a guide and the window's search finds its symptom
// within seconds: the relay's guides.changed reaches the window, which
// hands it to the Syncer — no reconnect, no Refresh by the test.
func TestGuidesPushedToTheWindow(t *testing.T) {
	r := relaytest.Start(t)
	api := r.SignIn(t, relaytest.Username, relaytest.Password)
	api.SetGuideVariables(t, map[string]string{"helpdesk_phone": "+44 20 7946 0999"})
	u, _, updated := syncedUI(t, r, t.TempDir())
	waitFor(t, u, updated) // the pack with the phone number, asked at start

	desk, err := helpdesk.New(helpdesk.Config{RelayURL: r.URL, AppVersion: "test", Store: u.deps.Settings, OutboxDir: t.TempDir(), MinRetry: 10 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { desk.Close() })
	var mu sync.Mutex
	var seen []helpdesk.EventKind
	online := make(chan struct{}, 8)
	u.onEvent = func(ev helpdesk.Event) {
		mu.Lock()
		seen = append(seen, ev.Kind)
		mu.Unlock()
		if ev.Kind == helpdesk.EventConnection && ev.Online {
			online <- struct{}{}
		}
	}
	u.deps.Helpdesk = desk
	u.watchHelpdesk()
	waitFor(t, u, online)
	// "online" asks the relay again (Refresh); that check finds nothing new.
	select {
	case <-updated:
		t.Fatal("new guides before anything was published")
	case <-time.After(500 * time.Millisecond):
	}
	mu.Lock()
	seen = nil
	mu.Unlock()

	published := time.Now()
	api.PublishGuide(t, tokenYAML(t, "ask for a new token"))
	waitFor(t, u, updated)
	res := typeAndWait(t, u, "my vpn token says expired")
	t.Logf("published → found in the running window in %v", time.Since(published).Round(time.Millisecond))
	if len(res.Hits) == 0 || res.Hits[0].ID != "vpn-token-expired" {
		t.Fatalf("hits %+v", res.Hits)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != helpdesk.EventGuidesChanged {
		t.Errorf("events since the publish %v, want just EventGuidesChanged (%d)", seen, helpdesk.EventGuidesChanged)
	}
}
