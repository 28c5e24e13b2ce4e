package helpdesk

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// Store keeps the id and resume token of the request the relay accepted,
// so that a restarted app re-attaches to it. Requests the relay has not
// accepted yet are kept in the outbox (Config.OutboxDir), not here.
type Store interface {
	PendingEscalation() string
	SetPendingEscalation(string)
}

// saved is what the Store keeps. Request is only read: older versions kept
// the unsent request here, and New moves it into the outbox.
type saved struct {
	Request     *protocol.RequestSubmit `json:"request,omitempty"`
	RequestID   string                  `json:"request_id,omitempty"`
	ResumeToken string                  `json:"resume_token,omitempty"`
}

func (d *Desk) load() saved {
	var s saved
	if raw := d.cfg.Store.PendingEscalation(); raw != "" {
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			d.log.Warn("discarding unreadable saved request id", "err", err)
		}
	}
	return s
}

func (d *Desk) save(s saved) {
	if s.RequestID == "" {
		d.cfg.Store.SetPendingEscalation("")
		return
	}
	b, _ := json.Marshal(saved{RequestID: s.RequestID, ResumeToken: s.ResumeToken})
	d.cfg.Store.SetPendingEscalation(string(b))
}

// outbox keeps help requests the relay has not acknowledged yet, one JSON
// file per request in dir, named so that the oldest sorts first. A file is
// written to a temporary name, synced, renamed into place and the folder
// synced, so a crash leaves either the whole request or none of it. Each
// request carries the idempotency key it got when it was first saved: sent
// twice (a reply lost with the connection), the relay still makes one
// request of it.
type outbox struct {
	dir string
	log *slog.Logger
}

// outboxEntry is one file of the outbox.
type outboxEntry struct {
	SavedAt time.Time              `json:"saved_at"`
	Request protocol.RequestSubmit `json:"request"` // with its IdempotencyKey
	// Escalated is the insight event sent once the relay has the request
	// (its request_id is set then); nil without a journey.
	Escalated *protocol.InsightEvent `json:"escalated,omitempty"`
	file      string
}

const (
	outboxExt  = ".json"
	corruptExt = ".corrupt" // a file that could not be read, moved aside
)

func openOutbox(dir string, log *slog.Logger) (*outbox, error) {
	if dir == "" {
		return nil, errors.New("helpdesk: Config.OutboxDir is required")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open outbox: %w", err)
	}
	return &outbox{dir: dir, log: log}, nil
}

// newKey is a fresh idempotency key: 26 random base32 characters.
func newKey() string { return rand.Text() }

// put saves req, giving it an idempotency key, and returns the entry.
func (o *outbox) put(req protocol.RequestSubmit, escalated *protocol.InsightEvent, now time.Time) (outboxEntry, error) {
	req.IdempotencyKey = newKey()
	e := outboxEntry{SavedAt: now.UTC(), Request: req, Escalated: escalated,
		file: fmt.Sprintf("%020d-%s%s", now.UnixNano(), req.IdempotencyKey, outboxExt)}
	b, err := json.Marshal(e)
	if err != nil {
		return e, fmt.Errorf("save help request: %w", err)
	}
	if err := o.writeFile(e.file, b); err != nil {
		return e, fmt.Errorf("save help request: %w", err)
	}
	return e, nil
}

// writeFile writes name atomically and durably.
func (o *outbox) writeFile(name string, b []byte) error {
	tmp, err := os.CreateTemp(o.dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(o.dir, name)); err != nil {
		return err
	}
	return o.syncDir()
}

