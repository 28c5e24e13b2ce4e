package helpdesk

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// requests returns what the relay holds, in every state.
func requests(t *testing.T, r *relaytest.Relay) []store.Request {
	t.Helper()
	rs, err := r.Store.Requests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// waitRequests polls the relay's store until it holds n requests, for at
// most 10 s, and returns them.
func waitRequests(t *testing.T, r *relaytest.Relay, n int) []store.Request {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rs := requests(t, r)
		if len(rs) == n {
			return rs
		}
		if time.Now().After(deadline) {
			t.Fatalf("the relay holds %d requests after 10 s, want %d", len(rs), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stillOne checks, a little after delivery, that no second copy arrived.
func stillOne(t *testing.T, r *relaytest.Relay) store.Request {
	t.Helper()
	time.Sleep(300 * time.Millisecond)
	rs := requests(t, r)
	if len(rs) != 1 {
		t.Fatalf("the relay holds %d requests, want exactly 1: %+v", len(rs), rs)
	}
	return rs[0]
}

// TestKeptRequestIsSentOnReconnect is the reported bug: the Desk was
// connected, the relay went away, the request was kept — and reconnecting
// (not the first connection) must deliver it.
func TestKeptRequestIsSentOnReconnect(t *testing.T) {
	r := relaytest.Start(t)
	d, st := newDesk(t, r.URL)
	waitEvent(t, d, online)
	r.Stop()
	waitEvent(t, d, offline)

	err := d.Submit(context.Background(), HelpRequest{Name: "Sam", Description: "outlook won't open"})
	if !errors.Is(err, ErrOffline) {
		t.Fatalf("Submit with the relay down = %v, want ErrOffline", err)
	}
	r.Restart()
	got := waitRequests(t, r, 1)[0]
	if got.Description != "outlook won't open" || got.State != store.StateWaiting {
		t.Errorf("the relay has %+v", got)
	}
	if ev := waitEvent(t, d, kind(EventQueued)); ev.Position != 1 {
		t.Errorf("queued at %d, want 1", ev.Position)
	}
	if k := st.kept(t); k.RequestID != got.ID || k.ResumeToken == "" {
		t.Errorf("the store keeps %+v, want request %s", k, got.ID)
	}
	if kept := d.outbox.list(); len(kept) != 0 {
		t.Errorf("the outbox still keeps %+v", kept)
	}
	stillOne(t, r)
}

// sentThenQuit plays relay down → send → quit: it returns the stopped
// relay and the outbox folder and Store the app leaves behind.
func sentThenQuit(t *testing.T, desc string) (*relaytest.Relay, string, *memStore) {
	t.Helper()
	r := relaytest.Start(t)
	r.Stop()
	dir, st := t.TempDir(), &memStore{}
	d := newDeskOn(t, r.URL, dir, st, nil)
	waitEvent(t, d, offline)
	if err := d.Submit(context.Background(), HelpRequest{Name: "Sam", Description: desc}); !errors.Is(err, ErrOffline) {
		t.Fatalf("Submit = %v, want ErrOffline", err)
	}
	d.Close()
	return r, dir, st
}

// TestKeptRequestSurvivesQuit: relay down → send → quit → relay up →
// start again on the same data → delivered exactly once.
func TestKeptRequestSurvivesQuit(t *testing.T) {
	r, dir, st := sentThenQuit(t, "printer says offline")
	files, _ := filepath.Glob(filepath.Join(dir, "*"+outboxExt))
	if len(files) != 1 {
		t.Fatalf("after quitting the outbox holds %v, want one request", files)
	}

	r.Restart()
	d2 := newDeskOn(t, r.URL, dir, st, nil)
	got := waitRequests(t, r, 1)[0]
	if got.Description != "printer says offline" || got.Name != "Sam" {
		t.Errorf("the relay has %+v", got)
	}
	waitEvent(t, d2, kind(EventQueued))
	stillOne(t, r)
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) != 0 {
		t.Errorf("the outbox still holds %v", files)
	}
}

// TestSameKeyIsOneRequest: the relay stored a request but its reply was
// lost with the connection; the Desk still has it in the outbox and sends
// it again with the same key: the relay answers with the first request.
func TestSameKeyIsOneRequest(t *testing.T) {
	r, dir, st := sentThenQuit(t, "wifi keeps dropping")
	kept := (&outbox{dir: dir, log: slog.New(slog.DiscardHandler)}).list()
	if len(kept) != 1 {
		t.Fatalf("outbox %+v", kept)
	}

	r.Restart()
	first := r.DialClient(t) // the first send, whose reply never arrived
	first.SendMessage(protocol.TypeRequestSubmit, "c1", "", &kept[0].Request)
	orig := first.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted)
	first.Conn().CloseNow()

	d2 := newDeskOn(t, r.URL, dir, st, nil)
	waitEvent(t, d2, kind(EventQueued))
	if got := stillOne(t, r); got.ID != orig.RequestID {
		t.Errorf("the relay holds %s, want the original %s", got.ID, orig.RequestID)
	}
	if k := st.kept(t); k.RequestID != orig.RequestID || k.ResumeToken == "" {
		t.Errorf("the store keeps %+v, want the original request %s", k, orig.RequestID)
	}
	if kept := d2.outbox.list(); len(kept) != 0 {
		t.Errorf("the outbox still keeps %+v", kept)
	}
}

// TestCorruptOutboxFile: a file that cannot be read is logged and moved
// aside; the good one is still delivered.
func TestCorruptOutboxFile(t *testing.T) {
	r := relaytest.Start(t)
	r.Stop()
	dir := t.TempDir()
	ob := &outbox{dir: dir, log: slog.New(slog.DiscardHandler)}
	if _, err := ob.put(protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Sam"}, Description: "disk full"}, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "00000000000000000001-torn"+outboxExt) // sorts first
	if err := os.WriteFile(bad, []byte(`{"saved_at":"2026-`), 0o600); err != nil {
		t.Fatal(err)
	}

	logFile, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	r.Restart()
	d := newDeskOn(t, r.URL, dir, &memStore{}, slog.New(slog.NewTextHandler(logFile, nil)))
	if got := waitRequests(t, r, 1)[0]; got.Description != "disk full" {
		t.Errorf("the relay has %+v", got)
	}
	waitEvent(t, d, kind(EventQueued))
	if _, err := os.Stat(bad + corruptExt); err != nil {
		t.Errorf("the torn file was not moved aside: %v", err)
	}
	if _, err := os.Stat(bad); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the torn file is still in the outbox: %v", err)
	}
	if log, _ := os.ReadFile(logFile.Name()); !strings.Contains(string(log), "moved aside") || !strings.Contains(string(log), "torn") {
		t.Errorf("the log does not report the torn file:\n%s", log)
	}
}

// TestLegacyKeptRequestIsMigrated: a request an older version kept in the
// settings moves into the outbox and is delivered.
func TestLegacyKeptRequestIsMigrated(t *testing.T) {
	r := relaytest.Start(t)
	st := &memStore{s: `{"request":{"name":"Sam","description":"kept by an older Lifeline"}}`}
	d := newDeskOn(t, r.URL, t.TempDir(), st, nil)
	if got := waitRequests(t, r, 1)[0]; got.Description != "kept by an older Lifeline" {
		t.Errorf("the relay has %+v", got)
	}
	waitEvent(t, d, kind(EventQueued))
	if k := st.kept(t); k.Request != nil || k.RequestID == "" {
		t.Errorf("the store keeps %+v", k)
	}
}

// TestCloseEndsTheSessionAsTheUser: quitting mid-session tells the
// technician the user ended it, not that the connection was lost.
func TestCloseEndsTheSessionAsTheUser(t *testing.T) {
	tech, d, _ := connectedDesk(t)
	if err := d.RedeemCode(context.Background(), tech.CreateCode()); err != nil {
		t.Fatal(err)
	}
	tech.Expect(protocol.TypeSessionStart)
	tech.Send(protocol.TypeViewRequest, protocol.Consent{})
	waitEvent(t, d, kind(EventConsent)) // the session is live on the Desk
	start := time.Now()
	d.Close()
	if took := time.Since(start); took > endTimeout {
		t.Errorf("Close took %v", took)
	}
	end := tech.Expect(protocol.TypeSessionEnd).Payload.(*protocol.SessionEnd)
	if end.Reason != protocol.EndUser {
		t.Errorf("the technician got session.end %q, want %q", end.Reason, protocol.EndUser)
	}
}

// TestCloseKeepsTheWaitingRequest: quitting while a request waits keeps
// its id, so the next start re-attaches to it.
func TestCloseKeepsTheWaitingRequest(t *testing.T) {
	_, d, st := connectedDesk(t)
	if err := d.Submit(context.Background(), HelpRequest{Name: "Sam", Description: "vpn"}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, d, kind(EventQueued))
	d.Close()
	if k := st.kept(t); k.RequestID == "" || k.ResumeToken == "" {
		t.Errorf("after Close the store keeps %+v", k)
	}
}
