package server

// What one address, and one socket, may do on /ws/client and /ws/tech:
// how many sockets an address holds open, how fast a socket sends, and how
// often an address may create something the relay stores (a help request,
// a cancellation, an outcome report). Each refusal is counted in
// lifeline_ws_refused_total; each message the relay could not send in
// lifeline_ws_send_failures_total.

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// SocketLimits bound the protocol endpoints. A zero field takes its
// default; a negative one (rate.Inf for the rates) lifts the limit.
type SocketLimits struct {
	// ClientConnsPerAddr and TechConnsPerAddr are the sockets one address
	// may hold open at once on /ws/client and /ws/tech; defaults 32 and 16.
	// More are answered HTTP 429.
	ClientConnsPerAddr int
	TechConnsPerAddr   int
	// MessageRate and MessageBurst bound the messages one socket sends
	// (per second; defaults 20/s, burst 100). Past them the socket gets
	// error rate_limited and is closed (1008).
	MessageRate  rate.Limit
	MessageBurst int
	// SubmitRate and SubmitBurst bound request.submit and request.cancel
	// per address (defaults one per 5 s, burst 20); OutcomeRate and
	// OutcomeBurst outcome.report per address (defaults 1/s, burst 30).
	// Past them: error rate_limited with retry_after_ms, nothing stored,
	// the socket stays open.
	SubmitRate   rate.Limit
	SubmitBurst  int
	OutcomeRate  rate.Limit
	OutcomeBurst int
	// MaxWaiting caps the help requests waiting in the queue (not yet
	// taken) at once; MaxWaitingPerAddr those from one address. Defaults
	// 500 and 3. Past them request.submit is answered error queue_full,
	// nothing is stored and the socket stays open. Behind a NAT (an office
	// on one public address) raise MaxWaitingPerAddr.
	MaxWaiting        int
	MaxWaitingPerAddr int
}

// Unlimited lifts every socket limit (benchmarks that open thousands of
// sockets from one loopback address).
var Unlimited = SocketLimits{ClientConnsPerAddr: -1, TechConnsPerAddr: -1,
	MessageRate: rate.Inf, SubmitRate: rate.Inf, OutcomeRate: rate.Inf, MaxWaiting: -1, MaxWaitingPerAddr: -1}

// Default waiting caps (SocketLimits.MaxWaiting, MaxWaitingPerAddr).
const (
	DefaultMaxWaiting        = 500
	DefaultMaxWaitingPerAddr = 20
)

func (l *SocketLimits) setDefaults() {
	defInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defRate := func(v *rate.Limit, d rate.Limit) {
		if *v == 0 {
			*v = d
		}
	}
	defInt(&l.ClientConnsPerAddr, 32)
	defInt(&l.TechConnsPerAddr, 16)
	defRate(&l.MessageRate, 20)
	defInt(&l.MessageBurst, 100)
	defRate(&l.SubmitRate, rate.Every(5*time.Second))
	defInt(&l.SubmitBurst, 20)
	defRate(&l.OutcomeRate, 1)
	defInt(&l.OutcomeBurst, 30)
	defInt(&l.MaxWaiting, DefaultMaxWaiting)
	defInt(&l.MaxWaitingPerAddr, DefaultMaxWaitingPerAddr)
}

// SetSocketLimits replaces the socket limits (Config.Sockets) of a
// running relay. Sockets already open keep their message rate.
func (s *Server) SetSocketLimits(l SocketLimits) {
	l.setDefaults()
	s.hub.guard.limits.Store(&l)
}

// Refusal reasons, the reason label of lifeline_ws_refused_total.
const (
	refusedConns       = "connections"
	refusedMessageRate = "message_rate"
	refusedSubmitRate  = "submit_rate"
	refusedOutcomeRate = "outcome_rate"
	refusedTooLarge    = "too_large"
	refusedQueueFull   = "queue_full"
)

// socketGuard holds the counts and rates behind SocketLimits, and the
// metrics of refusals and failed sends. Its methods are safe on nil (hub
// tests run without one).
type socketGuard struct {
	limits atomic.Pointer[SocketLimits]

	mu    sync.Mutex
	conns map[string]int // endpoint + " " + address → open sockets

	submits  addrRates
	outcomes addrRates

	refused      *prometheus.CounterVec // endpoint, reason
	sendFailures *prometheus.CounterVec // reason: encode, slow_peer
}

func newSocketGuard() *socketGuard {
	g := &socketGuard{
		conns: make(map[string]int),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "lifeline", Name: "ws_refused_total",
			Help: "WebSocket connections and messages refused by the socket limits, by endpoint and reason."}, []string{"endpoint", "reason"}),
		sendFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "lifeline", Name: "ws_send_failures_total",
			Help: "Messages the relay could not send: not encodable (encode) or the peer fell behind and was closed (slow_peer)."}, []string{"reason"}),
	}
	l := SocketLimits{}
	l.setDefaults()
	g.limits.Store(&l)
	return g
}

