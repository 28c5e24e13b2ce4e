package server_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/rtp"
	"github.com/pion/transport/v2"
	"github.com/pion/transport/v2/stdnet"
	"github.com/pion/turn/v4"
	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/turnserver"
)

func TestSessionDeliversTURNCredentials(t *testing.T) {
	r := startRelay(t, relaytest.WithTURN(), relaytest.WithConfig(func(c *server.Config) { c.TURNTTL = time.Hour; c.MetricsToken = testMetricsToken }))
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
	subjects := map[*protocol.SessionStart]string{cs: cs.SessionID + "/user", ts2: cs.SessionID + "/tech"}
	if cs.ICEServers[0].Username == ts2.ICEServers[0].Username {
		t.Fatalf("both parties got the same TURN credential %q; want one each", cs.ICEServers[0].Username)
	}
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
		if err != nil || sess != subjects[ss] {
			t.Fatalf("credentials %+v: session %q, %v", ice, sess, err)
		}
	}

	// A real allocation with the delivered credentials. The TURN server
	// uses the real clock, the relay the fake one: issue fresh credentials
	// the same way for the real time.
	user, pass := turnserver.Credentials(secret, cs.SessionID+"/user", time.Hour, time.Now())
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
	resp, err := getBearer("http://"+r.Addr+"/metrics", testMetricsToken)
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

// noUDPNet is the network of a desktop where UDP does not work at all —
// Go under Wine 8 (every UDP socket fails with WSAEOPNOTSUPP) or a
// firewall that drops UDP: every UDP socket pion asks for fails.
type noUDPNet struct {
	*stdnet.Net
	refused atomic.Int64
}

var errUDPBlocked = errors.New("udp blocked on this desktop")

func (n *noUDPNet) ListenPacket(network, address string) (net.PacketConn, error) {
	if strings.HasPrefix(network, "udp") {
		n.refused.Add(1)
		return nil, errUDPBlocked
	}
	return n.Net.ListenPacket(network, address)
}

func (n *noUDPNet) ListenUDP(string, *net.UDPAddr) (transport.UDPConn, error) {
	n.refused.Add(1)
	return nil, errUDPBlocked
}

func (n *noUDPNet) DialUDP(string, *net.UDPAddr, *net.UDPAddr) (transport.UDPConn, error) {
	n.refused.Add(1)
	return nil, errUDPBlocked
}

func (n *noUDPNet) Dial(network, address string) (net.Conn, error) {
	if strings.HasPrefix(network, "udp") {
		n.refused.Add(1)
		return nil, errUDPBlocked
	}
	return n.Net.Dial(network, address)
}

// A desktop that cannot use UDP at all still gets a live session: the
// relay announces its TURN server over TCP as well, the desktop's pion
// (configured as assist's loopback mode, with every UDP socket failing)
// gathers a relay candidate through TURN over TCP, and the technician's
// side (a stand-in for the browser: UDP host candidates only, no TURN)
// reaches it at the relayed UDP address. A video track and a data
// channel message cross that path.
func TestTURNOverTCPWhenUDPIsBlocked(t *testing.T) {
	if testing.Short() {
		t.Skip("WebRTC negotiation")
	}
	r := startRelay(t, relaytest.WithTURN(), relaytest.WithClock(time.Now), relaytest.WithConfig(func(c *server.Config) {
		c.TURNURLs = append(c.TURNURLs, strings.Replace(c.TURNURLs[0], "transport=udp", "transport=tcp", 1))
	}))
	ts := r.TURN
	r.addTech("alex", false)
	tc := r.login("alex")
	con := tc.ws()
	cl := r.dialClient()
	cl.SendMessage(protocol.TypeRequestSubmit, "", "", submitReq("no udp here"))
	reqID := cl.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID
	tc.do("POST", "/api/requests/"+reqID+"/take", nil, nil)
	cl.Next(protocol.TypeRequestTaken)
	start := cl.Next(protocol.TypeSessionStart).Payload.(*protocol.SessionStart)
	con.Next(protocol.TypeSessionStart)
	sid := start.SessionID
	wantTCP := fmt.Sprintf("turn:%s?transport=tcp", ts.TCPAddr())
	if urls := start.ICEServers[0].URLs; len(urls) != 2 || urls[1] != wantTCP {
		t.Fatalf("desktop ICE URLs = %q, want the UDP one and %s", urls, wantTCP)
	}
	con.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	cl.SendMessage(protocol.TypeViewGrant, "", "", &protocol.Consent{})
	con.Next(protocol.TypeViewGrant)

	blocked := &noUDPNet{}
	var err error
	if blocked.Net, err = stdnet.NewNet(); err != nil {
		t.Fatal(err)
	}
	desk := newPeer(t, func(se *webrtc.SettingEngine) {
		se.SetNet(blocked)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4})
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeQueryOnly) // assist's default: its socket fails too
		se.SetRelayAcceptanceMinWait(500 * time.Millisecond)     // as assist/pion.go
	}, toICE(start.ICEServers))
	browser := newPeer(t, func(se *webrtc.SettingEngine) {
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	}, nil)

	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "screen", "lifeline")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := desk.AddTrack(track); err != nil {
		t.Fatal(err)
	}
	video := make(chan struct{}, 1)
	browser.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if _, _, err := tr.ReadRTP(); err == nil {
			video <- struct{}{}
		}
	})
	got := make(chan string, 1)
	browser.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnMessage(func(m webrtc.DataChannelMessage) { got <- string(m.Data) })
	})
	dc, err := desk.CreateDataChannel("control", nil)
	if err != nil {
		t.Fatal(err)
	}
	connected := make(chan time.Time, 1)
	desk.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		if s == webrtc.ICEConnectionStateConnected {
			connected <- time.Now()
		}
	})
	dc.OnOpen(func() { dc.SendText("hello over TURN/TCP") })

	began := time.Now()
	signalPair(t, desk, browser, cl, con, sid)
	var iceAt time.Time
	sendRTP := time.NewTicker(20 * time.Millisecond)
	defer sendRTP.Stop()
	deadline := time.After(30 * time.Second)
	var seq uint16
	for msg, sawVideo := "", false; msg == "" || !sawVideo; {
		select {
		case iceAt = <-connected:
		case msg = <-got:
			if msg != "hello over TURN/TCP" {
				t.Fatalf("data channel got %q", msg)
			}
		case <-video:
			sawVideo = true
		case <-sendRTP.C:
			seq++
			track.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, SSRC: 1}, Payload: []byte{0x10, 0, 0, 0x9d, 0x01, 0x2a}})
		case <-deadline:
			t.Fatalf("no data over TURN/TCP (ICE %s / %s)", desk.ICEConnectionState(), browser.ICEConnectionState())
		}
	}
	total := time.Since(began)
	pair, err := desk.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil || pair.Local.Typ != webrtc.ICECandidateTypeRelay {
		t.Fatalf("desktop's selected pair %v %v, want its relay candidate", pair, err)
	}
	if blocked.refused.Load() == 0 {
		t.Fatal("the desktop never tried UDP: the test does not block what it claims to")
	}
	if n := ts.Stats.AllocationsTCP.Load(); n < 1 {
		t.Fatalf("TURN allocations over TCP = %d", n)
	}
	if iceAt.IsZero() {
		iceAt = time.Now()
	}
	t.Logf("TURN over TCP, desktop without UDP (%d UDP sockets refused): ICE connected %v after the offer, data and video %v",
		blocked.refused.Load(), iceAt.Sub(began).Round(time.Millisecond), total.Round(time.Millisecond))
}

