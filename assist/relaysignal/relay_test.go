package relaysignal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/assist/inputproto"
	"github.com/lifeline-desk/lifeline/assist/relaysignal"
	"github.com/lifeline-desk/lifeline/assist/vpx"
	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// startRelay runs the relay server in-process on 127.0.0.1:0 with a
// temporary data dir, and one technician "alex" (display name "Alex (IT)").
func startRelay(t *testing.T) (srv *httptest.Server, st *store.SQLite) {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(ctx, server.Config{Store: st, PingInterval: time.Hour}, discard())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.CreateTechnician(ctx, st, auth.Params{Time: 1, MemoryKiB: 64, Threads: 1}, "alex", "Alex (IT)", "alex-password", false, time.Now()); err != nil {
		t.Fatal(err)
	}
	srv = httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		srv.Close()
		st.Close()
	})
	return srv, st
}

// console is the technician's side: HTTP API and /ws/tech.
type console struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
	ws   *websocket.Conn
	in   chan protocol.Message
	sess string
	fwd  chan protocol.Message
}

// in2 carries the messages the background reader picked out.
func (c *console) in2() chan protocol.Message { return c.fwd }

func login(t *testing.T, base string) *console {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &console{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}, in: make(chan protocol.Message, 64), fwd: make(chan protocol.Message, 8)}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	if st := c.api("POST", "/api/login", map[string]string{"username": "alex", "password": "alex-password"}, &me); st != http.StatusOK {
		t.Fatalf("login: status %d", st)
	}
	c.csrf = me.CSRFToken
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws/tech", &websocket.DialOptions{HTTPClient: c.hc})
	if err != nil {
		t.Fatalf("dial /ws/tech: %v", err)
	}
	ws.SetReadLimit(protocol.MaxMessageSize)
	c.ws = ws
	t.Cleanup(func() { ws.CloseNow() })
	go func() {
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				close(c.in)
				return
			}
			m, err := protocol.Decode(b)
			if err != nil {
				t.Errorf("relay sent %s: %v", b, err)
				continue
			}
			c.in <- m
		}
	}()
	return c
}

func (c *console) api(method, path string, body, out any) int {
	c.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %s: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

func (c *console) send(typ protocol.Type, payload any) {
	c.t.Helper()
	b, err := protocol.Encode(typ, "", c.sess, payload)
	if err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("send %s: %v", typ, err)
	}
}

// expect returns the next message of type typ, handing candidates to onCand.
func (c *console) expect(typ protocol.Type, onCand func(*protocol.Candidate)) protocol.Message {
	c.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-c.in:
			if !ok {
				c.t.Fatalf("console socket closed waiting for %s", typ)
			}
			if m.Type == typ {
				return m
			}
			if m.Type == protocol.TypeCandidate && onCand != nil {
				onCand(m.Payload.(*protocol.Candidate))
			}
			if m.Type == protocol.TypeError {
				c.t.Fatalf("relay error: %+v", m.Payload)
			}
		case <-timeout:
			c.t.Fatalf("timeout waiting for %s", typ)
		}
	}
}

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
	srv, st := startRelay(t)
	tech := login(t, srv.URL)
	tech.expect(protocol.TypeQueueSnapshot, nil)
	var code struct {
		Code string `json:"code"`
	}
	if s := tech.api("POST", "/api/codes", map[string]any{}, &code); s != http.StatusCreated {
		t.Fatalf("create code: status %d", s)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rc, err := client.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws/client", client.Options{NoReconnect: true, Logger: discard()})
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
	if _, err := rc.RedeemCode(ctx, code.Code, protocol.ClientInfo{Name: "Ana"}); err != nil {
		t.Fatalf("redeem code: %v", err)
	}
	start := tech.expect(protocol.TypeSessionStart, nil)
	tech.sess = start.Payload.(*protocol.SessionStart).SessionID

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
		tech.send(protocol.TypeCandidate, &protocol.Candidate{Candidate: j.Candidate, SDPMid: j.SDPMid, SDPMLineIndex: j.SDPMLineIndex})
	})

	tech.send(protocol.TypeViewRequest, &protocol.Consent{})
	req := <-asked
	if req.Permission != assist.PermissionView || req.Technician != "Alex (IT)" {
		t.Errorf("view question = %+v, want from Alex (IT)", req)
	}
	tech.expect(protocol.TypeViewGrant, nil)
	offer := tech.expect(protocol.TypeOffer, addCand)
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
	tech.send(protocol.TypeAnswer, &protocol.SDP{SDP: ans.SDP})

	// Keep consuming candidates while waiting for media.
	go func() {
		for m := range tech.in {
			if m.Type == protocol.TypeCandidate {
				addCand(m.Payload.(*protocol.Candidate))
			}
			if m.Type == protocol.TypeControlGrant || m.Type == protocol.TypeSessionEnd {
				tech.in2() <- m
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

	tech.send(protocol.TypeControlRequest, &protocol.Consent{})
	if req := <-asked; req.Permission != assist.PermissionControl {
		t.Errorf("second question = %+v", req)
	}
	select {
	case m := <-tech.in2():
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

	tech.send(protocol.TypeSessionEnd, &protocol.SessionEnd{Reason: protocol.EndTechnician})
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

	evs, err := st.Audit(context.Background(), store.AuditFilter{SessionID: tech.sess})
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
