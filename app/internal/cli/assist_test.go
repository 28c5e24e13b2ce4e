package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	"github.com/pion/ice/v2"
	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/internal/xtest"
	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

func TestAssistUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no flags", nil},
		{"no relay", []string{"--code", "123456789"}},
		{"both", []string{"--relay", "http://x", "--code", "1", "--request", "help"}},
		{"neither", []string{"--relay", "http://x"}},
		{"bad scheme", []string{"--relay", "ftp://x", "--code", "1"}},
		{"extra arg", []string{"--relay", "http://x", "--code", "1", "more"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("LIFELINE_RELAY", "")
			err := cmdAssist(context.Background(), tt.args, strings.NewReader(""), io.Discard, io.Discard)
			if !errors.Is(err, ErrUsage) {
				t.Errorf("cmdAssist(%q) = %v, want ErrUsage", tt.args, err)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("output lacks %q:\n%s", text, s.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAssistCommandWithRelay runs `lifeline assist --code` against an
// in-process relay and a real Xvfb display, answering on "stdin", with a
// pion peer as the technician's browser. Ctrl+C is a cancelled context.
func TestAssistCommandWithRelay(t *testing.T) {
	d := xtest.Start(t, 320, 240)
	t.Setenv("DISPLAY", d)
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, server.Config{Store: st, PingInterval: time.Hour}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.CreateTechnician(ctx, st, auth.Params{Time: 1, MemoryKiB: 64, Threads: 1}, "alex", "Alex (IT)", "alex-password", false, time.Now()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		hs.Close()
		st.Close()
	}()

	// The technician: log in, create a code, open the console socket.
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	api := func(path, csrf string, body, out any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", hs.URL+path, bytes.NewReader(b))
		req.Header.Set("X-CSRF-Token", csrf)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	api("/api/login", "", map[string]string{"username": "alex", "password": "alex-password"}, &me)
	var code struct {
		Code string `json:"code"`
	}
	api("/api/codes", me.CSRF, map[string]any{}, &code)
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	ws, _, err := websocket.Dial(wctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/ws/tech", &websocket.DialOptions{HTTPClient: hc})
	wcancel()
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	in := make(chan protocol.Message, 64)
	go func() {
		defer close(in)
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			if m, err := protocol.Decode(b); err == nil {
				in <- m
			}
		}
	}()
	var session string
	send := func(typ protocol.Type, p any) {
		b, _ := protocol.Encode(typ, "", session, p)
		ws.Write(context.Background(), websocket.MessageText, b)
	}
	// Both sides on loopback only, so the test also runs where lo is the
	// only interface (unshare -n).
	se := webrtc.SettingEngine{}
	se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	media := &webrtc.MediaEngine{}
	if err := media.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(media)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	connected := make(chan struct{})
	var once sync.Once
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			once.Do(func() { close(connected) })
		}
	})
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			j := c.ToJSON()
			send(protocol.TypeCandidate, &protocol.Candidate{Candidate: j.Candidate, SDPMid: j.SDPMid, SDPMLineIndex: j.SDPMLineIndex})
		}
	})
	got := make(chan protocol.Type, 64)
	go func() {
		var pending []webrtc.ICECandidateInit
		answered := false
		for m := range in {
			switch p := m.Payload.(type) {
			case *protocol.SessionStart:
				session = p.SessionID
				send(protocol.TypeViewRequest, &protocol.Consent{})
			case *protocol.SDP:
				pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: p.SDP})
				ans, _ := pc.CreateAnswer(nil)
				pc.SetLocalDescription(ans)
				send(protocol.TypeAnswer, &protocol.SDP{SDP: ans.SDP})
				answered = true
				for _, c := range pending {
					pc.AddICECandidate(c)
				}
			case *protocol.Candidate:
				c := webrtc.ICECandidateInit{Candidate: p.Candidate, SDPMid: p.SDPMid, SDPMLineIndex: p.SDPMLineIndex}
				if answered {
					pc.AddICECandidate(c)
				} else {
					pending = append(pending, c)
				}
			}
			got <- m.Type
		}
	}()

	// The user: answers y to viewing, y to control.
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	var stdout syncBuffer
	runCtx, interrupt := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- cmdAssist(runCtx, []string{"--relay", hs.URL, "--code", code.Code, "--name", "Ana", "--ice-interfaces", "lo"}, stdinR, &stdout, io.Discard)
	}()
	stdout.waitFor(t, "Alex (IT) wants to see your screen. Allow? [y/N]")
	io.WriteString(stdinW, "y\n")
	stdout.waitFor(t, "Alex (IT) can now see your screen.")
	select {
	case <-connected:
	case <-time.After(20 * time.Second):
		t.Fatal("no video reached the technician")
	}
	send(protocol.TypeControlRequest, &protocol.Consent{})
	stdout.waitFor(t, "Alex (IT) wants to control your mouse and keyboard. Allow? [y/N]")
	io.WriteString(stdinW, "y\n")
	stdout.waitFor(t, "Alex (IT) now controls your mouse and keyboard.")
	io.WriteString(stdinW, "r\n")
	stdout.waitFor(t, "You took back control.")

	interrupt() // Ctrl+C
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("cmdAssist = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("cmdAssist did not return after Ctrl+C")
	}
	stdout.waitFor(t, "Session ended (you ended it).")
	deadline := time.After(10 * time.Second)
	var types []protocol.Type
	for {
		select {
		case typ := <-got:
			types = append(types, typ)
			if typ == protocol.TypeSessionEnd {
				for _, want := range []protocol.Type{protocol.TypeViewGrant, protocol.TypeControlGrant, protocol.TypeControlRevoke} {
					if !contains(types, want) {
						t.Errorf("technician got %v, missing %s", types, want)
					}
				}
				return
			}
		case <-deadline:
			t.Fatalf("technician never got session.end; got %v", types)
		}
	}
}

