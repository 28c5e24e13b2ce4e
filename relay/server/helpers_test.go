package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// fakeClock is an injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type relay struct {
	t     testing.TB
	dir   string
	st    *store.SQLite
	srv   *Server
	http  *httptest.Server
	clock *fakeClock
	addr  string
}

// cheapParams keep argon2id fast in tests; production uses auth.DefaultParams.
var cheapParams = auth.Params{Time: 1, MemoryKiB: 64, Threads: 1}

func testLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startRelay starts a relay on a fresh data dir (or dir, when set) at addr
// (or 127.0.0.1:0).
func startRelay(t testing.TB, dir, addr string, mod func(*Config)) *relay {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{t: t, dir: dir, st: st, clock: newClock()}
	cfg := Config{Store: st, Now: r.clock.Now, PingInterval: time.Hour, Password: cheapParams}
	if mod != nil {
		mod(&cfg)
	}
	r.srv, err = New(ctx, cfg, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	for i := 0; ; i++ { // the old port may linger briefly after a restart
		ln, err = net.Listen("tcp", addr)
		if err == nil || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	r.http = httptest.NewUnstartedServer(r.srv.Handler())
	r.http.Listener.Close()
	r.http.Listener = ln
	r.http.Start()
	r.addr = ln.Addr().String()
	t.Cleanup(r.stop)
	return r
}

func (r *relay) stop() {
	if r.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.http.Config.SetKeepAlivesEnabled(false)
	if err := r.srv.Shutdown(ctx); err != nil {
		r.t.Errorf("relay shutdown: %v", err)
	}
	r.http.Close()
	r.st.Close()
	r.srv = nil
}

func (r *relay) wsURL(path string) string { return "ws://" + r.addr + path }

func (r *relay) addTech(name string, admin bool) store.Technician {
	r.t.Helper()
	t, err := CreateTechnician(context.Background(), r.st, cheapParams, name, strings.ToUpper(name[:1])+name[1:], name+"-password", admin, r.clock.Now())
	if err != nil {
		r.t.Fatal(err)
	}
	return t
}

// tech is a logged-in console.
type tech struct {
	t    testing.TB
	r    *relay
	hc   *http.Client
	csrf string
	user store.Technician
}

func (r *relay) login(name string) *tech {
	r.t.Helper()
	jar, _ := cookiejar.New(nil)
	tc := &tech{t: r.t, r: r, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	var me meJSON
	status := tc.do("POST", "/api/login", map[string]string{"username": name, "password": name + "-password"}, &me)
	if status != http.StatusOK {
		r.t.Fatalf("login %s: status %d", name, status)
	}
	tc.csrf = me.CSRFToken
	return tc
}

// do sends a JSON API request with the CSRF header and decodes the reply into out.
func (tc *tech) do(method, path string, body, out any) int {
	tc.t.Helper()
	return tc.doHeader(method, path, body, out, map[string]string{csrfHeader: tc.csrf})
}

func (tc *tech) doHeader(method, path string, body, out any, hdr map[string]string) int {
	tc.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+tc.r.addr+path, rd)
	for k, v := range hdr {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := tc.hc.Do(req)
	if err != nil {
		tc.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			if s, ok := out.(*string); ok {
				*s = string(b)
			} else {
				tc.t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
			}
		}
	}
	return resp.StatusCode
}

// ws opens the technician's console socket.
func (tc *tech) ws() *peer {
	tc.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, tc.r.wsURL("/ws/tech"), &websocket.DialOptions{HTTPClient: tc.hc})
	if err != nil {
		tc.t.Fatalf("dial /ws/tech: %v", err)
	}
	p := newPeer(tc.t, c)
	p.expect(protocol.TypeQueueSnapshot)
	return p
}

// peer is a raw protocol socket with a reader goroutine.
type peer struct {
	t    testing.TB
	ws   *websocket.Conn
	in   chan protocol.Message
	done chan error
}

func newPeer(t testing.TB, ws *websocket.Conn) *peer {
	ws.SetReadLimit(1 << 20)
	p := &peer{t: t, ws: ws, in: make(chan protocol.Message, 256), done: make(chan error, 1)}
	go func() {
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				p.done <- err
				close(p.in)
				return
			}
			m, err := protocol.Decode(b)
			if err != nil {
				t.Errorf("relay sent an undecodable message %s: %v", b, err)
				continue
			}
			p.in <- m
		}
	}()
	t.Cleanup(func() { ws.CloseNow() })
	return p
}

