package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/assist/relaysignal"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// sessions runs one assist session after another on the connection until
// the Desk closes.
func (d *Desk) sessions(rc *client.Client) {
	for d.ctx.Err() == nil {
		cfg := d.cfg.Session
		cfg.Signaler = relaysignal.New(rc, d.onOther)
		cfg.Consenter = assist.ConsentFunc(d.ask)
		cfg.OnEvent = d.onSessionEvent
		cfg.Files = files{d}
		cfg.OnFile = func(e assist.FileEvent) { d.emit(Event{Kind: EventFile, Transfer: e}) }
		cfg.OnActivity = func(a assist.Activity) {
			d.emit(Event{Kind: EventActivity, Activity: a, Technician: a.Technician, At: time.Now()})
		}
		s, err := assist.New(cfg, d.log)
		if err != nil {
			d.log.Warn("live help cannot start", "err", err)
			d.emit(Event{Kind: EventError, Err: fmt.Errorf("%w: %w", plainerr.ErrLiveHelp, err)})
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

func (d *Desk) session() *assist.Session {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sess
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
		d.kickFlush()
	case *protocol.Chat:
		d.emit(Event{Kind: EventChat, From: p.From, Text: p.Text, At: p.At})
	case *protocol.FollowupOffer:
		d.emit(Event{Kind: EventFollowup, Followup: *p})
	case *protocol.GuidesChanged:
		d.emit(Event{Kind: EventGuidesChanged, ETag: p.ETag})
	case *protocol.Error:
		if p.Code == protocol.CodeNotFound && m.ID == "resume" {
			d.save(saved{}) // the saved request is over on the relay's side
			d.kickFlush()
		}
		d.log.Debug("relay error", "code", p.Code, "message", p.Message)
	}
}

func (d *Desk) onSessionEvent(e assist.Event) {
	if e.Technician != "" {
		d.mu.Lock()
		d.technician = e.Technician
		d.live = true // session.start named who is connecting
		d.mu.Unlock()
	}
	if e.Presence != assist.PresenceNone {
		d.emit(Event{Kind: EventPresence, Technician: e.Technician, Presence: e.Presence})
		return
	}
	ev := Event{Kind: EventSession, Technician: e.Technician, Shown: e.Shown, Displays: e.Displays, Recording: e.Recording}
	if e.Prev == e.State && (e.State == assist.StateViewing || e.State == assist.StateControlling) {
		// Only the screen shown changed (or is now known).
		ev.Kind, ev.Session = EventScreen, SessionViewing
		if e.State == assist.StateControlling {
			ev.Session = SessionControlling
		}
		d.emit(ev)
		return
	}
	switch e.State {
	case assist.StateRequested:
		if e.Prev != assist.StateWaitingConsent {
			return // the session is set up; nothing to show yet
		}
		ev.Session, ev.Change = SessionDeclined, e.Consent
	case assist.StateWaitingConsent:
		ev.Session = SessionWaiting
	case assist.StateViewing:
		ev.Session, ev.Change = SessionViewing, e.Consent
		d.mu.Lock()
		d.shared = true
		d.mu.Unlock()
	case assist.StateControlling:
		ev.Session = SessionControlling
	case assist.StateEnded:
		d.mu.Lock()
		live, shared := d.live, d.shared
		d.live, d.shared = false, false
		d.mu.Unlock()
		if !live {
			// No technician came: the session was only stopped (Close),
			// and the waiting request must stay kept.
			return
		}
		ev.Session, ev.End, ev.Shared = SessionEnded, e.Reason, shared
		if st := d.load(); st.RequestID != "" {
			d.followups.keep(st.RequestID, st.ResumeToken, time.Now()) // followup.go
		}
		d.save(saved{}) // the relay resolves the request with its session
		d.kickFlush()
	default:
		return
	}
	d.emit(ev)
}

// RedeemCode connects with a technician's one-time code; the session
// that follows reports on Events.
func (d *Desk) RedeemCode(ctx context.Context, code string) error {
	rc := d.client()
	if rc == nil {
		return ErrOffline
	}
	if _, err := rc.RedeemCode(ctx, code, d.info()); err != nil {
		return fmt.Errorf("redeem code: %w", err)
	}
	return nil
}

// StopSharing ends the live session, if any.
func (d *Desk) StopSharing() {
	if s := d.session(); s != nil {
		s.Stop()
	}
}

// RevokeControl takes back the mouse and keyboard; the technician keeps
// watching.
func (d *Desk) RevokeControl() {
	if s := d.session(); s != nil {
		s.RevokeControl()
	}
}

// SendChat sends a chat message to the technician.
func (d *Desk) SendChat(ctx context.Context, text string) error {
	rc := d.client()
	if rc == nil {
		return ErrOffline
	}
	if err := rc.Chat(ctx, text); err != nil {
		return fmt.Errorf("send chat: %w", err)
	}
	return nil
}
