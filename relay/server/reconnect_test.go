package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// grantBoth runs the consent ladder of sid to control granted.
func grantBoth(t *testing.T, sid string, cl, con *relaytest.Socket) {
	t.Helper()
	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	cl.SendMessage(protocol.TypeViewGrant, "", "", &protocol.Consent{})
	con.Next(protocol.TypeViewGrant)
	con.SendMessage(protocol.TypeControlRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeControlRequest)
	cl.SendMessage(protocol.TypeControlGrant, "", "", &protocol.Consent{})
	con.Next(protocol.TypeControlGrant)
}

// TestConsoleReloadResumesSession: the technician's console goes away
// (the desktop is told, with the grace period) and comes back: its
// session.start carries what the user allowed, the desktop is told the
// technician is back, the console's signal.restart reaches the desktop
// and the offer that follows reaches the console, the user is asked
// nothing, and the audit log has the reconnection.
func TestConsoleReloadResumesSession(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.TechGrace = 5 * time.Second }))
	r.addTech("alex", false)
	tc := r.login("alex")
	sid, cl, con := fullSession(t, r, tc)
	grantBoth(t, sid, cl, con)

	con.Conn().CloseNow()
	away := cl.Next(protocol.TypeSessionAway)
	if away.Session != sid || away.Payload.(*protocol.SessionAway).GraceSeconds != 5 {
		t.Fatalf("session.away = %+v %+v", away, away.Payload)
	}
	r.clock.Advance(3 * time.Second)

	con2 := tc.ws()
	ts := con2.Next(protocol.TypeSessionStart).Payload.(*protocol.SessionStart)
	if ts.SessionID != sid || !ts.ViewGranted || !ts.ControlGranted {
		t.Fatalf("session.start to the returning console = %+v, want view and control granted", ts)
	}
	res := cl.Next(protocol.TypeSessionResume)
	if res.Session != sid || res.Payload.(*protocol.SessionResume).AwaySeconds != 3 {
		t.Fatalf("session.resume = %+v %+v", res, res.Payload)
	}
	con2.SendMessage(protocol.TypeSignalRestart, "", sid, nil)
	if m := cl.Next(protocol.TypeSignalRestart); m.Session != sid {
		t.Fatalf("signal.restart = %+v", m)
	}
	cl.SendMessage(protocol.TypeOffer, "", sid, &protocol.SDP{SDP: "v=0 new offer"})
	if sdp := con2.Next(protocol.TypeOffer).Payload.(*protocol.SDP); sdp.SDP != "v=0 new offer" {
		t.Fatalf("offer = %+v", sdp)
	}
	// Still running past the grace period: the technician came back.
	time.Sleep(5500 * time.Millisecond)
	cl.SendMessage(protocol.TypeChat, "", "", &protocol.Chat{Text: "still here"})
	con2.Next(protocol.TypeChat)

	evs, err := r.Store.Audit(context.Background(), store.AuditFilter{SessionID: sid})
	if err != nil {
		t.Fatal(err)
	}
	var back []store.AuditEvent
	for _, e := range evs {
		if e.Action == protocol.AuditSessionReconnected {
			back = append(back, e)
		}
	}
	if len(back) != 1 || back[0].Actor != protocol.TechActor("alex") || back[0].Detail != "away=3s" {
		t.Fatalf("session.reconnected audit events %+v, want one by alex with away=3s", back)
	}
	asks := 0
	for _, e := range evs {
		if e.Action == protocol.AuditViewRequest || e.Action == protocol.AuditControlRequest {
			asks++
		}
	}
	if asks != 2 {
		t.Errorf("%d consent questions in the audit log, want 2", asks)
	}
}

