// Package turnserver embeds a TURN server (pion/turn v4) in the relay and
// issues time-limited credentials with coturn's "use-auth-secret" (TURN REST
// API) scheme:
//
//	username = "<unix expiry>:<subject>"
//	password = base64(HMAC-SHA1(secret, username))
//
// so an external coturn configured with the same static-auth-secret can
// replace the embedded server by configuration alone. The subject is the
// relay's to choose (it names a session and one of its parties,
// "<session id>/tech"); this package passes it to Config.Sessions as is.
//
// Beyond the signature, a credential is honoured only while its session is
// live (Config.Sessions, asked on every authenticated request, and a sweep
// that closes the allocations of sessions that ended), for at most
// Config.MaxAllocations allocations at once, and only towards the
// addresses of the session's parties (see peers.go). Clients reach the
// server over UDP, and over TCP and TLS where configured, for networks
// that block UDP; relayed traffic to the peer is always UDP.
package turnserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // mandated by the TURN REST API scheme
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v4"
)

// Credentials returns a username and password valid until now+ttl for a
// subject (the relay's session and party).
func Credentials(secret []byte, subject string, ttl time.Duration, now time.Time) (username, password string) {
	username = strconv.FormatInt(now.Add(ttl).Unix(), 10) + ":" + subject
	return username, sign(secret, username)
}

func sign(secret []byte, username string) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ErrBadCredentials is returned by CheckCredentials.
var ErrBadCredentials = errors.New("bad TURN credentials")

// CheckCredentials verifies a username/password pair at time now and
// returns the subject it was issued for.
func CheckCredentials(secret []byte, username, password string, now time.Time) (string, error) {
	sess, err := parseUsername(username, now)
	if err != nil {
		return "", err
	}
	if !hmac.Equal([]byte(sign(secret, username)), []byte(password)) {
		return "", fmt.Errorf("%w: signature", ErrBadCredentials)
	}
	return sess, nil
}

// parseUsername checks the expiry of a username and returns its session.
func parseUsername(username string, now time.Time) (string, error) {
	exp, sess, ok := strings.Cut(username, ":")
	if !ok || sess == "" {
		return "", fmt.Errorf("%w: username has no expiry", ErrBadCredentials)
	}
	t, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return "", fmt.Errorf("%w: expiry %q", ErrBadCredentials, exp)
	}
	if now.Unix() > t {
		return "", fmt.Errorf("%w: expired", ErrBadCredentials)
	}
	return sess, nil
}

// Config configures the embedded TURN server.
type Config struct {
	// Listen is the UDP address, e.g. ":3478" or "127.0.0.1:0".
	Listen string
	// TCP also accepts TURN over TCP on the UDP listener's address and
	// port (turn:host:port?transport=tcp), for networks that block UDP.
	TCP bool
	// TLSListen, with TLS, accepts TURN over TLS there (a turns: URL,
	// e.g. on 443 behind the relay's certificate).
	TLSListen string
	TLS       *tls.Config
	// ExternalIP is the address advertised in relayed candidates; empty uses
	// the listen IP (or 127.0.0.1 when listening on all addresses).
	ExternalIP string
	// RelayBind is the IP relay sockets bind to; empty uses the listen IP.
	RelayBind string
	Realm     string
	Secret    []byte
	// Sessions says which sessions are live and whom they may reach; until
	// it is set (here or with SetSessions) every credential is refused.
	Sessions Sessions
	// AllowPeers are ranges clients may always relay to (an operator's
	// allow-list, e.g. an office network the relay sits in); they win
	// over DeniedPeers.
	AllowPeers []netip.Prefix
	// AllowLoopbackPeers lets clients relay to loopback addresses of
	// their session's parties (tests only).
	AllowLoopbackPeers bool
	// MaxAllocations caps the allocations open at once per credential
	// (a session's two parties share it); default 8.
	MaxAllocations int
	// SweepInterval is how often allocations of ended sessions are
	// closed; default 2 s.
	SweepInterval time.Duration
	Now           func() time.Time
}

// Stats are live counters of the server.
type Stats struct {
	Allocations       atomic.Int64 // total allocations made
	AllocationsTCP    atomic.Int64 // of which by clients over TCP or TLS
	ActiveAllocation  atomic.Int64
	BytesIn           atomic.Int64 // bytes received from peers on relay sockets
	BytesOut          atomic.Int64 // bytes sent to peers from relay sockets
	AuthFailures      atomic.Int64 // bad, expired or ended-session credentials
	PermissionsDenied atomic.Int64 // peer addresses refused
	QuotaRefused      atomic.Int64 // allocations refused over MaxAllocations
	SessionsClosed    atomic.Int64 // allocations closed because their session ended
	DatagramsRefused  atomic.Int64 // datagrams a relay socket would not send (Server.dest)
}

