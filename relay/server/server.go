// Package server is the Lifeline relay: the help-request queue, one-time
// codes, technician accounts and login, the signaling WebSockets for desktop
// clients (/ws/client) and technician consoles (/ws/tech), the audit log and
// session records, and the JSON API the console uses (see relay/API.md).
//
// A Server is built with New, served through Handler, and stopped with
// Shutdown, which ends running sessions cleanly, closes every WebSocket and
// waits for the goroutines it started.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/codes"
	"github.com/lifeline-desk/lifeline/relay/console"
	"github.com/lifeline-desk/lifeline/relay/limit"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
	"github.com/lifeline-desk/lifeline/relay/turnserver"
)

// Config configures a Server. Store is required; other zero fields get defaults.
type Config struct {
	Store *store.SQLite
	// Insights are the organisation's choices about insight events
	// (the setting insights.search_text).
	Insights Insights
	// Now is the clock (tests inject one); default time.Now.
	Now func() time.Time

	// PublicURL is the address people use to reach the relay, e.g.
	// "https://help.example.org" (behind a proxy, the proxy's). With
	// https (or SecureCookies) the login cookie is Secure and named
	// "__Host-lifeline_session", and every response carries HSTS.
	PublicURL string
	// TrustedProxies are the peers whose X-Forwarded-For is believed
	// (reverse proxies). From any other peer the socket address counts,
	// for per-address limits and audit addresses alike.
	TrustedProxies []netip.Prefix
	// SecureCookies marks the login cookie Secure (set when serving TLS
	// directly); an https PublicURL does the same.
	SecureCookies bool
	// OriginPatterns are extra allowed Origin host patterns for /ws/tech
	// (same-host is always allowed), e.g. when a reverse proxy rewrites Host.
	OriginPatterns []string
	// Password are the argon2id costs for new password hashes (zero: auth.DefaultParams).
	Password auth.Params
	// LoginTTL is how long a console login lasts; default 12 h.
	LoginTTL time.Duration

	// TURNURLs are the TURN URLs sent to both parties of a session, e.g.
	// "turn:relay.example.org:3478?transport=udp". Empty: no ICE servers are
	// sent (host candidates only). No public STUN server is ever added.
	TURNURLs []string
	// TURNSecret is the shared secret for TURN REST credentials.
	TURNSecret []byte
	// TURNTTL is the lifetime of TURN credentials; default 12 h.
	TURNTTL time.Duration
	// TURNStats, when set, are exported as metrics (embedded TURN server).
	TURNStats *turnserver.Stats

	// CodeTTL is the lifetime of one-time codes; default 10 min.
	CodeTTL time.Duration
	// CodeDigits is the length of one-time codes; default (and minimum) 9.
	CodeDigits int
	// CodeLimiter overrides the code attempt limits (its Now is set from Now).
	CodeLimiter codes.LimiterConfig
	// AccountLockout and AddressLockout limit failed logins; defaults:
	// 5 failures per account or 20 per address in 15 min lock for 15 min.
	AccountLockout limit.Lockout
	AddressLockout limit.Lockout

	// Retention says how long each kind of record is kept (see Retention).
	Retention Retention
	// Recording is whether sessions are recorded, where and how much
	// (recordings.go).
	Recording Recording
	// PingInterval is the WebSocket keep-alive period; default 30 s.
	PingInterval time.Duration
	// WriteTimeout bounds every WebSocket write; default 10 s.
	WriteTimeout time.Duration
	// Console is served at "/"; default the embedded console.
	Console fs.FS
	// Registry receives the metrics; default a new registry.
	Registry *prometheus.Registry

	// HTTP are the limits of the http.Server that HTTPServer builds.
	HTTP HTTPLimits
	// Sockets bound what one address and one socket may do on the
	// protocol endpoints, and how many requests may wait (zero fields:
	// defaults; see SocketLimits).
	Sockets SocketLimits
	// MetricsToken, when set, serves /metrics on the main handler to
	// requests with "Authorization: Bearer <MetricsToken>". Empty: the
	// main handler has no /metrics; serve MetricsHandler on a separate
	// (loopback) listener instead.
	MetricsToken string
	// ConsentTimeout is how long the relay keeps a view or control
	// question open before it counts as declined (no_answer); default
	// 65 s: the desktop asks for 60 s, the relay closes the question
	// 5 s later should the desktop not answer.
	ConsentTimeout time.Duration
	// DenyCooldown is the wait before the technician may ask again after
	// the user's second decline of the same question in a session (the
	// first decline allows one immediate second ask); it doubles with
	// every further decline up to MaxDenyCooldown. Defaults 30 s and 10 min.
	DenyCooldown    time.Duration
	MaxDenyCooldown time.Duration

	// MaxFileBytes is the largest file the technician and the user may
	// send each other in a session (session.start max_file_bytes);
	// default DefaultMaxFileBytes.
	MaxFileBytes int64
	// TechGrace is how long a running session waits for its technician's
	// console to come back (a reloaded tab, a lost network) before it
	// ends with EndTechnicianLost; default DefaultTechGrace (60 s).
	TechGrace time.Duration

	// KeyFile is the server secret's file (HMAC of one-time codes,
	// encryption of TOTP secrets), created mode 0600 on first start;
	// default relay.key beside the database.
	KeyFile string
	// HashGate bounds the password hashes computed at once (see auth.HashGate).
	HashGate auth.GateConfig
	// LoginCheck is how often the logins behind open consoles and live
	// sessions are checked against the store, so that an account
	// disabled or a password set by another process (lifeline-relay
	// user …) ends them; default DefaultLoginCheck (1 s).
	LoginCheck time.Duration
	// FollowupDelay is how long after a session resolved a request its
	// desktop is asked whether the problem is still fixed; default
	// DefaultFollowupDelay (24 h).
	FollowupDelay time.Duration
}

