// Package plainerr says in plain words what went wrong and what to do
// next, for the window and the terminal alike: every error code the relay
// answers with (protocol.ErrorCodes), the local failures Lifeline knows
// (the relay unreachable, a certificate that does not check out, a
// timeout, the screen, the video encoder or the mouse and keyboard not
// available), and why a live session ended. No text of the underlying
// error ever reaches the person; callers log it.
package plainerr

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"

	"github.com/lifeline-desk/lifeline/assist/fileproto"
)

// Local failures. Wrap the cause with them where it is known what failed,
// e.g. fmt.Errorf("%w: %w", plainerr.ErrLiveHelp, err).
var (
	// ErrOffline: the relay cannot be reached right now.
	ErrOffline = errors.New("the help desk cannot be reached right now")
	// ErrExpired: the answer came for a consent question that is no
	// longer open.
	ErrExpired = errors.New("the question has expired")
	// ErrInvalidRequest: a help request is too long or malformed.
	ErrInvalidRequest = errors.New("the help request is too long or malformed")
	// ErrLiveHelp: the live session cannot be set up on this computer
	// (the video encoder or the WebRTC stack failed).
	ErrLiveHelp = errors.New("live help cannot start on this computer")
	// ErrCapture: the screen cannot be captured.
	ErrCapture = errors.New("the screen cannot be captured")
	// ErrInput: the mouse and keyboard cannot be controlled from here.
	ErrInput = errors.New("mouse and keyboard control is not available")
)

// Error returns err phrased by Message; it still wraps err, so errors.Is
// and errors.As see through it. It returns nil for nil.
func Error(err error) error {
	if err == nil {
		return nil
	}
	return &plain{msg: Message(err), err: err}
}

type plain struct {
	msg string
	err error
}

func (p *plain) Error() string { return p.msg }
func (p *plain) Unwrap() error { return p.err }

// Message is the sentence for err: what happened and what to do next.
// It is "" for nil.
func Message(err error) string {
	if err == nil {
		return ""
	}
	var (
		pe      *plain
		re      *client.Error
		certErr *tls.CertificateVerificationError
		authErr x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invalid x509.CertificateInvalidError
		header  tls.RecordHeaderError
		alert   tls.AlertError
		dnsErr  *net.DNSError
		opErr   *net.OpError
		netErr  net.Error
	)
	switch {
	case errors.As(err, &pe):
		return pe.msg
	case errors.As(err, &re):
		return Code(re.Code, re.RetryAfter)
	case errors.Is(err, ErrExpired):
		return "That question has expired; the technician has to ask again."
	case errors.Is(err, ErrInvalidRequest):
		return "Your request is too long to send. Shorten the description and try again."
	case errors.Is(err, ErrLiveHelp):
		return "Live help cannot start on this computer: the screen sharing could not be set up. Self-help still works; call your help desk so they can help another way."
	case errors.Is(err, ErrCapture):
		return "Lifeline cannot capture this computer's screen, so the technician cannot see it. Call your help desk so they can help another way."
	case errors.Is(err, ErrInput):
		return "The technician cannot control the mouse and keyboard on this computer. They can still see your screen and guide you."
	case errors.As(err, &certErr), errors.As(err, &authErr), errors.As(err, &hostErr), errors.As(err, &invalid),
		errors.As(err, &header), errors.As(err, &alert):
		return "Lifeline did not connect to the help desk because its security certificate could not be checked. Check the help desk address in Settings, or call your help desk."
	case errors.As(err, &dnsErr):
		return "The help desk address could not be found. Check the address in Settings and your internet connection, then try again."
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "The help desk took too long to answer. Check your internet connection and try again."
	case errors.Is(err, ErrOffline), errors.Is(err, client.ErrNotConnected), errors.Is(err, client.ErrClosed),
		errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &opErr):
		return "The help desk can't be reached right now. Check your internet connection and try again."
	case errors.Is(err, client.ErrNoSession):
		return "There is no live session with a technician right now."
	case errors.Is(err, context.Canceled):
		return "That was stopped before it finished. Please try again."
	}
	return "Something went wrong and Lifeline could not finish that. Please try again; if it keeps happening, call your help desk."
}

