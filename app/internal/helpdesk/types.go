package helpdesk

import (
	"errors"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

// HelpRequest is what an escalation sends, after the person has seen it and
// unticked what they did not want to share.
type HelpRequest struct {
	Name, Contact, Description string
	// Guide is the path taken through a guide; nil when not shared.
	Guide *runner.Record
	// Diagnostics is the snapshot of checks; nil when not shared.
	Diagnostics []diag.Result
	// System is the OS and app version; empty when not shared.
	OS, AppVersion string
}

// EventKind says what an Event is about.
type EventKind int

// Event kinds.
const (
	EventConnection    EventKind = iota // Text: plain-words connection state; Online
	EventQueued                         // Position (0 when unknown)
	EventPending                        // saved locally, will be sent when the relay is back
	EventConsent                        // Consent
	EventSession                        // Session
	EventChat                           // From, Text
	EventTaken                          // Technician took the request
	EventRequestClosed                  // Text: why (resolved, cancelled)
	EventError                          // Text: plain-words problem
)

// SessionState is the live-session state shown in the banner.
type SessionState int

// Session states.
const (
	SessionNone SessionState = iota
	SessionWaiting
	SessionViewing
	SessionControlling
	SessionEnded
)

// ConsentKind is what the technician asks for.
type ConsentKind int

// Consent kinds.
const (
	ConsentView ConsentKind = iota
	ConsentControl
)

// ConsentRequest is a technician asking for permission.
type ConsentRequest struct {
	Kind       ConsentKind
	Technician string // display name, e.g. "Alex (IT)"
	// ID identifies the request when answering.
	ID string
}

// Event is one thing that happened on the help desk side.
type Event struct {
	Kind       EventKind
	Online     bool
	Position   int
	Consent    ConsentRequest
	Session    SessionState
	Technician string
	From, Text string
}

// ErrOffline is returned when the relay cannot be reached right now.
var ErrOffline = errors.New("the help desk cannot be reached right now")
