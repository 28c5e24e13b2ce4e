package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
)

// packETag is the ETag of GET /api/client/guides now, without quotes.
func packETag(t *testing.T, r *relay) string {
	t.Helper()
	resp, err := http.Get(r.URL + "/api/client/guides")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/client/guides: %d", resp.StatusCode)
	}
	return strings.Trim(resp.Header.Get("ETag"), `"`)
}

// TestGuidesChangedReachesEveryDesktop: a publish is told (guides.changed
// with the pack's new ETag) to 50 connected desktop sockets, while one
// more socket never reads and the publish API call still answers at once;
// a burst of changes is told at most once a second, ending with the ETag
// of the pack as it is.
func TestGuidesChangedReachesEveryDesktop(t *testing.T) {
	// A write to a socket whose reader has stopped can take up to the
	// write timeout; a publish that waited on one would take at least that.
	const writeTimeout = 5 * time.Second
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.WriteTimeout = writeTimeout }))
	// 52 desktops from one address (127.0.0.1), as behind an office NAT.
	r.Server.SetSocketLimits(server.SocketLimits{ClientConnsPerAddr: 100})
	r.addTech("kim", true)
	kim := r.login("kim")

	// A desktop that connects and never reads what the relay sends.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stuck, _, err := websocket.Dial(ctx, r.WSURL("/ws/client"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.CloseNow()

	socks := make([]interface {
		Next(protocol.Type) protocol.Message
	}, 50)
	for i := range socks {
		s := r.dialClient()
		// The refusal proves the relay has the socket in its hub.
		s.SendMessage(protocol.TypeGuidesChanged, "x", "", &protocol.GuidesChanged{ETag: "forged"})
		s.NextError(protocol.CodeNotAllowed)
		socks[i] = s
	}

	before := packETag(t, r)
	start := time.Now()
	kim.PublishGuide(t, wifiGuide("fixed", "Forget the network in the Wi-Fi settings."))
	took := time.Since(start)
	t.Logf("publish API calls (save + publish) with 51 desktops connected, one never reading: %v", took.Round(time.Millisecond))
	if took >= writeTimeout {
		t.Errorf("publishing took %v with a desktop that does not read, want less than the %v write timeout", took, writeTimeout)
	}
	etag := packETag(t, r)
	if etag == before {
		t.Fatal("the pack's ETag did not change on publish")
	}
	for i, s := range socks {
		if got := s.Next(protocol.TypeGuidesChanged).Payload.(*protocol.GuidesChanged).ETag; got != etag {
			t.Fatalf("desktop %d told ETag %q, want %q", i, got, etag)
		}
	}
	t.Logf("guides.changed reached 50 desktops %v after the publish began", time.Since(start).Round(time.Millisecond))

	// A burst: five changes of the variables in a row.
	for i := range 5 {
		kim.SetGuideVariables(t, map[string]string{"helpdesk_phone": "+44 20 7946 000" + string(rune('0'+i))})
	}
	last := packETag(t, r)
	sock := socks[0].(interface {
		Messages() <-chan protocol.Message
	})
	var told []string
	deadline := time.After(2500 * time.Millisecond)
collect:
	for {
		select {
		case m := <-sock.Messages():
			if g, ok := m.Payload.(*protocol.GuidesChanged); ok {
				told = append(told, g.ETag)
			}
		case <-deadline:
			break collect
		}
	}
	if len(told) == 0 || len(told) > 2 || told[len(told)-1] != last {
		t.Errorf("after 5 quick changes a desktop was told %v, want 1 or 2 ending with %q", told, last)
	}
	t.Logf("5 quick changes told as %d guides.changed", len(told))

	// Unpublishing changes the pack too; a desktop that connected since
	// is told.
	late := r.dialClient()
	late.SendMessage(protocol.TypeGuidesChanged, "x", "", &protocol.GuidesChanged{ETag: "forged"})
	late.NextError(protocol.CodeNotAllowed)
	if st := kim.Call("POST", "/api/guides/office-wifi/unpublish", nil, nil); st != http.StatusOK {
		t.Fatalf("unpublish: %d", st)
	}
	if got, want := late.Next(protocol.TypeGuidesChanged).Payload.(*protocol.GuidesChanged).ETag, packETag(t, r); got != want || got == last {
		t.Errorf("after unpublish told %q, pack %q (before %q)", got, want, last)
	}
}

// TestGuidesChangedOnlyFromRelay: nobody but the relay sends
// guides.changed — a desktop or a console that tries is refused
// not_allowed, nothing is passed on, and the socket stays usable.
func TestGuidesChangedOnlyFromRelay(t *testing.T) {
	r := startRelay(t)
	r.addTech("kim", true)
	other := r.dialClient()
	select { // every desktop is welcomed first
	case m := <-other.Messages():
		if m.Type != protocol.TypeWelcome {
			t.Fatalf("first message %s, want welcome", m.Type)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no welcome")
	}
	c := r.dialClient()
	for range 2 {
		c.SendMessage(protocol.TypeGuidesChanged, "g1", "", &protocol.GuidesChanged{ETag: "forged"})
		if e := c.NextError(protocol.CodeNotAllowed); e == nil {
			t.Fatal("no refusal")
		}
	}
	console := r.login("kim").ws()
	console.SendMessage(protocol.TypeGuidesChanged, "g2", "", &protocol.GuidesChanged{ETag: "forged"})
	console.NextError(protocol.CodeNotAllowed)
	select {
	case m := <-other.Messages():
		t.Errorf("another desktop got %s %+v", m.Type, m.Payload)
	case <-time.After(300 * time.Millisecond):
	}
}
