// Package helpdesk connects the desktop window to the help desk: it keeps a
// relay connection (retrying while the relay is unreachable), submits help
// requests — keeping them on disk until the relay has them, so nothing the
// person typed is lost — redeems one-time codes, reports guide outcomes,
// sends what people write about a guide's step (kept the same way) and
// runs the live session (assist) with consent asked through the window.
//
// The files follow its jobs: connect.go reaches the relay, outbox.go keeps
// and sends help requests, feedback.go guide feedback, consent.go puts the session's questions to the
// window, session.go runs the live sessions, wire.go maps what the window
// holds onto the relay protocol. Desk never touches widgets; it reports on
// Events and returns errors that package plainerr phrases.
package helpdesk

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/relay/client"
)

// ErrOffline is returned when the relay cannot be reached right now.
var ErrOffline = plainerr.ErrOffline

// Config configures a Desk.
type Config struct {
	// RelayURL is the relay's address (http(s):// or ws(s)://).
	RelayURL   string
	AppVersion string
	// Store keeps the accepted request's id and resume token.
	Store Store
	// OutboxDir is the folder (under the app's data folder) where help
	// requests wait until the relay has accepted them. Required.
	OutboxDir string
	// StateDir is the folder for the install id, the insight events not
	// yet delivered and the requests kept for a follow-up; default the
	// folder OutboxDir is in.
	StateDir string
	// Session customises the live session (capture source, injector,
	// network); Signaler, Consenter and OnEvent are set by the Desk.
	Session assist.Config
	// MinRetry and MaxRetry bound the wait between attempts to reach the
	// relay, the first dial's and the relay client's redials (default
	// client.DefaultMinBackoff and client.DefaultMaxBackoff).
	MinRetry, MaxRetry time.Duration
}

// Desk is the window's connection to the help desk.
type Desk struct {
	cfg   Config
	wsURL string
	log   *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	outbox   *outbox
	feedback *outbox       // guide feedback, in OutboxDir/feedback
	kick     chan struct{} // wakes flushLoop
	sending  sync.Mutex    // one delivery at a time

	state       *outbox       // StateDir, written as the outbox writes
	installID   string        // sent with help requests (install.go)
	insights    *insightQueue // insights.go
	insightKick chan struct{} // wakes insightLoop
	followups   *followupKeeper
	needClaim   atomic.Bool // a new connection: claim the kept follow-ups

	events   chan Event
	eventsMu sync.RWMutex // held for reading while sending, for writing to close
	closed   bool

	mu         sync.Mutex
	rc         *client.Client
	sess       *assist.Session
	technician string
	live       bool // a technician started the current session
	shared     bool // the technician saw the screen in the current session
	asks       map[string]chan bool
	fileAsks   map[string]chan string
	nextAsk    int
}

// New starts connecting to the relay in the background.
func New(cfg Config, log *slog.Logger) (*Desk, error) {
	ws, err := client.URLFor(cfg.RelayURL)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ob, err := openOutbox(cfg.OutboxDir, "help request", log)
	if err != nil {
		return nil, err
	}
	fb, err := openOutbox(filepath.Join(cfg.OutboxDir, feedbackDir), "guide feedback", log)
	if err != nil {
		return nil, err
	}
	if cfg.StateDir == "" {
		cfg.StateDir = filepath.Dir(filepath.Clean(cfg.OutboxDir))
	}
	state, err := openOutbox(cfg.StateDir, "desk state", log)
	if err != nil {
		return nil, err
	}
	d := &Desk{cfg: cfg, wsURL: ws, log: log, outbox: ob, feedback: fb, kick: make(chan struct{}, 1),
		events: make(chan Event, 64), asks: map[string]chan bool{}, fileAsks: map[string]chan string{},
		state: state, insights: openInsightQueue(state), insightKick: make(chan struct{}, 1), followups: openFollowups(state)}
	if d.installID, err = loadInstallID(state); err != nil {
		return nil, err
	}
	if err := d.migrate(); err != nil {
		return nil, err
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.wg.Add(3)
	go d.connectLoop()
	go d.flushLoop()
	go d.insightLoop() // insights.go
	return d, nil
}

// migrate moves a request an older version kept in the Store into the
// outbox.
func (d *Desk) migrate() error {
	st := d.load()
	if st.Request == nil {
		return nil
	}
	if _, err := d.outbox.put(*st.Request, nil, time.Now()); err != nil {
		return err
	}
	d.save(st)
	return nil
}

// Events delivers what happens: connection changes, queue position,
// consent questions, session changes, chat. It must be drained; it is
// closed when Close returns.
func (d *Desk) Events() <-chan Event { return d.events }

// emit delivers ev on Events, or drops it once the Desk is closing.
func (d *Desk) emit(ev Event) {
	d.eventsMu.RLock()
	defer d.eventsMu.RUnlock()
	if d.closed {
		return
	}
	select {
	case d.events <- ev:
	case <-d.ctx.Done():
	}
}

func (d *Desk) client() *client.Client {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rc
}

// endTimeout bounds how long Close waits for a live session to tell the
// technician it ended (the session's own flush is bounded at 3 s).
const endTimeout = 5 * time.Second

// Close ends a live session first — the technician is told the user ended
// it (session.end "user"), waited for at most endTimeout — then the
// connection, waits for its goroutines and closes Events. Requests in the
// outbox stay there for the next start.
func (d *Desk) Close() error {
	if s := d.session(); s != nil {
		s.Stop()
		select {
		case <-s.Done():
		case <-time.After(endTimeout):
			d.log.Warn("live session did not end in time; closing anyway")
		}
	}
	d.cancel()
	if rc := d.client(); rc != nil {
		rc.Close()
	}
	d.wg.Wait()
	d.eventsMu.Lock()
	if !d.closed {
		d.closed = true
		close(d.events)
	}
	d.eventsMu.Unlock()
	return nil
}
