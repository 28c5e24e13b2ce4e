package server_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

const day = 24 * time.Hour

// endedSessionWithChat runs a session with one chat line to its end and
// returns its id and request id.
func endedSessionWithChat(t *testing.T, r *relay, tc *tech) (sid, reqID string) {
	t.Helper()
	sid, cl, con := fullSession(t, r, tc)
	cl.SendMessage(protocol.TypeChat, "", sid, &protocol.Chat{Text: "my name is Ana, my number is 555-0100"})
	con.Next(protocol.TypeChat)
	cl.SendMessage(protocol.TypeSessionEnd, "", sid, &protocol.SessionEnd{})
	con.Next(protocol.TypeSessionEnd)
	x, err := r.Store.Session(context.Background(), sid)
	if err != nil || x.EndedAt.IsZero() {
		t.Fatalf("session %+v, %v", x, err)
	}
	return sid, x.RequestID
}

// TestRetentionDefaults walks the fake clock through the default periods:
// a waiting request expires after 7 days (every console and its desktop
// are told, the audit says so), transcripts go after 90 days, ended
// sessions with their requests after 180, the audit log after 365.
func TestRetentionDefaults(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.Retention.Interval = time.Hour }))
	r.addTech("alex", false)
	tc := r.login("alex")
	ctx := context.Background()
	sid, doneReq := endedSessionWithChat(t, r, tc)

	con := tc.ws()
	cl := r.dialClient()
	cl.SendMessage(protocol.TypeRequestSubmit, "", "", submitReq("waiting for ever"))
	waiting := cl.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID
	con.Next(protocol.TypeQueueAdded)

	prune := func() {
		t.Helper()
		if err := r.Server.Prune(ctx); err != nil {
			t.Fatal(err)
		}
	}
	r.clock.Advance(7*day - time.Minute)
	prune()
	if got, _ := r.Store.Request(ctx, waiting); got.State != store.StateWaiting {
		t.Fatalf("expired before 7 days: %q", got.State)
	}
	r.clock.Advance(2 * time.Minute)
	prune()
	if it := con.Next(protocol.TypeQueueUpdated).Payload.(*protocol.QueueItem); it.ID != waiting || it.State != store.StateExpired {
		t.Fatalf("console got %+v, want the request expired", it)
	}
	if c := cl.Next(protocol.TypeRequestCancelled).Payload.(*protocol.RequestCancelled); c.RequestID != waiting || c.Reason == "" {
		t.Fatalf("desktop got %+v", c)
	}
	if got, _ := r.Store.Request(ctx, waiting); got.State != store.StateExpired {
		t.Fatalf("stored state %q, want expired", got.State)
	}
	var queue []map[string]any
	tc = r.login("alex") // the first login expired with the days
	if st := tc.do("GET", "/api/requests", nil, &queue); st != http.StatusOK || len(queue) != 0 {
		t.Fatalf("queue after expiry: %d %v", st, queue)
	}
	if evs, _ := r.Store.Audit(ctx, store.AuditFilter{Action: protocol.AuditRequestExpired}); len(evs) != 1 || evs[0].RequestID != waiting || evs[0].Actor != protocol.ActorRelay {
		t.Fatalf("audit of the expiry: %+v", evs)
	}

	chat := func() int {
		t.Helper()
		lines, err := r.Store.Chat(ctx, sid)
		if err != nil {
			t.Fatal(err)
		}
		return len(lines)
	}
	r.clock.Advance(83*day - 2*time.Minute) // day 90 minus a minute after the session
	prune()
	if chat() != 1 {
		t.Fatal("transcript deleted before 90 days")
	}
	r.clock.Advance(2 * time.Minute)
	prune()
	if chat() != 0 {
		t.Fatal("transcript kept past 90 days")
	}
	if _, err := r.Store.Session(ctx, sid); err != nil {
		t.Fatalf("session deleted with its transcript: %v", err)
	}

	r.clock.Advance(90 * day)
	prune()
	if _, err := r.Store.Session(ctx, sid); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session kept past 180 days: %v", err)
	}
	if _, err := r.Store.Request(ctx, doneReq); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("resolved request kept past 180 days: %v", err)
	}
	if _, err := r.Store.Request(ctx, waiting); err != nil {
		t.Fatalf("expired request deleted before 180 days after it expired: %v", err)
	}
	if evs, _ := r.Store.Audit(ctx, store.AuditFilter{SessionID: sid}); len(evs) == 0 {
		t.Fatal("audit deleted before 365 days")
	}
	r.clock.Advance(186 * day) // day 366
	prune()
	if _, err := r.Store.Request(ctx, waiting); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired request kept: %v", err)
	}
	if evs, _ := r.Store.Audit(ctx, store.AuditFilter{SessionID: sid}); len(evs) != 0 {
		t.Fatalf("%d audit events of the session kept past 365 days", len(evs))
	}
	if evs, _ := r.Store.Audit(ctx, store.AuditFilter{Action: protocol.AuditRequestExpired}); len(evs) != 1 {
		t.Fatalf("the expiry's audit row (day 7) went before its 365 days: %+v", evs)
	}
}

// TestRetentionKeepForever: negative periods keep everything.
func TestRetentionKeepForever(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) {
		c.Retention = server.Retention{Waiting: -1, Transcripts: -1, Sessions: -1, Audit: -1, Outcomes: -1}
	}))
	r.addTech("alex", false)
	tc := r.login("alex")
	sid, _ := endedSessionWithChat(t, r, tc)
	cl := r.dialClient()
	cl.SendMessage(protocol.TypeRequestSubmit, "", "", submitReq("patient"))
	waiting := cl.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID
	r.clock.Advance(3000 * day)
	ctx := context.Background()
	if err := r.Server.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Store.Request(ctx, waiting); got.State != store.StateWaiting {
		t.Fatalf("waiting request %q", got.State)
	}
	if lines, _ := r.Store.Chat(ctx, sid); len(lines) != 1 {
		t.Fatal("transcript deleted")
	}
}

// TestRetentionJobRunsByItself: the relay's own job (no Prune call)
// expires a request once the clock has passed the period, and Shutdown
// waits for it.
func TestRetentionJobRunsByItself(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.Retention.Interval = 20 * time.Millisecond }))
	r.addTech("alex", false)
	con := r.login("alex").ws()
	cl := r.dialClient()
	cl.SendMessage(protocol.TypeRequestSubmit, "", "", submitReq("old"))
	id := cl.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID
	con.Next(protocol.TypeQueueAdded)
	r.clock.Advance(8 * day)
	if it := con.Next(protocol.TypeQueueUpdated).Payload.(*protocol.QueueItem); it.ID != id || it.State != store.StateExpired {
		t.Fatalf("console got %+v", it)
	}
	cl.Next(protocol.TypeRequestCancelled)
	r.Stop() // fails the test if Shutdown does not return
}
