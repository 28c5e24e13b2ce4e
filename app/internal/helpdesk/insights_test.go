package helpdesk

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"
	_ "modernc.org/sqlite" // to read the relay's database

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

// storedEvent is a row of the relay's insight_events.
type storedEvent struct {
	kind, journey, query, guide, step, check, status, requestID, os string
}

// relayEvents reads what the relay stored, waiting until it holds n events.
func relayEvents(t *testing.T, r *relaytest.Relay, n int) []storedEvent {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(r.Dir, "relay.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rows, err := db.Query(`SELECT kind, journey, query, guide_id, step_id, check_name, status, request_id, os FROM insight_events ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		var out []storedEvent
		for rows.Next() {
			var e storedEvent
			if err := rows.Scan(&e.kind, &e.journey, &e.query, &e.guide, &e.step, &e.check, &e.status, &e.requestID, &e.os); err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
		}
		rows.Close()
		if len(out) >= n || time.Now().After(deadline) {
			if len(out) != n {
				t.Fatalf("the relay stored %d events, want %d: %+v", len(out), n, out)
			}
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestInsightEventsReachTheRelay drives a journey through the Desk the
// window uses — search, guide, step, check, "still not working", a help
// request — and reads the events the real relay stored, linked to the
// request by its escalation only.
func TestInsightEventsReachTheRelay(t *testing.T) {
	r := relaytest.Start(t)
	d, _ := newDesk(t, r.URL)
	waitEvent(t, d, online)

	j := NewJourney(d.Track)
	j.Searched("printer says offline", 2)
	j.Opened("printer-offline")
	j.Reached("", "power")
	j.Checked("", "power", "print.queue", diag.Warn)
	j.Ended(runner.Record{GuideID: "printer-offline", Outcome: runner.Escalated, Steps: []runner.StepRecord{{StepID: "power"}}})
	rec := runner.Record{GuideID: "printer-offline", Outcome: runner.Escalated, Steps: []runner.StepRecord{{StepID: "power"}}}
	if err := d.Submit(context.Background(), HelpRequest{Name: "Sam Jones", Contact: "ext 4411", Description: "printer", Guide: &rec, Journey: j.ID()}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, d, kind(EventQueued))
	reqID := d.load().RequestID

	got := relayEvents(t, r, 6)
	want := []storedEvent{
		{kind: "search", query: "printer says offline"},
		{kind: "guide.opened", guide: "printer-offline"},
		{kind: "step.reached", guide: "printer-offline", step: "power"},
		{kind: "check.result", guide: "printer-offline", step: "power", check: "print.queue", status: "warn"},
		{kind: "guide.not_working", guide: "printer-offline", step: "power"},
		{kind: "escalated", guide: "printer-offline", step: "power", requestID: reqID},
	}
	for i, e := range got {
		if e.journey != j.ID() || e.os == "" {
			t.Errorf("event %d journey %q os %q, want journey %s", i, e.journey, e.os, j.ID())
		}
		e.journey, e.os = "", ""
		if e != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, e, want[i])
		}
	}
	// The relay stored them before it acked: the desktop drops them once
	// the ack is in.
	for deadline := time.Now().Add(5 * time.Second); d.insights.len() != 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := d.insights.len(); n != 0 {
		t.Errorf("%d events still kept 5 s after the relay stored them", n)
	}
}

// TestInsightEventsWaitOffline: events made while the relay is away stay
// on disk across a restart of the app, and go in messages of at most 100.
func TestInsightEventsWaitOffline(t *testing.T) {
	r := relaytest.Start(t)
	r.Stop()
	outbox := t.TempDir()
	st := &memStore{}
	d := newDeskOn(t, r.URL, outbox, st, nil)
	waitEvent(t, d, offline)
	j := NewJourney(d.Track)
	for i := range 150 {
		j.Opened("guide-" + string(rune('a'+i%26)))
	}
	j.Leave()
	d.Close()

	d2 := newDeskOn(t, r.URL, outbox, st, nil)
	// Each guide opened after the first abandons the one before: 300.
	if n := d2.insights.len(); n != 300 {
		t.Fatalf("after a restart %d events kept, want 300", n)
	}
	r.Restart()
	waitEvent(t, d2, online)
	got := relayEvents(t, r, 300)
	if got[299].kind != "guide.abandoned" || got[299].guide != "guide-"+string(rune('a'+149%26)) {
		t.Errorf("last event %+v", got[299])
	}
	deadline := time.Now().Add(10 * time.Second)
	for d2.insights.len() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := d2.insights.len(); n != 0 {
		t.Errorf("%d events still kept", n)
	}
}

func TestInsightQueueIsBounded(t *testing.T) {
	dir, err := openOutbox(t.TempDir(), "desk state", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	q := openInsightQueue(dir)
	for i := range maxKeptInsights + 10 {
		q.add(protocol.InsightEvent{Kind: protocol.InsightSearch, Query: string(rune('a' + i%26))})
	}
	if q.len() != maxKeptInsights {
		t.Fatalf("%d kept, want the cap %d", q.len(), maxKeptInsights)
	}
	if b := q.batch(); len(b) != protocol.MaxInsightEvents || b[0].Query != string(rune('a'+10%26)) {
		t.Fatalf("batch of %d starting %q: the oldest should have gone", len(b), b[0].Query)
	}
	if n := openInsightQueue(dir).len(); n != maxKeptInsights {
		t.Errorf("reopened: %d kept", n)
	}
}

// TestSearchTextOnlyWhenAllowed speaks the protocol as a relay would, to
// see what the desktop itself sends: with a welcome that says search text
// is off, no query leaves the computer; before any welcome (a relay that
// predates insight events), no insight.events is sent at all.
func TestSearchTextOnlyWhenAllowed(t *testing.T) {
	for _, tt := range []struct {
		name    string
		welcome *protocol.Welcome
		want    string // the query that arrives; "-" for no message at all
	}{
		{"search text off", &protocol.Welcome{Insights: &protocol.InsightSettings{SearchText: false}}, ""},
		{"search text on", &protocol.Welcome{Insights: &protocol.InsightSettings{SearchText: true}}, "outlok wont open"},
		{"no welcome", nil, "-"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan protocol.InsightEvents, 4)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ws, err := websocket.Accept(w, r, nil)
				if err != nil {
					return
				}
				defer ws.CloseNow()
				ctx := r.Context()
				if tt.welcome != nil {
					b, _ := protocol.Encode(protocol.TypeWelcome, "", "", tt.welcome)
					ws.Write(ctx, websocket.MessageText, b)
				}
				for {
					_, b, err := ws.Read(ctx)
					if err != nil {
						return
					}
					m, err := protocol.Decode(b)
					if err != nil {
						t.Errorf("the desktop sent %s: %v", b, err)
						return
					}
					if p, ok := m.Payload.(*protocol.InsightEvents); ok {
						got <- *p
						ack, _ := protocol.Encode(protocol.TypeAck, m.ID, "", nil)
						ws.Write(ctx, websocket.MessageText, ack)
					}
				}
			}))
			t.Cleanup(srv.Close)
			d, _ := newDesk(t, srv.URL)
			waitEvent(t, d, online)
			NewJourney(d.Track).Searched("outlok wont open", 0)
			select {
			case evs := <-got:
				if tt.want == "-" {
					t.Fatalf("sent %+v to a relay without a welcome", evs)
				}
				if len(evs.Events) != 1 || evs.Events[0].Kind != protocol.InsightNoResults || evs.Events[0].Query != tt.want {
					t.Fatalf("sent %+v, want one search.no_results with query %q", evs, tt.want)
				}
			case <-time.After(time.Second):
				if tt.want != "-" {
					t.Fatal("nothing sent")
				}
				if d.insights.len() != 1 {
					t.Errorf("%d events kept, want the one waiting", d.insights.len())
				}
			}
		})
	}
}
