package server

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// The hub is tested alone, over sockets that only queue: it needs no
// store, and what a console sees is decided under its lock.

func testConn() *wsConn {
	return &wsConn{send: make(chan []byte, sendQueue), cancel: func() {}, log: slog.New(slog.DiscardHandler)}
}

func testHub() *hub {
	enc := func(typ protocol.Type, id, session string, payload any) []byte {
		b, err := protocol.Encode(typ, id, session, payload)
		if err != nil {
			panic(err)
		}
		return b
	}
	return newHub(enc, func(string, string) []protocol.ICEServer { return []protocol.ICEServer{} }, nil)
}

// sent decodes what was queued on c.
func sent(t *testing.T, c *wsConn) []protocol.Message {
	t.Helper()
	var out []protocol.Message
	for {
		select {
		case b := <-c.send:
			m, err := protocol.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		default:
			return out
		}
	}
}

func types(ms []protocol.Message) []protocol.Type {
	var out []protocol.Type
	for _, m := range ms {
		out = append(out, m.Type)
	}
	return out
}

func TestHubQueueAndSessionStart(t *testing.T) {
	h := testHub()
	a, b := &clientConn{wsConn: testConn()}, &clientConn{wsConn: testConn()}
	h.addClient(a)
	h.addClient(b)
	h.addWaiting(a, "1", "tok", protocol.QueueItem{ID: "r-a", State: store.StateWaiting}, nil)
	h.addWaiting(b, "2", "tok", protocol.QueueItem{ID: "r-b", State: store.StateWaiting}, nil)
	if acc := sent(t, b.wsConn); len(acc) != 1 || acc[0].Payload.(*protocol.RequestAccepted).Position != 2 {
		t.Fatalf("b got %v", types(acc))
	}
	h.cancel(a, "3", "r-a")
	if got := sent(t, b.wsConn); len(got) != 1 || got[0].Payload.(*protocol.QueuePosition).Position != 1 {
		t.Fatalf("b after a cancelled: %v", types(got))
	}

	// b's request is taken by a technician whose console then reloads.
	tech := store.Technician{ID: 7, Username: "alex", DisplayName: "Alex"}
	ls := newLiveSession("s-1", tech, store.Request{ID: "r-b", State: store.StateTaken}, time.Now())
	if !h.take(ls) {
		t.Fatal("take did not find b online")
	}
	if got := types(sent(t, b.wsConn)); len(got) != 2 || got[0] != protocol.TypeRequestTaken || got[1] != protocol.TypeSessionStart {
		t.Fatalf("b after take: %v", got)
	}
	con := &techConn{wsConn: testConn(), tech: tech}
	h.addTech(con)
	got := sent(t, con.wsConn)
	if len(got) != 2 || got[0].Type != protocol.TypeQueueSnapshot || got[1].Type != protocol.TypeSessionStart {
		t.Fatalf("console got %v, want the snapshot then session.start", types(got))
	}
	if snap := got[0].Payload.(*protocol.QueueSnapshot); len(snap.Requests) != 0 {
		t.Fatalf("snapshot %+v, want an empty queue", snap.Requests)
	}
	// A user who gave no name is "user" to the console.
	ss := got[1].Payload.(*protocol.SessionStart)
	if ss.Peer != "user" || ss.Role != protocol.RoleAnswerer || ss.Request == nil || !ss.Request.Online {
		t.Fatalf("session.start = %+v", ss)
	}
	if c := h.counts(); c != (hubCounts{queue: 0, sessions: 1, clients: 2, techs: 1}) {
		t.Fatalf("counts %+v", c)
	}
	if c, ok := h.end(ls); !ok || c != b || b.requestID != "" {
		t.Fatalf("end = %v %v", c, ok)
	}
	if _, ok := h.end(ls); ok {
		t.Fatal("a session ended twice")
	}
}

// A console registering on a busy queue gets it in parts, then its
// sessions; a request too large for any message is replaced by
// queue_incomplete, and a queue announcement that cannot be encoded too.
func TestHubSnapshotInParts(t *testing.T) {
	h := testHub()
	desc := strings.Repeat("x", 1400)
	for i := range 200 {
		h.queue = append(h.queue, protocol.QueueItem{ID: fmt.Sprintf("r-%d", i), State: store.StateWaiting, Description: desc})
	}
	h.queue = append(h.queue, protocol.QueueItem{ID: "r-huge", State: store.StateWaiting, Description: strings.Repeat("<", 20000)})
	tech := store.Technician{ID: 7, Username: "alex", DisplayName: "Alex"}
	ls := newLiveSession("s-1", tech, store.Request{ID: "r-x", State: store.StateTaken}, time.Now())
	h.sessions[ls.id] = ls
	con := &techConn{wsConn: &wsConn{send: make(chan []byte, techSendQueue), cancel: func() {}, log: slog.New(slog.DiscardHandler)}, tech: tech}
	h.addTech(con)
	got := sent(t, con.wsConn)
	n := 0
	for len(got) > 0 && got[0].Type == protocol.TypeQueueSnapshot {
		n += len(got[0].Payload.(*protocol.QueueSnapshot).Requests)
		got = got[1:]
	}
	if n != 200 || len(got) != 2 || got[0].Type != protocol.TypeError || got[0].Payload.(*protocol.Error).Code != protocol.CodeQueueIncomplete ||
		got[1].Type != protocol.TypeSessionStart {
		t.Fatalf("after %d requests in the snapshot: %v, want queue_incomplete then session.start", n, types(got))
	}

	h.encode = func(protocol.Type, string, string, any) []byte { return nil } // nothing encodes
	h.announce(protocol.QueueItem{ID: "r-1", State: store.StateTaken})
	if got := sent(t, con.wsConn); len(got) != 1 || got[0].Payload.(*protocol.Error).Code != protocol.CodeQueueIncomplete {
		t.Fatalf("failed announcement: %v", types(got))
	}
}