// HTTPLimits bound what one HTTP connection may hold: the time to send
// the request header, to send a whole request (not WebSockets, which
// live long), an idle keep-alive, and the header size.
type HTTPLimits struct {
	ReadHeaderTimeout time.Duration // default 10 s
	ReadTimeout       time.Duration // default 30 s; WebSocket routes clear it
	IdleTimeout       time.Duration // default 2 min
	MaxHeaderBytes    int           // default 16 KiB
}

func (l *HTTPLimits) setDefaults() {
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = 10 * time.Second
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = 30 * time.Second
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = 2 * time.Minute
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = 16 << 10
	}
}

// Server is the relay.
type Server struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	handler http.Handler
	secure  bool // Secure __Host- cookie and HSTS (https PublicURL or SecureCookies)

	// The store, by the role each part of the server uses.
	accounts  store.Accounts
	queue     store.Queue
	records   store.Sessions
	auditLog  store.AuditLog
	codeBook  store.Codes
	outcomes  store.Outcomes
	insights  store.InsightRecorder
	reports   store.InsightReports
	followups store.Followups
	upkeep    upkeep

	guides    *guideLib // the organisation's guide pack (guides.go, api_guides.go)
	guideSync addrRates // GET /api/client/guides per address
	// guidesKick wakes pushLoop after a change to the pack (guides_push.go).
	guidesKick chan struct{}

	hub  *hub       // sockets, queue order and running sessions
	totp *totpGuard // TOTP replay guard
	acct *accounts  // hash gate, key-file secrets, re-auth throttle (users.go)

	turnPeers turnPeers // candidate addresses per session, for the TURN server (turnpeers.go)
	rec       *recorder // session recordings (recordings.go)

	codeLimiter *codes.Limiter
	accountLock *limit.Keyed // failed logins per account name
	addrLock    *limit.Keyed // failed logins per address

	m metrics

	ctx    context.Context // cancelled by Shutdown
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the server started
}

// upkeep is what the server needs of the store beyond the records.
type upkeep interface {
	// ExpireWaiting marks waiting requests not changed since before
	// expired and returns their ids.
	ExpireWaiting(ctx context.Context, before, at time.Time) ([]string, error)
	// PruneRecords deletes the records older than their cut-offs.
	PruneRecords(ctx context.Context, c store.Cutoffs) (store.PruneResult, error)
	Ping(ctx context.Context) error
}

