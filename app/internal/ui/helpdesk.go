package ui

import (
	"context"
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

// Helpdesk is the window's way to the help desk: the relay and, once a
// technician connects, the live session. The app package implements it.
type Helpdesk interface {
	// Submit sends (or, when the relay is unreachable, keeps and retries)
	// a help request. Progress arrives on Events.
	Submit(ctx context.Context, req HelpRequest) error
	// CancelRequest withdraws the waiting request.
	CancelRequest(ctx context.Context) error
	// RedeemCode connects with a technician's one-time code.
	RedeemCode(ctx context.Context, code string) error
	// ReportOutcome tells the help desk how a guide ended (best effort).
	ReportOutcome(ctx context.Context, rec runner.Record)
	// Events delivers what happens: queue position, consent requests,
	// session changes, chat. It is closed when the Helpdesk closes.
	Events() <-chan Event
	// Answer replies to a consent request (view or control).
	Answer(ctx context.Context, req ConsentRequest, allow bool) error
	// StopSharing ends the live session; RevokeControl takes back the
	// mouse and keyboard but keeps the technician watching.
	StopSharing(ctx context.Context) error
	RevokeControl(ctx context.Context) error
	// SendChat sends a chat message to the technician.
	SendChat(ctx context.Context, text string) error
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
