package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// TestConsoleUpgradeRacingRevocation performs the race: bea's console
// socket has passed its login check but not yet registered when an
// administrator disables her, so the revocation finds no socket to
// close. Once registered, the socket must find its login gone and close
// at once — before any queue reaches it — not at the next periodic check
// (set to an hour here).
func TestConsoleUpgradeRacingRevocation(t *testing.T) {
	r := startAcctRelay(t, func(c *Config) { c.LoginCheck = time.Hour })
	r.addTech("alex", true)
	bea := r.addTech("bea", false)
	admin := r.login("alex", "alex-password")
	self := r.login("bea", "bea-password")

	reached, proceed := make(chan struct{}), make(chan struct{})
	r.srv.acct.beforeConsole = func() { close(reached); <-proceed }
	type dialed struct {
		ws  *websocket.Conn
		err error
	}
	conn := make(chan dialed, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(r.url, "http")+"/ws/tech", &websocket.DialOptions{HTTPClient: self.hc})
		conn <- dialed{ws, err}
	}()
	<-reached // the upgrade is past authentication
	if st := admin.call("PATCH", "/api/admin/users/"+strconv.FormatInt(bea.ID, 10), map[string]any{"disabled": true}, nil); st != http.StatusOK {
		t.Fatalf("disable: %d", st)
	}
	released := time.Now()
	close(proceed)
	d := <-conn
	if d.err != nil {
		t.Fatalf("dial: %v", d.err)
	}
	defer d.ws.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := d.ws.Read(ctx)
	if err != nil {
		t.Fatalf("first read: %v", err)
	}
	m, err := protocol.Decode(b)
	if err != nil || m.Type != protocol.TypeError || m.Payload.(*protocol.Error).Code != protocol.CodeNotAllowed {
		t.Fatalf("first message on the revoked console: %s %+v %v; want error not_allowed (no queue.snapshot)", m.Type, m.Payload, err)
	}
	_, _, err = d.ws.Read(ctx)
	closed := time.Since(released)
	if st := websocket.CloseStatus(err); st != websocket.StatusPolicyViolation {
		t.Fatalf("then %v (status %d), want a close with 1008", err, st)
	}
	if closed > time.Second {
		t.Errorf("closed %v after registering, want at once", closed)
	}
	t.Logf("console upgrade racing a disable: closed %v after it registered", closed.Round(time.Millisecond))
	if c := r.srv.hub.counts(); c.techs != 0 {
		t.Errorf("%d technicians still registered", c.techs)
	}
}
