package relayd

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
)

// nextOn reads ws until a message of type typ.
func nextOn(t *testing.T, ws *websocket.Conn, typ protocol.Type) protocol.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		m, err := protocol.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if m.Type == typ {
			return m
		}
	}
}

// The account commands run in a process of their own, beside a running
// relay, on the same database: disabling an account or setting its
// password there must end the account's logins in the running relay too —
// its console socket closes and its live session ends (access_revoked)
// within about a second, as when an administrator does it in the console.
func TestAccountCommandsRevokeLiveLogins(t *testing.T) {
	const pw = "bea-long-password"
	for _, tt := range []struct {
		name   string
		revoke func(ctx context.Context, dataDir string) error
	}{
		{"disable", func(ctx context.Context, dir string) error { return UserSetDisabled(ctx, dir, "bea", true) }},
		{"passwd", func(ctx context.Context, dir string) error {
			return UserPasswd(ctx, dir, "bea", "bea-new-long-password")
		}},
		{"demote", func(ctx context.Context, dir string) error { return UserSetAdmin(ctx, dir, "bea", false) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dataDir := filepath.Join(t.TempDir(), "data")
			if err := UserAdd(ctx, dataDir, "bea", "Bea", pw, true); err != nil {
				t.Fatal(err)
			}
			r := startRun(t, Options{DataDir: dataDir})
			api := relaytest.SignIn(t, "http://"+r.addr, "bea", pw)
			console := api.Console()
			desk, _, err := clientSocket(t, r.addr)
			if err != nil {
				t.Fatal(err)
			}
			reqID := reply(t, desk).Payload.(*protocol.RequestAccepted).RequestID
			if st := api.Call("POST", "/api/requests/"+reqID+"/take", nil, nil); st != http.StatusOK {
				t.Fatalf("take: %d", st)
			}
			console.Next(protocol.TypeSessionStart)
			nextOn(t, desk, protocol.TypeSessionStart)

			start := time.Now()
			if err := tt.revoke(ctx, dataDir); err != nil { // its own store, as the command's process
				t.Fatal(err)
			}
			console.Closed()
			closed := time.Since(start)
			end := nextOn(t, desk, protocol.TypeSessionEnd).Payload.(*protocol.SessionEnd)
			ended := time.Since(start)
			t.Logf("%s from another process: console socket closed after %v, live session ended after %v", tt.name, closed.Round(time.Millisecond), ended.Round(time.Millisecond))
			if closed > 2*time.Second || ended > 2*time.Second {
				t.Errorf("revocation took %v (socket) and %v (session), want about a second", closed, ended)
			}
			if end.Reason != protocol.EndAccessRevoked {
				t.Errorf("session.end reason %q, want %q", end.Reason, protocol.EndAccessRevoked)
			}
			if st := api.Call("GET", "/api/me", nil, nil); st != http.StatusUnauthorized {
				t.Errorf("the revoked login still works: GET /api/me = %d", st)
			}
		})
	}
}

// A console change made while a command runs is kept: the command writes
// only the columns it sets, not the whole account it read at its start.
func TestAccountCommandsKeepConcurrentConsoleChanges(t *testing.T) {
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "data")
	if err := UserAdd(ctx, dataDir, "alex", "Alex", "alex-long-password", true); err != nil {
		t.Fatal(err)
	}
	if err := UserAdd(ctx, dataDir, "bea", "Bea", "bea-long-password", false); err != nil {
		t.Fatal(err)
	}
	r := startRun(t, Options{DataDir: dataDir})
	admin := relaytest.SignIn(t, "http://"+r.addr, "alex", "alex-long-password")
	type account struct {
		ID          int64  `json:"id"`
		Username    string `json:"username"`
		DisplayName string `json:"display_name"`
		Admin       bool   `json:"admin"`
		Disabled    bool   `json:"disabled"`
	}
	var users []account
	user := func(name string) account {
		t.Helper()
		if st := admin.Call("GET", "/api/admin/users", nil, &users); st != http.StatusOK {
			t.Fatalf("users: %d", st)
		}
		for _, u := range users {
			if u.Username == name {
				return u
			}
		}
		t.Fatalf("no user %s", name)
		return account{}
	}
	bea := user("bea")
	patch := func(body map[string]any) func() {
		return func() {
			if st := admin.Call("PATCH", fmt.Sprintf("/api/admin/users/%d", bea.ID), body, nil); st != http.StatusOK {
				t.Errorf("console change: %d", st)
			}
		}
	}
	t.Cleanup(func() { beforeWrite = nil })

	// The console promotes bea while `user passwd bea` runs.
	beforeWrite = patch(map[string]any{"admin": true})
	if err := UserPasswd(ctx, dataDir, "bea", "bea-new-long-password"); err != nil {
		t.Fatal(err)
	}
	if u := user("bea"); !u.Admin {
		t.Fatalf("the promotion made during `user passwd` was undone: %+v", u)
	}
	relaytest.SignIn(t, "http://"+r.addr, "bea", "bea-new-long-password") // and the new password works

	// The console renames bea while `user disable bea` runs.
	beforeWrite = patch(map[string]any{"display_name": "Bea from IT"})
	if err := UserSetDisabled(ctx, dataDir, "bea", true); err != nil {
		t.Fatal(err)
	}
	if u := user("bea"); u.DisplayName != "Bea from IT" || !u.Disabled || !u.Admin {
		t.Fatalf("after a rename during `user disable`: %+v", u)
	}
}
