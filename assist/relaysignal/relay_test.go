package relaysignal_test

import (
	"context"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/assist/inputproto"
	"github.com/lifeline-desk/lifeline/assist/relaysignal"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// The consent ladder itself, media and input are tested in package assist
// (two in-process peers) and end to end by the app's journey; these tests
// check only the mapping between assist.Signal and the relay protocol, over
// a real relay.

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// desk is the desktop's side of one session: a relay client that redeemed
// the technician's code, wrapped in a Signaler.
type desk struct {
	t     *testing.T
	ctx   context.Context
	sig   *relaysignal.Signaler
	other chan protocol.Message
}

func startSession(t *testing.T, r *relaytest.Relay, tech *relaytest.Tech) *desk {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	rc, err := client.Dial(ctx, r.WSURL("/ws/client"), client.Options{NoReconnect: true, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	d := &desk{t: t, ctx: ctx, other: make(chan protocol.Message, 64)}
	d.sig = relaysignal.New(rc, func(m protocol.Message) { d.other <- m })
	if _, err := rc.RedeemCode(ctx, tech.CreateCode(), protocol.ClientInfo{Name: "Ana"}); err != nil {
		t.Fatalf("redeem code: %v", err)
	}
	tech.Expect(protocol.TypeSessionStart)
	return d
}

// recv returns the next signal, which must be of type typ.
func (d *desk) recv(typ assist.SignalType) assist.Signal {
	d.t.Helper()
	s, err := d.sig.Recv(d.ctx)
	if err != nil {
		d.t.Fatalf("Recv waiting for %v: %v", typ, err)
	}
	if s.Type != typ {
		d.t.Fatalf("Recv = %v %+v, want %v", s.Type, s, typ)
	}
	return s
}

func (d *desk) send(s assist.Signal) {
	d.t.Helper()
	if err := d.sig.Send(d.ctx, s); err != nil {
		d.t.Fatalf("Send %v: %v", s.Type, err)
	}
}

func ptr[T any](v T) *T { return &v }

// realOffer is an offer as the desktop makes it (VP8 and both data
// channels), so the relay's limits see a real one.
func realOffer(t *testing.T) string {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{inputproto.ControlChannel, inputproto.PointerChannel} {
		if _, err := pc.CreateDataChannel(label, nil); err != nil {
			t.Fatal(err)
		}
	}
	o, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return o.SDP
}

// consentTypes are one permission's request, deny and grant, on the wire
// and as signals.
type consentTypes struct {
	request, deny, grant          protocol.Type
	sigRequest, sigDeny, sigGrant assist.SignalType
}

// consentRound has the technician ask, the desktop decline with reason,
// the technician ask again and the desktop allow.
func consentRound(t *testing.T, d *desk, tech *relaytest.Tech, c consentTypes, reason protocol.ConsentReason) {
	t.Helper()
	tech.Send(c.request, &protocol.Consent{})
	if s := d.recv(c.sigRequest); s.Peer != relaytest.DisplayName {
		t.Errorf("%v peer = %q, want %q", c.sigRequest, s.Peer, relaytest.DisplayName)
	}
	d.send(assist.Signal{Type: c.sigDeny, Consent: reason})
	if m := tech.Expect(c.deny); m.Payload.(*protocol.Consent).Reason != reason {
		t.Errorf("%s = %+v, want reason %q", c.deny, m.Payload, reason)
	}
	tech.Send(c.request, &protocol.Consent{})
	d.recv(c.sigRequest)
	d.send(assist.Signal{Type: c.sigGrant})
	tech.Expect(c.grant)
}

// TestSignalsThroughRelay walks every signal type both ways through the
// relay, in an order its consent rules allow, and checks the fields that
// arrive and what the relay's audit log recorded.
func TestSignalsThroughRelay(t *testing.T) {
	r := relaytest.Start(t, relaytest.WithTURN())
	tech := r.Login(t)
	d := startSession(t, r, tech)

	// session.start: the technician's display name and the relay's TURN
	// with time-limited credentials.
	start := d.recv(assist.SignalSessionStart)
	if start.Peer != relaytest.DisplayName {
		t.Errorf("session start peer = %q, want %q", start.Peer, relaytest.DisplayName)
	}
	if len(start.ICEServers) != 1 {
		t.Fatalf("ICE servers = %+v, want the relay's TURN", start.ICEServers)
	}
	ice := start.ICEServers[0]
	if len(ice.URLs) != 1 || ice.URLs[0] != "turn:"+r.TURN.Addr().String()+"?transport=udp" || ice.Username == "" ||
		ice.Credential == "" || ice.CredentialType != webrtc.ICECredentialTypePassword {
		t.Errorf("ICE server = %+v, want %s with a password credential", ice, r.TURN.Addr())
	}

	// View, then (after the media) control: each requested, declined
	// with a reason, requested again and granted.
	consentRound(t, d, tech, consentTypes{protocol.TypeViewRequest, protocol.TypeViewDeny, protocol.TypeViewGrant,
		assist.SignalViewRequest, assist.SignalViewDeny, assist.SignalViewGrant}, protocol.ConsentNoAnswer)

	// Offer, answer and trickle ICE, every field.
	offer := realOffer(t)
	d.send(assist.Signal{Type: assist.SignalOffer, SDP: offer})
	if m := tech.Expect(protocol.TypeOffer); m.Payload.(*protocol.SDP).SDP != offer {
		t.Errorf("offer changed on the way: %q", m.Payload.(*protocol.SDP).SDP)
	}
	deskCand := webrtc.ICECandidateInit{Candidate: "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host", SDPMid: ptr("0"), SDPMLineIndex: ptr[uint16](0), UsernameFragment: ptr("desk")}
	d.send(assist.Signal{Type: assist.SignalCandidate, Candidate: deskCand})
	m := tech.Expect(protocol.TypeCandidate)
	if got := m.Payload.(*protocol.Candidate); !reflect.DeepEqual(*got, protocol.Candidate{Candidate: deskCand.Candidate, SDPMid: deskCand.SDPMid, SDPMLineIndex: deskCand.SDPMLineIndex, UsernameFragment: deskCand.UsernameFragment}) {
		t.Errorf("technician got candidate %+v, want %+v", got, deskCand)
	}
	tech.Send(protocol.TypeAnswer, &protocol.SDP{SDP: "v=0 answer"})
	if s := d.recv(assist.SignalAnswer); s.SDP != "v=0 answer" {
		t.Errorf("answer SDP = %q", s.SDP)
	}
	techCand := protocol.Candidate{Candidate: "candidate:2 1 udp 2130706431 127.0.0.1 50001 typ host", SDPMid: ptr("1"), SDPMLineIndex: ptr[uint16](1), UsernameFragment: ptr("tech")}
	tech.Send(protocol.TypeCandidate, &techCand)
	if s := d.recv(assist.SignalCandidate); !reflect.DeepEqual(s.Candidate, webrtc.ICECandidateInit{Candidate: techCand.Candidate, SDPMid: techCand.SDPMid, SDPMLineIndex: techCand.SDPMLineIndex, UsernameFragment: techCand.UsernameFragment}) {
		t.Errorf("desktop got candidate %+v, want %+v", s.Candidate, techCand)
	}

	consentRound(t, d, tech, consentTypes{protocol.TypeControlRequest, protocol.TypeControlDeny, protocol.TypeControlGrant,
		assist.SignalControlRequest, assist.SignalControlDeny, assist.SignalControlGrant}, protocol.ConsentUnavailable)
	d.send(assist.Signal{Type: assist.SignalControlRevoke})
	tech.Expect(protocol.TypeControlRevoke)

	// What is not signaling goes to OnOther; the technician's end arrives
	// with its reason, and the desktop's own end afterwards is no error.
	tech.Send(protocol.TypeChat, &protocol.Chat{Text: "I see it"})
	tech.Send(protocol.TypeSessionEnd, &protocol.SessionEnd{Reason: protocol.EndTechnician})
	if s := d.recv(assist.SignalEnd); s.Reason != protocol.EndTechnician {
		t.Errorf("end reason = %q, want %q", s.Reason, protocol.EndTechnician)
	}
	var others []protocol.Type
	chat := false
	for len(d.other) > 0 {
		m := <-d.other
		others = append(others, m.Type)
		if c, ok := m.Payload.(*protocol.Chat); ok && c.Text == "I see it" && c.From == relaytest.DisplayName {
			chat = true
		}
	}
	if !chat {
		t.Errorf("OnOther got %v, not the technician's chat", others)
	}
	d.send(assist.Signal{Type: assist.SignalEnd, Reason: protocol.EndUser})

	evs, err := r.Store.Audit(context.Background(), store.AuditFilter{SessionID: tech.Session})
	if err != nil {
		t.Fatal(err)
	}
	got := map[protocol.AuditAction]string{}
	for _, e := range evs {
		got[e.Action] = e.Detail
	}
	for action, detail := range map[protocol.AuditAction]protocol.ConsentReason{
		protocol.AuditViewRequest: "", protocol.AuditViewDeny: protocol.ConsentNoAnswer, protocol.AuditViewGrant: "",
		protocol.AuditControlRequest: "", protocol.AuditControlDeny: protocol.ConsentUnavailable,
		protocol.AuditControlGrant: "", protocol.AuditControlRevoke: "",
	} {
		if d, ok := got[action]; !ok || d != string(detail) {
			t.Errorf("audit log %v: %s with detail %q, want %q", got, action, d, detail)
		}
	}
}

// TestDesktopEndReason checks that the desktop's end reason reaches the
// technician.
func TestDesktopEndReason(t *testing.T) {
	r := relaytest.Start(t)
	tech := r.Login(t)
	d := startSession(t, r, tech)
	d.recv(assist.SignalSessionStart)
	d.send(assist.Signal{Type: assist.SignalEnd, Reason: protocol.EndCaptureFailed})
	if m := tech.Expect(protocol.TypeSessionEnd); m.Payload.(*protocol.SessionEnd).Reason != protocol.EndCaptureFailed {
		t.Errorf("technician got end %+v, want reason %q", m.Payload, protocol.EndCaptureFailed)
	}
}