func contains(ts []protocol.Type, t protocol.Type) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// TestAssistCommandRequestDeclined puts a request in the queue with
// --request, lets the technician take it, and declines viewing on the
// terminal: the command ends cleanly without ever capturing.
func TestAssistCommandRequestDeclined(t *testing.T) {
	t.Setenv("DISPLAY", ":4242") // no X server: capture would fail loudly
	r := relaytest.Start(t)
	tech := r.Login(t)
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	var stdout syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- cmdAssist(context.Background(), []string{"--relay", r.URL, "--request", "printer says offline", "--name", "Ana"}, stdinR, &stdout, io.Discard)
	}()
	stdout.waitFor(t, "Your request was sent. You are number 1 in the queue")
	item := tech.Expect(protocol.TypeQueueAdded).Payload.(*protocol.QueueItem)
	if item.Description != "printer says offline" || item.Name != "Ana" {
		t.Errorf("queue item = %+v", item)
	}
	if st := tech.Take(item.ID); st != http.StatusOK {
		t.Fatalf("take: status %d", st)
	}
	tech.Expect(protocol.TypeSessionStart)
	stdout.waitFor(t, "Alex (IT) took your request.")
	tech.Send(protocol.TypeViewRequest, &protocol.Consent{})
	stdout.waitFor(t, "Alex (IT) wants to see your screen. Allow? [y/N]")
	io.WriteString(stdinW, "\n") // Enter alone: the default is no
	tech.Expect(protocol.TypeViewDeny)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("cmdAssist = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("cmdAssist did not return after the decline")
	}
	stdout.waitFor(t, "Session ended (you declined).")
	if strings.Contains(stdout.String(), "can now see your screen") {
		t.Errorf("output claims viewing:\n%s", stdout.String())
	}
}

func TestAssistCommandBadCode(t *testing.T) {
	r := relaytest.Start(t)
	var stdout syncBuffer
	err := cmdAssist(context.Background(), []string{"--relay", r.URL, "--code", "123456789"}, strings.NewReader(""), &stdout, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "code was not accepted") {
		t.Errorf("cmdAssist with a wrong code = %v", err)
	}
}
