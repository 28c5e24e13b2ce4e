package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/internal/testenv"
	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/selfhelp/search"
)

// liveUI is the window connected to a real relay on 127.0.0.1 through the
// real helpdesk.Desk, sharing a private Xvfb screen.
func liveUI(t *testing.T, opts ...relaytest.Option) (*UI, *relaytest.Relay, chan helpdesk.Event) {
	t.Helper()
	testenv.LookPath(t, "Xvfb", "xvfb")
	t.Setenv("DISPLAY", xtest.Start(t, 640, 480))
	r := relaytest.Start(t, opts...)
	u := newTestUI(t, nil)
	d, err := helpdesk.New(helpdesk.Config{RelayURL: r.URL, AppVersion: "test", Store: u.deps.Settings, OutboxDir: t.TempDir(), MinRetry: 10 * time.Millisecond,
		Session: assist.Config{Network: assist.NetworkOptions{LoopbackOnly: true, DisableMDNS: true}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	events := make(chan helpdesk.Event, 64)
	u.onEvent = func(ev helpdesk.Event) { t.Logf("event %+v", ev); events <- ev }
	u.deps.Helpdesk = d
	u.journey = helpdesk.NewJourney(d.Track) // as New does with a help desk
	u.watchHelpdesk()
	waitEvent(t, u, events, func(ev helpdesk.Event) bool { return ev.Kind == helpdesk.EventConnection && ev.Online })
	return u, r, events
}

// waitEvent runs UI work until the window has handled a matching event.
func waitEvent(t *testing.T, u *UI, events chan helpdesk.Event, match func(helpdesk.Event) bool) helpdesk.Event {
	t.Helper()
	for {
		if ev := waitFor(t, u, events); match(ev) {
			return ev
		}
	}
}

// escalateFromGuide searches for query, opens the first guide, says
// "Still not working" and sends the help form as Sam Jones; it returns
// once the relay has queued the request.
func escalateFromGuide(t *testing.T, u *UI, events chan helpdesk.Event, query string) search.Results {
	t.Helper()
	res := typeAndWait(t, u, query)
	u.openGuide(res.Hits[0].ID)
	test.Tap(findButton(t, u.guide.root, "Still not working"))
	snap := make(chan struct{}, 1)
	u.help.onSnapshot = func() { snap <- struct{}{} }
	waitFor(t, u, snap)
	test.Type(u.help.name, "Sam Jones")
	test.Type(u.help.contact, "ext 4411")
	test.Tap(u.help.send)
	waitEvent(t, u, events, func(ev helpdesk.Event) bool { return ev.Kind == helpdesk.EventQueued && ev.Position == 1 })
	return res
}

// TestLiveEscalation: search → guide → "Still not working" → send; the
// technician's queue receives the request with the path taken, the check
// results and the diagnostics, and taking it tells the person.
func TestLiveEscalation(t *testing.T) {
	u, r, events := liveUI(t)
	tech := r.Login(t)

	res := escalateFromGuide(t, u, events, "print jobs stuck in the queue")

	m := tech.Expect(protocol.TypeQueueAdded)
	item := m.Payload.(*protocol.QueueItem)
	b, _ := json.Marshal(item)
	for _, want := range []string{`"name":"Sam Jones"`, `"contact":"ext 4411"`, `"guide_id":"` + res.Hits[0].ID + `"`, `"diagnostics":[{"name":"network.internet"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("queue item lacks %s:\n%s", want, b)
		}
	}
	if !strings.HasPrefix(item.Description, "print jobs stuck in the queue") {
		t.Errorf("description %q", item.Description)
	}
	if st := tech.Take(item.ID); st != 200 {
		t.Fatalf("take: %d", st)
	}
	waitEvent(t, u, events, func(ev helpdesk.Event) bool { return ev.Kind == helpdesk.EventTaken })
	if !strings.Contains(u.help.waiting.Text, relaytest.DisplayName+" from the help desk has your request") {
		t.Errorf("waiting text %q", u.help.waiting.Text)
	}
}

// TestLiveCodeConsent: code → consent → decline (the session stays open,
// chat goes on), then the technician asks again: allow viewing, allow
// control and take it back, each answer reaching the technician; the
// chat is cleared when the session ends.
func TestLiveCodeConsent(t *testing.T) {
	u, r, events := liveUI(t)
	tech := r.Login(t)
	code := tech.CreateCode()

	u.showCode()
	entry := findEntry(t, u.content)
	test.Type(entry, code[:3]+" "+code[3:6]+" "+code[6:])
	test.Tap(findButton(t, u.content, "Connect"))
	tech.Expect(protocol.TypeSessionStart)

	ask := func(typ protocol.Type) *consentDialog {
		t.Helper()
		tech.Send(typ, protocol.Consent{})
		waitEvent(t, u, events, func(ev helpdesk.Event) bool { return ev.Kind == helpdesk.EventConsent })
		return u.lastConsent
	}
	session := func(st helpdesk.SessionState) {
		t.Helper()
		waitEvent(t, u, events, func(ev helpdesk.Event) bool { return ev.Kind == helpdesk.EventSession && ev.Session == st })
	}
	c := ask(protocol.TypeViewRequest)
	if !strings.Contains(c.title, relaytest.DisplayName+" wants to see your screen") {
		t.Errorf("dialog title %q", c.title)
	}
	test.Tap(c.decline)
	tech.Expect(protocol.TypeViewDeny)
	// Declining leaves the session open: nothing is shared, the chat goes
	// on and the technician may ask again.
	session(helpdesk.SessionDeclined)
	if got := renderedText(u.content); !strings.Contains(got, "Nothing was shared") {
		t.Errorf("after the decline the window says:\n%s", got)
	}
	tech.Send(protocol.TypeChat, protocol.Chat{Text: "No problem, tell me when"})
	waitEvent(t, u, events, func(ev helpdesk.Event) bool { return ev.Kind == helpdesk.EventChat })
	if lines := u.chatPanel.lines(); !u.chatPanel.root.Visible() || len(lines) != 1 || !strings.HasSuffix(lines[0], relaytest.DisplayName+": No problem, tell me when") {
		t.Errorf("chat visible=%v lines %q", u.chatPanel.root.Visible(), lines)
	}

	c = ask(protocol.TypeViewRequest)
	test.Tap(c.allow)
	tech.Expect(protocol.TypeViewGrant)
	session(helpdesk.SessionViewing)
	findButton(t, u.banner, "Stop sharing")

	c = ask(protocol.TypeControlRequest)
	if !strings.Contains(c.title, "control your computer") {
		t.Errorf("dialog title %q", c.title)
	}
	test.Tap(c.allow)
	tech.Expect(protocol.TypeControlGrant)
	session(helpdesk.SessionControlling)

	test.Tap(findButton(t, u.banner, "Take back control"))
	tech.Expect(protocol.TypeControlRevoke)
	session(helpdesk.SessionViewing)

	test.Tap(findButton(t, u.banner, "Stop sharing"))
	tech.Expect(protocol.TypeSessionEnd)
	session(helpdesk.SessionEnded)
	if len(u.banner.Objects) != 0 {
		t.Error("banner still shown after the session ended")
	}
	if got := renderedText(u.content); !strings.Contains(got, "can no longer see or control your computer") {
		t.Errorf("after the end the window says:\n%s", got)
	}
	if u.chatPanel.root.Visible() || len(u.chatPanel.lines()) != 0 {
		t.Errorf("after the end the chat is visible=%v with %q", u.chatPanel.root.Visible(), u.chatPanel.lines())
	}
}

// TestLiveOfflineRequestIsKept: with the help desk unreachable the
// request is kept on disk and the person told so; when the relay comes
// back it is delivered, and the waiting screen changes from "can't be
// reached" to the queue position.
func TestLiveOfflineRequestIsKept(t *testing.T) {
	r := relaytest.Start(t)
	r.Stop()
	u := newTestUI(t, nil)
	outbox := t.TempDir()
	d, err := helpdesk.New(helpdesk.Config{RelayURL: r.URL, Store: u.deps.Settings, OutboxDir: outbox,
		MinRetry: 10 * time.Millisecond, MaxRetry: 100 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	events := make(chan helpdesk.Event, 64)
	u.onEvent = func(ev helpdesk.Event) { events <- ev }
	u.deps.Helpdesk = d
	u.watchHelpdesk()
	waitEvent(t, u, events, func(ev helpdesk.Event) bool { return ev.Kind == helpdesk.EventConnection && !ev.Online })

	u.showHelp(nil, "my screen is black")
	test.Type(u.help.name, "Sam")
	done := make(chan struct{}, 1)
	u.help.onSent = func() { done <- struct{}{} }
	test.Tap(u.help.send)
	waitFor(t, u, done)
	if !strings.Contains(u.help.waiting.Text, "saved and will be sent automatically") {
		t.Errorf("waiting text %q", u.help.waiting.Text)
	}
	files, _ := filepath.Glob(filepath.Join(outbox, "*.json"))
	if len(files) != 1 {
		t.Fatalf("the outbox holds %v, want one request", files)
	}
	if b, _ := os.ReadFile(files[0]); !strings.Contains(string(b), "my screen is black") {
		t.Errorf("request not kept: %s", b)
	}

	r.Restart()
	waitEvent(t, u, events, func(ev helpdesk.Event) bool { return ev.Kind == helpdesk.EventQueued })
	if got, want := u.help.waiting.Text, "You are number 1 in the queue"; !strings.Contains(got, want) {
		t.Errorf("after delivery the waiting text is %q, want it to contain %q", got, want)
	}
}