func (o *outbox) syncDir() error {
	f, err := os.Open(o.dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// list returns the kept requests, oldest first. A file that cannot be read
// is logged and moved aside (name + ".corrupt"), so it is neither lost nor
// retried for ever, and the others are still delivered.
func (o *outbox) list() []outboxEntry {
	des, err := os.ReadDir(o.dir)
	if err != nil {
		o.log.Warn("read outbox", "dir", o.dir, "err", err)
		return nil
	}
	var out []outboxEntry
	for _, de := range des {
		name := de.Name()
		if !de.Type().IsRegular() || !strings.HasSuffix(name, outboxExt) || strings.HasPrefix(name, ".") {
			continue
		}
		e, err := o.read(name)
		if err != nil {
			o.moveAside(name, "unreadable", err)
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b outboxEntry) int { return strings.Compare(a.file, b.file) })
	return out
}

func (o *outbox) read(name string) (outboxEntry, error) {
	var e outboxEntry
	b, err := os.ReadFile(filepath.Join(o.dir, name))
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return e, err
	}
	if e.Request.IdempotencyKey == "" {
		return e, errors.New("no idempotency key")
	}
	if err := e.Request.Validate(); err != nil {
		return e, err
	}
	e.file = name
	return e, nil
}

// has reports whether e is still kept (not delivered or withdrawn since).
func (o *outbox) has(e outboxEntry) bool {
	_, err := os.Stat(filepath.Join(o.dir, e.file))
	return err == nil
}

// remove forgets e once the relay has it (or the person withdrew it).
func (o *outbox) remove(e outboxEntry) {
	if err := os.Remove(filepath.Join(o.dir, e.file)); err != nil && !errors.Is(err, os.ErrNotExist) {
		o.log.Warn("remove delivered help request from the outbox", "file", e.file, "err", err)
		return
	}
	if err := o.syncDir(); err != nil {
		o.log.Warn("sync outbox", "err", err)
	}
}

// clear withdraws every kept request.
func (o *outbox) clear() {
	for _, e := range o.list() {
		o.remove(e)
	}
}

// Submit sends a help request. It is first saved in the outbox; when the
// relay is unreachable it stays there and is sent on the next connection
// (also after a restart of the app), and Submit returns ErrOffline.
// Progress arrives on Events.
func (d *Desk) Submit(ctx context.Context, hr HelpRequest) error {
	req := toProtocol(hr)
	req.InstallID = d.installID
	if err := req.Validate(); err != nil {
		return fmt.Errorf("%w: %w", plainerr.ErrInvalidRequest, err)
	}
	e, err := d.outbox.put(req, escalatedEvent(hr), time.Now())
	if err != nil {
		return err
	}
	rc := d.client()
	if rc == nil {
		d.emit(Event{Kind: EventPending})
		return ErrOffline
	}
	err = d.deliver(ctx, rc, e)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errBusy), isConnectionErr(err):
		d.emit(Event{Kind: EventPending})
		return ErrOffline
	default:
		// The relay refused it: the person sees why and the form stays,
		// so it is not kept for later.
		d.outbox.remove(e)
		return fmt.Errorf("submit help request: %w", err)
	}
}

// errBusy: another delivery is under way; the entry waits for the next
// flush.
var errBusy = errors.New("a help request is being delivered")

// isConnectionErr says the relay did not answer, so the request may or may
// not have arrived: it stays kept and is sent again with its key.
func isConnectionErr(err error) bool {
	var re *client.Error
	return !errors.As(err, &re) || re.Code == protocol.CodeInternal || re.Code == protocol.CodeRateLimited
}

