// Package relaytest runs a real relay in-process for other packages' tests
// and plays the technician's side over the real HTTP API and /ws/tech
// socket, the way the web console does.
package relaytest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// Technician credentials created by Start.
const (
	Username    = "alex"
	Password    = "alex-password"
	DisplayName = "Alex (IT)"
)

// Relay is a running relay with a temporary SQLite store.
type Relay struct {
	URL   string // http://127.0.0.1:port
	Store *store.SQLite
}

// Start runs the relay on 127.0.0.1 with one technician; it stops at the
// end of the test.
func Start(t testing.TB) *Relay {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(ctx, server.Config{Store: st}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.CreateTechnician(ctx, st, auth.Params{Time: 1, MemoryKiB: 64, Threads: 1}, Username, DisplayName, Password, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		srv.Close()
		st.Close()
	})
	return &Relay{URL: srv.URL, Store: st}
}

// API is a technician signed in to the JSON API (cookie and CSRF token).
type API struct {
	t    testing.TB
	base string
	hc   *http.Client
	csrf string
}

// SignIn signs user in to the relay at base.
func SignIn(t testing.TB, base, user, password string) *API {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	a := &API{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	if st := a.Call("POST", "/api/login", map[string]string{"username": user, "password": password}, &me); st != http.StatusOK {
		t.Fatalf("login %s: status %d", user, st)
	}
	a.csrf = me.CSRFToken
	return a
}

// HTTPClient carries the session cookie (for WebSocket dials).
func (a *API) HTTPClient() *http.Client { return a.hc }

// Call calls the JSON API and returns the status code; out, if not nil,
// receives the decoded body of a successful reply.
func (a *API) Call(method, path string, body, out any) int {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if a.csrf != "" {
		req.Header.Set("X-CSRF-Token", a.csrf)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: %s: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// Tech is a signed-in technician with a live /ws/tech socket.
type Tech struct {
	*API
	t       testing.TB
	ws      *websocket.Conn
	in      chan protocol.Message
	Session string // the current session id, set by Expect(session.start)
}

// Login signs the technician in, opens the console socket and waits for
// the queue snapshot.
func (r *Relay) Login(t testing.TB) *Tech {
	t.Helper()
	c := &Tech{API: SignIn(t, r.URL, Username, Password), t: t, in: make(chan protocol.Message, 256)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(r.URL, "http")+"/ws/tech", &websocket.DialOptions{HTTPClient: c.hc})
	if err != nil {
		t.Fatalf("dial /ws/tech: %v", err)
	}
	ws.SetReadLimit(protocol.MaxMessageSize)
	c.ws = ws
	t.Cleanup(func() { ws.CloseNow() })
	go func() {
		defer close(c.in)
		for {
			_, b, err := ws.Read(context.Background())
			if err != nil {
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
	// The relay registers the socket and sends the queue snapshot in one
	// step; once the snapshot is here, every later request is announced.
	c.Expect(protocol.TypeQueueSnapshot)
	return c
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
	b, err := protocol.Encode(typ, "", c.Session, payload)
	if err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("send %s: %v", typ, err)
	}
}

// Messages delivers what the relay sends the console, for tests that read
// the stream themselves instead of through Expect.
func (c *Tech) Messages() <-chan protocol.Message { return c.in }

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
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-c.in:
			if !ok {
				c.t.Fatalf("console socket closed waiting for %s", typ)
			}
			if m.Type == protocol.TypeSessionStart {
				c.Session = m.Session
			}
			if m.Type == typ {
				return m
			}
			if m.Type == protocol.TypeError {
				c.t.Fatalf("relay error waiting for %s: %+v", typ, m.Payload)
			}
			if other != nil {
				other(m)
			}
		case <-timeout:
			c.t.Fatalf("timeout waiting for %s", typ)
		}
	}
}
