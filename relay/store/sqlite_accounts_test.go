package store

import (
	"context"
	"database/sql"
	"errors"
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
