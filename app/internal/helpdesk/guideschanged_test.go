package helpdesk

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/app/internal/bootstrap"
	"github.com/lifeline-desk/lifeline/app/internal/guidesync"
	"github.com/lifeline-desk/lifeline/assets"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
)

// TestPublishedGuideReachesRunningDesktop is issue 15's "a running
// desktop finds the new symptom by search within seconds", end to end over
// real sockets: a real relay, a connected Desk and a Syncer whose periodic
// check is a day away. A technician publishes a guide; the relay's
// guides.changed arrives as EventGuidesChanged, is handed to
// Syncer.Changed as the window does, and the desktop's search finds the
// new symptom — with no reconnect and no periodic check.
func TestPublishedGuideReachesRunningDesktop(t *testing.T) {
	r := relaytest.Start(t)
	api := r.SignIn(t, relaytest.Username, relaytest.Password)
	api.SetGuideVariables(t, map[string]string{"helpdesk_phone": "+44 20 7946 0999"})
	yaml, err := os.ReadFile("../guidesync/testdata/vpn-token-expired.yaml")
	if err != nil {
		t.Fatal(err)
	}

	d, _ := newDesk(t, r.URL)
	waitEvent(t, d, online)
	s, first, err := guidesync.New(context.Background(), guidesync.Config{RelayURL: r.URL, CacheDir: t.TempDir(), IndexDir: t.TempDir(),
		Builtin: assets.Guides(), Known: bootstrap.Known(), Interval: 24 * time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	updates := make(chan *guidesync.Snapshot, 8)
	t.Cleanup(func() {
		s.Close()
		first.Index.Close()
		close(updates)
		for u := range updates {
			u.Index.Close()
		}
	})
	s.Start(func(u *guidesync.Snapshot) { updates <- u })
	next := func(what string) *guidesync.Snapshot {
		t.Helper()
		select {
		case u := <-updates:
			t.Cleanup(func() { u.Index.Close() })
			return u
		case <-time.After(15 * time.Second):
			t.Fatalf("no new guides: %s", what)
			return nil
		}
	}
	start := next("the first check") // the pack with the phone number

	// The window's part: EventGuidesChanged → Changed. Connection
	// events are not passed on (the window's Refresh on "online" is not
	// what is tested); a lost connection must not happen.
	reconnects := make(chan Event, 8)
	go func() {
		for ev := range d.Events() {
			switch ev.Kind {
			case EventGuidesChanged:
				s.Changed(ev.ETag)
			case EventConnection:
				if !ev.Online {
					reconnects <- ev
				}
			}
		}
	}()

	published := time.Now()
	api.PublishGuide(t, string(yaml))
	snap := next("after the publish")
	took := time.Since(published)
	t.Logf("published → found by the running desktop's search in %v (guides.changed + random delay ≤ %v + GET + index)", took.Round(time.Millisecond), guidesync.DefaultChangedDelay)
	if snap.ETag == start.ETag || snap.ETag == "" {
		t.Errorf("pack %q after the publish, %q before", snap.ETag, start.ETag)
	}
	res, err := snap.Index.Search(context.Background(), "vpn token says expired", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 || res.Hits[0].ID != "vpn-token-expired" {
		t.Fatalf("search after the publish: %+v", res.Hits)
	}
	if took > 10*time.Second {
		t.Errorf("found %v after the publish, want within seconds", took)
	}
	select {
	case ev := <-reconnects:
		t.Errorf("the connection dropped meanwhile (%q): the guides must come by guides.changed, not a reconnect", ev.Text)
	default:
	}
}
