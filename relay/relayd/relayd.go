// Package relayd assembles a running relay from its parts — store, server,
// embedded TURN, HTTP(S) listener — and implements the account commands of
// the lifeline-relay binary, so that its main stays thin.
package relayd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
	"github.com/lifeline-desk/lifeline/relay/turnserver"
)

// Options configure Run.
type Options struct {
	Listen       string // HTTP(S) address
	DataDir      string
	TLSCert      string // PEM files; both or neither
	TLSKey       string
	InsecureHTTP bool // allow plain HTTP on a non-loopback address
	Demo         bool // create/reset the "demo" admin and print its password to DemoOut

	TURNListen     string   // embedded TURN UDP address; "" or "off" disables it
	TURNExternalIP string   // address advertised for relayed candidates
	TURNURLs       []string // advertised TURN URLs (external coturn, or override)
	TURNSecret     []byte   // shared secret; empty: generated once and kept in DataDir
	TURNTLSListen  string   // turns: address with the relay's certificate (TLSCert/TLSKey); "" none
	TURNAllowPeers []string // CIDRs TURN clients may always relay to (e.g. an office network)

	// PublicURL is the URL people use (the proxy's, behind one); https
	// makes the login cookie Secure (__Host-) and turns on HSTS.
	PublicURL string
	// TrustProxy believes X-Forwarded-For from loopback peers (a proxy on
	// this machine); TrustedProxies lists further proxy addresses or CIDRs.
	TrustProxy     bool
	TrustedProxies []string
	Retention      server.Retention
	// Recording: whether sessions are recorded and the size caps (the
	// files go to DataDir/recordings).
	Recording server.Recording
	// Insights: the setting insights.search_text (NoSearchText: off).
	Insights        server.Insights
	Origins         []string
	ShutdownTimeout time.Duration
	HTTP            server.HTTPLimits
	// Sockets bound the protocol endpoints per address and per socket,
	// and the requests waiting at once (zero fields: defaults).
	Sockets server.SocketLimits
	// KeyFile is the server secret (HMAC of one-time codes, encryption
	// of TOTP secrets); "": relay.key in DataDir, created on first start.
	// It must not be readable by group or others.
	KeyFile string

	// MetricsListen is the address of a separate /metrics listener; ""
	// or "off": none. Without MetricsToken it must be a loopback address.
	MetricsListen string
	// MetricsToken, when set, is required as a bearer token for /metrics,
	// which is then also served on the main address.
	MetricsToken string
	// MetricsReady, if set, is called with the metrics listener's address.
	MetricsReady func(addr string)

	// FollowupDelay: how long after a session its desktop is asked
	// whether the problem is still fixed (0: server.DefaultFollowupDelay).
	FollowupDelay time.Duration
	// MaxFileMB: the largest file sent in a session, in MiB (0:
	// server.DefaultMaxFileBytes).
	MaxFileMB int64
	// TechGrace: how long a session waits for its technician's console
	// to come back before it ends (0: server.DefaultTechGrace).
	TechGrace time.Duration

	DemoOut io.Writer
	// Ready, if set, is called with the listening address once serving.
	Ready func(addr string)
}

