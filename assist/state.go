package assist

import (
	"context"
	"fmt"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// State is the phase of a live session.
//
//	Requested ──view request──▶ WaitingConsent ──allow──▶ Viewing ⇄ Controlling
//	  │   ▲                          │                        │           │
//	  │   └───────deny/timeout───────┘                        │           │
//	  └───────────────────────────────────────────────────────┴───────────┴──▶ Ended
//
// A declined (or unanswered) view request leaves the session open: the
// chat goes on and the technician may ask again. Viewing → Controlling
// needs a second, separate consent; Controlling →
// Viewing happens when the user revokes control (the technician must ask
// again). Any state ends on Stop, on the technician's end, or on a
// failure.
type State int

// States.
const (
	StateRequested      State = iota + 1 // waiting for a technician
	StateWaitingConsent                  // asking the user to allow viewing
	StateViewing                         // the technician sees the screen
	StateControlling                     // ... and controls mouse and keyboard
	StateEnded
)

func (s State) String() string {
	switch s {
	case StateRequested:
		return "requested"
	case StateWaitingConsent:
		return "waiting-for-consent"
	case StateViewing:
		return "viewing"
	case StateControlling:
		return "controlling"
	case StateEnded:
		return "ended"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Event reports a state change, for a banner such as "Alex from IT can
// see your screen — Stop".
type Event struct {
	State      State
	Prev       State
	Technician string // display name, once known
	// Recording: the organisation records this session (from
	// session.start), so the banner can say so.
	Recording bool
	// Reason says why the session ended (Ended only). The technician is
	// told the same, except that EndNoAnswer reaches them as EndViewDenied.
	Reason protocol.EndReason
	// Consent says why the state is Viewing again: ConsentRevoked after
	// Controlling (the user took control back), ConsentControlDenied
	// after a declined or unanswered control request. Back in Requested
	// after WaitingConsent, viewing was declined: ConsentNoAnswer when
	// nobody answered in time, "" when the user said no.
	Consent protocol.ConsentReason
	// Shown is the display the technician sees (an index into the
	// displays offered, or AllDisplays) and Displays how many there are
	// (0 until capture starts). An Event whose State equals Prev reports
	// only that the shown display changed, or that the displays are now
	// known.
	Shown    int
	Displays int
	// Presence, when set, is all the Event says: the technician's
	// console went away (PresenceAway, with Grace: how long the relay
	// waits for it) or came back (PresenceBack); the state is unchanged
	// and so is what the user allowed (reconnect.go).
	Presence Presence
	Grace    time.Duration
	Time     time.Time
}

// Permission is what a consent request asks for.
type Permission int

// Permissions.
const (
	PermissionView Permission = iota + 1
	PermissionControl
)

func (p Permission) String() string {
	switch p {
	case PermissionView:
		return "view"
	case PermissionControl:
		return "control"
	}
	return fmt.Sprintf("Permission(%d)", int(p))
}

// ConsentRequest is shown to the user.
type ConsentRequest struct {
	Permission Permission
	Technician string // display name of who is asking
	Deadline   time.Time
	// Recording: the session will be recorded (the organisation's
	// setting); a view question must say so before the user allows.
	Recording bool
}

// Consenter asks the user. The desktop app shows a dialog; the CLI asks on
// the terminal. Ask returns true to allow. ctx is cancelled when the
// question is no longer relevant (timeout, session ended) and Ask must
// then return promptly; an error or a cancelled context counts as a decline.
type Consenter interface {
	Ask(ctx context.Context, req ConsentRequest) (bool, error)
}

// ConsentFunc adapts a function to Consenter.
type ConsentFunc func(ctx context.Context, req ConsentRequest) (bool, error)

// Ask implements Consenter.
func (f ConsentFunc) Ask(ctx context.Context, req ConsentRequest) (bool, error) { return f(ctx, req) }

// Clock is the session's source of time, injectable for tests.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
