package helpdesk

import (
	"time"

	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/relay/protocol"
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
	// Journey is the self-help journey the request ends (Journey.ID);
	// once the relay has the request, an "escalated" insight event links
	// the two. Optional.
	Journey string
}

// EventKind says what an Event is about.
type EventKind int

// Event kinds.
const (
	EventConnection    EventKind = iota // Text: plain-words connection state; Online
	EventQueued                         // Position (0 when unknown)
	EventPending                        // saved locally, will be sent when the relay is back
	EventConsent                        // Consent
	EventSession                        // Session, Technician; End for SessionEnded, Change for SessionViewing and SessionDeclined
	EventChat                           // From, Text, At
	EventTaken                          // Technician took the request
	EventRequestClosed                  // Text: why (resolved, cancelled)
	EventError                          // Err (phrase it with plainerr.Message), or Text: plain-words problem
	EventFollowup                       // Followup: the help desk asks whether the problem is still fixed
	// EventGuidesChanged: the help desk changed its guides (ETag: of the
	// new pack); hand it to guidesync.Syncer.Changed.
	EventGuidesChanged
	// EventActivity: the technician, with control, did something beyond
	// mouse and keyboard (Activity), e.g. put text on the clipboard.
	EventActivity
	// EventFileQuestion: answer File with AnswerFile (save where, send
	// which); EventFile: a transfer's progress (Transfer).
	EventFileQuestion
	EventFile
	// EventScreen: the technician now sees another of the user's screens
	// (Session, Technician, Shown, Displays); the banner says which.
	EventScreen
	// EventPresence: the technician lost the connection and the help
	// desk waits for them (Presence PresenceAway), or they are back
	// (PresenceBack); Technician. What the user allowed is unchanged.
	EventPresence
)

// AllScreens is Event.Shown when the technician sees all the user's
// screens at once.
const AllScreens = assist.AllDisplays

// SessionState is the live-session state shown in the banner.
type SessionState int

// Session states.
const (
	SessionNone SessionState = iota
	SessionWaiting
	SessionDeclined // viewing was declined (or not answered in time); the session goes on
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
	// Recording: the organisation records the session; the question
	// must say so.
	Recording bool
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
	// End says why the session ended (SessionEnded).
	End protocol.EndReason
	// Change says why the session is back to viewing: control revoked,
	// released or denied ("" when viewing starts); for SessionDeclined,
	// ConsentNoAnswer when nobody answered in time ("" when declined).
	Change protocol.ConsentReason
	// Shared says, for SessionEnded, whether the technician saw the screen
	// at all in that session.
	Shared bool
	// ETag is the new guide pack's (EventGuidesChanged).
	ETag string
	// At is when a chat message was sent, as the relay stamped it.
	At  time.Time
	Err error
	// Followup is the question of an EventFollowup.
	Followup protocol.FollowupOffer
	// Activity is what the technician did (EventActivity).
	Activity assist.Activity
	// File is the question of an EventFileQuestion, Transfer the progress
	// of an EventFile.
	File     FileQuestion
	Transfer assist.FileEvent
	// Shown is the screen the technician sees (EventSession while
	// viewing, EventScreen): an index from 0, or AllScreens;
	// Displays is how many screens the user has (0: not known yet).
	Shown, Displays int
	// Recording says the session is recorded (EventSession).
	Recording bool
	// Presence is the technician's (EventPresence).
	Presence assist.Presence
}
