// Command lifeline-relay runs the Lifeline relay server and manages its
// technician accounts.
//
//	lifeline-relay serve [flags]
//	lifeline-relay user add NAME [--admin] [--display-name TEXT]
//	lifeline-relay user passwd NAME
//	lifeline-relay user list
//	lifeline-relay user disable|enable NAME
//	lifeline-relay user promote|demote NAME
//	lifeline-relay user editor|uneditor NAME
//
// Every flag can also be set with an environment variable: LIFELINE_ and
// the flag name in upper case with '-' as '_' (--turn-external-ip →
// LIFELINE_TURN_EXTERNAL_IP). Secrets are never flag values: the TURN secret
// comes from --turn-secret-file or LIFELINE_TURN_SECRET, the metrics token
// from --metrics-token-file or LIFELINE_METRICS_TOKEN, passwords from a
// prompt or standard input.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"
	"golang.org/x/time/rate"

	"github.com/lifeline-desk/lifeline/internal/cliflag"
	"github.com/lifeline-desk/lifeline/relay/relayd"
	"github.com/lifeline-desk/lifeline/relay/server"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "lifeline-relay:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  lifeline-relay serve [flags]                 run the relay (see: lifeline-relay serve -h)
  lifeline-relay user add NAME [--admin] [--display-name TEXT]
  lifeline-relay user passwd NAME
  lifeline-relay user list
  lifeline-relay user disable NAME
  lifeline-relay user enable NAME
  lifeline-relay user promote NAME             give the admin role
  lifeline-relay user demote NAME              take the admin role away
  lifeline-relay user editor NAME              let a technician publish guides (knowledge editor)
  lifeline-relay user uneditor NAME            take that role away
Passwords are prompted for, or read from standard input when it is not a terminal.
The user commands may run while the relay runs: passwd, disable and demote end the
account's logins, and the running relay closes its consoles within about a second.`