// initSockets registers the socket metrics and gives the hub the logger.
func (s *Server) initSockets() {
	s.hub.log = s.log
	s.cfg.Registry.MustRegister(s.hub.guard.refused, s.hub.guard.sendFailures)
}

func (g *socketGuard) refuse(endpoint, reason string) {
	if g != nil {
		g.refused.WithLabelValues(endpoint, reason).Inc()
	}
}

func (g *socketGuard) sendFailed(reason string) {
	if g != nil {
		g.sendFailures.WithLabelValues(reason).Inc()
	}
}

// openConn counts a new socket of addr on endpoint ("client" or "tech");
// ok is false when addr already holds its share. release uncounts it.
func (g *socketGuard) openConn(endpoint, addr string) (release func(), ok bool) {
	l := g.limits.Load()
	max := l.ClientConnsPerAddr
	if endpoint == "tech" {
		max = l.TechConnsPerAddr
	}
	key := endpoint + " " + addr
	g.mu.Lock()
	defer g.mu.Unlock()
	if max >= 0 && g.conns[key] >= max {
		g.refused.WithLabelValues(endpoint, refusedConns).Inc()
		return nil, false
	}
	g.conns[key]++
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.conns[key]--; g.conns[key] <= 0 {
			delete(g.conns, key)
		}
	}, true
}

// messageLimiter is a new socket's message rate.
func (g *socketGuard) messageLimiter() *rate.Limiter {
	l := g.limits.Load()
	return rate.NewLimiter(l.MessageRate, l.MessageBurst)
}

// refuseConn answers an upgrade over the address's socket cap.
func refuseConn(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "30")
	http.Error(w, "too many connections from your address; close some and try again", http.StatusTooManyRequests)
}

// addrRates are per-address token buckets, swept of full (idle) ones
// when the map grows.
type addrRates struct {
	mu sync.Mutex
	m  map[string]*rate.Limiter
}

// addrSweepAt is the size at which idle buckets are dropped.
const addrSweepAt = 4096

// take spends one token of addr's bucket at now, or reports how long until
// one is there (and spends nothing).
func (a *addrRates) take(addr string, now time.Time, r rate.Limit, burst int) (wait time.Duration, ok bool) {
	if r == rate.Inf {
		return 0, true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = make(map[string]*rate.Limiter)
	}
	lim := a.m[addr]
	if lim == nil {
		if len(a.m) >= addrSweepAt {
			for k, l := range a.m {
				if l.TokensAt(now) >= float64(l.Burst()) {
					delete(a.m, k)
				}
			}
		}
		lim = rate.NewLimiter(r, burst)
		a.m[addr] = lim
	} else if lim.Limit() != r || lim.Burst() != burst {
		lim.SetLimitAt(now, r)
		lim.SetBurstAt(now, burst)
	}
	res := lim.ReserveN(now, 1)
	if !res.OK() {
		return time.Minute, false
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d, false
	}
	return 0, true
}

// throttle spends one of c's address's tokens for a message that stores
// something (request.submit, request.cancel, outcome.report); when none is
// left it answers rate_limited and returns false.
func (s *Server) throttle(c *clientConn, replyID string, typ protocol.Type) bool {
	g := s.hub.guard
	l := g.limits.Load()
	bucket, r, burst, reason := &g.submits, l.SubmitRate, l.SubmitBurst, refusedSubmitRate
	msg := "too many help requests from your network just now; wait a little and try again"
	if typ == protocol.TypeOutcomeReport || typ == protocol.TypeGuideFeedback || typ == protocol.TypeInsightEvents {
		bucket, r, burst, reason = &g.outcomes, l.OutcomeRate, l.OutcomeBurst, refusedOutcomeRate
		msg = "too many reports from your network just now; this one was not saved"
	}
	wait, ok := bucket.take(c.addr, s.now(), r, burst)
	if ok {
		return true
	}
	g.refuse("client", reason)
	c.log.Warn("throttled", "type", typ, "retry_after", wait)
	b, _ := protocol.Encode(protocol.TypeError, replyID, "", &protocol.Error{Code: protocol.CodeRateLimited,
		Message: msg, RetryAfterMS: max(1, wait.Milliseconds())})
	c.enqueue(b)
	return false
}

// logQueueLoss records that part of the queue could not be sent to the
// consoles (they are told to reload it).
func (h *hub) logQueueLoss(what string, ids []string) {
	h.guard.sendFailed("encode")
	log := h.log
	if log == nil {
		log = slog.Default()
	}
	log.Error("queue message not sent; consoles told to reload the queue", "what", what, "requests", len(ids), "ids", ids)
}
