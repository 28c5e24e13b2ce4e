// Package helpdesk connects the desktop window to the help desk: it keeps a
// relay connection (retrying while the relay is unreachable), submits help
// requests — keeping them on disk until the relay has them, so nothing the
// person typed is lost — redeems one-time codes, reports guide outcomes and
// runs the live session (assist) with consent asked through the window.
//
// It implements Helpdesk; it never touches widgets.
package helpdesk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/assist/relaysignal"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

// Store keeps what must survive a restart of the app: a request not yet
// accepted by the relay, and the id and resume token of one that was.
type Store interface {
	PendingEscalation() string
	SetPendingEscalation(string)
}

// Config configures a Desk.
type Config struct {
	// RelayURL is the relay's address (http(s):// or ws(s)://).
	RelayURL   string
	AppVersion string
	Store      Store
	// Session customises the live session (capture source, injector,
	// network); Signaler, Consenter and OnEvent are set by the Desk.
	Session assist.Config
	// MinRetry and MaxRetry bound the reconnect delay while the relay is
	// unreachable (default 1 s and 30 s).
	MinRetry, MaxRetry time.Duration
}

// Desk is the window's connection to the help desk.
type Desk struct {
	cfg    Config
	wsURL  string
	log    *slog.Logger
	events chan Event

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	rc         *client.Client
	sess       *assist.Session
	technician string
	asks       map[string]chan bool
	nextAsk    int
	connected  chan struct{} // closed once the first connection is up
}

// saved is what the Store keeps.
type saved struct {
	Request     *protocol.RequestSubmit `json:"request,omitempty"` // not yet accepted
	RequestID   string                  `json:"request_id,omitempty"`
	ResumeToken string                  `json:"resume_token,omitempty"`
}

// New starts connecting to the relay in the background.
func New(cfg Config, log *slog.Logger) (*Desk, error) {
	ws, err := client.URLFor(cfg.RelayURL)
	if err != nil {
		return nil, err
	}
	if cfg.MinRetry <= 0 {
		cfg.MinRetry = time.Second
	}
	if cfg.MaxRetry <= 0 {
		cfg.MaxRetry = 30 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Desk{cfg: cfg, wsURL: ws, log: log, events: make(chan Event, 64), asks: map[string]chan bool{}, connected: make(chan struct{})}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.wg.Add(1)
	go d.connectLoop()
	return d, nil
}

func (d *Desk) emit(ev Event) {
	select {
	case d.events <- ev:
	case <-d.ctx.Done():
	}
}

func (d *Desk) load() saved {
	var s saved
	if raw := d.cfg.Store.PendingEscalation(); raw != "" {
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			d.log.Warn("discarding unreadable saved request", "err", err)
		}
	}
	return s
}

func (d *Desk) save(s saved) {
	if s.Request == nil && s.RequestID == "" {
		d.cfg.Store.SetPendingEscalation("")
		return
	}
	b, _ := json.Marshal(s)
	d.cfg.Store.SetPendingEscalation(string(b))
}

// connectLoop dials until the relay answers, then hands over to the
// client's own reconnects, runs sessions and sends a waiting request.
func (d *Desk) connectLoop() {
	defer d.wg.Done()
	delay := d.cfg.MinRetry
	told := false
	for {
		st := d.load()
		opts := client.Options{Logger: d.log, RequestID: st.RequestID, ResumeToken: st.ResumeToken, OnState: d.onState}
		dctx, cancel := context.WithTimeout(d.ctx, 15*time.Second)
		rc, err := client.Dial(dctx, d.wsURL, opts)
		cancel()
		if err == nil {
			d.mu.Lock()
			d.rc = rc
			d.mu.Unlock()
			close(d.connected)
			d.emit(Event{Kind: EventConnection, Online: true})
			if st.Request != nil {
				d.sendSaved(rc, *st.Request)
			}
			d.sessions(rc)
			return
		}
		if d.ctx.Err() != nil {
			return
		}
		if !told {
			told = true
			d.emit(Event{Kind: EventConnection, Online: false, Text: "The help desk can't be reached right now. Self-help still works; Lifeline keeps trying in the background."})
		}
		d.log.Debug("relay unreachable", "err", err, "retry", delay)
		jitter := time.Duration(rand.Int64N(int64(delay) / 2))
		select {
		case <-time.After(delay + jitter):
		case <-d.ctx.Done():
			return
		}
		delay = min(2*delay, d.cfg.MaxRetry)
	}
}