// Code is the sentence for a relay error code; retryAfter, when known,
// says how long to wait after rate_limited.
func Code(c protocol.ErrorCode, retryAfter time.Duration) string {
	switch c {
	case protocol.CodeBadMessage:
		return "The help desk could not read what Lifeline sent; it may be too long. Shorten what you wrote and try again, or call your help desk."
	case protocol.CodeUnsupportedVersion, protocol.CodeUnknownType:
		return "This copy of Lifeline does not match your help desk's server. Ask your help desk to update Lifeline; until then, call them."
	case protocol.CodeNotAllowed:
		return "The help desk did not allow that just now. Wait a moment and try again, or call your help desk."
	case protocol.CodeNotFound:
		return "The help desk no longer has that request or session; it may have been closed. Send a new request if you still need help."
	case protocol.CodeBadCode:
		return "That code was not accepted. Check the digits with your technician, or ask for a new code. After a few wrong codes you have to wait a little before trying again."
	case protocol.CodeRateLimited:
		if retryAfter > 0 {
			return "Too many tries in a short time. Please wait " + wait(retryAfter) + ", then try again."
		}
		return "Too many tries in a short time. Please wait a minute, then try again."
	case protocol.CodeTooLarge:
		return "Your request is too long for the help desk to keep. Shorten what you wrote and send it again, or call your help desk."
	case protocol.CodeQueueFull:
		return "Too many people are waiting for the help desk right now, so your request could not be added. Please try again in a few minutes, or call your help desk."
	case protocol.CodeQueueIncomplete:
		return "The help desk could not send everything just now. Please try again in a moment."
	case protocol.CodeInternal:
		return "The help desk's server had a problem. Try again in a few minutes; if it keeps happening, call your help desk."
	}
	return "The help desk could not do that. Please try again; if it keeps happening, call your help desk."
}

// wait says a duration the way a person would: "1 second", "20 seconds",
// "3 minutes".
func wait(d time.Duration) string {
	if d < time.Minute {
		n := max(1, int((d+time.Second/2)/time.Second))
		return plural(n, "second")
	}
	return plural(int((d+time.Minute/2)/time.Minute), "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Ending says why a live session ended, as a clause that follows
// "Session ended": "you ended it", "the technician ended it".
func Ending(r protocol.EndReason) string {
	switch r {
	case protocol.EndUser:
		return "you ended it"
	case protocol.EndTechnician:
		return "the technician ended it"
	case protocol.EndViewDenied:
		return "you declined"
	case protocol.EndNoAnswer:
		return "no answer within 60 seconds, so it was declined"
	case protocol.EndConnectionFailed:
		return "the connection to the technician failed"
	case protocol.EndCaptureFailed:
		return "the screen could not be captured"
	case protocol.EndSignalingLost, protocol.EndConnectionLost, protocol.EndClientDisconnected:
		return "the connection to the help desk was lost"
	case protocol.EndRelayRestart:
		return "the help desk's server restarted"
	case protocol.EndRelayShutdown:
		return "the help desk's server shut down"
	case protocol.EndAccessRevoked:
		return "the technician was signed out of the help desk"
	case protocol.EndTechnicianLost:
		return "the technician lost the connection and did not come back within a minute"
	}
	return "for a reason Lifeline does not know"
}

// FileReason says in a few words why a file transfer stopped (toUser: the
// file was coming to this computer).
func FileReason(r fileproto.Reason, toUser bool) string {
	switch r {
	case fileproto.ReasonCancelled:
		return "cancelled"
	case fileproto.ReasonDeclined:
		if toUser {
			return "you did not accept it"
		}
		return "the technician did not take it"
	case fileproto.ReasonTooLarge:
		return "the file is too large for the help desk"
	case fileproto.ReasonDiskFull:
		if toUser {
			return "your disk is full; free some space and ask for it again"
		}
		return "the technician's disk is full"
	case fileproto.ReasonWriteFailed:
		return "it could not be saved there"
	case fileproto.ReasonHashMismatch:
		return "it arrived damaged and was not kept"
	case fileproto.ReasonBusy:
		return "another file is on its way; try again in a moment"
	case fileproto.ReasonReadFailed:
		return "the file could not be read"
	}
	return "the connection dropped"
}

// Presence says that the technician lost the connection in the middle of
// a session (back false) or came back (true).
func Presence(back bool, technician string) string {
	if back {
		return technician + " reconnected."
	}
	return technician + " lost the connection. Waiting for them to come back; nothing is shared meanwhile."
}
