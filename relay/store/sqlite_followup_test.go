package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestFollowupLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	r := Request{ID: "r-1", State: StateResolved, Source: "request", Description: "printer", CreatedAt: t0, SessionID: "s-1"}
	if err := s.CreateRequest(ctx, &r); err != nil {
		t.Fatal(err)
	}
	if err := s.AddFollowup(ctx, Followup{RequestID: "r-1", SessionID: "s-1", Technician: "Alex", EndedAt: t0, DueAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueFollowups(ctx, []string{"r-1"}, t0.Add(time.Minute), 3); len(due) != 0 {
		t.Fatalf("due before its time: %+v", due)
	}
	for i := range 3 {
		due, err := s.DueFollowups(ctx, []string{"r-1", "r-other"}, t0.Add(2*time.Hour), 3)
		if err != nil || len(due) != 1 || due[0].Technician != "Alex" || due[0].Offers != i {
			t.Fatalf("offer %d: due = %+v, %v", i, due, err)
		}
		if err := s.MarkOffered(ctx, "r-1", t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if due, _ := s.DueFollowups(ctx, []string{"r-1"}, t0.Add(3*time.Hour), 3); len(due) != 0 {
		t.Fatalf("offered a 4th time: %+v", due)
	}
	at := t0.Add(4 * time.Hour)
	if err := s.AnswerFollowup(ctx, "r-1", FollowupAnswer{Working: false, Rating: 2, Comment: "again", At: at},
		&Reopen{Reopened: []byte(`{"session_id":"s-1"}`), ResumeHash: []byte("h")}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Request(ctx, "r-1")
	if err != nil || got.State != StateWaiting || string(got.Reopened) != `{"session_id":"s-1"}` || got.SessionID != "" || string(got.ResumeHash) != "h" {
		t.Fatalf("reopened request = %+v, %v", got, err)
	}
	f, _ := s.Followup(ctx, "r-1")
	if f.AnsweredAt != at || f.Working || f.Rating != 2 || f.Comment != "again" {
		t.Fatalf("follow-up = %+v", f)
	}
	if err := s.AnswerFollowup(ctx, "r-1", FollowupAnswer{Working: true, At: at}, nil); !errors.Is(err, ErrConflict) {
		t.Fatalf("second answer: %v, want ErrConflict", err)
	}
	if err := s.AnswerFollowup(ctx, "r-none", FollowupAnswer{Working: true, At: at}, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("answer without follow-up: %v, want ErrNotFound", err)
	}
	st, err := s.FollowupStats(ctx, Span{Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour)})
	if err != nil || st.Sessions != 1 || st.Offered != 1 || st.Answered != 1 || st.NotWorking != 1 || st.Working != 0 ||
		st.Rated != 1 || st.MeanRating == nil || *st.MeanRating != 2 || st.ReopenRate == nil || *st.ReopenRate != 1 {
		t.Fatalf("FollowupStats = %+v, %v", st, err)
	}
	if st, _ := s.FollowupStats(ctx, Span{Since: t0.Add(time.Hour), Until: t0.Add(2 * time.Hour)}); st.Sessions != 0 || st.MeanRating != nil || st.ReopenRate != nil {
		t.Fatalf("FollowupStats outside the span = %+v", st)
	}
	// Kept as long as the session records, then gone with them.
	if _, err := s.PruneRecords(ctx, Cutoffs{Sessions: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Followup(ctx, "r-1"); err != nil {
		t.Fatalf("pruned before its time: %v", err)
	}
	if _, err := s.PruneRecords(ctx, Cutoffs{Sessions: t0.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Followup(ctx, "r-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after pruning: %v, want ErrNotFound", err)
	}
	// Resolved again: a fresh follow-up.
	if err := s.AddFollowup(ctx, Followup{RequestID: "r-1", SessionID: "s-2", EndedAt: at, DueAt: at}); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueFollowups(ctx, []string{"r-1"}, at, 3); len(due) != 1 || due[0].SessionID != "s-2" || due[0].Offers != 0 {
		t.Fatalf("after a second session: %+v", due)
	}
}

func TestEarlierRequests(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	add := func(id, install, person string, at time.Time) {
		t.Helper()
		if err := s.CreateRequest(ctx, &Request{ID: id, State: StateResolved, Source: "request", CreatedAt: at, InstallID: install, PersonKey: person}); err != nil {
			t.Fatal(err)
		}
	}
	add("r-old", "pc1", "ana|4411", t0.Add(-20*24*time.Hour)) // outside the window
	add("r-1", "pc1", "", t0)
	add("r-2", "", "ana|4411", t0.Add(time.Hour))
	add("r-3", "pc2", "bob|1", t0.Add(2*time.Hour))
	add("r-now", "pc1", "ana|4411", t0.Add(3*time.Hour))
	since := t0.Add(3*time.Hour - 14*24*time.Hour)
	got, err := s.EarlierRequests(ctx, "pc1", "ana|4411", "r-now", since, 20)
	if err != nil || !slices.Equal(got, []string{"r-2", "r-1"}) {
		t.Fatalf("EarlierRequests = %v, %v; want [r-2 r-1]", got, err)
	}
	if got, _ := s.EarlierRequests(ctx, "", "", "r-now", since, 20); len(got) != 0 {
		t.Fatalf("empty keys matched %v", got)
	}

	// Grouped for the Insights page: by the guide a recurring request came
	// from and its session's category.
	rec := func(id, install, person, guide string, at time.Time) {
		t.Helper()
		r := Request{ID: id, State: StateResolved, Source: "request", CreatedAt: at, InstallID: install, PersonKey: person,
			Recurring: []byte(`{"count":2}`)}
		if guide != "" {
			r.Guide = []byte(`{"guide_id":"` + guide + `"}`)
		}
		if err := s.CreateRequest(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
	rec("g-1", "pc1", "", "printer-offline", t0.Add(4*time.Hour))
	rec("g-2", "pc1", "", "printer-offline", t0.Add(5*time.Hour))
	rec("g-3", "", "bob|1", "printer-offline", t0.Add(6*time.Hour))
	rec("g-4", "", "bob|1", "", t0.Add(7*time.Hour))
	if err := s.CreateSession(ctx, Session{ID: "s-4", RequestID: "g-4", TechID: 1, StartedAt: t0.Add(8 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetNotes(ctx, "s-4", "", "Email"); err != nil {
		t.Fatal(err)
	}
	groups, err := s.RecurringGroups(ctx, Span{Since: t0, Until: t0.Add(24 * time.Hour)}, 10)
	want := []RecurringGroup{{GuideID: "printer-offline", Requests: 3, Askers: 2}, {Category: "Email", Requests: 1, Askers: 1}}
	if err != nil || !slices.Equal(groups, want) {
		t.Fatalf("RecurringGroups = %+v, %v; want %+v", groups, err, want)
	}
}

// BenchmarkEarlierRequests looks up a new request's earlier ones in a
// year of a 5,000-person organisation: 200,000 requests from 5,000
// computers and people.
func BenchmarkEarlierRequests(b *testing.B) {
	ctx := context.Background()
	s := openTest(b, b.TempDir())
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	const n = 200_000
	for i := range n {
		who := i % 5000
		at := t0.Add(time.Duration(i) * (365 * 24 * time.Hour / n))
		if _, err := tx.ExecContext(ctx, `INSERT INTO help_requests (id, state, source, created_at, updated_at, install_id, person_key) VALUES (?,?,?,?,?,?,?)`,
			fmt.Sprintf("r-%d", i), StateResolved, "request", ms(at), ms(at), fmt.Sprintf("PC%020d", who), fmt.Sprintf("person%d|%d", who, who)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	now := t0.Add(365 * 24 * time.Hour)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		who := i % 5000
		if _, err := s.EarlierRequests(ctx, fmt.Sprintf("PC%020d", who), fmt.Sprintf("person%d|%d", who, who), "r-new", now.Add(-14*24*time.Hour), 20); err != nil {
			b.Fatal(err)
		}
	}
}