// IsLoopback reports whether a listen address only accepts local connections.
func IsLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run serves until ctx is cancelled, then shuts down gracefully.
func Run(ctx context.Context, o Options, log *slog.Logger) error {
	useTLS := o.TLSCert != "" || o.TLSKey != ""
	if useTLS && (o.TLSCert == "" || o.TLSKey == "") {
		return errors.New("give both --tls-cert and --tls-key")
	}
	if o.MetricsListen == "off" {
		o.MetricsListen = ""
	}
	if o.MetricsListen != "" && o.MetricsToken == "" && !IsLoopback(o.MetricsListen) {
		return fmt.Errorf("refusing public metrics on %s: listen on a loopback address or give --metrics-token-file", o.MetricsListen)
	}
	if !useTLS && !IsLoopback(o.Listen) && !o.InsecureHTTP {
		return fmt.Errorf("refusing plain HTTP on %s: give --tls-cert and --tls-key, listen on 127.0.0.1 behind a TLS proxy, or pass --insecure-http", o.Listen)
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 30 * time.Second
	}
	st, err := store.OpenSQLite(ctx, o.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()

	if o.Demo {
		if err := demoUser(ctx, st, o.DemoOut); err != nil {
			return err
		}
	}

	secret := o.TURNSecret
	if len(secret) == 0 {
		if secret, err = loadOrCreateSecret(filepath.Join(o.DataDir, "turn-secret")); err != nil {
			return err
		}
	}
	proxies, err := ParseProxies(o.TrustedProxies, o.TrustProxy)
	if err != nil {
		return err
	}
	origins := o.Origins
	if o.PublicURL != "" {
		if u, err := url.Parse(o.PublicURL); err == nil && u.Host != "" {
			origins = append(slices.Clip(origins), u.Host)
		}
	}
	cfg := server.Config{Store: st, SecureCookies: useTLS, PublicURL: o.PublicURL, OriginPatterns: origins, TURNSecret: secret,
		Retention: o.Retention, TrustedProxies: proxies, HTTP: o.HTTP, MetricsToken: o.MetricsToken,
		Sockets: o.Sockets, KeyFile: o.KeyFile, Insights: o.Insights, FollowupDelay: o.FollowupDelay,
		MaxFileBytes: o.MaxFileMB << 20, Recording: o.Recording, TechGrace: o.TechGrace}
	var ts *turnserver.Server
	if o.TURNListen != "" && o.TURNListen != "off" {
		tcfg, tlsHost, err := turnConfig(o, secret)
		if err != nil {
			return err
		}
		ts, err = turnserver.New(tcfg, log)
		if err != nil {
			return err
		}
		defer ts.Close()
		cfg.TURNStats = &ts.Stats
		if len(o.TURNURLs) == 0 {
			host := o.TURNExternalIP
			if host == "" {
				host = ts.Addr().IP.String()
				if ts.Addr().IP.IsUnspecified() {
					log.Warn("TURN listens on all addresses but --turn-external-ip is not set; advertising 127.0.0.1, which only works on this machine")
					host = "127.0.0.1"
				}
			}
			cfg.TURNURLs = ts.URLs(host, tlsHost)
		}
	}
	if len(o.TURNURLs) > 0 {
		cfg.TURNURLs = o.TURNURLs
	}
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	if ts != nil {
		ts.SetSessions(srv.TURNSessions()) // credentials and peers of live sessions only
	}

	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		srv.Shutdown(context.Background())
		return fmt.Errorf("listen %s: %w", o.Listen, err)
	}
	hs := srv.HTTPServer()
	if useTLS {
		cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			ln.Close()
			srv.Shutdown(context.Background())
			return fmt.Errorf("load TLS key pair: %w", err)
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, hs.TLSConfig)
	}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	var ms *http.Server
	if o.MetricsListen != "" {
		mln, err := net.Listen("tcp", o.MetricsListen)
		if err != nil {
			hs.Close()
			srv.Shutdown(context.Background())
			return fmt.Errorf("listen %s (metrics): %w", o.MetricsListen, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.MetricsHandler())
		ms = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
			IdleTimeout: time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go func() { errc <- ms.Serve(mln) }()
		log.Info("metrics listening", "url", "http://"+mln.Addr().String()+"/metrics", "token", o.MetricsToken != "")
		if o.MetricsReady != nil {
			o.MetricsReady(mln.Addr().String())
		}
	}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	log.Info("relay listening", "url", scheme+"://"+ln.Addr().String(), "data", o.DataDir, "turn", cfg.TURNURLs)
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}

	select {
	case err = <-errc:
		err = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		err = nil
	}
	log.Info("shutting down")
	// A fresh context: ctx is already cancelled.
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	if e := hs.Shutdown(sctx); e != nil {
		log.Warn("http shutdown", "err", e)
	}
	if ms != nil {
		ms.Close()
	}
	if e := srv.Shutdown(sctx); e != nil {
		log.Warn("relay shutdown", "err", e)
	}
	return err
}