type metrics struct {
	failedLogins  prometheus.Counter
	codeAttempts  *prometheus.CounterVec
	messages      *prometheus.CounterVec
	auditFailures prometheus.Counter
	pruned        *prometheus.CounterVec
}

// New opens a relay on cfg.Store. Sessions left open by a previous process
// are ended (reason relay_restart, with an audit event) and their requests go
// back to the queue.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: no store")
	}
	if log == nil {
		log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LoginTTL <= 0 {
		cfg.LoginTTL = 12 * time.Hour
	}
	if cfg.TURNTTL <= 0 {
		cfg.TURNTTL = 12 * time.Hour
	}
	if cfg.CodeTTL <= 0 {
		cfg.CodeTTL = codes.DefaultTTL
	}
	if cfg.CodeDigits < codes.DefaultDigits {
		cfg.CodeDigits = codes.DefaultDigits
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 30 * time.Second
	}
	if cfg.MaxFileBytes <= 0 {
		cfg.MaxFileBytes = DefaultMaxFileBytes
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.Console == nil {
		cfg.Console = console.FS()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
		cfg.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	cfg.CodeLimiter.Now = cfg.Now
	if cfg.AddressLockout.MaxFailures == 0 {
		cfg.AddressLockout.MaxFailures = 20
	}
	cfg.HTTP.setDefaults()
	cfg.Retention.setDefaults()
	if cfg.LoginCheck <= 0 {
		cfg.LoginCheck = DefaultLoginCheck
	}
	if cfg.ConsentTimeout <= 0 {
		cfg.ConsentTimeout = 65 * time.Second
	}
	if cfg.TechGrace <= 0 {
		cfg.TechGrace = DefaultTechGrace
	}
	if cfg.DenyCooldown <= 0 {
		cfg.DenyCooldown = 30 * time.Second
	}
	if cfg.FollowupDelay <= 0 {
		cfg.FollowupDelay = DefaultFollowupDelay
	}
	if cfg.MaxDenyCooldown < cfg.DenyCooldown {
		cfg.MaxDenyCooldown = max(10*time.Minute, cfg.DenyCooldown)
	}
	secure, err := secureURL(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.Background())
	st := cfg.Store
	s := &Server{
		cfg: cfg, log: log, now: cfg.Now, secure: secure || cfg.SecureCookies,
		accounts: st, queue: st, records: st, auditLog: st, codeBook: st, outcomes: st, upkeep: st, insights: st, reports: st, followups: st,
		totp:        newTOTPGuard(),
		codeLimiter: codes.NewLimiter(cfg.CodeLimiter),
		accountLock: limit.New(cfg.AccountLockout, cfg.Now),
		addrLock:    limit.New(cfg.AddressLockout, cfg.Now),
		ctx:         sctx, cancel: cancel,
		guidesKick: make(chan struct{}, 1),
	}
	if err := s.initAccounts(ctx); err != nil {
		cancel()
		return nil, err
	}
	if err := s.initRecordings(ctx); err != nil {
		cancel()
		return nil, err
	}
	if s.guides, err = newGuideLib(st); err != nil {
		cancel()
		return nil, err
	}
	s.guides.onChange = s.guidesChanged
	waiting, addrs, err := s.recoverState(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	s.hub = newHub(s.encode, s.iceServers, waiting)
	s.hub.maxFileBytes = cfg.MaxFileBytes
	s.hub.recording = s.cfg.Recording.Enabled
	for id, addr := range addrs {
		s.hub.noteWaitingAddr(id, addr)
	}
	s.initSockets() // socket limits and their metrics (socketlimits.go)
	s.SetSocketLimits(cfg.Sockets)
	s.registerMetrics()
	s.handler = s.routes()
	s.wg.Add(4)
	go s.pruneLoop()
	go s.loginLoop()    // loginwatch.go
	go s.followupLoop() // followup.go
	go s.pushLoop()     // guides_push.go
	return s, nil
}

// recoverState ends sessions a previous process left open and loads the
// waiting queue, oldest first, with the address each request came from.
func (s *Server) recoverState(ctx context.Context) ([]protocol.QueueItem, map[string]string, error) {
	open, err := s.records.OpenSessions(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load open sessions: %w", err)
	}
	now := s.now()
	for _, x := range open {
		if err := s.records.EndSession(ctx, x.ID, protocol.EndRelayRestart, now); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, nil, fmt.Errorf("end session %s: %w", x.ID, err)
		}
		if err := s.queue.SetRequestState(ctx, x.RequestID, store.StateWaiting, now, store.StateTaken, store.StateInSession); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, nil, fmt.Errorf("requeue request %s: %w", x.RequestID, err)
		}
		s.audit(ctx, store.AuditEvent{Actor: protocol.ActorRelay, Action: protocol.AuditSessionEnd, RequestID: x.RequestID, SessionID: x.ID, Detail: endDetail(protocol.EndRelayRestart)})
		s.log.Info("ended session cut by restart", "session", x.ID, "request", x.RequestID)
	}
	// Requests taken but whose session never started are re-queued too.
	taken, err := s.queue.Requests(ctx, store.StateTaken, store.StateInSession)
	if err != nil {
		return nil, nil, fmt.Errorf("load taken requests: %w", err)
	}
	for _, r := range taken {
		if err := s.queue.SetRequestState(ctx, r.ID, store.StateWaiting, now, store.StateTaken, store.StateInSession); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, nil, fmt.Errorf("requeue request %s: %w", r.ID, err)
		}
	}
	waiting, err := s.queue.Requests(ctx, store.StateWaiting)
	if err != nil {
		return nil, nil, fmt.Errorf("load queue: %w", err)
	}
	items := make([]protocol.QueueItem, 0, len(waiting))
	addrs := make(map[string]string, len(waiting))
	for _, r := range waiting {
		items = append(items, queueItem(r, false))
		addrs[r.ID] = r.Address
	}
	return items, addrs, nil
}

