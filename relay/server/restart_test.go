package server_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/store"
)

func TestRestartResumesQueue(t *testing.T) {
	r1 := startRelay(t)
	r1.addTech("alex", false)
	tc := r1.login("alex")
	states := make(chan client.State, 16)
	opts := client.Options{MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		OnState: func(s client.State, err error) { states <- s }}
	waiter := r1.goClient(opts)
	ctx := ctx10s(t)
	acc, err := waiter.SubmitRequest(ctx, *submitReq("vpn drops"))
	if err != nil {
		t.Fatal(err)
	}
	// A second user is in a session when the relay stops.
	sid, inSession, _ := fullSession(t, r1, tc)

	r1.Stop()
	if got := inSession.Next(protocol.TypeSessionEnd).Payload.(*protocol.SessionEnd).Reason; got != protocol.EndRelayShutdown {
		t.Fatalf("session end reason %q", got)
	}
	r1.Restart() // the same data directory and address
	r2 := r1

	// The client reconnects by itself and resumes its persisted request.
	m := nextMsg(t, waiter, protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted)
	if m.RequestID != acc.RequestID || m.State != store.StateWaiting || m.Position < 1 {
		t.Fatalf("resumed = %+v", m)
	}
	if id, _ := waiter.RequestID(); id != acc.RequestID {
		t.Fatalf("client request id %q", id)
	}
	// The old console login survived too (logins are persisted), and the
	// request is in the queue, online again.
	var q []protocol.QueueItem
	if st := tc.do("GET", "/api/requests", nil, &q); st != http.StatusOK {
		t.Fatalf("queue: %d", st)
	}
	i := slices.IndexFunc(q, func(it protocol.QueueItem) bool { return it.ID == acc.RequestID })
	if i < 0 || !q[i].Online {
		t.Fatalf("queue after restart = %+v", q)
	}
	// The cut session ended cleanly with an audit event, and its request is waiting again.
	evs, _ := r2.Store.Audit(context.Background(), store.AuditFilter{SessionID: sid, Action: protocol.AuditSessionEnd})
	if len(evs) != 1 || evs[0].Detail != "reason="+string(protocol.EndRelayShutdown) {
		t.Fatalf("session.end audit = %+v", evs)
	}
	x, _ := r2.Store.Session(context.Background(), sid)
	if x.EndedAt.IsZero() {
		t.Fatal("session not ended in the store")
	}
	// It can be taken on the new relay.
	if st := tc.do("POST", "/api/requests/"+acc.RequestID+"/take", nil, nil); st != http.StatusOK {
		t.Fatalf("take after restart: %d", st)
	}
	nextMsg(t, waiter, protocol.TypeRequestTaken)
	nextMsg(t, waiter, protocol.TypeSessionStart)
	seen := map[client.State]bool{}
	for len(states) > 0 {
		seen[<-states] = true
	}
	if !seen[client.Disconnected] || !seen[client.Connected] {
		t.Fatalf("states seen %v", seen)
	}
}

// A crash leaves sessions open in the store: the next start ends them.
func TestRecoverAfterCrash(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	req := store.Request{ID: "r-1", State: store.StateWaiting, Source: "request", Description: "d", CreatedAt: now}
	if err := st.CreateRequest(ctx, &req); err != nil {
		t.Fatal(err)
	}
	if err := st.TakeRequest(ctx, store.Session{ID: "s-1", RequestID: "r-1", TechID: 1, StartedAt: now}, now); err != nil {
		t.Fatal(err)
	}
	if err := st.SetRequestState(ctx, "r-1", store.StateInSession, now, store.StateTaken); err != nil {
		t.Fatal(err)
	}
	st.Close() // crash: no Shutdown

	r := startRelay(t, relaytest.WithDataDir(dir))
	x, _ := r.Store.Session(ctx, "s-1")
	if x.EndReason != protocol.EndRelayRestart || x.EndedAt.IsZero() {
		t.Fatalf("session after restart = %+v", x)
	}
	got, _ := r.Store.Request(ctx, "r-1")
	if got.State != store.StateWaiting {
		t.Fatalf("request state %q", got.State)
	}
	if a := r.auditActions("s-1"); !slices.Equal(a, []protocol.AuditAction{protocol.AuditSessionEnd}) {
		t.Fatalf("audit %v", a)
	}
}
