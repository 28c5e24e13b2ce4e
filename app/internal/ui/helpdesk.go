package ui

import (
	"context"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// Helpdesk is what the window asks of the help desk: the relay and, once a
// technician connects, the live session. *helpdesk.Desk implements it;
// tests use fakes. Errors are shown through plainerr.Message, never as
// they are.
type Helpdesk interface {
	// Events delivers what happens: queue position, consent questions,
	// session changes, chat. The window stops watching when it is closed.
	Events() <-chan helpdesk.Event
	// Submit sends (or, when the relay is unreachable, keeps on disk and
	// sends on the next connection) a help request, returning
	// helpdesk.ErrOffline when it was kept; EventQueued follows once the
	// relay has it.
	Submit(ctx context.Context, req helpdesk.HelpRequest) error
	// CancelRequest withdraws the waiting request.
	CancelRequest(ctx context.Context) error
	// RedeemCode connects with a technician's one-time code.
	RedeemCode(ctx context.Context, code string) error
	// Answer replies to a consent question (view or control).
	Answer(ctx context.Context, req helpdesk.ConsentRequest, allow bool) error
	// StopSharing ends the live session; RevokeControl takes back the
	// mouse and keyboard but keeps the technician watching.
	StopSharing()
	RevokeControl()
	// SendChat sends a chat message to the technician.
	SendChat(ctx context.Context, text string) error
	// Track keeps insight events (searches, guides, steps, checks,
	// outcomes) for the help desk; it never blocks on the network. The
	// window makes them with a helpdesk.Journey.
	Track(evs ...protocol.InsightEvent)
	// AnswerFollowup answers the help desk's "is it still working?".
	AnswerFollowup(ctx context.Context, a helpdesk.FollowupAnswer) error
	// AnswerFile answers a file question with a path ("" for no);
	// SendFile sends a file the person chose to the technician;
	// CancelFile stops a transfer either way.
	AnswerFile(q helpdesk.FileQuestion, path string) error
	SendFile(path string) error
	CancelFile(id uint32)
	// ShareClipboard turns on or off sending the technician what the
	// person copies while the technician has control.
	ShareClipboard(on bool) error
}