func (d *Desk) onState(s client.State, err error) {
	switch s {
	case client.Disconnected:
		d.emit(Event{Kind: EventConnection, Online: false, Text: "The connection to the help desk was lost. Lifeline is reconnecting…"})
	case client.Connected:
		d.emit(Event{Kind: EventConnection, Online: true})
	}
}

// sendSaved submits a request that was kept while the relay was away.
func (d *Desk) sendSaved(rc *client.Client, req protocol.RequestSubmit) {
	ctx, cancel := context.WithTimeout(d.ctx, 30*time.Second)
	defer cancel()
	acc, err := rc.SubmitRequest(ctx, req)
	if err != nil {
		d.log.Warn("send saved request", "err", err)
		d.emit(Event{Kind: EventError, Text: "Your saved help request could not be sent yet; Lifeline will try again."})
		return
	}
	d.accepted(acc)
	d.emit(Event{Kind: EventRequestClosed, Text: "Your saved help request has reached the help desk."})
}

func (d *Desk) accepted(acc protocol.RequestAccepted) {
	d.save(saved{RequestID: acc.RequestID, ResumeToken: acc.ResumeToken})
	d.emit(Event{Kind: EventQueued, Position: acc.Position})
}

// sessions runs one assist session after another on the connection until
// the Desk closes.
func (d *Desk) sessions(rc *client.Client) {
	for d.ctx.Err() == nil {
		cfg := d.cfg.Session
		cfg.Signaler = relaysignal.New(rc, d.onOther)
		cfg.Consenter = assist.ConsentFunc(d.ask)
		cfg.OnEvent = d.onSessionEvent
		s, err := assist.New(cfg, d.log)
		if err != nil {
			d.emit(Event{Kind: EventError, Text: "Live help cannot start on this computer: " + err.Error()})
			return
		}
		d.mu.Lock()
		d.sess = s
		d.mu.Unlock()
		err = s.Run(d.ctx)
		if errors.Is(err, relaysignal.ErrClosed) {
			return
		}
		if err != nil && d.ctx.Err() == nil {
			d.log.Warn("live session", "err", err)
		}
	}
}

// onOther handles relay messages that are not session signaling.
func (d *Desk) onOther(m protocol.Message) {
	switch p := m.Payload.(type) {
	case *protocol.RequestAccepted:
		d.accepted(*p)
	case *protocol.QueuePosition:
		d.emit(Event{Kind: EventQueued, Position: p.Position})
	case *protocol.RequestTaken:
		d.mu.Lock()
		d.technician = p.Technician
		d.mu.Unlock()
		d.emit(Event{Kind: EventTaken, Technician: p.Technician})
	case *protocol.RequestCancelled:
		d.save(saved{})
	case *protocol.Chat:
		d.emit(Event{Kind: EventChat, From: p.From, Text: p.Text})
	case *protocol.Error:
		if p.Code == protocol.CodeNotFound {
			d.save(saved{}) // the saved request is over on the relay's side
		}
		d.log.Debug("relay error", "code", p.Code, "message", p.Message)
	}
}

func (d *Desk) onSessionEvent(e assist.Event) {
	if e.Technician != "" {
		d.mu.Lock()
		d.technician = e.Technician
		d.mu.Unlock()
	}
	var st SessionState
	switch e.State {
	case assist.StateWaitingConsent:
		st = SessionWaiting
	case assist.StateViewing:
		st = SessionViewing
	case assist.StateControlling:
		st = SessionControlling
	case assist.StateEnded:
		st = SessionEnded
		d.save(saved{})
	default:
		return
	}
	d.emit(Event{Kind: EventSession, Session: st, Technician: e.Technician, Text: e.Reason})
}

