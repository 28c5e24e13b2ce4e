package server_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

type codeReply struct {
	ID        int64     `json:"id"`
	Code      string    `json:"code"`
	Display   string    `json:"display"`
	ExpiresAt time.Time `json:"expires_at"`
}

func TestCodes(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	tc := r.login("alex")
	con := tc.ws()
	newCode := func() codeReply {
		var c codeReply
		if st := tc.do("POST", "/api/codes", nil, &c); st != http.StatusCreated {
			t.Fatalf("create code: %d", st)
		}
		if len(c.Code) < 9 || !c.ExpiresAt.Equal(r.clock.Now().Add(10*time.Minute)) {
			t.Fatalf("code = %+v", c)
		}
		return c
	}
	ctx := ctx10s(t)

	t.Run("valid code starts a session once", func(t *testing.T) {
		c := newCode()
		cl := r.goClient(client.Options{})
		acc, err := cl.RedeemCode(ctx, c.Display, protocol.ClientInfo{Name: "Bo"})
		if err != nil {
			t.Fatal(err)
		}
		nextMsg(t, cl, protocol.TypeRequestTaken)
		ss := nextMsg(t, cl, protocol.TypeSessionStart).Payload.(*protocol.SessionStart)
		if ss.Peer != "Alex" || ss.RequestID != acc.RequestID || ss.Role != protocol.RoleOfferer {
			t.Fatalf("session.start = %+v", ss)
		}
		if ts := con.Next(protocol.TypeSessionStart).Payload.(*protocol.SessionStart); ts.SessionID != ss.SessionID || ts.Peer != "Bo" {
			t.Fatalf("tech session.start = %+v", ts)
		}
		// Single use.
		cl2 := r.goClient(client.Options{})
		if _, err := cl2.RedeemCode(ctx, c.Code, protocol.ClientInfo{}); !isCode(err, protocol.CodeBadCode) {
			t.Fatalf("reuse: %v", err)
		}
		if got := r.auditActions(ss.SessionID); len(got) < 2 || got[0] != protocol.AuditCodeUsed {
			t.Fatalf("audit %v", got)
		}
	})
	t.Run("expired", func(t *testing.T) {
		c := newCode()
		r.clock.Advance(10*time.Minute + time.Second)
		cl := r.goClient(client.Options{})
		if _, err := cl.RedeemCode(ctx, c.Code, protocol.ClientInfo{}); !isCode(err, protocol.CodeBadCode) {
			t.Fatalf("expired code: %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		c := newCode()
		if st := tc.do("DELETE", "/api/codes/"+jsonInt(c.ID), nil, nil); st != http.StatusNoContent {
			t.Fatalf("cancel: %d", st)
		}
		cl := r.goClient(client.Options{})
		if _, err := cl.RedeemCode(ctx, c.Code, protocol.ClientInfo{}); !isCode(err, protocol.CodeBadCode) {
			t.Fatalf("cancelled code: %v", err)
		}
	})
	t.Run("brute force backs off", func(t *testing.T) {
		r.clock.Advance(48 * time.Hour) // forget earlier failures
		tc = r.login("alex")            // the login expired too
		good := newCode()
		cl := r.goClient(client.Options{})
		for i := range 3 {
			if _, err := cl.RedeemCode(ctx, "000000000", protocol.ClientInfo{}); !isCode(err, protocol.CodeBadCode) {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		// 4th failure starts the backoff.
		cl.RedeemCode(ctx, "000000001", protocol.ClientInfo{})
		_, err := cl.RedeemCode(ctx, good.Code, protocol.ClientInfo{})
		var e *client.Error
		if !isCode(err, protocol.CodeRateLimited) || !asErr(err, &e) || e.RetryAfter <= 0 {
			t.Fatalf("after 4 failures even the right code must wait: %v", err)
		}
		r.clock.Advance(e.RetryAfter)
		if _, err := cl.RedeemCode(ctx, good.Code, protocol.ClientInfo{}); err != nil {
			t.Fatalf("after waiting: %v", err)
		}
		evs, _ := r.Store.Audit(context.Background(), store.AuditFilter{Action: protocol.AuditCodeFailed})
		if len(evs) < 4 || evs[0].Address != "127.0.0.1" {
			t.Fatalf("code.failed audit: %+v", evs)
		}
	})
}

func isCode(err error, code protocol.ErrorCode) bool {
	var e *client.Error
	return asErr(err, &e) && e.Code == code
}

func asErr(err error, target **client.Error) bool {
	e, ok := err.(*client.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestLoginLockout(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	anon := r.anonymous()
	login := func(user, pw string) int {
		return anon.do("POST", "/api/login", map[string]string{"username": user, "password": pw}, nil)
	}
	for i := range 5 {
		if st := login("alex", "wrong"); st != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, st)
		}
	}
	if st := login("alex", "alex-password"); st != http.StatusTooManyRequests {
		t.Fatalf("locked account accepted the right password: %d", st)
	}
	r.clock.Advance(16 * time.Minute)
	if st := login("alex", "alex-password"); st != http.StatusOK {
		t.Fatalf("after lockout: %d", st)
	}
	// Per address: 20 failures over many names lock the address.
	for i := range 20 {
		login("nobody"+string(rune('a'+i)), "x")
	}
	if st := login("alex", "alex-password"); st != http.StatusTooManyRequests {
		t.Fatalf("address not locked: %d", st)
	}
	evs, _ := r.Store.Audit(context.Background(), store.AuditFilter{Action: protocol.AuditLoginFailed})
	if len(evs) != 25 || evs[0].Actor != protocol.ActorLoginAttempt || evs[0].Address == "" {
		t.Fatalf("login.failed events: %d %+v", len(evs), evs[0])
	}
}

func TestCSRFAndOrigin(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	tc := r.login("alex")
	tests := []struct {
		name string
		hdr  http.Header
		want int
	}{
		{"no token", nil, http.StatusForbidden},
		{"wrong token", http.Header{csrfHeader: {"nope"}}, http.StatusForbidden},
		{"right token", http.Header{csrfHeader: {tc.CSRF()}}, http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if st := tc.doHeader("POST", "/api/codes", nil, nil, tt.hdr); st != tt.want {
				t.Fatalf("status %d, want %d", st, tt.want)
			}
		})
	}
	t.Run("GET needs no token", func(t *testing.T) {
		if st := tc.doHeader("GET", "/api/me", nil, nil, nil); st != 200 {
			t.Fatalf("status %d", st)
		}
	})
	t.Run("cross-site login", func(t *testing.T) {
		st := tc.doHeader("POST", "/api/login", map[string]string{"username": "alex", "password": "alex-password"}, nil, http.Header{"Origin": {"https://evil.example"}})
		if st != http.StatusForbidden {
			t.Fatalf("status %d", st)
		}
	})
	t.Run("cross-site console socket", func(t *testing.T) {
		_, resp, err := websocket.Dial(ctx10s(t), r.WSURL("/ws/tech"), &websocket.DialOptions{HTTPClient: tc.HTTPClient(), HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-origin /ws/tech: %v %v", resp, err)
		}
	})
	t.Run("console socket without login", func(t *testing.T) {
		_, resp, err := websocket.Dial(ctx10s(t), r.WSURL("/ws/tech"), nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("anonymous /ws/tech: %v %v", resp, err)
		}
	})
	t.Run("cookie flags", func(t *testing.T) {
		anon := r.anonymous()
		req, _ := http.NewRequest("POST", "http://"+r.Addr+"/api/login", jsonBody(map[string]string{"username": "alex", "password": "alex-password"}))
		resp, err := anon.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ck := resp.Cookies()
		if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode {
			t.Fatalf("cookie %+v", ck)
		}
	})
	t.Run("logout invalidates", func(t *testing.T) {
		if st := tc.do("POST", "/api/logout", nil, nil); st != http.StatusNoContent {
			t.Fatalf("logout %d", st)
		}
		if st := tc.do("GET", "/api/me", nil, nil); st != http.StatusUnauthorized {
			t.Fatalf("after logout %d", st)
		}
	})
}

func TestTOTP(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	tc := r.login("alex")
	var setup map[string]string
	if st := tc.do("POST", "/api/me/totp/setup", map[string]string{"password": "alex-password"}, &setup); st != 200 || setup["secret"] == "" {
		t.Fatalf("setup %d %v", st, setup)
	}
	if st := tc.do("POST", "/api/me/totp/enable", map[string]string{"password": "alex-password", "code": "000000"}, nil); st != http.StatusBadRequest {
		t.Fatalf("enable with a wrong code: %d", st)
	}
	code, _ := auth.TOTPCode(setup["secret"], r.clock.Now())
	if st := tc.do("POST", "/api/me/totp/enable", map[string]string{"password": "alex-password", "code": code}, nil); st != http.StatusNoContent {
		t.Fatalf("enable: %d", st)
	}
	anon := r.anonymous()
	tests := []struct {
		name     string
		totp     string
		want     int
		wantCode string
	}{
		{"missing", "", http.StatusUnauthorized, "totp_required"},
		{"wrong", "123456", http.StatusUnauthorized, "invalid_credentials"},
		{"right", code, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			st := anon.do("POST", "/api/login", map[string]string{"username": "alex", "password": "alex-password", "totp": tt.totp}, &e)
			if st != tt.want || e.Error != tt.wantCode {
				t.Fatalf("status %d %q, want %d %q", st, e.Error, tt.want, tt.wantCode)
			}
		})
	}
	// The same code cannot be used twice (replay).
	if st := anon.do("POST", "/api/login", map[string]string{"username": "alex", "password": "alex-password", "totp": code}, nil); st != http.StatusUnauthorized {
		t.Fatalf("replayed code: %d", st)
	}
	// A code from 2 minutes ago is refused.
	old, _ := auth.TOTPCode(setup["secret"], r.clock.Now().Add(-2*time.Minute))
	if st := anon.do("POST", "/api/login", map[string]string{"username": "alex", "password": "alex-password", "totp": old}, nil); st != http.StatusUnauthorized {
		t.Fatalf("stale code: %d", st)
	}
}

// TestCodeBackoffSurvivesRestart: restarting the relay (or crashing it)
// gives a code guesser no fresh attempts: the wrong codes are replayed
// from the audit log, and a right code after them still waits.
func TestCodeBackoffSurvivesRestart(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	tc := r.login("alex")
	var good codeReply
	if st := tc.do("POST", "/api/codes", nil, &good); st != http.StatusCreated {
		t.Fatalf("create code: %d", st)
	}
	ctx := ctx10s(t)
	cl := r.goClient(client.Options{})
	for i := range 4 {
		if _, err := cl.RedeemCode(ctx, fmt.Sprintf("00000000%d", i), protocol.ClientInfo{}); !isCode(err, protocol.CodeBadCode) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	cl.Close()
	r.Restart()
	cl = r.goClient(client.Options{})
	_, err := cl.RedeemCode(ctx, good.Code, protocol.ClientInfo{})
	var e *client.Error
	if !isCode(err, protocol.CodeRateLimited) || !asErr(err, &e) || e.RetryAfter <= 0 {
		t.Fatalf("after 4 wrong codes and a restart the right code must still wait: %v", err)
	}
	r.clock.Advance(e.RetryAfter)
	if _, err := cl.RedeemCode(ctx, good.Code, protocol.ClientInfo{}); err != nil {
		t.Fatalf("after waiting: %v", err)
	}
	// A right code forgets the address's failures, after a restart too.
	cl.Close()
	r.Restart()
	tc = r.login("alex")
	var next codeReply
	if st := tc.do("POST", "/api/codes", nil, &next); st != http.StatusCreated {
		t.Fatalf("create code: %d", st)
	}
	cl = r.goClient(client.Options{})
	if _, err := cl.RedeemCode(ctx, next.Code, protocol.ClientInfo{}); err != nil {
		t.Fatalf("after a right code and a restart: %v", err)
	}
}
