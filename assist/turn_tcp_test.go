package assist

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/transport/v2"
	"github.com/pion/transport/v2/stdnet"
	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
)

// noUDP is the network of a desktop where UDP does not work at all (Go
// under Wine 8, a firewall that drops UDP): every UDP socket fails.
type noUDP struct {
	*stdnet.Net
	refused atomic.Int64
}

var errNoUDP = errors.New("udp blocked on this desktop")

func (n *noUDP) ListenPacket(network, address string) (net.PacketConn, error) {
	if strings.HasPrefix(network, "udp") {
		n.refused.Add(1)
		return nil, errNoUDP
	}
	return n.Net.ListenPacket(network, address)
}

func (n *noUDP) ListenUDP(string, *net.UDPAddr) (transport.UDPConn, error) {
	n.refused.Add(1)
	return nil, errNoUDP
}

func (n *noUDP) DialUDP(string, *net.UDPAddr, *net.UDPAddr) (transport.UDPConn, error) {
	n.refused.Add(1)
	return nil, errNoUDP
}

func (n *noUDP) Dial(network, address string) (net.Conn, error) {
	if strings.HasPrefix(network, "udp") {
		n.refused.Add(1)
		return nil, errNoUDP
	}
	return n.Net.Dial(network, address)
}

// TestLiveSessionOverTURNTCP: the desktop's own session code, with every
// UDP socket failing, streams the screen to a technician through the
// relay's TURN server over TCP — the ICE servers are the ones a real
// relay session hands out (TURN over UDP, which fails here, and TCP).
func TestLiveSessionOverTURNTCP(t *testing.T) {
	if testing.Short() {
		t.Skip("WebRTC negotiation")
	}
	r := relaytest.Start(t, relaytest.WithTURN(), relaytest.WithConfig(func(c *server.Config) {
		c.TURNURLs = append(c.TURNURLs, strings.Replace(c.TURNURLs[0], "transport=udp", "transport=tcp", 1))
	}))
	tech := r.Login(t)
	cl := r.DialClient(t)
	cl.SendMessage(protocol.TypeRequestSubmit, "", "", &protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Sam", OS: "linux", AppVersion: "0.1.0"}, Description: "no udp"})
	reqID := cl.Next(protocol.TypeRequestAccepted).Payload.(*protocol.RequestAccepted).RequestID
	tech.Take(reqID)
	cl.Next(protocol.TypeRequestTaken)
	start := cl.Next(protocol.TypeSessionStart).Payload.(*protocol.SessionStart)
	var ice []webrtc.ICEServer
	for _, s := range start.ICEServers {
		ice = append(ice, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential, CredentialType: webrtc.ICECredentialTypePassword})
	}

	blocked := &noUDP{}
	var err error
	if blocked.Net, err = stdnet.NewNet(); err != nil {
		t.Fatal(err)
	}
	src := newCountingSource(320, 240)
	consent := newScriptedConsenter()
	desk, toDesk, fromDesk := signalPipe()
	log := newEventLog()
	s, err := New(Config{Signaler: desk, Consenter: consent, NewSource: src.factory(), Injector: &countingInjector{}, OnEvent: log.add,
		Network: NetworkOptions{LoopbackOnly: true, net: blocked}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go s.Run(ctx)
	t.Cleanup(func() { cancel(); <-s.Done() })
	tp := newTechPeer(t, toDesk, fromDesk) // host UDP candidates only, like a browser without TURN

	began := time.Now()
	toDesk <- Signal{Type: SignalSessionStart, Peer: "Alex (IT)", ICEServers: ice}
	toDesk <- Signal{Type: SignalViewRequest}
	consent.next(t).answer <- true
	tp.waitUntil("10 frames", func() bool { return tp.frames >= 10 })
	took := time.Since(began)

	// The technician's side of the pair is the desktop's relay candidate:
	// signalled as such, or learnt as peer-reflexive when the TURN
	// server's first check arrived before the candidate did — either way
	// an address the TURN server sends from, and the video's bytes went
	// out through it.
	pair, err := tp.pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil || (pair.Remote.Typ != webrtc.ICECandidateTypeRelay && pair.Remote.Typ != webrtc.ICECandidateTypePrflx) {
		t.Fatalf("technician's selected pair %v %v, want the desktop's relay candidate", pair, err)
	}
	if out := r.TURN.Stats.BytesOut.Load(); out < 2000 { // more than checks: DTLS, SCTP and RTP
		t.Fatalf("the TURN server sent %d bytes to the technician: the video did not go through it", out)
	}
	if blocked.refused.Load() == 0 {
		t.Fatal("the desktop never tried UDP: the test does not block what it claims to")
	}
	if n := r.TURN.Stats.AllocationsTCP.Load(); n < 1 {
		t.Fatalf("TURN allocations over TCP = %d", n)
	}
	t.Logf("desktop without UDP (%d UDP sockets refused): consent → 10 frames over TURN/TCP in %v", blocked.refused.Load(), took.Round(time.Millisecond))
}
