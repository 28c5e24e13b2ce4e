// Package relaytest runs a real relay in-process for tests — its own and
// other packages' — and plays the other parties over the real HTTP API and
// WebSockets: the technician's console the way the web console does, and a
// raw desktop socket.
//
// Start boots a relay on a loopback listener with a temporary SQLite store
// and one administrator (Username, Password, DisplayName). Options change
// that:
//
//   - WithClock(now): the relay's clock (default time.Now); NewClock gives a
//     fake one that only moves on Advance.
//   - WithDataDir(dir): the data directory (default t.TempDir()), e.g. to
//     start on records a previous relay left.
//   - WithAddr(addr): the listen address (default 127.0.0.1:0).
//   - WithTURN(): an embedded TURN server on loopback, announced to both
//     parties of every session (Relay.TURN).
//   - WithoutTechnician(): no default administrator.
//   - WithTechnician(user, display, password, admin): one more account.
//   - WithConfig(func(*server.Config)): any other setting, applied last.
//   - WithLogger(log): where the relay logs (default nowhere).
//
// Relay.Restart stops the relay gracefully and starts a new one on the
// same data directory and address; Relay.Stop stops it early. Both are
// safe to call more than once; the relay stops at the end of the test.
package relaytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
	"github.com/lifeline-desk/lifeline/relay/turnserver"
)

// Technician credentials created by Start.
const (
	Username    = "alex"
	Password    = "alex-password"
	DisplayName = "Alex (IT)"
)

// CheapParams keep argon2id fast in tests; production uses auth.DefaultParams.
var CheapParams = auth.Params{Time: 1, MemoryKiB: 64, Threads: 1}

// TURNSecret is the shared secret of the WithTURN server.
var TURNSecret = []byte("relaytest-turn-secret")

// Option changes how Start runs the relay.
type Option func(*options)

type account struct {
	user, display, password string
	admin                   bool
}

type options struct {
	now       func() time.Time
	dir       string
	addr      string
	turn      bool
	noDefault bool // WithoutTechnician
	accounts  []account
	mods      []func(*server.Config)
	log       *slog.Logger
}

// WithClock sets the relay's clock.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithDataDir runs the relay on dir instead of a fresh temporary directory.
func WithDataDir(dir string) Option { return func(o *options) { o.dir = dir } }

// WithAddr listens on addr instead of 127.0.0.1:0.
func WithAddr(addr string) Option { return func(o *options) { o.addr = addr } }

// WithTURN starts an embedded TURN server on 127.0.0.1 (UDP, and TCP on
// the same port; loopback peers of the session allowed) and announces
// its UDP URL in every session.start.
func WithTURN() Option { return func(o *options) { o.turn = true } }

// WithoutTechnician skips the default administrator.
func WithoutTechnician() Option { return func(o *options) { o.noDefault = true } }

// WithTechnician creates one more account when the relay first starts.
func WithTechnician(user, display, password string, admin bool) Option {
	return func(o *options) { o.accounts = append(o.accounts, account{user, display, password, admin}) }
}

// WithConfig changes the server configuration; it runs after the other
// options, so it can override what they set.
func WithConfig(mod func(*server.Config)) Option {
	return func(o *options) { o.mods = append(o.mods, mod) }
}

// WithLogger sends the relay's log to log.
func WithLogger(log *slog.Logger) Option { return func(o *options) { o.log = log } }

// Relay is a running relay.
type Relay struct {
	URL    string        // http://127.0.0.1:port
	Addr   string        // 127.0.0.1:port, kept across Restart
	Dir    string        // the data directory, kept across Restart
	Store  *store.SQLite // the current relay's store (a new one after Restart)
	Server *server.Server
	TURN   *turnserver.Server // nil without WithTURN

	t    testing.TB
	o    options
	hs   *http.Server
	done chan struct{}
}