// ask is the session's Consenter: it shows the request in the window and
// waits for Answer, or for the session to give up (timeout, end).
func (d *Desk) ask(ctx context.Context, req assist.ConsentRequest) (bool, error) {
	d.mu.Lock()
	d.nextAsk++
	id := strconv.Itoa(d.nextAsk)
	ch := make(chan bool, 1)
	d.asks[id] = ch
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.asks, id)
		d.mu.Unlock()
	}()
	kind := ConsentView
	if req.Permission == assist.PermissionControl {
		kind = ConsentControl
	}
	d.emit(Event{Kind: EventConsent, Consent: ConsentRequest{Kind: kind, Technician: req.Technician, ID: id}})
	select {
	case ok := <-ch:
		return ok, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// Events implements Helpdesk.
func (d *Desk) Events() <-chan Event { return d.events }

// Answer implements Helpdesk.
func (d *Desk) Answer(_ context.Context, req ConsentRequest, allow bool) error {
	d.mu.Lock()
	ch, ok := d.asks[req.ID]
	d.mu.Unlock()
	if !ok {
		return errors.New("that question has expired; the technician has to ask again")
	}
	ch <- allow
	return nil
}

func (d *Desk) client() *client.Client {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rc
}

// Submit implements Helpdesk. When the relay is unreachable the request
// is kept on disk and sent when it answers; Submit then returns
// ErrOffline.
func (d *Desk) Submit(ctx context.Context, hr HelpRequest) error {
	req := toProtocol(hr)
	if err := req.Validate(); err != nil {
		return fmt.Errorf("the request is too long or malformed: %w", err)
	}
	rc := d.client()
	if rc == nil {
		d.save(saved{Request: &req})
		d.emit(Event{Kind: EventPending})
		return ErrOffline
	}
	acc, err := rc.SubmitRequest(ctx, req)
	if errors.Is(err, client.ErrNotConnected) {
		d.save(saved{Request: &req})
		return ErrOffline
	}
	if err != nil {
		return plain(err)
	}
	d.accepted(acc)
	return nil
}

// CancelRequest implements Helpdesk.
func (d *Desk) CancelRequest(ctx context.Context) error {
	rc := d.client()
	if rc == nil {
		d.save(saved{})
		return nil
	}
	if err := rc.CancelRequest(ctx); err != nil {
		return plain(err)
	}
	d.save(saved{})
	return nil
}

// RedeemCode implements Helpdesk.
func (d *Desk) RedeemCode(ctx context.Context, code string) error {
	rc := d.client()
	if rc == nil {
		return ErrOffline
	}
	_, err := rc.RedeemCode(ctx, code, d.info("", ""))
	return plain(err)
}

// ReportOutcome implements Helpdesk (best effort: an outcome is not
// worth keeping when the relay is away).
func (d *Desk) ReportOutcome(ctx context.Context, rec runner.Record) {
	rc := d.client()
	if rc == nil {
		return
	}
	kind := protocol.OutcomeAbandoned
	switch rec.Outcome {
	case runner.Fixed:
		kind = protocol.OutcomeFixed
	case runner.Escalated:
		kind = protocol.OutcomeEscalated
	}
	step := ""
	if n := len(rec.Steps); n > 0 {
		step = rec.Steps[n-1].StepID
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rc.ReportOutcome(ctx, protocol.OutcomeReport{Kind: kind, GuideID: rec.GuideID, StepID: step, OS: osInfo(), AppVersion: d.cfg.AppVersion}); err != nil {
		d.log.Debug("report outcome", "err", err)
	}
}

// ReportNoResults tells the help desk a search found nothing.
func (d *Desk) ReportNoResults(ctx context.Context, query string) {
	if rc := d.client(); rc != nil {
		rc.ReportOutcome(ctx, protocol.OutcomeReport{Kind: protocol.OutcomeNoResults, Query: query, OS: osInfo(), AppVersion: d.cfg.AppVersion})
	}
}

func (d *Desk) session() *assist.Session {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sess
}

// StopSharing implements Helpdesk.
func (d *Desk) StopSharing(context.Context) error {
	if s := d.session(); s != nil {
		s.Stop()
	}
	return nil
}

// RevokeControl implements Helpdesk.
func (d *Desk) RevokeControl(context.Context) error {
	if s := d.session(); s != nil {
		s.RevokeControl()
	}
	return nil
}

// SendChat implements Helpdesk.
func (d *Desk) SendChat(ctx context.Context, text string) error {
	rc := d.client()
	if rc == nil {
		return ErrOffline
	}
	return plain(rc.Chat(ctx, text))
}

// Close ends any session and the connection, and waits.
func (d *Desk) Close() error {
	if s := d.session(); s != nil {
		s.Stop()
	}
	d.cancel()
	if rc := d.client(); rc != nil {
		rc.Close()
	}
	d.wg.Wait()
	return nil
}

func (d *Desk) info(name, contact string) protocol.ClientInfo {
	return protocol.ClientInfo{Name: name, Contact: contact, OS: osInfo(), AppVersion: d.cfg.AppVersion}
}

func osInfo() string { return runtime.GOOS + "/" + runtime.GOARCH }

// toProtocol maps what the person agreed to send onto the wire format.
func toProtocol(hr HelpRequest) protocol.RequestSubmit {
	req := protocol.RequestSubmit{
		ClientInfo:  protocol.ClientInfo{Name: hr.Name, Contact: hr.Contact, OS: hr.OS, AppVersion: hr.AppVersion},
		Description: hr.Description,
	}
	if g := hr.Guide; g != nil {
		gc := &protocol.GuideContext{GuideID: g.GuideID, GuideTitle: g.GuideTitle}
		for _, s := range g.Steps {
			gs := protocol.GuideStep{StepID: s.StepID, Title: s.Title, Answer: s.Answer}
			if s.Check != nil {
				gs.Check = &protocol.CheckResult{Name: s.Check.Name, Status: string(s.Check.Status), Detail: s.Check.Detail}
			}
			if f := s.Fix; f != nil {
				if f.Accepted {
					gs.Answer = strings.TrimSpace(gs.Answer + " · Lifeline fix " + f.Name + ": " + f.Result + f.Error)
				} else {
					gs.Answer = strings.TrimSpace(gs.Answer + " · fix " + f.Name + " declined")
				}
			}
			gc.Steps = append(gc.Steps, gs)
		}
		gc.Steps = gc.Steps[:min(len(gc.Steps), protocol.MaxItems)]
		req.Guide = gc
		if g.Note != "" {
			req.Description += "\n\nFrom the guide: " + g.Note
		}
	}
	for _, r := range hr.Diagnostics {
		req.Diagnostics = append(req.Diagnostics, protocol.CheckResult{Name: r.Name, Status: string(r.Status), Detail: r.Detail})
	}
	req.Diagnostics = req.Diagnostics[:min(len(req.Diagnostics), protocol.MaxItems)]
	return req
}

// plain phrases relay errors for the person.
func plain(err error) error {
	if err == nil {
		return nil
	}
	var re *client.Error
	if errors.As(err, &re) {
		switch re.Code {
		case protocol.CodeBadCode:
			return errors.New("that code was not accepted. Check the digits with your technician, or ask for a new code")
		case protocol.CodeRateLimited:
			return fmt.Errorf("too many tries. Please wait %v and try again", re.RetryAfter.Round(time.Second))
		}
	}
	if errors.Is(err, client.ErrNotConnected) || errors.Is(err, client.ErrClosed) {
		return ErrOffline
	}
	return err
}
