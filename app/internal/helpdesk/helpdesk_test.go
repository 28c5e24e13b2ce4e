package helpdesk

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/store"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

// memStore is the app's settings as far as the Desk is concerned.
type memStore struct {
	mu sync.Mutex
	s  string
}

func (m *memStore) PendingEscalation() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.s
}

func (m *memStore) SetPendingEscalation(s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.s = s
}

// kept is what the Store holds now.
func (m *memStore) kept(t *testing.T) saved {
	t.Helper()
	var s saved
	if raw := m.PendingEscalation(); raw != "" {
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			t.Fatalf("store holds %q: %v", raw, err)
		}
	}
	return s
}

// newDesk connects a Desk to url with fast retries and a fresh outbox.
// No X display is needed: the tests decline viewing, so nothing is ever
// captured.
func newDesk(t *testing.T, url string) (*Desk, *memStore) {
	t.Helper()
	st := &memStore{}
	return newDeskOn(t, url, t.TempDir(), st, nil), st
}

// newDeskOn is newDesk on a given outbox folder and Store, as a restarted
// app finds them.
func newDeskOn(t *testing.T, url, outboxDir string, st Store, log *slog.Logger) *Desk {
	t.Helper()
	t.Setenv("DISPLAY", ":4242") // no X server: a capture would fail loudly
	d, err := New(Config{RelayURL: url, AppVersion: "test", Store: st, OutboxDir: outboxDir,
		MinRetry: 10 * time.Millisecond, MaxRetry: 100 * time.Millisecond,
		Session: assist.Config{Network: assist.NetworkOptions{LoopbackOnly: true, DisableMDNS: true}}}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// connectedDesk starts a relay, signs the technician in and connects a Desk.
func connectedDesk(t *testing.T) (*relaytest.Tech, *Desk, *memStore) {
	t.Helper()
	r := relaytest.Start(t)
	tech := r.Login(t)
	d, st := newDesk(t, r.URL)
	waitEvent(t, d, online)
	return tech, d, st
}

// waitEvent returns the next event that matches, skipping others.
func waitEvent(t *testing.T, d *Desk, match func(Event) bool) Event {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-d.Events():
			if !ok {
				t.Fatal("Events closed while waiting")
			}
			if match(ev) {
				return ev
			}
		case <-timeout:
			t.Fatal("timed out waiting for an event")
		}
	}
}

func online(ev Event) bool  { return ev.Kind == EventConnection && ev.Online }
func offline(ev Event) bool { return ev.Kind == EventConnection && !ev.Online }
func kind(k EventKind) func(Event) bool {
	return func(ev Event) bool { return ev.Kind == k }
}

