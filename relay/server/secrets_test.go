package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/codes"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// keyOf reads the relay's key file and checks its mode.
func keyOf(t *testing.T, path string) []byte {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	key, err := os.ReadFile(path)
	if err != nil || len(key) != auth.KeyFileSize {
		t.Fatalf("key file: %d bytes, %v", len(key), err)
	}
	return key
}

// TestCodesStoredKeyed: a one-time code is stored as HMAC-SHA256 under the
// key file's key, not as a SHA-256 a database reader could brute-force
// over all 10⁹ codes; the code still works for the user.
func TestCodesStoredKeyed(t *testing.T) {
	r := relaytest.Start(t)
	key := keyOf(t, filepath.Join(r.Dir, auth.KeyFileName))
	tc := r.Login(t)
	code := tc.CreateCode()
	active, err := r.Store.ActiveCodes(context.Background(), time.Now())
	if err != nil || len(active) != 1 {
		t.Fatalf("active codes: %v %v", active, err)
	}
	plain := sha256.Sum256([]byte(code))
	if bytes.Equal(active[0].Hash, plain[:]) {
		t.Fatal("code stored as unkeyed SHA-256")
	}
	sec, _ := auth.NewSecrets(key)
	h, _ := codes.NewHasher(sec.CodeKey())
	if !bytes.Equal(active[0].Hash, h.Hash(code)) {
		t.Fatal("stored hash is not the HMAC under the key file's key")
	}
	c := r.DialClient(t)
	c.SendMessage(protocol.TypeCodeRedeem, "r", "", &protocol.CodeRedeem{ClientInfo: protocol.ClientInfo{Name: "Ana"}, Code: codes.Format(code)})
	c.Next(protocol.TypeRequestAccepted)
}

// TestTOTPSecretsSealedAndMigrated: a TOTP secret is stored encrypted; one
// left in clear by an older relay is encrypted at the next start and
// still logs in; a key file at a configured path is used.
func TestTOTPSecretsSealedAndMigrated(t *testing.T) {
	keyPath := filepath.Join(t.TempDir(), "secrets", "lifeline.key")
	clock := relaytest.NewClock(time.Time{})
	r := relaytest.Start(t, relaytest.WithClock(clock.Now), relaytest.WithConfig(func(c *server.Config) { c.KeyFile = keyPath }))
	keyOf(t, keyPath)
	if _, err := os.Stat(filepath.Join(r.Dir, auth.KeyFileName)); err == nil {
		t.Error("a key file was created in the data dir although KeyFile names another")
	}
	tc := r.SignIn(t, relaytest.Username, relaytest.Password)
	var setup map[string]string
	if st := tc.Call("POST", "/api/me/totp/setup", map[string]string{"password": relaytest.Password}, &setup); st != http.StatusOK {
		t.Fatalf("setup: %d", st)
	}
	stored, _ := r.Store.TechnicianByName(context.Background(), relaytest.Username)
	if !auth.IsSealed(stored.TOTPSecret) || bytes.Contains([]byte(stored.TOTPSecret), []byte(setup["secret"])) {
		t.Fatalf("TOTP secret stored as %q", stored.TOTPSecret)
	}

	// An older relay's row: the secret in clear, enabled.
	secret, _, _ := auth.NewTOTP("Lifeline", relaytest.Username)
	stored.TOTPSecret, stored.TOTPEnabled = secret, true
	if err := r.Store.UpdateTechnician(context.Background(), stored); err != nil {
		t.Fatal(err)
	}
	r.Restart()
	after, _ := r.Store.TechnicianByName(context.Background(), relaytest.Username)
	if !auth.IsSealed(after.TOTPSecret) {
		t.Fatalf("clear TOTP secret not encrypted at start: %q", after.TOTPSecret)
	}
	code, _ := auth.TOTPCode(secret, clock.Now())
	anon := relaytest.NewAPI(t, r.URL)
	if st := anon.Call("POST", "/api/login", map[string]string{"username": relaytest.Username, "password": relaytest.Password, "totp": code}, nil); st != http.StatusOK {
		t.Fatalf("login with the migrated secret: %d", st)
	}
	// The replay guard survives a restart: the same code is spent.
	r.Restart()
	if st := anon.Call("POST", "/api/login", map[string]string{"username": relaytest.Username, "password": relaytest.Password, "totp": code}, nil); st != http.StatusUnauthorized {
		t.Fatalf("replayed TOTP code after a restart: %d, want 401", st)
	}
}

// TestLockoutSurvivesRestart: a restart does not give an attacker fresh
// guesses: the lock-out is rebuilt from the audit log.
func TestLockoutSurvivesRestart(t *testing.T) {
	clock := relaytest.NewClock(time.Time{})
	r := relaytest.Start(t, relaytest.WithClock(clock.Now))
	anon := relaytest.NewAPI(t, r.URL)
	login := func(pw string) int {
		return anon.Call("POST", "/api/login", map[string]string{"username": relaytest.Username, "password": pw}, nil)
	}
	for range 4 {
		login("wrong")
	}
	r.Restart()
	// The 5th failure, after the restart, still locks.
	if st := login("wrong"); st != http.StatusUnauthorized {
		t.Fatalf("5th attempt: %d", st)
	}
	r.Restart()
	if st := login(relaytest.Password); st != http.StatusTooManyRequests {
		t.Fatalf("right password after lock-out and restart: %d, want 429", st)
	}
	clock.Advance(16 * time.Minute)
	if st := login(relaytest.Password); st != http.StatusOK {
		t.Fatalf("after the lock-out: %d", st)
	}
	evs, _ := r.Store.Audit(context.Background(), store.AuditFilter{Action: protocol.AuditLoginLocked})
	if len(evs) != 1 {
		t.Errorf("%d login.locked rows, want 1", len(evs))
	}
}
