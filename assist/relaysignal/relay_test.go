package relaysignal_test

import (
	"context"
	"image"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/assist/inputproto"
	"github.com/lifeline-desk/lifeline/assist/relaysignal"
	"github.com/lifeline-desk/lifeline/assist/vpx"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/store"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// staticSource is a tiny synthetic screen.
type staticSource struct{ n int }

func (s *staticSource) Capture() (assist.Frame, error) {
	s.n++
	pix := make([]byte, 160*120*4)
	for i := range pix {
		pix[i] = byte(i*7 + s.n)
	}
	return assist.Frame{Pix: pix, Stride: 160 * 4, Width: 160, Height: 120, Format: vpx.BGRA}, nil
}
func (s *staticSource) Bounds() image.Rectangle { return image.Rect(0, 0, 160, 120) }
func (s *staticSource) Close() error            { return nil }

type recInjector struct {
	mu sync.Mutex
	in []assist.Input
}

func (r *recInjector) Inject(in assist.Input) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.in = append(r.in, in)
	return nil
}

func (r *recInjector) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.in)
}

// TestSessionThroughRelay runs a one-time-code session through the real
// relay: consent messages, trickle ICE, VP8 frames, control and the end,
// and checks the relay's audit log.
func TestSessionThroughRelay(t *testing.T) {
	r := relaytest.Start(t)
	tech := r.Login(t)
	code := tech.CreateCode()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rc, err := client.Dial(ctx, "ws"+strings.TrimPrefix(r.URL, "http")+"/ws/client", client.Options{NoReconnect: true, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()

	asked := make(chan assist.ConsentRequest, 4)
	states := make(chan assist.Event, 32)
	inj := &recInjector{}
	sess, err := assist.New(assist.Config{
		Signaler: relaysignal.New(rc, nil),
		Consenter: assist.ConsentFunc(func(ctx context.Context, req assist.ConsentRequest) (bool, error) {
			asked <- req
			return true, nil
		}),
		OnEvent:   func(e assist.Event) { states <- e },
		NewSource: func() (assist.Source, error) { return &staticSource{}, nil },
		Injector:  inj,
		Network:   assist.NetworkOptions{LoopbackOnly: true},
	}, discard())
	if err != nil {
		t.Fatal(err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- sess.Run(ctx) }()
	if _, err := rc.RedeemCode(ctx, code, protocol.ClientInfo{Name: "Ana"}); err != nil {
		t.Fatalf("redeem code: %v", err)
	}
	tech.Expect(protocol.TypeSessionStart)

	// The technician's browser, played by pion.
	se := webrtc.SettingEngine{}
	se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(m))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	gotFrame := make(chan struct{}, 1)
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if p.Marker {
				select {
				case gotFrame <- struct{}{}:
				default:
				}
			}
		}
	})
	channels := make(chan *webrtc.DataChannel, 2)
	pc.OnDataChannel(func(dc *webrtc.DataChannel) { dc.OnOpen(func() { channels <- dc }) })
	var candMu sync.Mutex
	var pending []webrtc.ICECandidateInit
	remoteSet := false
	addCand := func(c *protocol.Candidate) {
		init := webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex}
		candMu.Lock()
		defer candMu.Unlock()
		if !remoteSet {
			pending = append(pending, init)
			return
		}
		pc.AddICECandidate(init)
	}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		j := c.ToJSON()
		tech.Send(protocol.TypeCandidate, &protocol.Candidate{Candidate: j.Candidate, SDPMid: j.SDPMid, SDPMLineIndex: j.SDPMLineIndex})
	})

	tech.Send(protocol.TypeViewRequest, &protocol.Consent{})
	req := <-asked
	if req.Permission != assist.PermissionView || req.Technician != "Alex (IT)" {
		t.Errorf("view question = %+v, want from Alex (IT)", req)
	}
	tech.Expect(protocol.TypeViewGrant)
	offer := tech.ExpectWith(protocol.TypeOffer, func(m protocol.Message) {
		if c, ok := m.Payload.(*protocol.Candidate); ok {
			addCand(c)
		}
	})
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer.Payload.(*protocol.SDP).SDP}); err != nil {
		t.Fatal(err)
	}
	ans, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetLocalDescription(ans); err != nil {
		t.Fatal(err)
	}
	candMu.Lock()
	remoteSet = true
	for _, c := range pending {
		pc.AddICECandidate(c)
	}
	candMu.Unlock()
	tech.Send(protocol.TypeAnswer, &protocol.SDP{SDP: ans.SDP})

	// Keep consuming candidates while waiting for media.
	fwd := make(chan protocol.Message, 8)
	go func() {
		for m := range tech.Messages() {
			if m.Type == protocol.TypeCandidate {
				addCand(m.Payload.(*protocol.Candidate))
			}
			if m.Type == protocol.TypeControlGrant || m.Type == protocol.TypeSessionEnd {
				fwd <- m
			}
		}
	}()
	select {
	case <-gotFrame:
	case <-time.After(20 * time.Second):
		t.Fatal("no video frame through the relay-signalled connection")
	}
	var control *webrtc.DataChannel
	for control == nil {
		select {
		case dc := <-channels:
			if dc.Label() == inputproto.ControlChannel {
				control = dc
			}
		case <-time.After(20 * time.Second):
			t.Fatal("control channel did not open")
		}
	}

	tech.Send(protocol.TypeControlRequest, &protocol.Consent{})
	if req := <-asked; req.Permission != assist.PermissionControl {
		t.Errorf("second question = %+v", req)
	}
	select {
	case m := <-fwd:
		if m.Type != protocol.TypeControlGrant {
			t.Fatalf("got %s, want control grant", m.Type)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no control grant")
	}
	key, _ := inputproto.Marshal(inputproto.Message{Type: inputproto.TypeKey, Down: true, Code: "KeyA"})
	deadline := time.Now().Add(10 * time.Second)
	for inj.count() == 0 && time.Now().Before(deadline) {
		control.Send(key)
		time.Sleep(50 * time.Millisecond)
	}
	if inj.count() == 0 {
		t.Fatal("no input injected after control grant")
	}

	tech.Send(protocol.TypeSessionEnd, &protocol.SessionEnd{Reason: protocol.EndTechnician})
	select {
	case err := <-runErr:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("session did not end")
	}
	var last assist.Event
	for len(states) > 0 {
		last = <-states
	}
	if last.State != assist.StateEnded || last.Reason != assist.ReasonTechnician {
		t.Errorf("last event = %+v", last)
	}

	evs, err := r.Store.Audit(context.Background(), store.AuditFilter{SessionID: tech.Session})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"consent.view.request", "consent.view.grant", "consent.control.request", "consent.control.grant"} {
		found := false
		for _, a := range actions {
			if a == want {
				found = true
			}
		}
		if !found {
			t.Errorf("audit log %v lacks %s", actions, want)
		}
	}
}