// ParseProxies reads trusted proxy addresses or CIDRs; loopback adds
// 127.0.0.0/8 and ::1 (a proxy on this machine).
func ParseProxies(list []string, loopback bool) ([]netip.Prefix, error) {
	var out []netip.Prefix
	if loopback {
		out = append(out, netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))
	}
	for _, v := range list {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want an IP address or CIDR", v)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func loadOrCreateSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if s := strings.TrimSpace(string(b)); s != "" {
			return []byte(s), nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read TURN secret: %w", err)
	}
	s := auth.Token(32)
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write TURN secret: %w", err)
	}
	return []byte(s), nil
}

func demoUser(ctx context.Context, st *store.SQLite, out io.Writer) error {
	if out == nil {
		out = os.Stdout
	}
	pw := auth.Token(12)
	t, err := st.TechnicianByName(ctx, "demo")
	switch {
	case errors.Is(err, store.ErrNotFound):
		if _, err := server.CreateTechnician(ctx, st, auth.Params{}, "demo", "Demo Technician", pw, true, time.Now()); err != nil {
			return fmt.Errorf("create demo user: %w", err)
		}
	case err != nil:
		return err
	default:
		h, err := auth.HashPassword(pw)
		if err != nil {
			return err
		}
		enabled := false
		if _, err := st.PatchTechnician(ctx, t.ID, store.TechnicianPatch{PasswordHash: &h, Disabled: &enabled}); err != nil {
			return err
		}
		if err := st.DeleteOtherLogins(ctx, t.ID, nil); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "Demo technician: user name \"demo\", password %q (shown once; run `lifeline-relay user passwd demo` to change it)\n", pw)
	return nil
}

// --- account commands

// UserAdd creates a technician account.
func UserAdd(ctx context.Context, dataDir, name, displayName, password string, admin bool) error {
	return withStore(ctx, dataDir, func(st *store.SQLite) error {
		_, err := server.CreateTechnician(ctx, st, auth.Params{}, name, displayName, password, admin, time.Now())
		return err
	})
}

// The account commands run beside a running relay, on the same database:
// they change only the columns they set (store.PatchTechnician), so a
// change made in the console meanwhile is kept, and they delete the
// account's logins, which the running relay notices within a second
// (server.Config.LoginCheck): its console sockets close and its live
// sessions end, as when an administrator does the same in the console.

// beforeWrite, when set (tests), runs in UserPasswd and UserSetDisabled
// after the account is read and the password hashed, before the write.
var beforeWrite func()

// UserPasswd sets a technician's password and ends all their logins.
func UserPasswd(ctx context.Context, dataDir, name, password string) error {
	if len(password) < auth.MinPasswordLen {
		return fmt.Errorf("password: use at least %d characters", auth.MinPasswordLen)
	}
	return withStore(ctx, dataDir, func(st *store.SQLite) error {
		t, err := st.TechnicianByName(ctx, name)
		if err != nil {
			return err
		}
		h, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		return patchAndRevoke(ctx, st, t, store.TechnicianPatch{PasswordHash: &h}, "password=set")
	})
}

// UserSetDisabled disables (or re-enables) an account; disabling ends
// its logins.
func UserSetDisabled(ctx context.Context, dataDir, name string, disabled bool) error {
	return withStore(ctx, dataDir, func(st *store.SQLite) error {
		t, err := st.TechnicianByName(ctx, name)
		if err != nil {
			return err
		}
		p := store.TechnicianPatch{Disabled: &disabled}
		if !disabled {
			_, err := st.PatchTechnician(ctx, t.ID, p)
			return err
		}
		return patchAndRevoke(ctx, st, t, p, "disabled=true")
	})
}

// UserSetAdmin gives an account the admin role or takes it away; taking
// it ends the account's logins (as a demotion in the console does).
func UserSetAdmin(ctx context.Context, dataDir, name string, admin bool) error {
	return withStore(ctx, dataDir, func(st *store.SQLite) error {
		t, err := st.TechnicianByName(ctx, name)
		if err != nil {
			return err
		}
		p := store.TechnicianPatch{Admin: &admin}
		if admin {
			_, err := st.PatchTechnician(ctx, t.ID, p)
			return err
		}
		return patchAndRevoke(ctx, st, t, p, "admin=false")
	})
}

