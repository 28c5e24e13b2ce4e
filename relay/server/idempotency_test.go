package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/store"
)

func keyedSubmit(key string) *protocol.RequestSubmit {
	return &protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Sam"}, Description: "printer says offline", IdempotencyKey: key}
}

func submitOn(s *relaytest.Socket, id string, req *protocol.RequestSubmit) *protocol.RequestAccepted {
	s.SendMessage(protocol.TypeRequestSubmit, id, "", req)
	return s.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted)
}

func countRequests(t *testing.T, r *relaytest.Relay) int {
	t.Helper()
	rs, err := r.Store.Requests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(rs)
}

// TestSubmitIdempotencyKey: a submit repeated with the same key — on a new
// connection (the first reply was lost), on the same one, after a relay
// restart — returns the first request under a fresh resume token; other
// keys and no key make new requests.
func TestSubmitIdempotencyKey(t *testing.T) {
	r := relaytest.Start(t)
	const key = "K0123456789ABCDEFGHIJKLMN"

	first := r.DialClient(t)
	orig := submitOn(first, "c1", keyedSubmit(key))
	if orig.Position != 1 {
		t.Errorf("first submit at position %d, want 1", orig.Position)
	}
	first.Conn().CloseNow()

	again := r.DialClient(t)
	dup := submitOn(again, "c1", keyedSubmit(key))
	if dup.RequestID != orig.RequestID || dup.State != store.StateWaiting || dup.Position != 1 {
		t.Errorf("repeated submit answered %+v, want request %s waiting at 1", dup, orig.RequestID)
	}
	if dup.ResumeToken == "" || dup.ResumeToken == orig.ResumeToken {
		t.Errorf("repeated submit resume token %q, want a fresh one", dup.ResumeToken)
	}
	if same := submitOn(again, "c2", keyedSubmit(key)); same.RequestID != orig.RequestID {
		t.Errorf("the same key on the same connection made %s, want %s", same.RequestID, orig.RequestID)
	}
	if n := countRequests(t, r); n != 1 {
		t.Fatalf("the relay holds %d requests, want 1", n)
	}

	// The token of the first reply no longer works; the fresh one does.
	stale := r.DialClient(t)
	stale.SendMessage(protocol.TypeRequestResume, "c1", "", &protocol.RequestResume{RequestID: orig.RequestID, ResumeToken: orig.ResumeToken})
	stale.NextError(protocol.CodeNotFound)

	r.Restart()
	after := r.DialClient(t)
	if acc := submitOn(after, "c1", keyedSubmit(key)); acc.RequestID != orig.RequestID {
		t.Errorf("after a restart the key made %s, want %s", acc.RequestID, orig.RequestID)
	}
	other := r.DialClient(t)
	if acc := submitOn(other, "c1", keyedSubmit("another-key")); acc.RequestID == orig.RequestID {
		t.Error("another key returned the first request")
	}
	plain := r.DialClient(t)
	submitOn(plain, "c1", keyedSubmit(""))
	plain2 := r.DialClient(t)
	submitOn(plain2, "c1", keyedSubmit(""))
	if n := countRequests(t, r); n != 4 {
		t.Errorf("the relay holds %d requests, want 4 (one keyed twice, one other key, two without)", n)
	}
}

// TestSubmitIdempotencyKeyClosed: a key whose request is over is not found,
// and creates nothing.
func TestSubmitIdempotencyKeyClosed(t *testing.T) {
	r := relaytest.Start(t)
	s := r.DialClient(t)
	acc := submitOn(s, "c1", keyedSubmit("closed-key"))
	s.SendMessage(protocol.TypeRequestCancel, "c2", "", nil)
	s.Next(protocol.TypeRequestCancelled)
	s.Conn().CloseNow()

	again := r.DialClient(t)
	again.SendMessage(protocol.TypeRequestSubmit, "c1", "", keyedSubmit("closed-key"))
	again.NextError(protocol.CodeNotFound)
	if n := countRequests(t, r); n != 1 {
		t.Errorf("the relay holds %d requests, want only %s", n, acc.RequestID)
	}
}

// TestSubmitIdempotencyKeyTooLong: the key is size-checked like any field.
func TestSubmitIdempotencyKeyTooLong(t *testing.T) {
	r := relaytest.Start(t)
	s := r.DialClient(t)
	s.SendMessage(protocol.TypeRequestSubmit, "c1", "", keyedSubmit(strings.Repeat("k", protocol.MaxIDLen+1)))
	s.NextError(protocol.CodeBadMessage)
	if n := countRequests(t, r); n != 0 {
		t.Errorf("the relay holds %d requests, want none", n)
	}
}