// Server is a running TURN server.
type Server struct {
	srv      *turn.Server
	conn     net.PacketConn
	tcp, tls net.Listener
	log      *slog.Logger
	cfg      Config
	pol      policy
	sessions atomic.Value // sessionsBox
	Stats    Stats

	mu      sync.Mutex
	clients map[string][]string            // client transport address → usernames of its allocations
	users   map[string]map[string]struct{} // username → relay addresses of its allocations
	relays  map[string]*countingConn       // relay address → socket
	ports   map[int]int                    // relay ports in use → sockets on them

	stop chan struct{}
	wg   sync.WaitGroup
}

type sessionsBox struct{ Sessions }

// New starts a TURN server.
func New(cfg Config, log *slog.Logger) (*Server, error) {
	if len(cfg.Secret) == 0 {
		return nil, errors.New("turn: empty secret")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Realm == "" {
		cfg.Realm = "lifeline"
	}
	if cfg.MaxAllocations <= 0 {
		cfg.MaxAllocations = 8
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = 2 * time.Second
	}
	if cfg.TLSListen != "" && cfg.TLS == nil {
		return nil, errors.New("turn: a TLS listen address needs a certificate")
	}
	s := &Server{log: log, cfg: cfg, clients: map[string][]string{}, users: map[string]map[string]struct{}{},
		relays: map[string]*countingConn{}, ports: map[int]int{}, stop: make(chan struct{})}
	s.sessions.Store(sessionsBox{cfg.Sessions})
	if err := s.listen(); err != nil {
		s.closeListeners()
		return nil, err
	}
	laddr := s.Addr()
	bind := cfg.RelayBind
	if bind == "" {
		bind = laddr.IP.String()
	}
	ext := net.ParseIP(cfg.ExternalIP)
	if ext == nil {
		ext = laddr.IP
		if ext.IsUnspecified() {
			ext = net.IPv4(127, 0, 0, 1)
		}
	}
	s.pol = policy{allow: cfg.AllowPeers, own: ownAddrs(ext, net.ParseIP(bind), laddr.IP), loopback: cfg.AllowLoopbackPeers}
	gen := &countingGenerator{inner: &turn.RelayAddressGeneratorStatic{RelayAddress: ext, Address: bind}, s: s}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelWarn
	sc := turn.ServerConfig{
		Realm:         cfg.Realm,
		LoggerFactory: lf,
		AuthHandler:   s.auth,
		QuotaHandler:  s.quota,
		EventHandler: turn.EventHandler{
			OnAllocationCreated: func(src, _ net.Addr, _, username, _ string, relay net.Addr, _ int) { s.created(src, username, relay) },
			OnAllocationDeleted: func(src, _ net.Addr, _, username, _ string) { s.deleted(src, username) },
		},
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: s.conn, RelayAddressGenerator: gen, PermissionHandler: s.permit}},
	}
	for _, l := range []net.Listener{s.tcp, s.tls} {
		if l != nil {
			sc.ListenerConfigs = append(sc.ListenerConfigs, turn.ListenerConfig{Listener: l, RelayAddressGenerator: gen, PermissionHandler: s.permit})
		}
	}
	srv, err := turn.NewServer(sc)
	if err != nil {
		s.closeListeners()
		return nil, fmt.Errorf("turn: start: %w", err)
	}
	s.srv = srv
	s.wg.Add(1)
	go s.sweepLoop()
	log.Info("TURN server listening", "udp", laddr.String(), "tcp", addrString(s.tcp), "tls", addrString(s.tls), "external_ip", ext.String())
	return s, nil
}

func addrString(l net.Listener) string {
	if l == nil {
		return "off"
	}
	return l.Addr().String()
}

// listen opens the UDP socket and the TCP and TLS listeners. With TCP on
// an ephemeral port, the TCP listener takes the port UDP got (retrying
// if it is taken).
func (s *Server) listen() error {
	cfg := s.cfg
	for try := 0; ; try++ {
		conn, err := net.ListenPacket("udp4", cfg.Listen)
		if err != nil {
			return fmt.Errorf("turn: listen %s: %w", cfg.Listen, err)
		}
		if !cfg.TCP {
			s.conn = conn
			break
		}
		tcp, err := net.Listen("tcp4", conn.LocalAddr().String())
		if err == nil {
			s.conn, s.tcp = conn, tcp
			break
		}
		conn.Close()
		if _, port, _ := net.SplitHostPort(cfg.Listen); port != "0" || try == 10 {
			return fmt.Errorf("turn: listen tcp %s: %w", cfg.Listen, err)
		}
	}
	if uc, ok := s.conn.(*net.UDPConn); ok {
		uc.SetReadBuffer(4 << 20) // absorb bursts; the kernel caps it at rmem_max
	}
	if cfg.TLSListen != "" {
		l, err := net.Listen("tcp4", cfg.TLSListen)
		if err != nil {
			return fmt.Errorf("turn: listen tls %s: %w", cfg.TLSListen, err)
		}
		tc := cfg.TLS.Clone()
		if tc.MinVersion < tls.VersionTLS12 {
			tc.MinVersion = tls.VersionTLS12
		}
		s.tls = tls.NewListener(l, tc)
	}
	return nil
}

