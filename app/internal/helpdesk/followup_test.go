package helpdesk

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
)

// TestFollowupAskedAfterRestartAndReopens: a session resolves the Desk's
// request; after the (short) delay the relay asks on the same connection;
// the app restarts and is asked again, having claimed the request with
// its kept token; "not working" puts it back in the queue, where the
// technician sees it reopened, and the Desk holds it again.
func TestFollowupAskedAfterRestartAndReopens(t *testing.T) {
	r := relaytest.Start(t, relaytest.WithConfig(func(c *server.Config) { c.FollowupDelay = 300 * time.Millisecond }))
	tech := r.Login(t)
	outbox := t.TempDir()
	st := &memStore{}
	d := newDeskOn(t, r.URL, outbox, st, nil)
	waitEvent(t, d, online)
	ctx := context.Background()
	if err := d.Submit(ctx, HelpRequest{Name: "Sam", Contact: "ext 4411", Description: "printer says offline"}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, d, kind(EventQueued))
	reqID := st.kept(t).RequestID
	if st := tech.Take(reqID); st != 200 {
		t.Fatalf("take: %d", st)
	}
	sid := tech.Expect(protocol.TypeSessionStart).Session
	tech.Send(protocol.TypeSessionEnd, protocol.SessionEnd{})
	waitEvent(t, d, func(ev Event) bool { return ev.Kind == EventSession && ev.Session == SessionEnded })

	off := waitEvent(t, d, kind(EventFollowup)).Followup
	if off.RequestID != reqID || off.SessionID != sid || off.Description != "printer says offline" || off.Technician != relaytest.DisplayName {
		t.Fatalf("follow-up %+v", off)
	}
	d.Close()

	d2 := newDeskOn(t, r.URL, outbox, st, nil)
	if again := waitEvent(t, d2, kind(EventFollowup)).Followup; again.RequestID != reqID {
		t.Fatalf("after a restart: %+v", again)
	}
	if err := d2.AnswerFollowup(ctx, FollowupAnswer{RequestID: reqID, Working: false, Rating: 2, Comment: "offline again"}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, d2, kind(EventQueued))
	it := tech.Expect(protocol.TypeQueueAdded).Payload.(*protocol.QueueItem)
	if it.ID != reqID || it.Reopened == nil || it.Reopened.SessionID != sid || it.Reopened.Comment != "offline again" || !it.Online {
		t.Fatalf("the technician sees %+v (reopened %+v)", it, it.Reopened)
	}
	if k := st.kept(t); k.RequestID != reqID || k.ResumeToken == "" {
		t.Errorf("the Desk keeps %+v, want the reopened request", k)
	}
	if n := len(d2.followups.claims(time.Now())); n != 0 {
		t.Errorf("%d requests still kept for a follow-up after the answer", n)
	}
	// Taken again, the desktop joins the new session.
	if st := tech.Take(reqID); st != 200 {
		t.Fatalf("take reopened: %d", st)
	}
	waitEvent(t, d2, kind(EventTaken))
}

func TestInstallIDIsKeptAndSent(t *testing.T) {
	r := relaytest.Start(t)
	outbox := t.TempDir()
	st := &memStore{}
	d := newDeskOn(t, r.URL, outbox, st, nil)
	id := d.installID
	b, err := os.ReadFile(filepath.Join(filepath.Dir(outbox), installIDFile))
	if err != nil || strings.TrimSpace(string(b)) != id || len(id) < protocol.MinInstallIDLen {
		t.Fatalf("install id %q, file %q, %v", id, b, err)
	}
	d.Close()
	d = newDeskOn(t, r.URL, outbox, st, nil)
	if d.installID != id {
		t.Fatalf("install id changed across a restart: %q → %q", id, d.installID)
	}
	waitEvent(t, d, online)
	if err := d.Submit(context.Background(), HelpRequest{Name: "Sam", Description: "x"}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, d, kind(EventQueued))
	got, err := r.Store.Request(context.Background(), st.kept(t).RequestID)
	if err != nil || got.InstallID != id {
		t.Fatalf("the relay keeps install id %q, want %q (%v)", got.InstallID, id, err)
	}
}