// Start runs the relay; it stops at the end of the test.
func Start(t testing.TB, opts ...Option) *Relay {
	t.Helper()
	o := options{now: time.Now, addr: "127.0.0.1:0", log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	if !o.noDefault {
		o.accounts = append([]account{{Username, DisplayName, Password, true}}, o.accounts...)
	}
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	r := &Relay{t: t, o: o, Dir: o.dir, Addr: o.addr}
	if o.turn {
		ts, err := turnserver.New(turnserver.Config{Listen: "127.0.0.1:0", TCP: true, Secret: TURNSecret, AllowLoopbackPeers: true}, o.log)
		if err != nil {
			t.Fatal(err)
		}
		r.TURN = ts
		t.Cleanup(func() { ts.Close() })
	}
	r.start()
	t.Cleanup(r.Stop)
	for _, a := range o.accounts {
		r.AddTechnician(a.user, a.display, a.password, a.admin)
	}
	return r
}

func (r *Relay) start() {
	t := r.t
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	// Every party of a test comes from 127.0.0.1, so the per-address cap
	// on waiting requests is lifted (tests of the cap set it again).
	cfg := server.Config{Store: st, Now: r.o.now, PingInterval: time.Hour, Password: CheapParams,
		Sockets: server.SocketLimits{MaxWaitingPerAddr: -1}}
	if r.TURN != nil {
		cfg.TURNURLs = []string{fmt.Sprintf("turn:%s?transport=udp", r.TURN.Addr())}
		cfg.TURNSecret = TURNSecret
		cfg.TURNStats = &r.TURN.Stats
	}
	for _, mod := range r.o.mods {
		mod(&cfg)
	}
	srv, err := server.New(ctx, cfg, r.o.log)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	var ln net.Listener
	for i := 0; ; i++ { // after a restart the old port may linger briefly
		ln, err = net.Listen("tcp", r.Addr)
		if err == nil || i == 100 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		srv.Shutdown(ctx)
		st.Close()
		t.Fatal(err)
	}
	r.Addr = ln.Addr().String()
	r.URL = "http://" + r.Addr
	r.Store, r.Server = st, srv
	if r.TURN != nil {
		r.TURN.SetSessions(srv.TURNSessions()) // live sessions and their parties' addresses
	}
	r.hs = srv.HTTPServer() // the production timeouts and header cap
	r.done = make(chan struct{})
	go func(hs *http.Server, done chan struct{}) {
		hs.Serve(ln)
		close(done)
	}(r.hs, r.done)
}

// Stop shuts the relay down gracefully: running sessions end with reason
// relay_shutdown and every socket is closed. Calling it again does nothing.
func (r *Relay) Stop() {
	if r.hs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.hs.SetKeepAlivesEnabled(false)
	r.hs.Shutdown(ctx)
	if err := r.Server.Shutdown(ctx); err != nil {
		r.t.Errorf("relay shutdown: %v", err)
	}
	<-r.done
	r.Store.Close()
	r.hs = nil
}

// Restart stops the relay and starts a new one on the same data directory
// and address (the embedded TURN server, if any, keeps running).
func (r *Relay) Restart() {
	r.t.Helper()
	r.Stop()
	r.start()
}

// WSURL is the WebSocket URL of path on the relay.
func (r *Relay) WSURL(path string) string { return "ws://" + r.Addr + path }

// AddTechnician creates an account with the relay's clock.
func (r *Relay) AddTechnician(user, display, password string, admin bool) store.Technician {
	r.t.Helper()
	tech, err := server.CreateTechnician(context.Background(), r.Store, CheapParams, user, display, password, admin, r.o.now())
	if err != nil {
		r.t.Fatal(err)
	}
	return tech
}

// Clock is a fake clock for WithClock: it stands still until Advance.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at start, or at 2026-03-02 09:00 UTC when start is zero.
func NewClock(start time.Time) *Clock {
	if start.IsZero() {
		start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	}
	return &Clock{t: start}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// API is a client of the relay's JSON API; after SignIn it carries the
// login cookie and CSRF token.
type API struct {
	t    testing.TB
	base string
	hc   *http.Client
	csrf string
}

// NewAPI is an API client of the relay at base that has not signed in.
func NewAPI(t testing.TB, base string) *API {
	jar, _ := cookiejar.New(nil)
	return &API{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// SignIn signs user in to the relay at base.
func SignIn(t testing.TB, base, user, password string) *API {
	t.Helper()
	a := NewAPI(t, base)
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	if st := a.Call("POST", "/api/login", map[string]string{"username": user, "password": password}, &me); st != http.StatusOK {
		t.Fatalf("login %s: status %d", user, st)
	}
	a.csrf = me.CSRFToken
	return a
}

// SignIn signs user in to this relay.
func (r *Relay) SignIn(t testing.TB, user, password string) *API {
	t.Helper()
	return SignIn(t, r.URL, user, password)
}

// HTTPClient carries the session cookie (for WebSocket dials).
func (a *API) HTTPClient() *http.Client { return a.hc }

// CSRF is the token the relay gave at sign-in.
func (a *API) CSRF() string { return a.csrf }

// Call calls the JSON API with the CSRF token and returns the status code;
// out, if not nil, receives the decoded body of a successful reply.
func (a *API) Call(method, path string, body, out any) int {
	a.t.Helper()
	st, data := a.Do(method, path, body, http.Header{"X-CSRF-Token": {a.csrf}})
	if out != nil && st < 300 && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: %s: %v", method, path, data, err)
		}
	}
	return st
}

// Do sends body as JSON with exactly the headers in hdr (empty values are
// left out; no CSRF token unless hdr has one) and returns the status and
// the reply body.
func (a *API) Do(method, path string, body any, hdr http.Header) (int, []byte) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range hdr {
		for _, v := range vs {
			if v != "" {
				req.Header.Add(k, v)
			}
		}
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// Console opens a console socket (/ws/tech) with this login and returns it
// once the queue snapshot has arrived: every later request is announced.
func (a *API) Console() *Socket {
	a.t.Helper()
	s := dial(a.t, "ws"+strings.TrimPrefix(a.base, "http")+"/ws/tech", a.hc)
	s.Next(protocol.TypeQueueSnapshot)
	return s
}

// DialClient opens a raw desktop socket (/ws/client).
func (r *Relay) DialClient(t testing.TB) *Socket {
	t.Helper()
	return dial(t, r.WSURL("/ws/client"), nil)
}

// Socket is a protocol WebSocket with a reader goroutine; it closes at the
// end of the test.
type Socket struct {
	t    testing.TB
	ws   *websocket.Conn
	in   chan protocol.Message
	done chan error
}

func dial(t testing.TB, url string, hc *http.Client) *Socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	ws.SetReadLimit(protocol.MaxMessageSize)
	s := &Socket{t: t, ws: ws, in: make(chan protocol.Message, 256), done: make(chan error, 1)}
	go func() {
		defer close(s.in)
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
				s.done <- err
				return
			}
			m, err := protocol.Decode(b)
			if err != nil {
				t.Errorf("relay sent %s: %v", b, err)
				continue
			}
			s.in <- m
		}
	}()
	t.Cleanup(func() { ws.CloseNow() })
	return s
}

