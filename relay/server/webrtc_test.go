package server_test

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
)

func toICE(in []protocol.ICEServer) []webrtc.ICEServer {
	out := make([]webrtc.ICEServer, 0, len(in))
	for _, s := range in {
		out = append(out, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential, CredentialType: webrtc.ICECredentialTypePassword})
	}
	return out
}

// Two pion peers — the desktop (offerer) and a stand-in for the browser
// console (answerer) — negotiate through the relay's signaling only, with
// ICE restricted to the TURN server the relay announced. A data channel
// message proves media-path connectivity over the embedded TURN server.
func TestWebRTCThroughRelayAndTURN(t *testing.T) {
	if testing.Short() {
		t.Skip("WebRTC negotiation")
	}
	// The TURN server checks expiry against the real clock.
	r := startRelay(t, relaytest.WithTURN(), relaytest.WithClock(time.Now))
	ts := r.TURN
	r.addTech("alex", false)
	tc := r.login("alex")
	sid, cl, con := fullSession(t, r, tc)

	// Session start already consumed by fullSession; fetch the ICE config again
	// from a console reconnect (it re-announces running sessions).
	con2 := tc.ws()
	techStart := con2.Next(protocol.TypeSessionStart).Payload.(*protocol.SessionStart)
	cl.Next(protocol.TypeSessionResume) // the desktop hears of the console joining
	if len(techStart.ICEServers) != 1 {
		t.Fatalf("ice servers %+v", techStart.ICEServers)
	}
	cfg := webrtc.Configuration{ICEServers: toICE(techStart.ICEServers), ICETransportPolicy: webrtc.ICETransportPolicyRelay}

	desk, err := webrtc.NewPeerConnection(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer desk.Close()
	browser, err := webrtc.NewPeerConnection(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer browser.Close()

	// Consent first: the relay refuses signaling before view is granted.
	con2.SendMessage(protocol.TypeViewRequest, "", sid, &protocol.Consent{})
	cl.Next(protocol.TypeViewRequest)
	cl.SendMessage(protocol.TypeViewGrant, "", "", &protocol.Consent{})
	con2.Next(protocol.TypeViewGrant)

	got := make(chan string, 1)
	browser.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnMessage(func(m webrtc.DataChannelMessage) { got <- string(m.Data) })
	})
	dc, err := desk.CreateDataChannel("control", nil)
	if err != nil {
		t.Fatal(err)
	}
	dc.OnOpen(func() { dc.SendText("hello over TURN") })

	// Trickle candidates through the relay.
	desk.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		i := c.ToJSON()
		cl.SendMessage(protocol.TypeCandidate, "", "", &protocol.Candidate{Candidate: i.Candidate, SDPMid: i.SDPMid, SDPMLineIndex: i.SDPMLineIndex})
	})
	browser.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		i := c.ToJSON()
		con2.SendMessage(protocol.TypeCandidate, "", sid, &protocol.Candidate{Candidate: i.Candidate, SDPMid: i.SDPMid, SDPMLineIndex: i.SDPMLineIndex})
	})

	offer, err := desk.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := desk.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	cl.SendMessage(protocol.TypeOffer, "", "", &protocol.SDP{SDP: offer.SDP})

	// Candidates may arrive before the description they belong to.
	deskPending, browserPending := &heldCandidates{t: t, pc: desk}, &heldCandidates{t: t, pc: browser}
	deadline := time.After(30 * time.Second)
	answered := false
	for {
		select {
		case m := <-con2.Messages():
			switch p := m.Payload.(type) {
			case *protocol.SDP:
				if err := browser.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: p.SDP}); err != nil {
					t.Fatal(err)
				}
				browserPending.flush()
				ans, err := browser.CreateAnswer(nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := browser.SetLocalDescription(ans); err != nil {
					t.Fatal(err)
				}
				con2.SendMessage(protocol.TypeAnswer, "", sid, &protocol.SDP{SDP: ans.SDP})
			case *protocol.Candidate:
				browserPending.add(webrtc.ICECandidateInit{Candidate: p.Candidate, SDPMid: p.SDPMid, SDPMLineIndex: p.SDPMLineIndex})
			}
		case m := <-cl.Messages():
			switch p := m.Payload.(type) {
			case *protocol.SDP:
				if err := desk.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: p.SDP}); err != nil {
					t.Fatal(err)
				}
				deskPending.flush()
				answered = true
			case *protocol.Candidate:
				deskPending.add(webrtc.ICECandidateInit{Candidate: p.Candidate, SDPMid: p.SDPMid, SDPMLineIndex: p.SDPMLineIndex})
			}
		case <-con.Messages(): // the first console socket also sees the session traffic
		case msg := <-got:
			if msg != "hello over TURN" || !answered {
				t.Fatalf("got %q (answered %v)", msg, answered)
			}
			pair, err := desk.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
			if err != nil || pair == nil || pair.Local.Typ != webrtc.ICECandidateTypeRelay {
				t.Fatalf("selected pair %v %v, want a relay candidate", pair, err)
			}
			if ts.Stats.Allocations.Load() < 2 {
				t.Fatalf("allocations %d", ts.Stats.Allocations.Load())
			}
			return
		case <-deadline:
			t.Fatalf("no data over TURN (ICE %s / %s)", desk.ICEConnectionState(), browser.ICEConnectionState())
		}
	}
}

// heldCandidates adds ICE candidates to pc, holding those that arrive
// before the remote description they belong to until flush.
type heldCandidates struct {
	t       testing.TB
	pc      *webrtc.PeerConnection
	pending []webrtc.ICECandidateInit
}

func (h *heldCandidates) add(c webrtc.ICECandidateInit) {
	if h.pc.RemoteDescription() == nil {
		h.pending = append(h.pending, c)
		return
	}
	if err := h.pc.AddICECandidate(c); err != nil {
		h.t.Errorf("add candidate: %v", err)
	}
}

// flush adds the held candidates, once the remote description is set.
func (h *heldCandidates) flush() {
	for _, c := range h.pending {
		if err := h.pc.AddICECandidate(c); err != nil {
			h.t.Errorf("add candidate: %v", err)
		}
	}
	h.pending = nil
}
