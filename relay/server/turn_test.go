package server_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v2"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/turnserver"
)

func TestSessionDeliversTURNCredentials(t *testing.T) {
	r := startRelay(t, relaytest.WithTURN(), relaytest.WithConfig(func(c *server.Config) { c.TURNTTL = time.Hour }))
	ts, secret := r.TURN, relaytest.TURNSecret
	turnURL := fmt.Sprintf("turn:%s?transport=udp", ts.Addr())
	r.addTech("alex", false)
	tc := r.login("alex")
	con := tc.ws()
	cl := r.dialClient()
	cl.SendMessage(protocol.TypeRequestSubmit, "", "", submitReq("no sound"))
	reqID := cl.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID
	tc.do("POST", "/api/requests/"+reqID+"/take", nil, nil)
	cl.Next(protocol.TypeRequestTaken)
	cs := cl.Next(protocol.TypeSessionStart).Payload.(*protocol.SessionStart)
	ts2 := con.Next(protocol.TypeSessionStart).Payload.(*protocol.SessionStart)
	for _, ss := range []*protocol.SessionStart{cs, ts2} {
		if len(ss.ICEServers) != 1 || len(ss.ICEServers[0].URLs) != 1 || ss.ICEServers[0].URLs[0] != turnURL {
			t.Fatalf("ice servers = %+v", ss.ICEServers)
		}
		for _, u := range ss.ICEServers[0].URLs {
			if strings.HasPrefix(u, "stun:") {
				t.Fatalf("a STUN server was configured: %s", u)
			}
		}
		ice := ss.ICEServers[0]
		sess, err := turnserver.CheckCredentials(secret, ice.Username, ice.Credential, r.clock.Now())
		if err != nil || sess != cs.SessionID {
			t.Fatalf("credentials %+v: session %q, %v", ice, sess, err)
		}
	}

	// A real allocation with the delivered credentials. The TURN server
	// uses the real clock, the relay the fake one: issue fresh credentials
	// the same way for the real time.
	user, pass := turnserver.Credentials(secret, cs.SessionID, time.Hour, time.Now())
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tcl, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: ts.Addr().String(), STUNServerAddr: ts.Addr().String(),
		Username: user, Password: pass, Realm: "lifeline", Conn: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer tcl.Close()
	if err := tcl.Listen(); err != nil {
		t.Fatal(err)
	}
	relayConn, err := tcl.Allocate()
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}
	relayConn.Close()
	resp, err := http.Get("http://" + r.Addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "lifeline_turn_allocations_total 1") {
		t.Fatalf("metrics lack the allocation:\n%s", grep(string(body), "lifeline_turn"))
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
