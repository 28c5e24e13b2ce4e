package turnserver

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/turn/v4"
)

var testSecret = []byte("s3cret")

func TestCheckCredentials(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	user, pass := Credentials(testSecret, "sess1", time.Hour, now)
	if want := "1700003600:sess1"; user != want {
		t.Fatalf("username = %q, want %q", user, want)
	}
	tests := []struct {
		name       string
		user, pass string
		at         time.Time
		wantErr    bool
	}{
		{"valid", user, pass, now, false},
		{"valid at expiry", user, pass, now.Add(time.Hour), false},
		{"expired", user, pass, now.Add(time.Hour + time.Second), true},
		{"wrong password", user, pass + "x", now, true},
		{"other secret", user, sign([]byte("other"), user), now, true},
		{"tampered session", "1700003600:sess2", pass, now, true},
		{"no expiry", "sess1", pass, now, true},
		{"no session", "1700003600:", sign(testSecret, "1700003600:"), now, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sess, err := CheckCredentials(testSecret, tt.user, tt.pass, tt.at)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && sess != "sess1" {
				t.Fatalf("session = %q", sess)
			}
		})
	}
}

// coturn documents: password = base64(hmac-sha1(secret, username)).
func TestCoturnCompatible(t *testing.T) {
	// Fixed vector computed with: printf '1700003600:sess1' | openssl dgst -sha1 -hmac s3cret -binary | base64
	if got, want := sign(testSecret, "1700003600:sess1"), "/ldqvhPvKG463hjbl59wiPZPJhI="; got != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}
}

// fakeSessions are the relay's live sessions and their parties' addresses.
type fakeSessions struct {
	mu   sync.Mutex
	live map[string][]netip.Addr
}

func (f *fakeSessions) Peers(id string) ([]netip.Addr, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.live[id]
	return p, ok
}

func (f *fakeSessions) set(id string, peers ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.live == nil {
		f.live = map[string][]netip.Addr{}
	}
	f.live[id] = nil
	for _, p := range peers {
		f.live[id] = append(f.live[id], netip.MustParseAddr(p))
	}
}

func (f *fakeSessions) end(id string) { f.mu.Lock(); delete(f.live, id); f.mu.Unlock() }