func run(args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return serve(args[1:])
	case "user":
		return user(args[1:])
	case "-h", "--help", "help":
		fmt.Println(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// parse parses flags anywhere among the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return pos, cliflag.ApplyEnv(fs, nil)
}

func newLogger(level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}

func serve(args []string) error {
	o, log, err := serveOptions(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return relayd.Run(ctx, o, log)
}

// serveOptions reads the serve flags, their LIFELINE_* variables and the
// secret files.
func serveOptions(args []string) (relayd.Options, *slog.Logger, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var o relayd.Options
	turnURLs, origins, proxies := &cliflag.List{Sep: ","}, &cliflag.List{Sep: ","}, &cliflag.List{Sep: ","}
	var secretFile, metricsTokenFile, logLevel, logFormat string
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:8080", "HTTP(S) listen address")
	fs.StringVar(&o.DataDir, "data", "lifeline-data", "data directory (SQLite database, TURN secret)")
	fs.StringVar(&o.TLSCert, "tls-cert", "", "TLS certificate file (PEM)")
	fs.StringVar(&o.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	fs.BoolVar(&o.InsecureHTTP, "insecure-http", false, "allow plain HTTP on a non-loopback address (behind a TLS proxy)")
	fs.StringVar(&o.PublicURL, "public-url", "", "URL people use to reach the relay (behind a proxy, the proxy's); https makes the cookie Secure and adds HSTS")
	fs.BoolVar(&o.TrustProxy, "trust-proxy", false, "believe X-Forwarded-For from a reverse proxy on this machine (loopback)")
	fs.Var(proxies, "trusted-proxy", "reverse proxy addresses or CIDRs whose X-Forwarded-For is believed, comma-separated")
	fs.StringVar(&o.MetricsListen, "metrics-listen", "127.0.0.1:9464", "separate /metrics listener (loopback unless a token is set), or 'off'")
	fs.StringVar(&metricsTokenFile, "metrics-token-file", "", "file holding a bearer token for /metrics (or LIFELINE_METRICS_TOKEN); also serves /metrics on --listen")
	fs.BoolVar(&o.Demo, "demo", false, "create the 'demo' admin with a random password, printed once")
	fs.StringVar(&o.TURNListen, "turn-listen", ":3478", "embedded TURN server address (UDP and TCP), or 'off'")
	fs.StringVar(&o.TURNTLSListen, "turn-tls-listen", "", "also serve TURN over TLS (turns:) here with --tls-cert/--tls-key, e.g. :5349")
	turnAllow := &cliflag.List{Sep: ","}
	fs.Var(turnAllow, "turn-allow-peers", "CIDRs TURN clients may relay to besides the session's parties (private ranges are refused otherwise), comma-separated")
	fs.StringVar(&o.TURNExternalIP, "turn-external-ip", "", "public IP advertised by the embedded TURN server")
	fs.Var(turnURLs, "turn-url", "TURN URL(s) sent to clients, comma-separated (e.g. an external coturn); default: the embedded server")
	fs.StringVar(&secretFile, "turn-secret-file", "", "file holding the TURN shared secret (coturn static-auth-secret); or LIFELINE_TURN_SECRET; default: generated in the data dir")
	retention := map[string]*time.Duration{}
	for _, r := range []struct {
		name string
		def  time.Duration
		what string
	}{
		{"waiting", server.DefaultWaitingRetention, "a waiting request nobody took expires after this"},
		{"transcripts", server.DefaultTranscriptRetention, "keep chat transcripts this long"},
		{"sessions", server.DefaultSessionRetention, "keep ended sessions, notes and closed requests (names, contacts, descriptions) this long"},
		{"audit", server.DefaultAuditRetention, "keep the audit log this long"},
		{"outcomes", server.DefaultOutcomeRetention, "keep anonymous self-help outcomes and insight events this long"},
		{"recordings", server.DefaultRecordingRetention, "keep session recordings this long (after their last chunk; never longer than their session record)"},
	} {
		retention[r.name] = fs.Duration("retention-"+r.name, r.def, r.what+" (0 keeps forever)")
	}
	fs.BoolVar(&o.Recording.Enabled, "record-sessions", false, "record every session: the user is told before allowing viewing, the technician's browser uploads the screen as WebM to the data dir")
	maxChunkMiB := fs.Int64("recording-max-chunk-mib", server.DefaultRecordingMaxChunk>>20, "largest recording chunk a console may upload, in MiB")
	maxRecMiB := fs.Int64("recording-max-session-mib", server.DefaultRecordingMaxSession>>20, "largest recording of one session, in MiB; the console stops recording there")
	searchText := fs.Bool("insights-search-text", true, "let desktops report what people typed in self-help search (content gaps on the Insights page); false: they omit it and the relay drops it")
	fs.Int64Var(&o.MaxFileMB, "max-file-mb", server.DefaultMaxFileBytes>>20, "largest file a technician and a user may send each other in a session, in MiB")
	fs.DurationVar(&o.TechGrace, "tech-grace", server.DefaultTechGrace, "a running session waits this long for its technician's console to come back (a reloaded tab, a lost network) before it ends")
	fs.DurationVar(&o.FollowupDelay, "followup-delay", server.DefaultFollowupDelay, "ask the person whether the problem is still fixed this long after a session resolved it")
	fs.StringVar(&o.KeyFile, "key-file", "", "server key file (HMAC of one-time codes, encryption of TOTP secrets), mode 0600; created if missing; default relay.key in the data dir")
	sockets := socketFlags(fs)
	fs.Var(origins, "origin", "extra allowed Origin host patterns for the console socket, comma-separated")
	fs.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long to wait for connections on shutdown")
	fs.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&logFormat, "log-format", "text", "text or json")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lifeline-relay serve [flags]\nEvery flag can also be set as LIFELINE_<FLAG> (e.g. LIFELINE_TURN_EXTERNAL_IP).")
		fs.PrintDefaults()
	}
	if _, err := parse(fs, args); err != nil {
		return o, nil, err
	}
	o.TURNURLs, o.Origins, o.TrustedProxies = turnURLs.Values, origins.Values, proxies.Values
	o.TURNAllowPeers = turnAllow.Values
	o.Sockets = sockets()
	o.Insights = server.Insights{NoSearchText: !*searchText}
	forever := func(d time.Duration) time.Duration {
		if d == 0 {
			return -1 // server.Retention: negative keeps forever
		}
		return d
	}
	o.Retention = server.Retention{Waiting: forever(*retention["waiting"]), Transcripts: forever(*retention["transcripts"]),
		Sessions: forever(*retention["sessions"]), Audit: forever(*retention["audit"]), Outcomes: forever(*retention["outcomes"]),
		Recordings: forever(*retention["recordings"])}
	o.Recording.MaxChunk, o.Recording.MaxSession = *maxChunkMiB<<20, *maxRecMiB<<20
	log, err := newLogger(logLevel, logFormat)
	if err != nil {
		return o, nil, err
	}
	if secretFile != "" {
		b, err := os.ReadFile(secretFile)
		if err != nil {
			return o, nil, fmt.Errorf("read TURN secret: %w", err)
		}
		o.TURNSecret = []byte(strings.TrimSpace(string(b)))
	} else if v := os.Getenv("LIFELINE_TURN_SECRET"); v != "" {
		o.TURNSecret = []byte(v)
	}
	if metricsTokenFile != "" {
		b, err := os.ReadFile(metricsTokenFile)
		if err != nil {
			return o, nil, fmt.Errorf("read metrics token: %w", err)
		}
		o.MetricsToken = strings.TrimSpace(string(b))
		if o.MetricsToken == "" {
			return o, nil, fmt.Errorf("metrics token file %s is empty", metricsTokenFile)
		}
	} else if v := os.Getenv("LIFELINE_METRICS_TOKEN"); v != "" {
		o.MetricsToken = v
	}
	if os.Getenv("LIFELINE_RETENTION") != "" {
		log.Warn("LIFELINE_RETENTION is no longer read; use the --retention-* settings (LIFELINE_RETENTION_WAITING, _TRANSCRIPTS, _SESSIONS, _AUDIT, _OUTCOMES)")
	}
	return o, log, nil
}

// socketFlags registers the socket limit flags (server.SocketLimits) and
// returns a function that reads them once parsed. A negative value lifts
// a limit.
func socketFlags(fs *flag.FlagSet) func() server.SocketLimits {
	clientConns := fs.Int("client-conns-per-address", 32, "desktop sockets one address may hold open at once (-1: no limit)")
	techConns := fs.Int("console-conns-per-address", 16, "console sockets one address may hold open at once (-1: no limit)")
	msgRate := fs.Float64("message-rate", 20, "messages per second one socket may send, on average (-1: no limit)")
	msgBurst := fs.Int("message-burst", 100, "messages one socket may send in a burst")
	submitEvery := fs.Duration("submit-interval", 5*time.Second, "one help request (or cancellation) per address per this interval, on average (-1s: no limit)")
	submitBurst := fs.Int("submit-burst", 20, "help requests one address may send in a burst")
	outcomeEvery := fs.Duration("outcome-interval", time.Second, "one self-help outcome report per address per this interval, on average (-1s: no limit)")
	outcomeBurst := fs.Int("outcome-burst", 30, "outcome reports one address may send in a burst")
	maxWaiting := fs.Int("max-waiting", server.DefaultMaxWaiting, "help requests that may wait in the queue at once; more are refused (queue_full) (-1: no limit)")
	maxPerAddr := fs.Int("max-waiting-per-address", server.DefaultMaxWaitingPerAddr, "help requests from one address that may wait at once (raise it for an office behind one NAT address) (-1: no limit)")
	every := func(d time.Duration) rate.Limit {
		if d < 0 {
			return rate.Inf
		}
		if d == 0 {
			return 0 // the default
		}
		return rate.Every(d)
	}
	return func() server.SocketLimits {
		r := rate.Limit(*msgRate)
		if *msgRate < 0 {
			r = rate.Inf
		}
		return server.SocketLimits{ClientConnsPerAddr: *clientConns, TechConnsPerAddr: *techConns,
			MessageRate: r, MessageBurst: *msgBurst,
			SubmitRate: every(*submitEvery), SubmitBurst: *submitBurst,
			OutcomeRate: every(*outcomeEvery), OutcomeBurst: *outcomeBurst,
			MaxWaiting: *maxWaiting, MaxWaitingPerAddr: *maxPerAddr}
	}
}

func user(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("user: missing subcommand\n%s", usage)
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	dataDir := fs.String("data", "lifeline-data", "data directory")
	admin := fs.Bool("admin", false, "give the account the admin role (add)")
	display := fs.String("display-name", "", "name shown to users (add)")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	ctx := context.Background()
	needName := func() (string, error) {
		if len(pos) != 1 {
			return "", fmt.Errorf("user %s: give exactly one user name", args[0])
		}
		return pos[0], nil
	}
	switch args[0] {
	case "add":
		name, err := needName()
		if err != nil {
			return err
		}
		pw, err := readPassword(os.Stdin, os.Stderr)
		if err != nil {
			return err
		}
		if err := relayd.UserAdd(ctx, *dataDir, name, *display, pw, *admin); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "Created %s.\n", name)
		return nil
	case "passwd":
		name, err := needName()
		if err != nil {
			return err
		}
		pw, err := readPassword(os.Stdin, os.Stderr)
		if err != nil {
			return err
		}
		return relayd.UserPasswd(ctx, *dataDir, name, pw)
	case "list":
		return relayd.UserList(ctx, *dataDir, os.Stdout)
	case "disable", "enable":
		name, err := needName()
		if err != nil {
			return err
		}
		return relayd.UserSetDisabled(ctx, *dataDir, name, args[0] == "disable")
	case "promote", "demote":
		name, err := needName()
		if err != nil {
			return err
		}
		return relayd.UserSetAdmin(ctx, *dataDir, name, args[0] == "promote")
	case "editor", "uneditor":
		name, err := needName()
		if err != nil {
			return err
		}
		return relayd.UserSetKnowledgeEditor(ctx, *dataDir, name, args[0] == "editor")
	}
	return fmt.Errorf("unknown user subcommand %q\n%s", args[0], usage)
}

// readPassword prompts twice on a terminal, or reads one line from a pipe.
func readPassword(in *os.File, prompt io.Writer) (string, error) {
	if term.IsTerminal(int(in.Fd())) {
		fmt.Fprint(prompt, "Password: ")
		a, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		fmt.Fprint(prompt, "Again: ")
		b, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