func (s *Server) closeListeners() {
	for _, c := range []interface{ Close() error }{s.conn, s.tcp, s.tls} {
		if c != nil {
			c.Close()
		}
	}
}

// SetSessions sets (or replaces, e.g. after a relay restart) the live
// sessions the server checks credentials and peers against.
func (s *Server) SetSessions(ss Sessions) { s.sessions.Store(sessionsBox{ss}) }

// peers asks the relay about a session.
func (s *Server) peers(sessionID string) ([]netip.Addr, bool) {
	ss := s.sessions.Load().(sessionsBox).Sessions
	if ss == nil {
		return nil, false
	}
	return ss.Peers(sessionID)
}

// auth returns the key for a username whose session is live; the
// MESSAGE-INTEGRITY check with it verifies the password.
func (s *Server) auth(username, realm string, src net.Addr) ([]byte, bool) {
	sess, err := parseUsername(username, s.cfg.Now())
	if err == nil {
		if _, live := s.peers(sess); !live {
			err = errors.New("session not live")
		}
	}
	if err != nil {
		s.Stats.AuthFailures.Add(1)
		s.log.Debug("turn auth refused", "addr", src, "err", err)
		return nil, false
	}
	return turn.GenerateAuthKey(username, realm, sign(s.cfg.Secret, username)), true
}

// quota refuses a credential's allocation beyond MaxAllocations.
func (s *Server) quota(username, _ string, src net.Addr) bool {
	s.mu.Lock()
	n := len(s.users[username])
	s.mu.Unlock()
	if n >= s.cfg.MaxAllocations {
		s.Stats.QuotaRefused.Add(1)
		s.log.Warn("turn allocation quota reached", "addr", src, "allocations", n)
		return false
	}
	return true
}

// permit decides a CreatePermission or ChannelBind of the allocation at
// client src towards peer: every session holding an allocation at src
// must be live and reach peer.
func (s *Server) permit(src net.Addr, peer net.IP) bool {
	s.mu.Lock()
	users := append([]string(nil), s.clients[clientKey(src)]...)
	s.mu.Unlock()
	ip, _ := netip.AddrFromSlice(peer)
	ok := len(users) > 0
	for _, u := range users {
		sess, err := parseUsername(u, s.cfg.Now())
		if err != nil {
			ok = false
			break
		}
		peers, live := s.peers(sess)
		if !live || !s.pol.permit(ip, peers) {
			ok = false
			break
		}
	}
	if !ok {
		s.Stats.PermissionsDenied.Add(1)
		s.log.Info("turn permission refused", "client", src, "peer", ip)
	}
	return ok
}

func clientKey(a net.Addr) string { return a.Network() + "/" + a.String() }

func (s *Server) created(src net.Addr, username string, relay net.Addr) {
	if _, ok := src.(*net.TCPAddr); ok {
		s.Stats.AllocationsTCP.Add(1)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := clientKey(src)
	s.clients[k] = append(s.clients[k], username)
	if s.users[username] == nil {
		s.users[username] = map[string]struct{}{}
	}
	s.users[username][relay.String()] = struct{}{}
}

func (s *Server) deleted(src net.Addr, username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := clientKey(src)
	us := s.clients[k]
	for i, u := range us {
		if u == username {
			us = append(us[:i], us[i+1:]...)
			break
		}
	}
	if len(us) == 0 {
		delete(s.clients, k)
	} else {
		s.clients[k] = us
	}
	// The relay address of this allocation left s.users when its
	// socket closed (countingConn.Close).
}

// sweepLoop closes the allocations of credentials whose session ended or
// that expired.
func (s *Server) sweepLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweep()
		}
	}
}

func (s *Server) sweep() {
	s.mu.Lock()
	users := make([]string, 0, len(s.users))
	for u := range s.users {
		users = append(users, u)
	}
	s.mu.Unlock()
	for _, u := range users {
		if sess, err := parseUsername(u, s.cfg.Now()); err == nil {
			if _, live := s.peers(sess); live {
				continue
			}
		}
		s.mu.Lock()
		var conns []*countingConn
		for a := range s.users[u] {
			if c := s.relays[a]; c != nil {
				conns = append(conns, c)
			}
		}
		s.mu.Unlock()
		for _, c := range conns {
			s.Stats.SessionsClosed.Add(1)
			c.Close() // pion deletes the allocation when its socket fails
		}
	}
}

