package server_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v4"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/turnserver"
)

// turnClient is a real TURN client (pion/turn) of the relay's embedded
// server with a session's credential; over TCP when tcp is set.
func turnClient(t *testing.T, ts *turnserver.Server, sessionID string, tcp bool) *turn.Client {
	t.Helper()
	// The TURN server checks expiry against the real clock, the test
	// relay runs on a fake one: sign the same way for the real time.
	user, pass := turnserver.Credentials(relaytest.TURNSecret, sessionID, time.Hour, time.Now())
	addr := ts.Addr().String()
	var conn net.PacketConn
	if tcp {
		addr = ts.TCPAddr().String()
		c, err := net.Dial("tcp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn = turn.NewSTUNConn(c)
	} else {
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conn = c
	}
	t.Cleanup(func() { conn.Close() })
	c, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: addr, STUNServerAddr: addr, Username: user, Password: pass, Realm: "lifeline", Conn: conn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	return c
}

// The attack of issue 17: a TURN credential from a session used as a
// proxy into the relay's network. Only the session's parties — the
// addresses their sockets come from (127.0.0.1 here) and the candidates
// they signalled (127.0.0.3) — may be reached; everything else is
// refused at CreatePermission, so no datagram is ever sent there (the
// test sends none: CreatePermission carries no data). After the session
// ends its credential is refused at Allocate and its allocation closes.
func TestTURNPermissionsFollowTheSession(t *testing.T) {
	r := startRelay(t, relaytest.WithTURN(), relaytest.WithConfig(func(c *server.Config) { c.MetricsToken = testMetricsToken }))
	ts := r.TURN
	r.addTech("alex", false)
	tc := r.login("alex")
	sid, cl, con := fullSession(t, r, tc)
	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	cl.SendMessage(protocol.TypeViewGrant, "", "", &protocol.Consent{})
	con.Next(protocol.TypeViewGrant)
	// The desktop signals a host candidate on 127.0.0.3 (an address no
	// socket of the session comes from) and an mDNS one (no address).
	cl.SendMessage(protocol.TypeCandidate, "", "", &protocol.Candidate{Candidate: "candidate:1 1 udp 2130706431 127.0.0.3 50000 typ host"})
	cl.SendMessage(protocol.TypeCandidate, "", "", &protocol.Candidate{Candidate: "candidate:2 1 udp 2130706431 0b1c2d3e.local 50001 typ host"})
	con.Next(protocol.TypeCandidate)
	con.Next(protocol.TypeCandidate)
	// The technician's answer carries a candidate on 127.0.0.4 in its SDP.
	con.SendMessage(protocol.TypeAnswer, "", sid, &protocol.SDP{SDP: "v=0\r\na=candidate:3 1 udp 2130706431 127.0.0.4 50002 typ host\r\n"})
	cl.Next(protocol.TypeAnswer)

	for _, tcp := range []bool{false, true} {
		name := map[bool]string{false: "udp", true: "tcp"}[tcp]
		c := turnClient(t, ts, sid, tcp)
		relay, err := c.Allocate()
		if err != nil {
			t.Fatalf("%s: allocate: %v", name, err)
		}
		defer relay.Close()
		for _, tt := range []struct {
			peer string
			ok   bool
		}{
			{"127.0.0.1", true}, // where both parties' sockets come from
			{"127.0.0.3", true}, // the desktop's signalled candidate
			{"127.0.0.4", true}, // the technician's, from the answer
			{"127.0.0.2", false},
			{"169.254.169.254", false},
			{"10.1.2.3", false},
			{"192.168.0.10", false},
			{"172.20.0.1", false},
			{"100.64.1.1", false},
			{"198.51.100.20", false},
		} {
			t.Run(name+"/"+tt.peer, func(t *testing.T) {
				before := ts.Stats.PermissionsDenied.Load()
				err := c.CreatePermission(&net.UDPAddr{IP: net.ParseIP(tt.peer), Port: 9})
				if (err == nil) != tt.ok {
					t.Fatalf("CreatePermission(%s) = %v, want ok=%v", tt.peer, err, tt.ok)
				}
				if !tt.ok && ts.Stats.PermissionsDenied.Load() != before+1 {
					t.Fatalf("refusal not counted")
				}
			})
		}
	}
	if n := ts.Stats.ActiveAllocation.Load(); n != 2 {
		t.Fatalf("active allocations = %d, want 2", n)
	}

	// The session ends: its credential is dead at once, and its
	// allocations close within the sweep interval.
	start := time.Now()
	con.SendMessage(protocol.TypeSessionEnd, "", sid, &protocol.SessionEnd{})
	cl.Next(protocol.TypeSessionEnd)
	_, err := turnClient(t, ts, sid, false).Allocate()
	if err == nil {
		t.Fatal("Allocate with the credential of an ended session succeeded")
	}
	if !strings.Contains(err.Error(), "400") {
		t.Logf("refusal: %v", err)
	}
	for ts.Stats.ActiveAllocation.Load() != 0 {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("allocations of the ended session still open: %d", ts.Stats.ActiveAllocation.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := getBearer("http://"+r.Addr+"/metrics", testMetricsToken)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"lifeline_turn_permissions_denied_total 14", "lifeline_turn_ended_session_closed_total 2", "lifeline_turn_allocations_tcp_total 1"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q:\n%s", want, grep(string(body), "lifeline_turn"))
		}
	}
	t.Logf("ended session's allocations closed %v after session.end; permissions refused %d, auth failures %d",
		time.Since(start).Round(time.Millisecond), ts.Stats.PermissionsDenied.Load(), ts.Stats.AuthFailures.Load())
}

// A credential for a session that never existed is refused at Allocate,
// however well signed.
func TestTURNRefusesUnknownSession(t *testing.T) {
	r := startRelay(t, relaytest.WithTURN())
	if _, err := turnClient(t, r.TURN, "s-forged", true).Allocate(); err == nil {
		t.Fatal("Allocate for an unknown session succeeded")
	}
}