func (r *relay) dialClient() *peer {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, r.wsURL("/ws/client"), nil)
	if err != nil {
		r.t.Fatalf("dial /ws/client: %v", err)
	}
	return newPeer(r.t, c)
}

func (p *peer) send(typ protocol.Type, id, session string, payload any) {
	p.t.Helper()
	b, err := protocol.Encode(typ, id, session, payload)
	if err != nil {
		p.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.ws.Write(ctx, websocket.MessageText, b); err != nil {
		p.t.Fatalf("send %s: %v", typ, err)
	}
}

// expect returns the next message, which must have type typ (messages of
// the queue.* kinds are skipped unless asked for).
func (p *peer) expect(typ protocol.Type) protocol.Message {
	p.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-p.in:
			if !ok {
				p.t.Fatalf("socket closed while waiting for %s", typ)
			}
			if m.Type == typ {
				return m
			}
			switch m.Type {
			case protocol.TypeQueueAdded, protocol.TypeQueueUpdated, protocol.TypeRequestPosition:
				continue
			}
			p.t.Fatalf("got %s %+v, want %s", m.Type, m.Payload, typ)
		case <-timeout:
			p.t.Fatalf("timeout waiting for %s", typ)
		}
	}
}

func (p *peer) expectError(code protocol.ErrorCode) *protocol.Error {
	p.t.Helper()
	m := p.expect(protocol.TypeError)
	e := m.Payload.(*protocol.Error)
	if e.Code != code {
		p.t.Fatalf("error code = %q (%s), want %q", e.Code, e.Message, code)
	}
	return e
}

// expectClosed waits for the socket to close and returns the close status.
func (p *peer) expectClosed() websocket.StatusCode {
	p.t.Helper()
	select {
	case err := <-p.done:
		return websocket.CloseStatus(err)
	case <-time.After(10 * time.Second):
		p.t.Fatal("socket not closed")
		return 0
	}
}

func submitReq(desc string) *protocol.RequestSubmit {
	return &protocol.RequestSubmit{
		ClientInfo:  protocol.ClientInfo{Name: "Ana", Contact: "ext 42", OS: "linux", AppVersion: "0.1.0"},
		Description: desc,
		Guide: &protocol.GuideContext{GuideID: "printer-offline", GuideTitle: "Printer is offline", Steps: []protocol.GuideStep{
			{StepID: "power", Title: "Is it on?", Answer: "yes", Check: &protocol.CheckResult{Name: "spooler", Status: "warn", Detail: "3 jobs stuck"}},
		}},
		Diagnostics: []protocol.CheckResult{{Name: "network", Status: "ok", Detail: "route to 10.0.0.1"}},
	}
}

// goClient dials with the real client package.
func (r *relay) goClient(opts client.Options) *client.Client {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts.Logger = testLogger()
	c, err := client.Dial(ctx, r.wsURL("/ws/client"), opts)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	return c
}

func nextMsg(t testing.TB, c *client.Client, typ protocol.Type) protocol.Message {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.Messages():
			if !ok {
				t.Fatalf("client closed while waiting for %s", typ)
			}
			if m.Type == typ {
				return m
			}
			if m.Type == protocol.TypeRequestPosition {
				continue
			}
			t.Fatalf("got %s %+v, want %s", m.Type, m.Payload, typ)
		case <-timeout:
			t.Fatalf("timeout waiting for %s", typ)
		}
	}
}

func ctx10s(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (r *relay) auditActions(sessionID string) []string {
	r.t.Helper()
	evs, err := r.st.Audit(context.Background(), store.AuditFilter{SessionID: sessionID})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}
