package server_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
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
// server with the credential the relay gives one party of a session
// (subject "<session id>/tech" or "/user"); over TCP when tcp is set.
func turnClient(t *testing.T, ts *turnserver.Server, subject string, tcp bool) *turn.Client {
	t.Helper()
	// The TURN server checks expiry against the real clock, the test
	// relay runs on a fake one: sign the same way for the real time.
	user, pass := turnserver.Credentials(relaytest.TURNSecret, subject, time.Hour, time.Now())
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
// proxy into the relay's network. Each party has a credential of its own,
// which reaches only the *other* party — the address its socket comes
// from (the desktop 127.0.0.5, the console 127.0.0.1) and the candidates
// it signalled (the desktop 127.0.0.3, the technician 127.0.0.4);
// everything else, an address of the credential's own party included, is
// refused at CreatePermission, so no datagram is ever sent there (the
// test sends none: CreatePermission carries no data). After the session
// ends both credentials are refused at Allocate and their allocations
// close.
func TestTURNPermissionsFollowTheSession(t *testing.T) {
	r := startRelay(t, relaytest.WithTURN(), relaytest.WithConfig(func(c *server.Config) { c.MetricsToken = testMetricsToken }))
	ts := r.TURN
	r.addTech("alex", false)
	tc := r.login("alex")
	con := tc.ws()
	desk := mustDial(t, r.WSURL("/ws/client"), fromAddr("127.0.0.5"))
	desk.send(protocol.TypeRequestSubmit, "s", submitReq("help"))
	reqID := desk.next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID
	if st := tc.do("POST", "/api/requests/"+reqID+"/take", nil, nil); st != http.StatusOK {
		t.Fatalf("take: %d", st)
	}
	desk.next(protocol.TypeRequestTaken)
	deskStart := desk.next(protocol.TypeSessionStart).Payload.(*protocol.SessionStart)
	techStart := con.Next(protocol.TypeSessionStart).Payload.(*protocol.SessionStart)
	sid := deskStart.SessionID
	for _, c := range []struct {
		ss   *protocol.SessionStart
		want string
	}{{deskStart, sid + "/user"}, {techStart, sid + "/tech"}} {
		if len(c.ss.ICEServers) != 1 || !strings.HasSuffix(c.ss.ICEServers[0].Username, ":"+c.want) {
			t.Fatalf("ICE servers %+v, want a credential for %s", c.ss.ICEServers, c.want)
		}
	}
	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	desk.next(protocol.TypeViewRequest)
	desk.send(protocol.TypeViewGrant, "", &protocol.Consent{})
	con.Next(protocol.TypeViewGrant)
	// The desktop signals a host candidate on 127.0.0.3 (an address no
	// socket of the session comes from) and an mDNS one (no address).
	desk.send(protocol.TypeCandidate, "", &protocol.Candidate{Candidate: "candidate:1 1 udp 2130706431 127.0.0.3 50000 typ host"})
	desk.send(protocol.TypeCandidate, "", &protocol.Candidate{Candidate: "candidate:2 1 udp 2130706431 0b1c2d3e.local 50001 typ host"})
	con.Next(protocol.TypeCandidate)
	con.Next(protocol.TypeCandidate)
	// The technician's answer carries a candidate on 127.0.0.4 in its SDP.
	con.SendMessage(protocol.TypeAnswer, "", sid, &protocol.SDP{SDP: "v=0\r\na=candidate:3 1 udp 2130706431 127.0.0.4 50002 typ host\r\n"})
	desk.next(protocol.TypeAnswer)

	private := []string{"127.0.0.2", "169.254.169.254", "10.1.2.3", "192.168.0.10", "172.20.0.1", "100.64.1.1", "198.51.100.20"}
	type peer struct {
		addr string
		ok   bool
	}
	parties := []struct {
		party string
		tcp   bool
		peers []peer
	}{
		// The technician's browser: the desktop's addresses only.
		{"tech", false, []peer{{"127.0.0.5", true}, {"127.0.0.3", true}, {"127.0.0.1", false}, {"127.0.0.4", false}}},
		{"tech", true, []peer{{"127.0.0.5", true}, {"127.0.0.3", true}, {"127.0.0.1", false}, {"127.0.0.4", false}}},
		// The desktop: the technician's addresses only.
		{"user", false, []peer{{"127.0.0.1", true}, {"127.0.0.4", true}, {"127.0.0.5", false}, {"127.0.0.3", false}}},
	}
	denied := int64(0)
	for _, p := range parties {
		name := p.party + map[bool]string{false: "/udp", true: "/tcp"}[p.tcp]
		c := turnClient(t, ts, sid+"/"+p.party, p.tcp)
		relay, err := c.Allocate()
		if err != nil {
			t.Fatalf("%s: allocate: %v", name, err)
		}
		defer relay.Close()
		peers := p.peers
		for _, a := range private {
			peers = append(peers, peer{a, false})
		}
		for _, tt := range peers {
			t.Run(name+"/"+tt.addr, func(t *testing.T) {
				before := ts.Stats.PermissionsDenied.Load()
				err := c.CreatePermission(&net.UDPAddr{IP: net.ParseIP(tt.addr), Port: 9})
				if (err == nil) != tt.ok {
					t.Fatalf("CreatePermission(%s) = %v, want ok=%v", tt.addr, err, tt.ok)
				}
				if !tt.ok && ts.Stats.PermissionsDenied.Load() != before+1 {
					t.Fatalf("refusal not counted")
				}
			})
			if !tt.ok {
				denied++
			}
		}
	}
	if n := ts.Stats.ActiveAllocation.Load(); n != 3 {
		t.Fatalf("active allocations = %d, want 3", n)
	}
	// A credential naming the session but no party is not one the relay
	// issues: refused, however well signed.
	if _, err := turnClient(t, ts, sid, false).Allocate(); err == nil {
		t.Fatal("Allocate with a party-less credential of a live session succeeded")
	}

	// The session ends: its credentials are dead at once, and its
	// allocations close within the sweep interval.
	start := time.Now()
	con.SendMessage(protocol.TypeSessionEnd, "", sid, &protocol.SessionEnd{})
	desk.next(protocol.TypeSessionEnd)
	for _, party := range []string{"tech", "user"} {
		_, err := turnClient(t, ts, sid+"/"+party, false).Allocate()
		if err == nil {
			t.Fatalf("Allocate with the %s credential of an ended session succeeded", party)
		}
		if !strings.Contains(err.Error(), "400") {
			t.Logf("refusal: %v", err)
		}
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
	for _, want := range []string{fmt.Sprintf("lifeline_turn_permissions_denied_total %d", denied), "lifeline_turn_ended_session_closed_total 3", "lifeline_turn_allocations_tcp_total 1"} {
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
	if _, err := turnClient(t, r.TURN, "s-forged/tech", true).Allocate(); err == nil {
		t.Fatal("Allocate for an unknown session succeeded")
	}
}