func (s *Server) registerMetrics() {
	r := s.cfg.Registry
	gauge := func(name, help string, f func() float64) {
		r.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "lifeline", Name: name, Help: help}, f))
	}
	live := func(f func(hubCounts) int) func() float64 {
		return func() float64 { return float64(f(s.hub.counts())) }
	}
	gauge("queue_length", "Help requests waiting in the queue.", live(func(c hubCounts) int { return c.queue }))
	gauge("active_sessions", "Sessions running now.", live(func(c hubCounts) int { return c.sessions }))
	gauge("connected_clients", "Desktop clients connected to /ws/client.", live(func(c hubCounts) int { return c.clients }))
	gauge("connected_technicians", "Technicians with at least one console socket.", live(func(c hubCounts) int { return c.techs }))
	s.m.failedLogins = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "lifeline", Name: "failed_logins_total", Help: "Failed console logins."})
	s.m.codeAttempts = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "lifeline", Name: "code_attempts_total", Help: "One-time code attempts by result (ok, failed, limited)."}, []string{"result"})
	s.m.messages = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "lifeline", Name: "ws_messages_total", Help: "WebSocket messages received by endpoint and result."}, []string{"endpoint", "result"})
	s.m.auditFailures = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "lifeline", Name: "audit_write_failures_total", Help: "Audit events that could not be written (consent steps are then refused)."})
	s.m.pruned = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "lifeline", Name: "pruned_records_total", Help: "Records expired or deleted by the retention job, by kind."}, []string{"kind"})
	r.MustRegister(s.m.failedLogins, s.m.codeAttempts, s.m.messages, s.m.auditFailures, s.m.pruned)
	if st := s.cfg.TURNStats; st != nil {
		counter := func(name, help string, f func() int64, labels prometheus.Labels) {
			r.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "lifeline", Name: name, Help: help, ConstLabels: labels}, func() float64 { return float64(f()) }))
		}
		counter("turn_allocations_total", "TURN allocations made by the embedded server.", st.Allocations.Load, nil)
		counter("turn_bytes_total", "Bytes relayed by the embedded TURN server.", st.BytesIn.Load, prometheus.Labels{"direction": "in"})
		counter("turn_bytes_total", "Bytes relayed by the embedded TURN server.", st.BytesOut.Load, prometheus.Labels{"direction": "out"})
		counter("turn_auth_failures_total", "TURN requests refused for bad credentials.", st.AuthFailures.Load, nil)
		gauge("turn_active_allocations", "TURN allocations open now.", func() float64 { return float64(st.ActiveAllocation.Load()) })
		s.registerTURNRefusals(st) // turnpeers.go
	}
}