// deliver sends one kept request and, once the relay has accepted it,
// keeps its id and resume token and removes it from the outbox (in that
// order: a crash in between sends it again, which the key makes harmless).
func (d *Desk) deliver(ctx context.Context, rc *client.Client, e outboxEntry) error {
	if !d.sending.TryLock() {
		return errBusy
	}
	defer d.sending.Unlock()
	if !d.outbox.has(e) {
		return nil // delivered or withdrawn meanwhile
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	acc, err := rc.SubmitRequest(ctx, e.Request)
	if err != nil {
		return err
	}
	d.accepted(acc)
	if ev := e.Escalated; ev != nil {
		ev.RequestID = acc.RequestID
		d.Track(*ev)
	}
	d.outbox.remove(e)
	return nil
}

// flushLoop delivers the outbox whenever kicked: on every (re)connect and
// whenever a request ends, so the next kept one can go.
func (d *Desk) flushLoop() {
	d.kickLoop(d.kick, func() (time.Duration, bool) { return 0, d.flush() })
}

// kickLoop runs work whenever kicked and, while work reports again, after
// the wait it asks for (0: backing off) until the Desk closes.
func (d *Desk) kickLoop(kick <-chan struct{}, work func() (wait time.Duration, again bool)) {
	defer d.wg.Done()
	retry := time.NewTimer(0)
	retry.Stop()
	defer retry.Stop()
	failures := 0
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-kick:
		case <-retry.C:
		}
		wait, again := work()
		if !again {
			failures = 0
			continue
		}
		failures++
		if wait <= 0 {
			wait = d.backoff().Delay(failures)
		}
		retry.Reset(wait)
	}
}

// saveJSON writes v as name, durably; a failure is logged (what: what
// could not be kept).
func (o *outbox) saveJSON(name string, v any, what string) {
	b, err := json.Marshal(v)
	if err == nil {
		err = o.writeFile(name, b)
	}
	if err != nil {
		o.log.Warn(what, "err", err)
	}
}

// flush sends the oldest kept request, if the connection is up and free.
// It reports whether to try again soon (the relay failed to store it).
func (d *Desk) flush() (again bool) {
	rc := d.client()
	if rc == nil {
		return false
	}
	if id, _ := rc.RequestID(); id != "" {
		return false // one request per connection: the next waits for this one to end
	}
	kept := d.outbox.list()
	if len(kept) == 0 {
		return false
	}
	err := d.deliver(d.ctx, rc, kept[0])
	switch {
	case err == nil:
		d.emit(Event{Kind: EventRequestClosed, Text: "Your saved help request has reached the help desk."})
		if len(kept) > 1 {
			d.kickFlush() // the next one goes once this connection is free
		}
		return false
	case errors.Is(err, errBusy), d.ctx.Err() != nil:
		return false
	case isConnectionErr(err):
		// Retried with backoff (a reconnect kicks sooner): the relay
		// may have been slow, or failed to store it.
		d.log.Info("saved help request not delivered yet", "err", err)
		return true
	default:
		d.outbox.moveAside(kept[0].file, "refused by the relay", err)
		d.emit(Event{Kind: EventError, Err: fmt.Errorf("submit help request: %w", err)})
		return false
	}
}

// moveAside keeps file for a person to look at but stops sending it.
func (o *outbox) moveAside(file, why string, err error) {
	path := filepath.Join(o.dir, file)
	o.log.Error("saved help request "+why+"; moved aside", "file", path, "to", path+corruptExt, "err", err)
	if err := os.Rename(path, path+corruptExt); err != nil {
		o.log.Warn("move saved help request aside", "file", path, "err", err)
	}
}

// kickFlush asks flushLoop to look at the outbox (never blocks).
func (d *Desk) kickFlush() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

func (d *Desk) accepted(acc protocol.RequestAccepted) {
	d.save(saved{RequestID: acc.RequestID, ResumeToken: acc.ResumeToken})
	d.emit(Event{Kind: EventQueued, Position: acc.Position})
}

// CancelRequest withdraws the waiting request, and any still kept in the
// outbox.
func (d *Desk) CancelRequest(ctx context.Context) error {
	d.outbox.clear()
	rc := d.client()
	if rc == nil {
		d.save(saved{})
		return nil
	}
	if id, _ := rc.RequestID(); id == "" {
		d.save(saved{})
		return nil
	}
	if err := rc.CancelRequest(ctx); err != nil {
		return fmt.Errorf("cancel help request: %w", err)
	}
	d.save(saved{})
	return nil
}