// TestTechnicianNotBackEndsSession: a console that does not come back
// within the grace period ends the session for the desktop (reason
// technician_lost), recorded in the store and the audit log; a console
// opened later gets no session.start for it.
func TestTechnicianNotBackEndsSession(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.TechGrace = 300 * time.Millisecond }))
	r.addTech("alex", false)
	tc := r.login("alex")
	sid, cl, con := fullSession(t, r, tc)
	con.Conn().CloseNow()
	cl.Next(protocol.TypeSessionAway)
	start := time.Now()
	end := cl.Next(protocol.TypeSessionEnd)
	if reason := end.Payload.(*protocol.SessionEnd).Reason; reason != protocol.EndTechnicianLost {
		t.Fatalf("session.end reason %q, want %q", reason, protocol.EndTechnicianLost)
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Errorf("ended %v after the console left, want about the 300 ms grace", waited)
	}
	rec, err := r.Store.Session(context.Background(), sid)
	if err != nil || rec.EndedAt.IsZero() || rec.EndReason != protocol.EndTechnicianLost {
		t.Fatalf("session record %+v, %v", rec, err)
	}
	if !slices.Contains(r.auditActions(sid), protocol.AuditSessionEnd) {
		t.Fatal("no session.end audit event")
	}
	con2 := tc.ws()
	con2.SendMessage(protocol.TypeChat, "", sid, &protocol.Chat{Text: "hello?"})
	if e := con2.NextError(protocol.CodeNotAllowed); !strings.Contains(e.Message, "no such session") {
		t.Fatalf("error %+v", e)
	}
}

// TestSecondConsoleKeepsSessionHere: with two consoles open, closing one
// does not put the session away.
func TestSecondConsoleKeepsSessionHere(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.TechGrace = 200 * time.Millisecond }))
	r.addTech("alex", false)
	tc := r.login("alex")
	sid, cl, con := fullSession(t, r, tc)
	con2 := tc.ws()
	con2.Next(protocol.TypeSessionStart)
	// A console joining is a reconnection to the session too.
	cl.Next(protocol.TypeSessionResume)
	con.Conn().CloseNow()
	time.Sleep(600 * time.Millisecond)
	cl.SendMessage(protocol.TypeChat, "", "", &protocol.Chat{Text: "still here"})
	if m := con2.Next(protocol.TypeChat); m.Session != sid {
		t.Fatalf("chat %+v", m)
	}
}

// TestSignalRestartRefused: signal.restart comes only from the session's
// technician, and only once the user allowed viewing.
func TestSignalRestartRefused(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	r.addTech("sam", false)
	alex, sam := r.login("alex"), r.login("sam")
	sid, cl, con := fullSession(t, r, alex)
	samCon := sam.ws()

	tests := []struct {
		name    string
		from    *relaytest.Socket
		typ     protocol.Type
		session string
		want    string
	}{
		{"before view consent", con, protocol.TypeSignalRestart, sid, "no media before the user allowed viewing"},
		{"another technician", samCon, protocol.TypeSignalRestart, sid, "no such session"},
		{"from the desktop", cl, protocol.TypeSignalRestart, "", "not sent by desktop clients"},
		{"session.resume from a technician", con, protocol.TypeSessionResume, sid, "not sent by technicians"},
		{"session.away from the desktop", cl, protocol.TypeSessionAway, "", "not sent by desktop clients"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var payload any
			switch tt.typ {
			case protocol.TypeSessionResume:
				payload = &protocol.SessionResume{}
			case protocol.TypeSessionAway:
				payload = &protocol.SessionAway{}
			}
			tt.from.SendMessage(tt.typ, "q", tt.session, payload)
			if e := tt.from.NextError(protocol.CodeNotAllowed); !strings.Contains(e.Message, tt.want) {
				t.Fatalf("error %q, want %q", e.Message, tt.want)
			}
		})
	}
	// Nothing reached the desktop: the next thing it sees is this chat.
	con.SendMessage(protocol.TypeChat, "", sid, &protocol.Chat{Text: "marker"})
	if m := cl.Next(protocol.TypeChat); m.Payload.(*protocol.Chat).Text != "marker" {
		t.Fatalf("unexpected %+v", m)
	}
	// Once viewing is allowed, it goes through.
	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	cl.SendMessage(protocol.TypeViewGrant, "", "", &protocol.Consent{})
	con.Next(protocol.TypeViewGrant)
	con.SendMessage(protocol.TypeSignalRestart, "", sid, nil)
	cl.Next(protocol.TypeSignalRestart)
}