func TestSubmitReachesTheQueueAndCancels(t *testing.T) {
	tech, d, st := connectedDesk(t)

	ctx := context.Background()
	if err := d.Submit(ctx, HelpRequest{Name: "Sam Jones", Contact: "ext 4411", Description: "printer says offline", OS: "Linux", AppVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	if ev := waitEvent(t, d, kind(EventQueued)); ev.Position != 1 {
		t.Errorf("queued at %d, want 1", ev.Position)
	}
	item := tech.Expect(protocol.TypeQueueAdded).Payload.(*protocol.QueueItem)
	if item.Name != "Sam Jones" || item.Contact != "ext 4411" || item.Description != "printer says offline" || item.OS != "Linux" {
		t.Errorf("queue item %+v", item)
	}
	if k := st.kept(t); k.RequestID != item.ID || k.ResumeToken == "" || k.Request != nil {
		t.Errorf("the store keeps %+v, want request %s with a resume token", k, item.ID)
	}

	if err := d.CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	if up := tech.Expect(protocol.TypeQueueUpdated).Payload.(*protocol.QueueItem); up.ID != item.ID || up.State != store.StateCancelled {
		t.Errorf("after cancel the console got %+v", up)
	}
	if raw := st.PendingEscalation(); raw != "" {
		t.Errorf("the store still keeps %q", raw)
	}
}

func TestSubmitTooLong(t *testing.T) {
	d, st := newDesk(t, "http://127.0.0.1:1")
	err := d.Submit(context.Background(), HelpRequest{Name: "Sam", Description: strings.Repeat("x", protocol.MaxDescription+1)})
	if !errors.Is(err, plainerr.ErrInvalidRequest) {
		t.Errorf("Submit = %v, want ErrInvalidRequest", err)
	}
	if raw := st.PendingEscalation(); raw != "" {
		t.Errorf("an invalid request was kept: %q", raw)
	}
	if kept := d.outbox.list(); len(kept) != 0 {
		t.Errorf("an invalid request was kept in the outbox: %+v", kept)
	}
}

// TestOfflineRequestIsKeptThenSent: the relay is down, the request is kept
// and reported pending; when the relay comes up it reaches the queue.
func TestOfflineRequestIsKeptThenSent(t *testing.T) {
	r := relaytest.Start(t)
	r.Stop()
	d, st := newDesk(t, r.URL)
	if ev := waitEvent(t, d, offline); !strings.Contains(ev.Text, "can't be reached") {
		t.Errorf("offline text %q", ev.Text)
	}
	err := d.Submit(context.Background(), HelpRequest{Name: "Sam", Description: "my screen is black"})
	if !errors.Is(err, ErrOffline) {
		t.Fatalf("Submit while offline = %v, want ErrOffline", err)
	}
	waitEvent(t, d, kind(EventPending))
	if kept := d.outbox.list(); len(kept) != 1 || kept[0].Request.Description != "my screen is black" || kept[0].Request.IdempotencyKey == "" {
		t.Fatalf("the outbox keeps %+v", kept)
	}
	if err := d.RedeemCode(context.Background(), "123456789"); !errors.Is(err, ErrOffline) {
		t.Errorf("RedeemCode while offline = %v, want ErrOffline", err)
	}

	r.Restart()
	waitEvent(t, d, online)
	if ev := waitEvent(t, d, kind(EventRequestClosed)); !strings.Contains(ev.Text, "reached the help desk") {
		t.Errorf("sent text %q", ev.Text)
	}
	k := st.kept(t)
	if k.Request != nil || k.RequestID == "" {
		t.Fatalf("after sending the store keeps %+v, want only the request id", k)
	}
	if kept := d.outbox.list(); len(kept) != 0 {
		t.Errorf("the outbox still keeps %+v after the relay accepted it", kept)
	}
	var item protocol.QueueItem
	if code := relaytest.SignIn(t, r.URL, relaytest.Username, relaytest.Password).Call("GET", "/api/requests/"+k.RequestID, nil, &item); code != 200 {
		t.Fatalf("GET request %s: status %d", k.RequestID, code)
	}
	if item.Description != "my screen is black" || item.Name != "Sam" || item.State != store.StateWaiting {
		t.Errorf("the relay has %+v", item)
	}
}

// TestRelayGoesAway: the relay restarts under a waiting request; the Desk
// says so, reconnects, re-attaches with its resume token, and the request
// can still be taken.
func TestRelayGoesAway(t *testing.T) {
	r := relaytest.Start(t)
	d, st := newDesk(t, r.URL)
	waitEvent(t, d, online)
	if err := d.Submit(context.Background(), HelpRequest{Name: "Sam", Description: "wifi keeps dropping"}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, d, kind(EventQueued))
	id := st.kept(t).RequestID

	r.Restart()
	if ev := waitEvent(t, d, offline); !strings.Contains(ev.Text, "reconnecting") {
		t.Errorf("lost text %q", ev.Text)
	}
	waitEvent(t, d, online)
	tech := r.Login(t)
	if st := tech.Take(id); st != 200 {
		t.Fatalf("take %s after the restart: status %d", id, st)
	}
	if ev := waitEvent(t, d, kind(EventTaken)); ev.Technician != relaytest.DisplayName {
		t.Errorf("taken by %q", ev.Technician)
	}
}

// TestConsentQuestion: a code connects; the technician asks to view; the
// question reaches Events with who asks; the answer reaches the
// technician; the question cannot be answered twice.
func TestConsentQuestion(t *testing.T) {
	tech, d, st := connectedDesk(t)
	ctx := context.Background()

	if err := d.RedeemCode(ctx, "123456789"); !isCode(err, protocol.CodeBadCode) {
		t.Errorf("RedeemCode(wrong) = %v, want a bad_code relay error", err)
	}
	if err := d.RedeemCode(ctx, tech.CreateCode()); err != nil {
		t.Fatal(err)
	}
	tech.Expect(protocol.TypeSessionStart)
	tech.Send(protocol.TypeViewRequest, protocol.Consent{})
	q := waitEvent(t, d, kind(EventConsent)).Consent
	if q.Kind != ConsentView || q.Technician != relaytest.DisplayName || q.ID == "" {
		t.Fatalf("question %+v", q)
	}
	if err := d.Answer(ctx, ConsentRequest{ID: "no-such-question"}, true); !errors.Is(err, plainerr.ErrExpired) {
		t.Errorf("Answer(unknown) = %v, want ErrExpired", err)
	}
	if err := d.Answer(ctx, q, false); err != nil {
		t.Fatal(err)
	}
	tech.Expect(protocol.TypeViewDeny)
	declined := waitEvent(t, d, func(ev Event) bool { return ev.Kind == EventSession && ev.Session != SessionWaiting })
	if declined.Session != SessionDeclined || declined.Technician != relaytest.DisplayName || declined.Change != "" {
		t.Errorf("after the decline: %+v, want SessionDeclined by %s", declined, relaytest.DisplayName)
	}
	if err := d.Answer(ctx, q, true); !errors.Is(err, plainerr.ErrExpired) {
		t.Errorf("a second answer = %v, want ErrExpired", err)
	}

	// The session goes on: chat both ways, with the relay's time.
	if err := d.SendChat(ctx, "not now, sorry"); err != nil {
		t.Fatalf("chat after the decline: %v", err)
	}
	if ch := tech.Expect(protocol.TypeChat).Payload.(*protocol.Chat); ch.Text != "not now, sorry" {
		t.Errorf("the technician got %+v", ch)
	}
	tech.Send(protocol.TypeChat, protocol.Chat{Text: "I'll ask again in a minute"})
	line := waitEvent(t, d, kind(EventChat))
	if line.Text != "I'll ask again in a minute" || line.From != relaytest.DisplayName || line.At.IsZero() {
		t.Errorf("chat event %+v, want the technician's line with a time", line)
	}

	// The technician asks again and the question is put again.
	tech.Send(protocol.TypeViewRequest, protocol.Consent{})
	again := waitEvent(t, d, kind(EventConsent)).Consent
	if again.Kind != ConsentView || again.ID == q.ID {
		t.Fatalf("second question %+v", again)
	}
	if err := d.Answer(ctx, again, false); err != nil {
		t.Fatal(err)
	}
	tech.Expect(protocol.TypeViewDeny)
	waitEvent(t, d, func(ev Event) bool { return ev.Kind == EventSession && ev.Session == SessionDeclined })

	tech.Send(protocol.TypeSessionEnd, protocol.SessionEnd{})
	ended := waitEvent(t, d, func(ev Event) bool { return ev.Kind == EventSession && ev.Session == SessionEnded })
	if ended.End != protocol.EndTechnician {
		t.Errorf("ended with %q, want %q", ended.End, protocol.EndTechnician)
	}
	if raw := st.PendingEscalation(); raw != "" {
		t.Errorf("the store keeps %q after the session", raw)
	}
}

// TestWrongCodes: wrong codes over a real relay are answered in full
// sentences; once the relay rate-limits, the sentence says how long to
// wait, and the wait grows.
func TestWrongCodes(t *testing.T) {
	_, d, _ := connectedDesk(t)
	ctx := context.Background()
	var msgs []string
	var waits []time.Duration
	for range 5 {
		err := d.RedeemCode(ctx, "111222333")
		var re *client.Error
		if !errors.As(err, &re) {
			t.Fatalf("RedeemCode(wrong) = %v, want a relay error", err)
		}
		msgs = append(msgs, plainerr.Message(err))
		if re.Code == protocol.CodeRateLimited {
			waits = append(waits, re.RetryAfter)
		} else if re.Code != protocol.CodeBadCode {
			t.Fatalf("code %q, want bad_code or rate_limited", re.Code)
		}
	}
	for i, m := range msgs {
		if m == "" || !unicode.IsUpper([]rune(m)[0]) || !strings.HasSuffix(m, ".") || strings.Contains(m, "relay:") || strings.Contains(m, "wrong or has expired") {
			t.Errorf("message %d %q is not a plain full sentence", i, m)
		}
	}
	if want := "That code was not accepted. Check the digits with your technician, or ask for a new code. After a few wrong codes you have to wait a little before trying again."; msgs[0] != want {
		t.Errorf("first wrong code: %q, want %q", msgs[0], want)
	}
	if len(waits) == 0 {
		t.Fatalf("five wrong codes were never rate-limited: %q", msgs)
	}
	last := msgs[len(msgs)-1]
	if w := waits[len(waits)-1]; w <= 0 || !strings.Contains(last, "Please wait ") || !strings.Contains(last, "second") {
		t.Errorf("rate-limited message %q (retry after %v) does not say how long to wait", last, w)
	}
}

func isCode(err error, c protocol.ErrorCode) bool {
	var re *client.Error
	return errors.As(err, &re) && re.Code == c
}

// TestCloseClosesEvents: Close waits for the Desk's goroutines and closes
// Events, also while the relay is unreachable; a second Close is harmless.
func TestCloseClosesEvents(t *testing.T) {
	for _, tt := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"connected", func(t *testing.T) string { return relaytest.Start(t).URL }},
		{"unreachable", func(*testing.T) string { return "http://127.0.0.1:1" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := newDesk(t, tt.url(t))
			waitEvent(t, d, kind(EventConnection))
			d.Close()
			timeout := time.After(5 * time.Second)
			for {
				select {
				case _, ok := <-d.Events():
					if !ok {
						d.Close()
						return
					}
				case <-timeout:
					t.Fatal("Events not closed after Close")
				}
			}
		})
	}
}

