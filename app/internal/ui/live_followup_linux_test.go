package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// TestLiveInsightsAndFollowup: the window's own search → guide → "Still
// not working" → send reaches the real relay as insight events the
// Insights reports count (the escalation on the guide it left); the
// technician resolves the request, the relay's follow-up opens the
// dialog, "No, still not working" reopens the request in the
// technician's queue.
func TestLiveInsightsAndFollowup(t *testing.T) {
	u, r, events := liveUI(t, relaytest.WithConfig(func(c *server.Config) { c.FollowupDelay = 300 * time.Millisecond }))
	tech := r.Login(t)

	guideID := escalateFromGuide(t, u, events, "print jobs stuck in the queue").Hits[0].ID
	item := tech.Expect(protocol.TypeQueueAdded).Payload.(*protocol.QueueItem)

	span := store.Span{Since: time.Now().Add(-time.Hour), Until: time.Now().Add(time.Hour)}
	var g store.GuideStats
	deadline := time.Now().Add(20 * time.Second)
	for {
		stats, err := r.Store.InsightGuides(context.Background(), span)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stats {
			if s.GuideID == guideID {
				g = s
			}
		}
		if g.Escalated == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if g.Opened != 1 || g.StepsSeen < 1 || g.NotWorking != 1 || g.Escalated != 1 || g.Fixed != 0 {
		t.Fatalf("the relay counts for %s: %+v, want opened 1, a step, not working 1, escalated 1", guideID, g)
	}
	funnel, err := r.Store.InsightFunnel(context.Background(), span)
	if err != nil || len(funnel) != 1 || funnel[0].Searches != 1 || funnel[0].GuideOpened != 1 || funnel[0].Escalated != 1 {
		t.Fatalf("funnel %+v, %v", funnel, err)
	}

	// Resolved; a moment later the help desk asks.
	if st := tech.Take(item.ID); st != 200 {
		t.Fatalf("take: %d", st)
	}
	sid := tech.Expect(protocol.TypeSessionStart).Session
	tech.Send(protocol.TypeSessionEnd, protocol.SessionEnd{})
	waitEvent(t, u, events, func(ev helpdesk.Event) bool { return ev.Kind == helpdesk.EventFollowup })
	f := u.lastFollowup
	if f == nil || f.question.Text != "Is “print jobs stuck in the queue” working now?" {
		t.Fatalf("follow-up dialog %+v", f)
	}
	f.rating.SetSelected("3")
	test.Type(f.comment, "Stuck again")
	test.Tap(f.no)
	waitFor(t, u, f.sent)
	re := tech.Expect(protocol.TypeQueueAdded).Payload.(*protocol.QueueItem)
	if re.ID != item.ID || re.Reopened == nil || re.Reopened.SessionID != sid || re.Reopened.Rating != 3 || re.Reopened.Comment != "Stuck again" {
		t.Fatalf("reopened item %+v (%+v)", re, re.Reopened)
	}
	waitEvent(t, u, events, func(ev helpdesk.Event) bool { return ev.Kind == helpdesk.EventQueued })
}