// UserSetKnowledgeEditor gives or takes the knowledge editor role (may
// publish guides). A technician's next request sees the change; it is
// audited with actor relay.
func UserSetKnowledgeEditor(ctx context.Context, dataDir, name string, editor bool) error {
	return withStore(ctx, dataDir, func(st *store.SQLite) error {
		t, err := st.TechnicianByName(ctx, name)
		if err != nil {
			return err
		}
		if _, err := st.PatchTechnician(ctx, t.ID, store.TechnicianPatch{KnowledgeEditor: &editor}); err != nil {
			return err
		}
		return st.AddAudit(ctx, store.AuditEvent{At: time.Now(), Actor: protocol.ActorRelay, Action: protocol.AuditUserUpdated,
			Detail: fmt.Sprintf("user=%s knowledge_editor=%t by=lifeline-relay-command", t.Username, editor)})
	})
}

// patchAndRevoke writes p to t and deletes every login of t, with an
// audit row (actor relay: the command has no signed-in technician).
func patchAndRevoke(ctx context.Context, st *store.SQLite, t store.Technician, p store.TechnicianPatch, what string) error {
	if beforeWrite != nil {
		beforeWrite()
	}
	if _, err := st.PatchTechnician(ctx, t.ID, p); err != nil {
		return err
	}
	if err := st.DeleteOtherLogins(ctx, t.ID, nil); err != nil {
		return err
	}
	return st.AddAudit(ctx, store.AuditEvent{At: time.Now(), Actor: protocol.ActorRelay, Action: protocol.AuditUserUpdated,
		Detail: "user=" + t.Username + " " + what + " by=lifeline-relay-command"})
}

// UserList writes a table of accounts.
func UserList(ctx context.Context, dataDir string, w io.Writer) error {
	return withStore(ctx, dataDir, func(st *store.SQLite) error {
		ts, err := st.Technicians(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USER\tDISPLAY NAME\tROLE\tSTATUS\tTOTP\tCREATED")
		for _, t := range ts {
			role, status, totp := "technician", "active", "no"
			switch {
			case t.Admin:
				role = "admin"
			case t.KnowledgeEditor:
				role = "knowledge editor"
			}
			if t.Disabled {
				status = "disabled"
			}
			if t.TOTPEnabled {
				totp = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Username, t.DisplayName, role, status, totp, t.CreatedAt.Format("2006-01-02"))
		}
		return tw.Flush()
	})
}

func withStore(ctx context.Context, dataDir string, f func(*store.SQLite) error) error {
	st, err := store.OpenSQLite(ctx, dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	return f(st)
}

// turnConfig is the embedded TURN server's configuration: UDP and TCP
// on TURNListen, TLS on TURNTLSListen with the relay's certificate (whose
// first DNS name the turns: URL carries), and the peer allow-list.
func turnConfig(o Options, secret []byte) (cfg turnserver.Config, tlsHost string, err error) {
	cfg = turnserver.Config{Listen: o.TURNListen, TCP: true, ExternalIP: o.TURNExternalIP, Secret: secret, TLSListen: o.TURNTLSListen}
	for _, v := range o.TURNAllowPeers {
		p, err := netip.ParsePrefix(strings.TrimSpace(v))
		if err != nil {
			return cfg, "", fmt.Errorf("TURN allowed peers %q: want a CIDR such as 10.1.0.0/16", v)
		}
		cfg.AllowPeers = append(cfg.AllowPeers, p.Masked())
	}
	if o.TURNTLSListen == "" {
		return cfg, "", nil
	}
	if o.TLSCert == "" || o.TLSKey == "" {
		return cfg, "", errors.New("--turn-tls-listen needs --tls-cert and --tls-key")
	}
	cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
	if err != nil {
		return cfg, "", fmt.Errorf("load TLS key pair for TURN: %w", err)
	}
	cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if cert.Leaf != nil && len(cert.Leaf.DNSNames) > 0 {
		tlsHost = cert.Leaf.DNSNames[0]
	}
	return cfg, tlsHost, nil
}
