package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func openTest(t testing.TB, dir string) *SQLite {
	t.Helper()
	s, err := OpenSQLite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMigrationsIdempotentAndPersistent(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s1, err := OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	tech := Technician{Username: "alex", DisplayName: "Alex", PasswordHash: "h", Admin: true}
	if err := s1.CreateTechnician(ctx, &tech); err != nil {
		t.Fatal(err)
	}
	if err := s1.CreateTechnician(ctx, &Technician{Username: "alex"}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	s1.Close()
	s2 := openTest(t, dir) // re-applying migrations must be a no-op
	got, err := s2.TechnicianByName(ctx, "alex")
	if err != nil || !got.Admin || got.ID != tech.ID {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
	var mode string
	s2.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal_mode = %q, want wal", mode)
	}
}

func TestTakeRequestIsAtomic(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := context.Background()
	now := time.Now()
	if err := s.CreateRequest(ctx, &Request{ID: "r1", State: StateWaiting, Source: "request", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.TakeRequest(ctx, Session{ID: "s" + string(rune('a'+i)), RequestID: "r1", TechID: int64(i + 1), StartedAt: now}, now)
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, ErrConflict):
			t.Fatalf("unexpected error %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d winners, want 1", wins)
	}
	all, _ := s.Sessions(ctx, SessionFilter{})
	if len(all) != 1 {
		t.Fatalf("%d sessions, want 1", len(all))
	}
	r, _ := s.Request(ctx, "r1")
	if r.State != StateTaken || r.SessionID != all[0].ID || r.TakenBy != all[0].TechID {
		t.Fatalf("request %+v", r)
	}
}

func TestCodes(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := context.Background()
	now := time.Now()
	c := Code{Hash: []byte("h"), TechID: 1, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	if err := s.CreateCode(ctx, &c); err != nil {
		t.Fatal(err)
	}
	if act, _ := s.ActiveCodes(ctx, now.Add(11*time.Minute)); len(act) != 0 {
		t.Fatalf("expired code active: %+v", act)
	}
	if act, _ := s.ActiveCodes(ctx, now); len(act) != 1 {
		t.Fatalf("active = %d", len(act))
	}
	if err := s.UseCode(ctx, c.ID, now); err != nil {
		t.Fatal(err)
	}
	if err := s.UseCode(ctx, c.ID, now); !errors.Is(err, ErrConflict) {
		t.Fatalf("second use: %v", err)
	}
}

func TestSessionSearchEscapesLike(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := context.Background()
	now := time.Now()
	s.CreateRequest(ctx, &Request{ID: "r1", State: StateResolved, Source: "request", Name: "Ana", Description: "100% CPU", CreatedAt: now})
	s.CreateRequest(ctx, &Request{ID: "r2", State: StateResolved, Source: "request", Name: "Bo", Description: "100 tabs", CreatedAt: now})
	s.CreateSession(ctx, Session{ID: "s1", RequestID: "r1", TechID: 1, StartedAt: now})
	s.CreateSession(ctx, Session{ID: "s2", RequestID: "r2", TechID: 1, StartedAt: now.Add(time.Second)})
	tests := []struct {
		q    string
		want int
	}{{"100%", 1}, {"100", 2}, {"_", 0}, {"ana", 1}, {"", 2}}
	for _, tt := range tests {
		got, err := s.Sessions(ctx, SessionFilter{Query: tt.q})
		if err != nil || len(got) != tt.want {
			t.Errorf("q=%q: %d sessions (%v), want %d", tt.q, len(got), err, tt.want)
		}
	}
}
