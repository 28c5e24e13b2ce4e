package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// askDenied puts a question of type ask from the console, has the desktop
// decline it with deny, and waits until the console has the decline.
func askDenied(t *testing.T, sid string, cl, con *relaytest.Socket, ask, deny protocol.Type) {
	t.Helper()
	con.SendMessage(ask, "", sid, &protocol.Consent{})
	cl.Next(ask)
	cl.SendMessage(deny, "", sid, &protocol.Consent{})
	con.Next(deny)
}

// refusedForCooldown asks and expects rate_limited, without the desktop
// seeing the question (a chat sent after it arrives first).
func refusedForCooldown(t *testing.T, sid string, cl, con *relaytest.Socket, ask protocol.Type, wantWait string) {
	t.Helper()
	con.SendMessage(ask, "q", sid, &protocol.Consent{})
	e := con.NextError(protocol.CodeRateLimited)
	if !strings.Contains(e.Message, wantWait) {
		t.Errorf("cool-down message %q, want the wait %s", e.Message, wantWait)
	}
	con.SendMessage(protocol.TypeChat, "", sid, &protocol.Chat{Text: "marker"})
	if m := cl.Next(protocol.TypeChat); m.Payload.(*protocol.Chat).Text != "marker" {
		t.Fatalf("desktop got %+v", m.Payload)
	}
}

// TestPromptBombingCooldown: after the user's second decline the relay
// refuses the technician's next question until a cool-down has passed
// (30 s, then 60 s after the third decline); the first decline allows one
// immediate second ask. View and control are counted apart.
func TestPromptBombingCooldown(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	sid, cl, con := fullSession(t, r, r.login("alex"))
	view, deny := protocol.TypeViewRequest, protocol.TypeViewDeny

	askDenied(t, sid, cl, con, view, deny) // the first no
	askDenied(t, sid, cl, con, view, deny) // the second ask is at once; second no
	refusedForCooldown(t, sid, cl, con, view, "30s")
	r.clock.Advance(29 * time.Second)
	refusedForCooldown(t, sid, cl, con, view, "1s")
	r.clock.Advance(time.Second)
	askDenied(t, sid, cl, con, view, deny) // allowed again; third no: 60 s
	r.clock.Advance(59 * time.Second)
	refusedForCooldown(t, sid, cl, con, view, "1s")
	r.clock.Advance(time.Second)
	con.SendMessage(view, "", sid, &protocol.Consent{})
	cl.Next(view)
	cl.SendMessage(protocol.TypeViewGrant, "", sid, &protocol.Consent{})
	con.Next(protocol.TypeViewGrant)

	// Control has its own count: one no, one immediate second ask.
	ctl, ctlDeny := protocol.TypeControlRequest, protocol.TypeControlDeny
	askDenied(t, sid, cl, con, ctl, ctlDeny)
	askDenied(t, sid, cl, con, ctl, ctlDeny)
	refusedForCooldown(t, sid, cl, con, ctl, "30s")

	// Refused questions are not audited as questions.
	n := 0
	for _, a := range r.auditActions(sid) {
		if a == protocol.AuditViewRequest {
			n++
		}
	}
	if n != 4 {
		t.Fatalf("%d view requests audited, want the 4 that were put", n)
	}
}

// TestConsentTimeoutEnforcedByRelay: a desktop that never answers (a
// modified or stuck one) cannot leave a question open: after the consent
// timeout the relay declines it (no_answer, audited with the relay as
// actor), tells the technician, refuses the late grant and any media,
// and counts it towards the cool-down.
func TestConsentTimeoutEnforcedByRelay(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.ConsentTimeout = 300 * time.Millisecond }))
	r.addTech("alex", false)
	sid, cl, con := fullSession(t, r, r.login("alex"))

	start := time.Now()
	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	d := con.Next(protocol.TypeViewDeny).Payload.(*protocol.Consent)
	if d.Reason != protocol.ConsentNoAnswer {
		t.Fatalf("relay's decline reason %q, want no_answer", d.Reason)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Fatalf("declined after %v, before the timeout", took)
	}
	evs, err := r.Store.Audit(context.Background(), store.AuditFilter{SessionID: sid, Action: protocol.AuditViewDeny})
	if err != nil || len(evs) != 1 || evs[0].Actor != protocol.ActorRelay || evs[0].Detail != string(protocol.ConsentNoAnswer) {
		t.Fatalf("audit of the timeout = %+v, %v", evs, err)
	}
	cl.SendMessage(protocol.TypeViewGrant, "late", sid, &protocol.Consent{})
	cl.NextError(protocol.CodeNotAllowed)
	cl.SendMessage(protocol.TypeOffer, "o", sid, &protocol.SDP{SDP: "v=0 offer"})
	cl.NextError(protocol.CodeNotAllowed)

	// It counts as a no: a second unanswered question, then a cool-down.
	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	con.Next(protocol.TypeViewDeny)
	refusedForCooldown(t, sid, cl, con, protocol.TypeViewRequest, "30s")

	// An answered question is not declined later by the timer.
	r.clock.Advance(30 * time.Second)
	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	cl.SendMessage(protocol.TypeViewGrant, "", sid, &protocol.Consent{})
	con.Next(protocol.TypeViewGrant)
	time.Sleep(600 * time.Millisecond) // twice the timeout: nothing may follow
	con.SendMessage(protocol.TypeChat, "", sid, &protocol.Chat{Text: "still there?"})
	cl.Next(protocol.TypeChat)
	cl.SendMessage(protocol.TypeOffer, "", sid, &protocol.SDP{SDP: "v=0 offer"})
	if m := con.Next(protocol.TypeOffer); m.Session != sid {
		t.Fatalf("offer after the grant: %+v", m)
	}
}
