package server_test

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/limit"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// auditAddrs are the addresses of the audit events with action a.
func (r *relay) auditAddrs(a protocol.AuditAction) []string {
	r.t.Helper()
	evs, err := r.Store.Audit(context.Background(), store.AuditFilter{Action: a})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Address)
	}
	return out
}

// TestForgedForwardedForIgnored: a client that is not one of the trusted
// proxies and sends its own X-Forwarded-For neither changes the audit
// address nor escapes the per-address login limit by claiming a new
// address each time.
func TestForgedForwardedForIgnored(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) {
		c.AddressLockout = limit.Lockout{MaxFailures: 3, Window: time.Hour, Lockout: time.Hour}
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")} // not 127.0.0.1
	}))
	r.addTech("alex", false)
	a := r.anonymous()
	for i, forged := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3, 198.51.100.9"} {
		st := a.doHeader("POST", "/api/login", map[string]string{"username": "user" + string(rune('a'+i)), "password": "wrong-password"}, nil,
			http.Header{"X-Forwarded-For": {forged}})
		if st != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i, st)
		}
	}
	// A fourth address claimed in the header: still the same socket address, locked.
	var e apiError
	st := a.doHeader("POST", "/api/login", map[string]string{"username": "alex", "password": "alex-password"}, &e,
		http.Header{"X-Forwarded-For": {"192.0.2.77"}})
	if st != http.StatusTooManyRequests || e.Error != "locked" {
		t.Fatalf("login after 3 failures from one socket address with a forged header: %d %+v, want 429 locked", st, e)
	}
	for _, action := range []protocol.AuditAction{protocol.AuditLoginFailed, protocol.AuditLoginLocked} {
		addrs := r.auditAddrs(action)
		if len(addrs) == 0 {
			t.Fatalf("no %s audit events", action)
		}
		for _, got := range addrs {
			if got != "127.0.0.1" {
				t.Errorf("%s audited from %q, want the socket address 127.0.0.1", action, got)
			}
		}
	}

	// The desktop socket too: the forged header is not the request's address.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, r.WSURL("/ws/client"), &websocket.DialOptions{HTTPHeader: http.Header{"X-Forwarded-For": {"10.9.8.7"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	b, _ := protocol.Encode(protocol.TypeRequestSubmit, "s", "", submitReq("forged"))
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the welcome, then the reply
		if _, _, err := ws.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.auditAddrs(protocol.AuditRequestCreated); len(got) != 1 || got[0] != "127.0.0.1" {
		t.Fatalf("request.created addresses %v, want [127.0.0.1]", got)
	}
}

// TestTrustedProxyForwardedFor: from a trusted proxy the right-most
// address that is not a proxy counts; what the client put left of it does not.
func TestTrustedProxyForwardedFor(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}
	}))
	a := r.anonymous()
	for _, xff := range []string{
		"203.0.113.50",                        // the client, as the proxy saw it
		"192.0.2.1, 203.0.113.51",             // a forged hop left of the real one
		"192.0.2.1, 203.0.113.52, 10.1.2.3",   // two proxies: the inner one is trusted too
		"not-an-ip, 203.0.113.53",             // garbage to the left is ignored
		"[2001:db8::1]",                       // not a bare address: the proxy itself counts
		"2001:db8::7",                         // IPv6 client
		"::ffff:203.0.113.54",                 // IPv4-mapped, unmapped
		"203.0.113.55, 127.0.0.1, 127.0.0.1 ", // loopback proxies in the chain
	} {
		// One user name each: the per-account lockout must not turn them into login.locked.
		a.doHeader("POST", "/api/login", map[string]string{"username": "nobody-" + xff, "password": "wrong-password"}, nil, http.Header{"X-Forwarded-For": {xff}})
	}
	want := []string{"203.0.113.50", "203.0.113.51", "203.0.113.52", "203.0.113.53", "127.0.0.1", "2001:db8::7", "203.0.113.54", "203.0.113.55"}
	got := r.auditAddrs(protocol.AuditLoginFailed)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("audited addresses\n got %v\nwant %v", got, want)
	}
}

func loginResponse(t *testing.T, r *relay, user string) *http.Response {
	t.Helper()
	resp, err := http.Post(r.URL+"/api/login", "application/json", jsonBody(map[string]string{"username": user, "password": user + "-password"}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	return resp
}

// TestSecureCookieAndHSTS: with an https public URL (a TLS proxy in
// front) the login cookie is Secure with the __Host- prefix and every
// response carries HSTS; with none, neither.
func TestSecureCookieAndHSTS(t *testing.T) {
	t.Run("https", func(t *testing.T) {
		r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.PublicURL = "https://help.example.org" }))
		r.addTech("alex", false)
		resp := loginResponse(t, r, "alex")
		cks := resp.Cookies()
		if len(cks) != 1 || cks[0].Name != "__Host-lifeline_session" || !cks[0].Secure || !cks[0].HttpOnly || cks[0].Path != "/" ||
			cks[0].Domain != "" || cks[0].SameSite != http.SameSiteStrictMode {
			t.Fatalf("cookies %+v, want one Secure HttpOnly __Host-lifeline_session for / without Domain", cks)
		}
		if h := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=") {
			t.Fatalf("login reply HSTS %q", h)
		}
		hz, err := http.Get(r.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		hz.Body.Close()
		if hz.Header.Get("Strict-Transport-Security") == "" {
			t.Fatal("no HSTS on /healthz")
		}
		// The cookie authenticates under its own name only.
		for name, want := range map[string]int{"__Host-lifeline_session": 200, "lifeline_session": 401} {
			req, _ := http.NewRequest("GET", r.URL+"/api/me", nil)
			req.AddCookie(&http.Cookie{Name: name, Value: cks[0].Value})
			me, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			me.Body.Close()
			if me.StatusCode != want {
				t.Errorf("/api/me with cookie %s: %d, want %d", name, me.StatusCode, want)
			}
		}
	})
	t.Run("http", func(t *testing.T) {
		r := startRelay(t)
		r.addTech("alex", false)
		resp := loginResponse(t, r, "alex")
		if cks := resp.Cookies(); len(cks) != 1 || cks[0].Name != "lifeline_session" || cks[0].Secure {
			t.Fatalf("cookies %+v, want a plain lifeline_session", cks)
		}
		if h := resp.Header.Get("Strict-Transport-Security"); h != "" {
			t.Fatalf("HSTS %q over plain HTTP", h)
		}
	})
	t.Run("bad URL", func(t *testing.T) {
		st, err := store.OpenSQLite(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := server.New(context.Background(), server.Config{Store: st, PublicURL: "help.example.org"}, nil); err == nil {
			t.Fatal("a public URL without scheme was accepted")
		}
	})
}
