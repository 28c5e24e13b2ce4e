package relaytest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/store"
)

func TestOptions(t *testing.T) {
	clock := relaytest.NewClock(time.Time{})
	r := relaytest.Start(t, relaytest.WithoutTechnician(), relaytest.WithClock(clock.Now),
		relaytest.WithTechnician("bea", "Bea (IT)", "bea-password", false), relaytest.WithTURN())
	ctx := context.Background()
	if _, err := r.Store.TechnicianByName(ctx, relaytest.Username); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("default technician exists without it: %v", err)
	}
	bea, err := r.Store.TechnicianByName(ctx, "bea")
	if err != nil || bea.Admin || !bea.CreatedAt.Equal(clock.Now()) {
		t.Fatalf("bea = %+v, %v", bea, err)
	}
	if r.TURN == nil {
		t.Fatal("WithTURN started no TURN server")
	}
	// The TURN server is announced in session.start.
	tech := r.LoginAs(t, "bea", "bea-password")
	cl := r.DialClient(t)
	cl.SendMessage(protocol.TypeRequestSubmit, "1", "", &protocol.RequestSubmit{Description: "help"})
	id := cl.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID
	if st := tech.Take(id); st != http.StatusOK {
		t.Fatalf("take: %d", st)
	}
	if ss := tech.Expect(protocol.TypeSessionStart).Payload.(*protocol.SessionStart); len(ss.ICEServers) != 1 {
		t.Fatalf("ice servers %+v", ss.ICEServers)
	}
}

func TestRestartKeepsAddressAndData(t *testing.T) {
	r := relaytest.Start(t)
	api := r.SignIn(t, relaytest.Username, relaytest.Password)
	addr, dir := r.Addr, r.Dir
	r.Restart()
	if r.Addr != addr || r.Dir != dir {
		t.Fatalf("restarted on %s %s, want %s %s", r.Addr, r.Dir, addr, dir)
	}
	// The login is in the data directory, so it survives.
	if st := api.Call("GET", "/api/me", nil, nil); st != http.StatusOK {
		t.Fatalf("after restart /api/me: %d", st)
	}
	r.Stop()
	r.Stop() // idempotent
	if _, err := http.Get(r.URL + "/healthz"); err == nil {
		t.Fatal("relay still serving after Stop")
	}
}
