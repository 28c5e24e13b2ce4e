// Package turnserver embeds a TURN server (pion/turn v2) in the relay and
// issues time-limited credentials with coturn's "use-auth-secret" (TURN REST
// API) scheme:
//
//	username = "<unix expiry>:<session id>"
//	password = base64(HMAC-SHA1(secret, username))
//
// so an external coturn configured with the same static-auth-secret can
// replace the embedded server by configuration alone.
package turnserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // mandated by the TURN REST API scheme
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v2"
)

// Credentials returns a username and password valid until now+ttl for a session.
func Credentials(secret []byte, sessionID string, ttl time.Duration, now time.Time) (username, password string) {
	username = strconv.FormatInt(now.Add(ttl).Unix(), 10) + ":" + sessionID
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
// returns the session id it was issued for.
func CheckCredentials(secret []byte, username, password string, now time.Time) (string, error) {
	exp, sess, ok := strings.Cut(username, ":")
	if !ok {
		return "", fmt.Errorf("%w: username has no expiry", ErrBadCredentials)
	}
	t, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return "", fmt.Errorf("%w: expiry %q", ErrBadCredentials, exp)
	}
	if now.Unix() > t {
		return "", fmt.Errorf("%w: expired", ErrBadCredentials)
	}
	if !hmac.Equal([]byte(sign(secret, username)), []byte(password)) {
		return "", fmt.Errorf("%w: signature", ErrBadCredentials)
	}
	return sess, nil
}

// Config configures the embedded TURN server.
type Config struct {
	// Listen is the UDP address, e.g. ":3478" or "127.0.0.1:0".
	Listen string
	// ExternalIP is the address advertised in relayed candidates; empty uses
	// the listen IP (or 127.0.0.1 when listening on all addresses).
	ExternalIP string
	// RelayBind is the IP relay sockets bind to; empty uses the listen IP.
	RelayBind string
	Realm     string
	Secret    []byte
	// AllowLoopbackPeers lets clients relay to loopback addresses (tests only).
	AllowLoopbackPeers bool
	Now                func() time.Time
}

// Stats are live counters of the server.
type Stats struct {
	Allocations      atomic.Int64 // total allocations made
	ActiveAllocation atomic.Int64
	BytesIn          atomic.Int64 // bytes received from peers on relay sockets
	BytesOut         atomic.Int64 // bytes sent to peers from relay sockets
	AuthFailures     atomic.Int64
}

// Server is a running TURN server.
type Server struct {
	srv   *turn.Server
	conn  net.PacketConn
	log   *slog.Logger
	Stats Stats
}

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
	conn, err := net.ListenPacket("udp4", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("turn: listen %s: %w", cfg.Listen, err)
	}
	if uc, ok := conn.(*net.UDPConn); ok {
		uc.SetReadBuffer(4 << 20) // absorb bursts; the kernel caps it at rmem_max
	}
	laddr := conn.LocalAddr().(*net.UDPAddr)
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
	s := &Server{conn: conn, log: log}
	gen := &countingGenerator{inner: &turn.RelayAddressGeneratorStatic{RelayAddress: ext, Address: bind}, stats: &s.Stats}
	perm := func(_ net.Addr, peer net.IP) bool {
		if peer.IsUnspecified() || peer.IsMulticast() {
			return false
		}
		return cfg.AllowLoopbackPeers || !peer.IsLoopback()
	}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelWarn
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm:         cfg.Realm,
		LoggerFactory: lf,
		AuthHandler: func(username, realm string, src net.Addr) ([]byte, bool) {
			exp, _, _ := strings.Cut(username, ":")
			t, err := strconv.ParseInt(exp, 10, 64)
			if err != nil || cfg.Now().Unix() > t {
				s.Stats.AuthFailures.Add(1)
				log.Debug("turn auth refused", "username", username, "addr", src)
				return nil, false
			}
			// The MESSAGE-INTEGRITY check with this key verifies the password.
			return turn.GenerateAuthKey(username, realm, sign(cfg.Secret, username)), true
		},
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: conn, RelayAddressGenerator: gen, PermissionHandler: perm}},
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("turn: start: %w", err)
	}
	s.srv = srv
	log.Info("TURN server listening", "addr", laddr.String(), "external_ip", ext.String())
	return s, nil
}

// Addr is the UDP address the server listens on.
func (s *Server) Addr() *net.UDPAddr { return s.conn.LocalAddr().(*net.UDPAddr) }

// Close stops the server and its allocations.
func (s *Server) Close() error { return s.srv.Close() }

// Shutdown is Close with a context, for symmetry with the other components.
func (s *Server) Shutdown(context.Context) error { return s.Close() }

type countingGenerator struct {
	inner turn.RelayAddressGenerator
	stats *Stats
}

func (g *countingGenerator) Validate() error { return g.inner.Validate() }

func (g *countingGenerator) AllocatePacketConn(network string, port int) (net.PacketConn, net.Addr, error) {
	c, a, err := g.inner.AllocatePacketConn(network, port)
	if err != nil {
		return nil, nil, err
	}
	g.stats.Allocations.Add(1)
	g.stats.ActiveAllocation.Add(1)
	return &countingConn{PacketConn: c, stats: g.stats}, a, nil
}

func (g *countingGenerator) AllocateConn(network string, port int) (net.Conn, net.Addr, error) {
	return g.inner.AllocateConn(network, port)
}

type countingConn struct {
	net.PacketConn
	stats  *Stats
	closed atomic.Bool
}

func (c *countingConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, a, err := c.PacketConn.ReadFrom(p)
	c.stats.BytesIn.Add(int64(n))
	return n, a, err
}

func (c *countingConn) WriteTo(p []byte, a net.Addr) (int, error) {
	n, err := c.PacketConn.WriteTo(p, a)
	c.stats.BytesOut.Add(int64(n))
	return n, err
}

func (c *countingConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.stats.ActiveAllocation.Add(-1)
	}
	return c.PacketConn.Close()
}