func (s *Server) isRelayPort(port int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ports[port] > 0
}

// Addr is the UDP address the server listens on.
func (s *Server) Addr() *net.UDPAddr { return s.conn.LocalAddr().(*net.UDPAddr) }

// TCPAddr is the TURN-over-TCP address, nil without Config.TCP.
func (s *Server) TCPAddr() *net.TCPAddr {
	if s.tcp == nil {
		return nil
	}
	return s.tcp.Addr().(*net.TCPAddr)
}

// TLSAddr is the TURN-over-TLS address, nil without Config.TLSListen.
func (s *Server) TLSAddr() *net.TCPAddr {
	if s.tls == nil {
		return nil
	}
	return s.tls.Addr().(*net.TCPAddr)
}

// URLs are the TURN URLs clients reach this server by at host (the
// external address or name): UDP, then TCP and TLS where they listen.
// tlsHost is the name on the certificate (turns: URLs are checked
// against it); empty uses host.
func (s *Server) URLs(host, tlsHost string) []string {
	urls := []string{"turn:" + net.JoinHostPort(host, strconv.Itoa(s.Addr().Port)) + "?transport=udp"}
	if a := s.TCPAddr(); a != nil {
		urls = append(urls, "turn:"+net.JoinHostPort(host, strconv.Itoa(a.Port))+"?transport=tcp")
	}
	if a := s.TLSAddr(); a != nil {
		if tlsHost == "" {
			tlsHost = host
		}
		urls = append(urls, "turns:"+net.JoinHostPort(tlsHost, strconv.Itoa(a.Port))+"?transport=tcp")
	}
	return urls
}

// Close stops the server and its allocations.
func (s *Server) Close() error {
	select {
	case <-s.stop:
		return nil
	default:
	}
	close(s.stop)
	err := s.srv.Close()
	s.wg.Wait()
	return err
}

// Shutdown is Close with a context, for symmetry with the other components.
func (s *Server) Shutdown(context.Context) error { return s.Close() }

type countingGenerator struct {
	inner turn.RelayAddressGenerator
	s     *Server
}

func (g *countingGenerator) Validate() error { return g.inner.Validate() }

func (g *countingGenerator) AllocatePacketConn(network string, port int) (net.PacketConn, net.Addr, error) {
	c, a, err := g.inner.AllocatePacketConn(network, port)
	if err != nil {
		return nil, nil, err
	}
	st := &g.s.Stats
	st.Allocations.Add(1)
	st.ActiveAllocation.Add(1)
	cc := &countingConn{PacketConn: c, s: g.s, key: a.String()}
	if ua, ok := c.LocalAddr().(*net.UDPAddr); ok {
		cc.port = ua.Port
	}
	g.s.mu.Lock()
	g.s.relays[cc.key] = cc
	g.s.ports[cc.port]++
	g.s.mu.Unlock()
	return cc, a, nil
}

func (g *countingGenerator) AllocateConn(network string, port int) (net.Conn, net.Addr, error) {
	return g.inner.AllocateConn(network, port)
}

type countingConn struct {
	net.PacketConn
	s      *Server
	key    string // relay address
	port   int
	closed atomic.Bool
}

func (c *countingConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, a, err := c.PacketConn.ReadFrom(p)
	c.s.Stats.BytesIn.Add(int64(n))
	return n, a, err
}

// errDestination is what a relay socket answers a datagram Server.dest refuses.
var errDestination = errors.New("turn: destination not allowed")

func (c *countingConn) WriteTo(p []byte, a net.Addr) (int, error) {
	if !c.s.pol.dest(a, c.s.isRelayPort) {
		c.s.Stats.DatagramsRefused.Add(1)
		return 0, errDestination
	}
	n, err := c.PacketConn.WriteTo(p, a)
	c.s.Stats.BytesOut.Add(int64(n))
	return n, err
}

// Close closes the socket once (the sweep and pion may both close it).
func (c *countingConn) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return nil
	}
	c.s.Stats.ActiveAllocation.Add(-1)
	c.s.mu.Lock()
	delete(c.s.relays, c.key)
	if c.s.ports[c.port]--; c.s.ports[c.port] <= 0 {
		delete(c.s.ports, c.port)
	}
	for u, rs := range c.s.users {
		if _, ok := rs[c.key]; ok {
			delete(rs, c.key)
			if len(rs) == 0 {
				delete(c.s.users, u)
			}
		}
	}
	c.s.mu.Unlock()
	return c.PacketConn.Close()
}