// Handler returns the relay's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Shutdown ends running sessions (reason relay_shutdown, requests back to
// the queue), closes every WebSocket and waits for the server's goroutines
// or ctx. Call it after http.Server.Shutdown has stopped new connections,
// since hijacked WebSockets are not tracked by http.Server.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.hub.isClosing() {
		return nil
	}
	for _, x := range s.hub.shutdown() {
		s.endSession(ctx, x, partyRelay, protocol.ActorRelay, protocol.EndRelayShutdown, true)
	}
	s.cancel() // stops reader/writer goroutines and background loops
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("relay shutdown: %w", ctx.Err())
	}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.handleReady)
	mux.Handle("GET /metrics", s.mainMetrics())
	mux.HandleFunc("GET /ws/client", longLived(s.handleClientWS))
	mux.HandleFunc("GET /ws/tech", longLived(s.handleTechWS))
	s.apiRoutes(mux)
	mux.Handle("GET /", http.FileServerFS(s.cfg.Console))
	return s.securityHeaders(mux)
}

// HTTPServer is the http.Server to serve Handler with: header, request
// and idle timeouts and a header size cap (Config.HTTP), so a client that
// trickles its request (slowloris) is cut.
func (s *Server) HTTPServer() *http.Server {
	l := s.cfg.HTTP
	return &http.Server{Handler: s.handler, ReadHeaderTimeout: l.ReadHeaderTimeout, ReadTimeout: l.ReadTimeout,
		IdleTimeout: l.IdleTimeout, MaxHeaderBytes: l.MaxHeaderBytes, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
}

// longLived lifts the request read deadline (http.Server.ReadTimeout)
// for a WebSocket route: the socket lives for hours and has its own
// keep-alive and message limits.
func longLived(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
		h(w, r)
	}
}

// secureURL validates a public URL and reports whether it is https.
func secureURL(public string) (bool, error) {
	if public == "" {
		return false, nil
	}
	u, err := url.Parse(public)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return false, fmt.Errorf("server: public URL %q: want http(s)://host[:port]", public)
	}
	return u.Scheme == "https", nil
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.hub.isClosing() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if err := s.upkeep.Ping(ctx); err != nil {
		http.Error(w, "storage unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		if s.secure {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Content-Security-Policy", contentSecurityPolicy(r.Host))
		h.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy is the console's policy: scripts, styles and
// everything else only from the relay itself (no inline code), the
// console socket on the relay's own host, and the live screen as a
// MediaStream (blob:).
func contentSecurityPolicy(host string) string {
	connect := "'self'"
	if hostRE.MatchString(host) {
		connect += " ws://" + host + " wss://" + host
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src " + connect +
		"; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// hostRE accepts a Host header safe to echo into the policy.
var hostRE = regexp.MustCompile(`^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)

// Bounds of an audit row's free-text fields.
const (
	maxAuditActor  = 128
	maxAuditDetail = 1024
	truncMark      = "…[truncated]"
)

// audit writes an audit event, filling the time and truncating long
// fields (marked); a failure is logged, counted and returned, so that a
// consent step can be refused rather than go unaudited.
func (s *Server) audit(ctx context.Context, e store.AuditEvent) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.Actor = protocol.Actor(truncate(string(e.Actor), maxAuditActor))
	e.Detail = truncate(e.Detail, maxAuditDetail)
	e.Address = truncate(e.Address, 64)
	if err := s.auditLog.AddAudit(context.WithoutCancel(ctx), e); err != nil {
		s.m.auditFailures.Inc()
		s.log.Error("write audit event", "action", e.Action, "err", err)
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// truncate cuts s to at most n bytes on a UTF-8 boundary, ending in
// truncMark when it cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len(truncMark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + truncMark
}
