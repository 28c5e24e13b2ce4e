package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestMigration0003CancelsUnkeyedCodes opens a database left by a relay
// before migration 0003: its open codes (unkeyed SHA-256) are cancelled,
// and the TOTP replay column exists.
func TestMigration0003CancelsUnkeyedCodes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "relay.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"migrations/0001_init.sql", "migrations/0002_idempotency_key.sql"} {
		body, _ := migrations.ReadFile(name)
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		db.Exec(`INSERT INTO schema_migrations VALUES (?, 1)`, name)
	}
	exp := time.Now().Add(time.Hour).UnixMilli()
	if _, err := db.Exec(`INSERT INTO codes (code_hash, tech_id, created_at, expires_at) VALUES (x'00', 1, 1, ?)`, exp); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO technicians (username, display_name, password_hash, created_at) VALUES ('bea', 'Bea', 'h', 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if active, _ := s.ActiveCodes(ctx, time.Now()); len(active) != 0 {
		t.Fatalf("%d unkeyed codes still active after 0003", len(active))
	}
	if err := s.ClaimTOTPStep(ctx, 1, 100); err != nil {
		t.Fatalf("claim: %v", err)
	}
}

func TestPatchTechnicianAndTOTPSteps(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tech := Technician{Username: "bea", DisplayName: "Bea", PasswordHash: "old", CreatedAt: time.Now()}
	if err := s.CreateTechnician(ctx, &tech); err != nil {
		t.Fatal(err)
	}
	yes, hash := true, "new"
	if _, err := s.PatchTechnician(ctx, tech.ID, TechnicianPatch{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	got, err := s.PatchTechnician(ctx, tech.ID, TechnicianPatch{PasswordHash: &hash})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Disabled || got.PasswordHash != "new" || got.DisplayName != "Bea" {
		t.Fatalf("after two patches: %+v", got)
	}
	if _, err := s.PatchTechnician(ctx, 999, TechnicianPatch{Disabled: &yes}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("patch of a missing account: %v", err)
	}
	// Each step once, never an older one.
	if err := s.ClaimTOTPStep(ctx, tech.ID, 10); err != nil {
		t.Fatal(err)
	}
	for _, step := range []int64{10, 9} {
		if err := s.ClaimTOTPStep(ctx, tech.ID, step); !errors.Is(err, ErrConflict) {
			t.Fatalf("step %d again: %v, want ErrConflict", step, err)
		}
	}
	if err := s.ClaimTOTPStep(ctx, tech.ID, 11); err != nil {
		t.Fatal(err)
	}
	dir, err := s.DataDir(ctx)
	if err != nil || dir == "" {
		t.Fatalf("DataDir: %q %v", dir, err)
	}
}

func TestValidLogins(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx := context.Background()
	now := time.Now()
	mk := func(name string) Technician {
		tech := Technician{Username: name, DisplayName: name, PasswordHash: "x", CreatedAt: now}
		if err := s.CreateTechnician(ctx, &tech); err != nil {
			t.Fatal(err)
		}
		return tech
	}
	a, b := mk("a"), mk("b")
	logins := []struct {
		hash  string
		tech  int64
		until time.Time
	}{{"a-live", a.ID, now.Add(time.Hour)}, {"a-expired", a.ID, now.Add(-time.Second)}, {"b-live", b.ID, now.Add(time.Hour)}}
	for _, l := range logins {
		if err := s.CreateLogin(ctx, Login{TokenHash: []byte(l.hash), TechID: l.tech, CSRF: "c", CreatedAt: now, ExpiresAt: l.until}); err != nil {
			t.Fatal(err)
		}
	}
	yes := true
	if _, err := s.PatchTechnician(ctx, b.ID, TechnicianPatch{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ValidLogins(ctx, now)
	if err != nil || len(got) != 1 || got["a-live"] != a.ID {
		t.Fatalf("ValidLogins = %v, %v; want only a-live (a-expired expired, b disabled)", got, err)
	}
	for hash, want := range map[string]bool{"a-live": true, "a-expired": false, "b-live": false, "none": false} {
		if ok, err := s.LoginValid(ctx, []byte(hash), now); err != nil || ok != want {
			t.Errorf("LoginValid(%s) = %v, %v; want %v", hash, ok, err, want)
		}
	}
}

// BenchmarkValidLogins is the relay's once-a-second check of console
// logins, with 200 technicians signed in twice each.
func BenchmarkValidLogins(b *testing.B) {
	s, err := OpenSQLite(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Now()
	for i := range 200 {
		tech := Technician{Username: fmt.Sprintf("t%d", i), DisplayName: "t", PasswordHash: "x", CreatedAt: now}
		if err := s.CreateTechnician(ctx, &tech); err != nil {
			b.Fatal(err)
		}
		for j := range 2 {
			if err := s.CreateLogin(ctx, Login{TokenHash: []byte(fmt.Sprintf("h%d-%d", i, j)), TechID: tech.ID, CSRF: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		if got, err := s.ValidLogins(ctx, now); err != nil || len(got) != 400 {
			b.Fatal(len(got), err)
		}
	}
}