func TestToProtocol(t *testing.T) {
	rec := &runner.Record{GuideID: "printer-offline", GuideTitle: "Printer offline", Note: "the light blinks orange",
		Steps: []runner.StepRecord{
			{StepID: "power", Title: "Is it on?", Answer: "yes", Check: &runner.CheckRecord{Name: "printing.queue", Status: diag.Warn, Detail: "3 jobs stuck"}},
			{StepID: "clear", Title: "Clear the queue", Fix: &runner.FixRecord{Name: "printing.clear", Accepted: true, Result: "3 jobs removed"}},
			{StepID: "restart", Title: "Restart the spooler", Answer: "no", Fix: &runner.FixRecord{Name: "printing.restart"}},
		}}
	got := toProtocol(HelpRequest{Name: "Sam", Contact: "ext 1", Description: "printer says offline", Guide: rec, OS: "Linux", AppVersion: "1.2",
		Diagnostics: []diag.Result{{Name: "network.internet", Status: diag.OK, Detail: "reachable"},
			{Name: "network.interfaces", Status: diag.OK, Detail: "This computer is connected to a network.", Technical: "Adapters up: eth0 (192.0.2.2)."}}})
	if got.Name != "Sam" || got.Contact != "ext 1" || got.OS != "Linux" || got.AppVersion != "1.2" {
		t.Errorf("client info %+v", got.ClientInfo)
	}
	if want := "printer says offline"; got.Description != want {
		t.Errorf("description %q, want only the person's words %q", got.Description, want)
	}
	g := got.Guide
	if g == nil || g.GuideID != "printer-offline" || g.GuideTitle != "Printer offline" || g.Note != "the light blinks orange" || len(g.Steps) != 3 {
		t.Fatalf("guide %+v", g)
	}
	if c := g.Steps[0].Check; c == nil || c.Name != "printing.queue" || c.Status != "warn" || c.Detail != "3 jobs stuck" || g.Steps[0].Answer != "yes" {
		t.Errorf("step 0 %+v check %+v", g.Steps[0], c)
	}
	if a := g.Steps[1].Answer; a != "· Lifeline fix printing.clear: 3 jobs removed" {
		t.Errorf("accepted fix answer %q", a)
	}
	if a := g.Steps[2].Answer; a != "no · fix printing.restart declined" {
		t.Errorf("declined fix answer %q", a)
	}
	// The technician gets the technical detail where there is one.
	if len(got.Diagnostics) != 2 || got.Diagnostics[0] != (protocol.CheckResult{Name: "network.internet", Status: "ok", Detail: "reachable"}) ||
		got.Diagnostics[1] != (protocol.CheckResult{Name: "network.interfaces", Status: "ok", Detail: "Adapters up: eth0 (192.0.2.2)."}) {
		t.Errorf("diagnostics %+v", got.Diagnostics)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("mapped request does not validate: %v", err)
	}

	many := HelpRequest{Name: "Sam", Description: "x", Diagnostics: make([]diag.Result, protocol.MaxItems+5)}
	for i := range many.Diagnostics {
		many.Diagnostics[i] = diag.Result{Name: "n", Status: diag.OK}
	}
	if n := len(toProtocol(many).Diagnostics); n != protocol.MaxItems {
		t.Errorf("%d diagnostics sent, want the cap %d", n, protocol.MaxItems)
	}
	if toProtocol(HelpRequest{Name: "Sam", Description: "x"}).Guide != nil {
		t.Error("a request without a guide sends one")
	}
}