// newPeer is a pion peer connection on the loopback interface only.
func newPeer(t *testing.T, configure func(*webrtc.SettingEngine), iceServers []webrtc.ICEServer) *webrtc.PeerConnection {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	configure(&se)
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{ICEServers: iceServers})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

// signalPair runs offer, answer and trickled candidates between the
// desktop (socket cl) and the console (socket con) through the relay, in
// the background until the test ends.
func signalPair(t *testing.T, desk, browser *webrtc.PeerConnection, cl, con *relaytest.Socket, sid string) {
	t.Helper()
	desk.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			i := c.ToJSON()
			cl.SendMessage(protocol.TypeCandidate, "", "", &protocol.Candidate{Candidate: i.Candidate, SDPMid: i.SDPMid, SDPMLineIndex: i.SDPMLineIndex})
		}
	})
	browser.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			i := c.ToJSON()
			con.SendMessage(protocol.TypeCandidate, "", sid, &protocol.Candidate{Candidate: i.Candidate, SDPMid: i.SDPMid, SDPMLineIndex: i.SDPMLineIndex})
		}
	})
	offer, err := desk.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := desk.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	cl.SendMessage(protocol.TypeOffer, "", "", &protocol.SDP{SDP: offer.SDP})
	stop := make(chan struct{})
	done := make(chan struct{})
	t.Cleanup(func() { close(stop); <-done })
	go func() {
		defer close(done)
		// Candidates may arrive before the description they belong to.
		deskPending, browserPending := &heldCandidates{t: t, pc: desk}, &heldCandidates{t: t, pc: browser}
		for {
			select {
			case <-stop:
				return
			case m, ok := <-con.Messages():
				if !ok {
					return
				}
				switch p := m.Payload.(type) {
				case *protocol.SDP:
					if err := browser.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: p.SDP}); err != nil {
						t.Errorf("browser offer: %v", err)
						return
					}
					browserPending.flush()
					ans, err := browser.CreateAnswer(nil)
					if err == nil {
						err = browser.SetLocalDescription(ans)
					}
					if err != nil {
						t.Errorf("browser answer: %v", err)
						return
					}
					con.SendMessage(protocol.TypeAnswer, "", sid, &protocol.SDP{SDP: ans.SDP})
				case *protocol.Candidate:
					browserPending.add(webrtc.ICECandidateInit{Candidate: p.Candidate, SDPMid: p.SDPMid, SDPMLineIndex: p.SDPMLineIndex})
				}
			case m, ok := <-cl.Messages():
				if !ok {
					return
				}
				switch p := m.Payload.(type) {
				case *protocol.SDP:
					if err := desk.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: p.SDP}); err != nil {
						t.Errorf("desktop answer: %v", err)
						return
					}
					deskPending.flush()
				case *protocol.Candidate:
					deskPending.add(webrtc.ICECandidateInit{Candidate: p.Candidate, SDPMid: p.SDPMid, SDPMLineIndex: p.SDPMLineIndex})
				}
			}
		}
	}()
}
