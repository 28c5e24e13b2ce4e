package ui

import (
	"context"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

// Helpdesk is the window's way to the help desk: the relay and, once a
// technician connects, the live session. The app package implements it.
type Helpdesk interface {
	// Submit sends (or, when the relay is unreachable, keeps and retries)
	// a help request. Progress arrives on Events.
	Submit(ctx context.Context, req helpdesk.HelpRequest) error
	// CancelRequest withdraws the waiting request.
	CancelRequest(ctx context.Context) error
	// RedeemCode connects with a technician's one-time code.
	RedeemCode(ctx context.Context, code string) error
	// ReportOutcome tells the help desk how a guide ended, and
	// ReportNoResults that a search found nothing (both best effort).
	ReportOutcome(ctx context.Context, rec runner.Record)
	ReportNoResults(ctx context.Context, query string)
	// Events delivers what happens: queue position, consent requests,
	// session changes, chat. It is closed when the Helpdesk closes.
	Events() <-chan helpdesk.Event
	// Answer replies to a consent request (view or control).
	Answer(ctx context.Context, req helpdesk.ConsentRequest, allow bool) error
	// StopSharing ends the live session; RevokeControl takes back the
	// mouse and keyboard but keeps the technician watching.
	StopSharing(ctx context.Context) error
	RevokeControl(ctx context.Context) error
	// SendChat sends a chat message to the technician.
	SendChat(ctx context.Context, text string) error
}
