package helpdesk

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// dialTimeout bounds one attempt to reach the relay.
const dialTimeout = 15 * time.Second

// Connection texts shown in the window's status line.
const (
	textUnreachable = "The help desk can't be reached right now. Self-help still works; Lifeline keeps trying in the background."
	textLost        = "The connection to the help desk was lost. Lifeline is reconnecting…"
)

func (d *Desk) backoff() client.Backoff {
	return client.Backoff{Min: d.cfg.MinRetry, Max: d.cfg.MaxRetry}
}

// connectLoop dials until the relay answers, then hands over to the
// client's own reconnects (each of which kicks the outbox) and runs
// sessions.
func (d *Desk) connectLoop() {
	defer d.wg.Done()
	rc, err := d.dial(d.ctx)
	if err != nil {
		if d.ctx.Err() != nil {
			return
		}
		d.emit(Event{Kind: EventConnection, Online: false, Text: textUnreachable})
		err = d.backoff().Retry(d.ctx, func(ctx context.Context, attempt int) error {
			rc, err = d.dial(ctx)
			if err != nil {
				d.log.Debug("relay unreachable", "err", err, "attempt", attempt)
			}
			return err
		})
		if err != nil {
			return // closing
		}
	}
	d.mu.Lock()
	d.rc = rc
	d.mu.Unlock()
	d.emit(Event{Kind: EventConnection, Online: true})
	d.kickFlush()
	d.needClaim.Store(true) // insightLoop claims the kept follow-ups (followup.go)
	d.kickInsights()
	d.sessions(rc)
}

// dial makes one attempt to reach the relay, re-attaching to the request
// the Store keeps, if any.
func (d *Desk) dial(ctx context.Context) (*client.Client, error) {
	st := d.load()
	// This client's first "connected" is the one Dial waits for:
	// connectLoop says "online" once it keeps the client, so it is not
	// said twice (it may arrive just after Dial returns).
	var dialed atomic.Bool
	onState := func(s client.State, err error) {
		if s == client.Connected && !dialed.Swap(true) {
			return
		}
		d.onState(s, err)
	}
	opts := client.Options{Logger: d.log, RequestID: st.RequestID, ResumeToken: st.ResumeToken, OnState: onState,
		MinBackoff: d.cfg.MinRetry, MaxBackoff: d.cfg.MaxRetry, OnWelcome: func(protocol.Welcome) { d.kickInsights() }}
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	return client.Dial(ctx, d.wsURL, opts)
}

func (d *Desk) onState(s client.State, _ error) {
	switch s {
	case client.Disconnected:
		d.emit(Event{Kind: EventConnection, Online: false, Text: textLost})
	case client.Connected: // a reconnect (dial skips the first)
		d.emit(Event{Kind: EventConnection, Online: true})
		d.kickFlush() // on every reconnect, not only the first
		d.needClaim.Store(true)
		d.kickInsights()
	}
}
