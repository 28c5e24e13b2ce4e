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
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lifeline-desk/lifeline/relay/auth"
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

	TrustProxy      bool // use X-Forwarded-For for client addresses
	Retention       time.Duration
	Origins         []string
	ShutdownTimeout time.Duration

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
	cfg := server.Config{Store: st, SecureCookies: useTLS, OriginPatterns: o.Origins, TURNSecret: secret, Retention: o.Retention, TrustProxy: o.TrustProxy}
	var ts *turnserver.Server
	if o.TURNListen != "" && o.TURNListen != "off" {
		ts, err = turnserver.New(turnserver.Config{Listen: o.TURNListen, ExternalIP: o.TURNExternalIP, Secret: secret}, log)
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
			cfg.TURNURLs = []string{"turn:" + net.JoinHostPort(host, strconv.Itoa(ts.Addr().Port)) + "?transport=udp"}
		}
	}
	if len(o.TURNURLs) > 0 {
		cfg.TURNURLs = o.TURNURLs
	}
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		srv.Shutdown(context.Background())
		return fmt.Errorf("listen %s: %w", o.Listen, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
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
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
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
	if e := srv.Shutdown(sctx); e != nil {
		log.Warn("relay shutdown", "err", e)
	}
	return err
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

func demoUser(ctx context.Context, st store.Accounts, out io.Writer) error {
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
		if t.PasswordHash, err = auth.HashPassword(pw); err != nil {
			return err
		}
		t.Disabled = false
		if err := st.UpdateTechnician(ctx, t); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "Demo technician: user name \"demo\", password %q (shown once; run `lifeline-relay user passwd demo` to change it)\n", pw)
	return nil
}

// --- account commands

// UserAdd creates a technician account.
func UserAdd(ctx context.Context, dataDir, name, displayName, password string, admin bool) error {
	return withStore(ctx, dataDir, func(st store.Accounts) error {
		_, err := server.CreateTechnician(ctx, st, auth.Params{}, name, displayName, password, admin, time.Now())
		return err
	})
}

// UserPasswd sets a technician's password and logs out their sessions.
func UserPasswd(ctx context.Context, dataDir, name, password string) error {
	if len(password) < auth.MinPasswordLen {
		return fmt.Errorf("password: use at least %d characters", auth.MinPasswordLen)
	}
	return withStore(ctx, dataDir, func(st store.Accounts) error {
		t, err := st.TechnicianByName(ctx, name)
		if err != nil {
			return err
		}
		if t.PasswordHash, err = auth.HashPassword(password); err != nil {
			return err
		}
		if err := st.UpdateTechnician(ctx, t); err != nil {
			return err
		}
		return st.DeleteLogins(ctx, t.ID)
	})
}

// UserSetDisabled disables (or re-enables) an account and ends its logins.
func UserSetDisabled(ctx context.Context, dataDir, name string, disabled bool) error {
	return withStore(ctx, dataDir, func(st store.Accounts) error {
		t, err := st.TechnicianByName(ctx, name)
		if err != nil {
			return err
		}
		t.Disabled = disabled
		if err := st.UpdateTechnician(ctx, t); err != nil {
			return err
		}
		return st.DeleteLogins(ctx, t.ID)
	})
}

// UserList writes a table of accounts.
func UserList(ctx context.Context, dataDir string, w io.Writer) error {
	return withStore(ctx, dataDir, func(st store.Accounts) error {
		ts, err := st.Technicians(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USER\tDISPLAY NAME\tROLE\tSTATUS\tTOTP\tCREATED")
		for _, t := range ts {
			role, status, totp := "technician", "active", "no"
			if t.Admin {
				role = "admin"
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

func withStore(ctx context.Context, dataDir string, f func(store.Accounts) error) error {
	st, err := store.OpenSQLite(ctx, dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	return f(st)
}