// Conn is the underlying WebSocket, for writing frames the protocol does
// not allow or closing it abruptly.
func (s *Socket) Conn() *websocket.Conn { return s.ws }

// Messages delivers what the relay sends, for tests that read the stream
// themselves; it is closed when the socket closes.
func (s *Socket) Messages() <-chan protocol.Message { return s.in }

// SendMessage sends one protocol message.
func (s *Socket) SendMessage(typ protocol.Type, id, session string, payload any) {
	s.t.Helper()
	b, err := protocol.Encode(typ, id, session, payload)
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.ws.Write(ctx, websocket.MessageText, b); err != nil {
		s.t.Fatalf("send %s: %v", typ, err)
	}
}

// Next returns the next message, which must have type typ: only queue
// announcements (queue.added, queue.updated, request.position), a
// desktop socket's welcome and the guides.changed broadcast may come
// first, anything else fails the test.
func (s *Socket) Next(typ protocol.Type) protocol.Message {
	s.t.Helper()
	return s.await(typ, 10*time.Second, func(m protocol.Message) {
		switch m.Type {
		case protocol.TypeQueueAdded, protocol.TypeQueueUpdated, protocol.TypeRequestPosition, protocol.TypeWelcome, protocol.TypeGuidesChanged:
			return
		}
		s.t.Fatalf("got %s %+v, want %s", m.Type, m.Payload, typ)
	})
}

