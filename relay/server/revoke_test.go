package server_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
)

// revokeScene is a technician bea signed in twice (a console with a
// socket and a live session with a desktop, and a second cookie
// elsewhere), and an administrator alex.
type revokeScene struct {
	r       *relay
	admin   *tech
	console *relaytest.Tech // bea's console: API, socket, session
	other   *tech           // bea's second login
	desktop *relaytest.Socket
	beaID   int64
}

func newRevokeScene(t *testing.T) *revokeScene {
	r := startRelay(t)
	r.addTech("alex", true)
	bea := r.addTech("bea", false)
	sc := &revokeScene{r: r, admin: r.login("alex"), beaID: bea.ID}
	sc.console = r.LoginAs(t, "bea", "bea-password")
	sc.other = r.login("bea")
	sc.desktop = r.dialClient()
	sc.desktop.SendMessage(protocol.TypeRequestSubmit, "s", "", submitReq("revoke me"))
	reqID := sc.desktop.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID
	if st := sc.console.Take(reqID); st != http.StatusOK {
		t.Fatalf("take: %d", st)
	}
	sc.console.Expect(protocol.TypeSessionStart)
	sc.desktop.Next(protocol.TypeRequestTaken)
	sc.desktop.Next(protocol.TypeSessionStart)
	return sc
}

// revoked checks that bea's console socket closed within a second, the
// live session ended with access_revoked for the desktop and in the
// record, and the given logins no longer work.
func (sc *revokeScene) revoked(t *testing.T, start time.Time, dead ...*relaytest.API) {
	t.Helper()
	sc.console.Closed()
	if d := time.Since(start); d > time.Second {
		t.Errorf("bea's console socket closed %v after the revocation, want within 1 s", d)
	}
	end := sc.desktop.Next(protocol.TypeSessionEnd).Payload.(*protocol.SessionEnd)
	if end.Reason != protocol.EndAccessRevoked {
		t.Errorf("desktop's session.end reason = %q, want %q", end.Reason, protocol.EndAccessRevoked)
	}
	if rec, err := sc.r.Store.Session(context.Background(), sc.console.Session); err != nil || rec.EndedAt.IsZero() || rec.EndReason != protocol.EndAccessRevoked {
		t.Errorf("session record: %+v %v", rec, err)
	}
	for _, a := range dead {
		if st := a.Call("GET", "/api/me", nil, nil); st != http.StatusUnauthorized {
			t.Errorf("a revoked login still works: GET /api/me = %d", st)
		}
	}
}

func TestRevokeOnDisable(t *testing.T) {
	sc := newRevokeScene(t)
	start := time.Now()
	if st := sc.admin.do("PATCH", "/api/admin/users/"+strconv.FormatInt(sc.beaID, 10), map[string]any{"disabled": true}, nil); st != http.StatusOK {
		t.Fatalf("disable: %d", st)
	}
	sc.revoked(t, start, sc.console.API, sc.other.API)
}

func TestRevokeOnDemotion(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", true)
	sam := r.addTech("sam", true)
	admin := r.login("alex")
	samConsole := r.LoginAs(t, "sam", "sam-password")
	start := time.Now()
	if st := admin.do("PATCH", "/api/admin/users/"+strconv.FormatInt(sam.ID, 10), map[string]any{"admin": false}, nil); st != http.StatusOK {
		t.Fatalf("demote: %d", st)
	}
	samConsole.Closed()
	if d := time.Since(start); d > time.Second {
		t.Errorf("demoted admin's socket closed %v after the demotion, want within 1 s", d)
	}
	if st := samConsole.Call("GET", "/api/admin/users", nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("demoted admin's old login: GET /api/admin/users = %d, want 401", st)
	}
}

func TestRevokeOnPasswordChange(t *testing.T) {
	sc := newRevokeScene(t)
	changer := sc.r.login("bea") // a third login changes the password and stays signed in
	start := time.Now()
	if st := changer.do("POST", "/api/me/password", map[string]string{"current": "bea-password", "new": "bea-new-password"}, nil); st != http.StatusNoContent {
		t.Fatalf("password change: %d", st)
	}
	sc.revoked(t, start, sc.console.API, sc.other.API)
	if st := changer.do("GET", "/api/me", nil, nil); st != http.StatusOK {
		t.Fatalf("the login that changed the password: GET /api/me = %d, want 200", st)
	}
}

func TestRevokeOnLogout(t *testing.T) {
	sc := newRevokeScene(t)
	start := time.Now()
	if st := sc.other.do("POST", "/api/logout", nil, nil); st != http.StatusNoContent {
		t.Fatalf("logout: %d", st)
	}
	sc.revoked(t, start, sc.console.API, sc.other.API)
}
