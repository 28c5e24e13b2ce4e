package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// A technician disabled by another process (lifeline-relay user disable
// on the same database) asks the user for their screen before the
// relay's periodic check (an hour here) has noticed: the question is
// refused — it never reaches the desktop — the console closes and the
// session ends, because each session message re-checks its login.
func TestSessionMessageRechecksLogin(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.LoginCheck = time.Hour }))
	bea := r.addTech("bea", false)
	con := r.LoginAs(t, "bea", "bea-password")
	desk := r.dialClient()
	desk.SendMessage(protocol.TypeRequestSubmit, "s", "", submitReq("help"))
	reqID := desk.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID
	if st := con.Take(reqID); st != http.StatusOK {
		t.Fatalf("take: %d", st)
	}
	con.Expect(protocol.TypeSessionStart)
	desk.Next(protocol.TypeRequestTaken)
	desk.Next(protocol.TypeSessionStart)

	// Another process disables bea: its own store on the same files.
	ctx := context.Background()
	other, err := store.OpenSQLite(ctx, r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := other.PatchTechnician(ctx, bea.ID, store.TechnicianPatch{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if err := other.DeleteOtherLogins(ctx, bea.ID, nil); err != nil {
		t.Fatal(err)
	}
	other.Close()

	con.Send(protocol.TypeViewRequest, &protocol.Consent{})
	if e := con.NextError(protocol.CodeNotAllowed); e.Message == "" {
		t.Fatal("refusal without a message")
	}
	con.Closed()
	end := desk.Next(protocol.TypeSessionEnd).Payload.(*protocol.SessionEnd) // and no view.request before it
	if end.Reason != protocol.EndAccessRevoked {
		t.Fatalf("session.end reason %q, want %q", end.Reason, protocol.EndAccessRevoked)
	}
}
