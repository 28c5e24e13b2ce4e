package server

// Account changes over real HTTP on loopback (httptest) against a real
// SQLite store; internal, to reach the hook that holds a request between
// its checks and its write.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

var testParams = auth.Params{Time: 1, MemoryKiB: 64, Threads: 1}

type acctRelay struct {
	t   *testing.T
	srv *Server
	st  *store.SQLite
	url string
}

func startAcctRelay(t *testing.T, mods ...func(*Config)) *acctRelay {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: st, Password: testParams, PingInterval: time.Hour}
	for _, mod := range mods {
		mod(&cfg)
	}
	srv, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		srv.Shutdown(context.Background())
		st.Close()
	})
	return &acctRelay{t: t, srv: srv, st: st, url: hs.URL}
}

func (r *acctRelay) addTech(name string, admin bool) store.Technician {
	r.t.Helper()
	tech, err := CreateTechnician(context.Background(), r.st, testParams, name, name, name+"-password", admin, time.Now())
	if err != nil {
		r.t.Fatal(err)
	}
	return tech
}

type acctClient struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func (r *acctRelay) client() *acctClient {
	jar, _ := cookiejar.New(nil)
	return &acctClient{t: r.t, base: r.url, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// call sends a JSON request and decodes a JSON reply into out (if any).
func (c *acctClient) call(method, path string, body, out any) int {
	c.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(b))
	req.Header.Set(csrfHeader, c.csrf)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

func (r *acctRelay) login(name, password string) *acctClient {
	r.t.Helper()
	c := r.client()
	var me meJSON
	if st := c.call("POST", "/api/login", map[string]string{"username": name, "password": password}, &me); st != http.StatusOK {
		r.t.Fatalf("login %s: %d", name, st)
	}
	c.csrf = me.CSRFToken
	return c
}

// TestPasswordChangeKeepsConcurrentDisable performs the lost update: a
// password change that read the account before an administrator disabled
// it writes after the disable. The disable must hold.
func TestPasswordChangeKeepsConcurrentDisable(t *testing.T) {
	r := startAcctRelay(t)
	r.addTech("alex", true)
	bea := r.addTech("bea", false)
	admin := r.login("alex", "alex-password")
	self := r.login("bea", "bea-password")

	// Hold the first account write (the password change) until the
	// administrator's disable is stored.
	reached, proceed := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	r.srv.acct.beforeWrite = func() {
		if first.CompareAndSwap(false, true) {
			close(reached)
			<-proceed
		}
	}
	done := make(chan int, 1)
	go func() {
		done <- self.call("POST", "/api/me/password", map[string]string{"current": "bea-password", "new": "bea-new-password"}, nil)
	}()
	<-reached // bea's request has read the account and hashed the new password
	if st := admin.call("PATCH", "/api/admin/users/"+strconv.FormatInt(bea.ID, 10), map[string]any{"disabled": true, "display_name": "Bea (left)"}, nil); st != http.StatusOK {
		t.Fatalf("disable: %d", st)
	}
	close(proceed)
	if st := <-done; st != http.StatusNoContent {
		t.Fatalf("password change: %d", st)
	}
	got, err := r.st.Technician(context.Background(), bea.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Disabled || got.DisplayName != "Bea (left)" {
		t.Errorf("after both changes: disabled %v, display name %q; want the administrator's change kept", got.Disabled, got.DisplayName)
	}
	if auth.CheckPassword(got.PasswordHash, "bea-new-password") != nil {
		t.Error("the password change was lost")
	}
	if st := r.client().call("POST", "/api/login", map[string]string{"username": "bea", "password": "bea-new-password"}, nil); st != http.StatusUnauthorized {
		t.Errorf("disabled account logged in: %d", st)
	}
}

// TestAccountChangesNeedCurrentPassword: TOTP setup, enable, disable and
// a password change ask for the current password, and wrong guesses are
// throttled (5, then 429 even for the right one).
func TestAccountChangesNeedCurrentPassword(t *testing.T) {
	r := startAcctRelay(t)
	r.addTech("bea", false)
	c := r.login("bea", "bea-password")
	for _, tt := range []struct {
		path string
		body map[string]string
	}{
		{"/api/me/totp/setup", map[string]string{}},
		{"/api/me/totp/setup", map[string]string{"password": "wrong"}},
		{"/api/me/totp/enable", map[string]string{"password": "wrong", "code": "123456"}},
		{"/api/me/totp/disable", map[string]string{"password": "wrong"}},
		{"/api/me/password", map[string]string{"current": "wrong", "new": "a-long-new-password"}},
	} {
		if st := c.call("POST", tt.path, tt.body, nil); st != http.StatusForbidden {
			t.Errorf("%s %v: %d, want 403", tt.path, tt.body, st)
		}
	}
	var e apiError
	if st := c.call("POST", "/api/me/totp/setup", map[string]string{"password": "bea-password"}, &e); st != http.StatusTooManyRequests || e.Error != apiLocked || e.RetryAfterMS <= 0 {
		t.Fatalf("after 5 wrong passwords: %d %+v, want 429 locked", st, e)
	}
}

// TestLoginAttemptAuditCannotSpoof: a failed login's actor is never the
// typed name, the typed name is bounded and escaped in the detail, and a
// lock-out writes one row, not one per refused attempt.
func TestLoginAttemptAuditCannotSpoof(t *testing.T) {
	r := startAcctRelay(t)
	r.addTech("alex", false)
	anon := r.client()
	spoof := "tech:alex\n2026-03-02 login tech:alex\x00" + strings.Repeat("a", 40<<10)
	if st := anon.call("POST", "/api/login", map[string]string{"username": spoof, "password": "x"}, nil); st != http.StatusUnauthorized {
		t.Fatalf("spoofed name: %d", st)
	}
	for range 30 {
		anon.call("POST", "/api/login", map[string]string{"username": "alex", "password": "wrong"}, nil)
	}
	ctx := context.Background()
	failed, _ := r.st.Audit(ctx, store.AuditFilter{Action: protocol.AuditLoginFailed})
	locked, _ := r.st.Audit(ctx, store.AuditFilter{Action: protocol.AuditLoginLocked})
	for _, e := range append(failed, locked...) {
		if e.Actor != protocol.ActorLoginAttempt {
			t.Errorf("attempt row with actor %q", e.Actor)
		}
		if len(e.Detail) > 300 || strings.ContainsAny(e.Detail, "\n\x00") {
			t.Errorf("detail unbounded or unescaped (%d bytes): %.80q", len(e.Detail), e.Detail)
		}
	}
	if len(failed) == 0 || !strings.HasPrefix(failed[0].Detail, `name="tech:alex\n2026`) {
		t.Fatalf("first failed row: %+v", failed)
	}
	// 1 spoof + 5 for alex are checked; the 25 refused ones write nothing.
	if len(failed) != 6 {
		t.Errorf("%d login.failed rows, want 6 (refused attempts write none)", len(failed))
	}
	if len(locked) != 1 || !strings.HasPrefix(locked[0].Detail, `name="alex" locked_for=`) {
		t.Errorf("login.locked rows: %+v, want one for alex", locked)
	}
}