func newTestServer(t testing.TB, mod ...func(*Config)) (*Server, *fakeSessions) {
	t.Helper()
	fs := &fakeSessions{}
	fs.set("sess", "127.0.0.1")
	fs.set("bench", "127.0.0.1")
	cfg := Config{Listen: "127.0.0.1:0", TCP: true, Secret: testSecret, AllowLoopbackPeers: true, Sessions: fs, SweepInterval: 50 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, fs
}

func newClient(t testing.TB, s *Server, user, pass string) *turn.Client {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startClient(t, s.Addr().String(), conn, user, pass)
}

// newTCPClient speaks TURN over one TCP (or, with tc, TLS) connection.
func newTCPClient(t testing.TB, addr string, tc *tls.Config, user, pass string) *turn.Client {
	t.Helper()
	var c net.Conn
	var err error
	if tc != nil {
		c, err = tls.Dial("tcp4", addr, tc)
	} else {
		c, err = net.Dial("tcp4", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	return startClient(t, addr, turn.NewSTUNConn(c), user, pass)
}

func startClient(t testing.TB, addr string, conn net.PacketConn, user, pass string) *turn.Client {
	t.Helper()
	t.Cleanup(func() { conn.Close() })
	c, err := turn.NewClient(&turn.ClientConfig{
		TURNServerAddr: addr, STUNServerAddr: addr,
		Username: user, Password: pass, Realm: "lifeline", Conn: conn,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	return c
}

// eventually waits up to 2 s for cond, which the server's goroutines
// make true after the event the test caused.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 2 s", what)
		}
	}
}

func TestAllocation(t *testing.T) {
	s, fs := newTestServer(t)
	t.Run("bad credentials refused", func(t *testing.T) {
		user, _ := Credentials(testSecret, "sess", time.Hour, time.Now())
		if _, err := newClient(t, s, user, "wrong").Allocate(); err == nil {
			t.Fatal("Allocate with a wrong password succeeded")
		}
		expUser, expPass := Credentials(testSecret, "sess", -time.Minute, time.Now())
		if _, err := newClient(t, s, expUser, expPass).Allocate(); err == nil {
			t.Fatal("Allocate with expired credentials succeeded")
		}
	})
	t.Run("dead session refused", func(t *testing.T) {
		fs.set("gone", "127.0.0.1")
		user, pass := Credentials(testSecret, "gone", time.Hour, time.Now())
		fs.end("gone")
		before := s.Stats.AuthFailures.Load()
		if _, err := newClient(t, s, user, pass).Allocate(); err == nil {
			t.Fatal("Allocate with the credential of an ended session succeeded")
		}
		if got := s.Stats.AuthFailures.Load() - before; got < 1 {
			t.Fatalf("auth failures counted %d", got)
		}
	})
	t.Run("no sessions set refuses all", func(t *testing.T) {
		s2, _ := newTestServer(t, func(c *Config) { c.Sessions = nil })
		user, pass := Credentials(testSecret, "sess", time.Hour, time.Now())
		if _, err := newClient(t, s2, user, pass).Allocate(); err == nil {
			t.Fatal("Allocate without a Sessions succeeded")
		}
	})
	for _, tr := range []string{"udp", "tcp"} {
		t.Run("relays data over "+tr, func(t *testing.T) {
			user, pass := Credentials(testSecret, "sess", time.Hour, time.Now())
			c := newClient(t, s, user, pass)
			if tr == "tcp" {
				c = newTCPClient(t, s.TCPAddr().String(), nil, user, pass)
			}
			before := s.Stats.AllocationsTCP.Load()
			relayRoundTrip(t, s, c)
			if got := s.Stats.AllocationsTCP.Load() - before; (got == 1) != (tr == "tcp") {
				t.Fatalf("TCP allocations counted %d", got)
			}
		})
	}
}

// relayRoundTrip allocates on c and exchanges a datagram with a loopback peer.
func relayRoundTrip(t *testing.T, s *Server, c *turn.Client) {
	t.Helper()
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	defer relay.Close()
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	// A permission is needed before the peer can send: write from the client first.
	if _, err := relay.WriteTo([]byte("ping"), peer.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, from, err := peer.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "ping" {
		t.Fatalf("peer read %q %v", buf[:n], err)
	}
	msg := []byte("hello through TURN")
	if _, err := peer.WriteTo(msg, from); err != nil {
		t.Fatal(err)
	}
	relay.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err = relay.ReadFrom(buf)
	if err != nil || !bytes.Equal(buf[:n], msg) {
		t.Fatalf("client read %q %v", buf[:n], err)
	}
	// The counters are updated by the relay's goroutines after the
	// datagram is handed on.
	eventually(t, "stats counted", func() bool {
		return s.Stats.Allocations.Load() >= 1 && s.Stats.BytesIn.Load() > 0 && s.Stats.BytesOut.Load() > 0
	})
}

// The attack: a valid credential used to reach the relay's network. Each
// CreatePermission is refused by the server; no datagram is ever sent to
// these addresses (CreatePermission carries none, and the test sends no
// data to them).
func TestPermissionRefusedOutsideSession(t *testing.T) {
	s, fs := newTestServer(t, func(c *Config) { c.AllowPeers = []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")} })
	fs.set("sess", "127.0.0.1", "198.51.100.7", "10.1.2.3") // 10.1.2.3 signalled, but private
	user, pass := Credentials(testSecret, "sess", time.Hour, time.Now())
	for _, tr := range []string{"udp", "tcp"} {
		c := newClient(t, s, user, pass)
		if tr == "tcp" {
			c = newTCPClient(t, s.TCPAddr().String(), nil, user, pass)
		}
		relay, err := c.Allocate()
		if err != nil {
			t.Fatalf("%s: Allocate: %v", tr, err)
		}
		defer relay.Close()
		for _, tt := range []struct {
			peer string
			ok   bool
		}{
			{"127.0.0.1", true},        // the session's party
			{"10.9.3.4", true},         // operator allow-list (permission only: no data is sent)
			{"127.0.0.2", false},       // loopback, not the session's
			{"169.254.169.254", false}, // cloud metadata
			{"10.1.2.3", false},        // private, even though signalled
			{"10.200.0.1", false},
			{"172.16.5.5", false},
			{"192.168.1.1", false},
			{"100.64.0.1", false},
			{"203.0.113.9", false}, // public-looking, not the session's
			{"0.0.0.0", false},
			{"255.255.255.255", false},
		} {
			t.Run(tr+"/"+tt.peer, func(t *testing.T) {
				before := s.Stats.PermissionsDenied.Load()
				err := c.CreatePermission(&net.UDPAddr{IP: net.ParseIP(tt.peer), Port: 53})
				if (err == nil) != tt.ok {
					t.Fatalf("CreatePermission(%s) = %v, want ok=%v", tt.peer, err, tt.ok)
				}
				if !tt.ok && s.Stats.PermissionsDenied.Load() == before {
					t.Fatal("refusal not counted")
				}
			})
		}
	}
	// A session that ends loses its permissions at once.
	c := newClient(t, s, user, pass)
	relay, err := c.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	fs.end("sess")
	if err := c.CreatePermission(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}); err == nil {
		t.Fatal("CreatePermission after the session ended succeeded")
	}
}

func TestPolicy(t *testing.T) {
	p := policy{allow: []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}, own: []netip.Addr{netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("192.0.2.80")}}
	peers := []netip.Addr{netip.MustParseAddr("192.0.2.80"), netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2a00:1450::1"), netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("fd00::1")}
	for _, tt := range []struct {
		ip   string
		want bool
	}{
		{"8.8.8.8", true},
		{"::ffff:8.8.8.8", true}, // mapped form of a party's address
		{"8.8.4.4", false},
		{"2a00:1450::1", true},
		{"2a00:1450::2", false},
		{"10.9.1.1", true},
		{"192.0.2.80", true},    // the relay's own address, signalled (a relay candidate; dest limits the ports)
		{"198.51.100.1", false}, // the relay's own address, not signalled
		{"127.0.0.1", false},    // loopback without AllowLoopbackPeers
		{"fd00::1", false},      // ULA
		{"fe80::1", false},
		{"::1", false},
		{"224.0.0.1", false},
		{"::", false},
	} {
		if got := p.permit(netip.MustParseAddr(tt.ip), peers); got != tt.want {
			t.Errorf("permit(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
}

func TestAllocationQuota(t *testing.T) {
	s, _ := newTestServer(t, func(c *Config) { c.MaxAllocations = 2 })
	user, pass := Credentials(testSecret, "sess", time.Hour, time.Now())
	for i := range 2 {
		relay, err := newClient(t, s, user, pass).Allocate()
		if err != nil {
			t.Fatalf("allocation %d: %v", i+1, err)
		}
		defer relay.Close()
	}
	_, err := newTCPClient(t, s.TCPAddr().String(), nil, user, pass).Allocate()
	if err == nil || !strings.Contains(err.Error(), "486") {
		t.Fatalf("third allocation: %v, want 486 Allocation Quota Reached", err)
	}
	if got := s.Stats.QuotaRefused.Load(); got != 1 {
		t.Fatalf("quota refusals = %d", got)
	}
	// Another session's credential is not affected.
	other, otherPass := Credentials(testSecret, "bench", time.Hour, time.Now())
	relay, err := newClient(t, s, other, otherPass).Allocate()
	if err != nil {
		t.Fatalf("other session: %v", err)
	}
	relay.Close()
}

// When a session ends, its allocations close (within the sweep interval)
// instead of living on until they expire.
func TestEndedSessionAllocationsClosed(t *testing.T) {
	s, fs := newTestServer(t)
	fs.set("short", "127.0.0.1")
	user, pass := Credentials(testSecret, "short", time.Hour, time.Now())
	relay, err := newClient(t, s, user, pass).Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	if got := s.Stats.ActiveAllocation.Load(); got != 1 {
		t.Fatalf("active allocations = %d", got)
	}
	fs.end("short")
	eventually(t, "allocation closed", func() bool { return s.Stats.ActiveAllocation.Load() == 0 })
	if got := s.Stats.SessionsClosed.Load(); got != 1 {
		t.Fatalf("closed = %d", got)
	}
}

func TestTURNOverTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	s, _ := newTestServer(t, func(c *Config) {
		c.TLSListen = "127.0.0.1:0"
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	urls := s.URLs("127.0.0.1", "turn.test")
	if len(urls) != 3 || !strings.HasPrefix(urls[2], "turns:turn.test:") || !strings.HasSuffix(urls[1], "?transport=tcp") {
		t.Fatalf("URLs = %q", urls)
	}
	user, pass := Credentials(testSecret, "sess", time.Hour, time.Now())
	c := newTCPClient(t, s.TLSAddr().String(), &tls.Config{RootCAs: pool, ServerName: "turn.test"}, user, pass)
	relayRoundTrip(t, s, c)
}

func TestTLSNeedsCertificate(t *testing.T) {
	if _, err := New(Config{Listen: "127.0.0.1:0", TLSListen: "127.0.0.1:0", Secret: testSecret}, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("New accepted a TLS address without a certificate")
	}
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "turn.test"}, DNSNames: []string{"turn.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// dest is checked on every datagram a relay socket sends: the test only
// asks it, it sends nothing.
func TestDest(t *testing.T) {
	p := policy{allow: []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}, own: []netip.Addr{netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("10.0.0.5")}}
	relayPort := func(port int) bool { return port == 50000 }
	for _, tt := range []struct {
		addr string
		want bool
	}{
		{"8.8.8.8:53", true},
		{"198.51.100.1:50000", true}, // another allocation of this server
		{"198.51.100.1:22", false},   // a service on the relay host
		{"10.0.0.5:50000", true},     // own internal address, relay port
		{"10.0.0.5:5432", false},
		{"10.9.2.2:53", true}, // allow-list
		{"10.1.1.1:53", false},
		{"169.254.169.254:80", false},
		{"127.0.0.1:9", false}, // loopback without AllowLoopbackPeers
		{"[fe80::1]:9", false},
		{"[::ffff:10.1.1.1]:53", false},
		{"224.0.0.251:5353", false},
	} {
		ua, err := net.ResolveUDPAddr("udp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.dest(ua, relayPort); got != tt.want {
			t.Errorf("dest(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
	if p.dest(&net.TCPAddr{IP: net.IPv4(8, 8, 8, 8), Port: 53}, relayPort) {
		t.Error("dest accepted a TCP address")
	}
}