// await returns the first message of type typ, handing every other one to
// skip; it fails the test if the socket closes or nothing comes in time.
func (s *Socket) await(typ protocol.Type, timeout time.Duration, skip func(protocol.Message)) protocol.Message {
	s.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-s.in:
			if !ok {
				s.t.Fatalf("socket closed while waiting for %s", typ)
			}
			if m.Type == typ {
				return m
			}
			skip(m)
		case <-deadline:
			s.t.Fatalf("timeout waiting for %s", typ)
		}
	}
}

// NextError is Next for an error message, which must carry code.
func (s *Socket) NextError(code protocol.ErrorCode) *protocol.Error {
	s.t.Helper()
	e := s.Next(protocol.TypeError).Payload.(*protocol.Error)
	if e.Code != code {
		s.t.Fatalf("error code = %q (%s), want %q", e.Code, e.Message, code)
	}
	return e
}

// Closed waits for the relay to close the socket and returns the close status.
func (s *Socket) Closed() websocket.StatusCode {
	s.t.Helper()
	select {
	case err := <-s.done:
		return websocket.CloseStatus(err)
	case <-time.After(10 * time.Second):
		s.t.Fatal("socket not closed")
		return 0
	}
}

// Tech is a signed-in technician with a live console socket.
type Tech struct {
	*API
	*Socket
	t       testing.TB
	Session string // the current session id, set by Expect(session.start)
}

// Login signs the default technician in, opens the console socket and
// waits for the queue snapshot.
func (r *Relay) Login(t testing.TB) *Tech {
	t.Helper()
	return r.LoginAs(t, Username, Password)
}

// LoginAs is Login for another account.
func (r *Relay) LoginAs(t testing.TB, user, password string) *Tech {
	t.Helper()
	a := SignIn(t, r.URL, user, password)
	return &Tech{API: a, Socket: a.Console(), t: t}
}

// CreateCode asks the relay for a one-time code.
func (c *Tech) CreateCode() string {
	c.t.Helper()
	var out struct{ Code string }
	if st := c.Call("POST", "/api/codes", nil, &out); st != http.StatusCreated {
		c.t.Fatalf("create code: status %d", st)
	}
	return out.Code
}

// Take takes the request with the given id.
func (c *Tech) Take(id string) int {
	c.t.Helper()
	return c.Call("POST", "/api/requests/"+id+"/take", nil, nil)
}

// Send sends a session message in the current session.
func (c *Tech) Send(typ protocol.Type, payload any) {
	c.t.Helper()
	c.SendMessage(typ, "", c.Session, payload)
}

// Expect returns the next message of type typ, skipping others; it fails
// the test on a relay error or after 20 s.
func (c *Tech) Expect(typ protocol.Type) protocol.Message {
	c.t.Helper()
	return c.ExpectWith(typ, nil)
}

// ExpectWith is Expect that hands every skipped message to other (for
// example ICE candidates arriving before an offer).
func (c *Tech) ExpectWith(typ protocol.Type, other func(protocol.Message)) protocol.Message {
	c.t.Helper()
	m := c.await(typ, 20*time.Second, func(m protocol.Message) {
		switch m.Type {
		case protocol.TypeSessionStart:
			c.Session = m.Session
		case protocol.TypeError:
			c.t.Fatalf("relay error waiting for %s: %+v", typ, m.Payload)
		}
		if other != nil {
			other(m)
		}
	})
	if m.Type == protocol.TypeSessionStart {
		c.Session = m.Session
	}
	return m
}