func TestJourneyEvents(t *testing.T) {
	var got []protocol.InsightEvent
	j := NewJourney(func(evs ...protocol.InsightEvent) { got = append(got, evs...) })
	id := j.ID()
	j.Searched("printer offline", 3)
	j.Opened("printer-offline")
	j.Reached("", "power")
	j.Reached("", "power") // shown again (back and forth): once
	j.Checked("", "power", "print.queue", diag.Warn)
	steps := []runner.StepRecord{{StepID: "a"}, {StepID: "b"}}
	j.Ended(runner.Record{GuideID: "printer-offline", Outcome: runner.Escalated, Steps: steps})
	j.Restart()
	j.Searched("outlok", 0)
	j.Opened("mail")
	j.Opened("vpn-wont-connect") // mail left unfinished
	// Fixed in a guide an answer opened: the event names that guide.
	hop := runner.Record{GuideID: "vpn-wont-connect", Outcome: runner.Fixed, Steps: []runner.StepRecord{
		{StepID: "internet", Answer: "No website opens", Opened: &runner.GuideRef{ID: "no-internet", Title: "No internet"}},
		{GuideID: "no-internet", GuideTitle: "No internet", StepID: "router"},
	}}
	j.Ended(hop)
	j.Opened("disk-full")
	j.Leave()

	type ev struct{ kind, guide, step, check, status, query string }
	want := []ev{
		{"search", "", "", "", "", "printer offline"},
		{"guide.opened", "printer-offline", "", "", "", ""},
		{"step.reached", "printer-offline", "power", "", "", ""},
		{"check.result", "printer-offline", "power", "print.queue", "warn", ""},
		{"guide.not_working", "printer-offline", "b", "", "", ""},
		{"search.no_results", "", "", "", "", "outlok"},
		{"guide.opened", "mail", "", "", "", ""},
		{"guide.abandoned", "mail", "", "", "", ""},
		{"guide.opened", "vpn-wont-connect", "", "", "", ""},
		{"guide.fixed", "no-internet", "router", "", "", ""},
		{"guide.opened", "disk-full", "", "", "", ""},
		{"guide.abandoned", "disk-full", "", "", "", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(got), len(want), got)
	}
	for i, e := range got {
		if g := (ev{string(e.Kind), e.GuideID, e.StepID, e.Check, string(e.Status), e.Query}); g != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, g, want[i])
		}
		if wantID := i < 5; (e.Journey == id) != wantID {
			t.Errorf("event %d journey %s (first journey %s)", i, e.Journey, id)
		}
		e.At, e.OS, e.AppVersion = time.Now(), "linux", "t"
		if err := (&protocol.InsightEvents{Events: []protocol.InsightEvent{e}}).Validate(); err != nil {
			t.Errorf("event %d does not validate: %v", i, err)
		}
	}
	var nilJourney *Journey
	nilJourney.Opened("x") // the window without a help desk
	if nilJourney.ID() != "" {
		t.Error("a nil journey has an id")
	}

	gc := toProtocol(HelpRequest{Name: "Sam", Description: "vpn", Guide: &hop}).Guide
	if o := gc.Steps[0].Opened; o == nil || *o != (protocol.GuideRef{GuideID: "no-internet", GuideTitle: "No internet"}) || gc.Steps[1].GuideID != "no-internet" || gc.Steps[1].GuideTitle != "No internet" {
		t.Errorf("hop on the wire: %+v %+v", gc.Steps[0], gc.Steps[1])
	}
}
