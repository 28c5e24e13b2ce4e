package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// failingHelpdesk fails every call with err, the way the real one passes
// on what the relay, the network or the live session said.
type failingHelpdesk struct {
	err    error
	events chan helpdesk.Event
}

func (f *failingHelpdesk) Events() <-chan helpdesk.Event                      { return f.events }
func (f *failingHelpdesk) Submit(context.Context, helpdesk.HelpRequest) error { return f.err }
func (f *failingHelpdesk) CancelRequest(context.Context) error                { return f.err }
func (f *failingHelpdesk) RedeemCode(context.Context, string) error           { return f.err }
func (f *failingHelpdesk) SendChat(context.Context, string) error             { return f.err }
func (f *failingHelpdesk) Track(...protocol.InsightEvent)                     {}
func (f *failingHelpdesk) AnswerFollowup(context.Context, helpdesk.FollowupAnswer) error {
	return f.err
}
func (f *failingHelpdesk) AnswerFile(helpdesk.FileQuestion, string) error { return f.err }
func (f *failingHelpdesk) SendFile(string) error                          { return f.err }
func (f *failingHelpdesk) CancelFile(uint32)                              {}
func (f *failingHelpdesk) ShareClipboard(bool) error                      { return f.err }
func (f *failingHelpdesk) StopSharing()                                   {}
func (f *failingHelpdesk) RevokeControl()                                 {}
func (f *failingHelpdesk) Answer(context.Context, helpdesk.ConsentRequest, bool) error {
	return f.err
}

// rawMarks are pieces of the errors' own text that must never be shown.
var rawMarks = []string{"raw detail", "relay:", "not_allowed", "rate_limited", "VP8", "dial tcp", "connection refused", "127.0.0.1"}

// TestNoRawErrorTextReachesTheWindow makes every help-desk call the window
// makes fail, with errors of each kind, and reads what the window then
// shows: the plain sentence, never the error's own text.
func TestNoRawErrorTextReachesTheWindow(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Err: syscall.ECONNREFUSED}
	errs := []error{
		fmt.Errorf("redeem code: %w", &client.Error{Code: protocol.CodeNotAllowed, Message: "raw detail"}),
		fmt.Errorf("redeem code: %w", &client.Error{Code: protocol.CodeRateLimited, Message: "raw detail", RetryAfter: 30 * time.Second}),
		fmt.Errorf("%w: %w", plainerr.ErrLiveHelp, errors.New("register VP8: raw detail")),
		fmt.Errorf("connect to relay ws://127.0.0.1:1: %w", refused),
		errors.New("raw detail nobody planned for"),
	}
	for _, err := range errs {
		t.Run(plainerr.Message(err)[:24], func(t *testing.T) {
			hd := &failingHelpdesk{err: err, events: make(chan helpdesk.Event, 4)}
			u := newTestUI(t, hd)
			want := plainerr.Message(err)
			shown := func(where string, o fyne.CanvasObject) {
				t.Helper()
				text := renderedText(o)
				if !strings.Contains(text, want) {
					t.Errorf("%s: the window lacks %q:\n%s", where, want, text)
				}
				for _, raw := range rawMarks {
					if strings.Contains(text, raw) {
						t.Errorf("%s: the window shows %q:\n%s", where, raw, text)
					}
				}
			}

			u.showCode()
			test.Type(findEntry(t, u.content), "123 456 789")
			test.Tap(findButton(t, u.content, "Connect"))
			pumpUntil(t, u, func() bool { return strings.Contains(renderedText(u.content), want) })
			shown("code screen", u.content)

			u.showHelp(nil, "printer says offline")
			test.Type(u.help.name, "Sam")
			sent := make(chan struct{}, 1)
			u.help.onSent = func() { sent <- struct{}{} }
			test.Tap(u.help.send)
			waitFor(t, u, sent)
			shown("escalation form", u.content)

			u.help.showWaiting("Waiting")
			test.Tap(findButton(t, u.content, "Cancel my request"))
			pumpUntil(t, u, func() bool { return strings.Contains(u.help.waiting.Text, want) })
			shown("waiting screen", u.content)

			u.chatPanel.entry.SetText("hello?")
			u.chatPanel.entry.OnSubmitted("hello?")
			pumpUntil(t, u, func() bool { return len(u.chatPanel.messages.Objects) == 2 })
			shown("chat", u.chatPanel.root)

			c := u.showConsent(helpdesk.ConsentRequest{Kind: helpdesk.ConsentView, Technician: "Alex from IT", ID: "1"})
			test.Tap(c.allow)
			pumpUntil(t, u, func() bool { return strings.Contains(overlayText(u), want) })
			for _, raw := range rawMarks {
				if strings.Contains(overlayText(u), raw) {
					t.Errorf("consent answer: the dialog shows %q", raw)
				}
			}

			handled := make(chan helpdesk.Event, 1)
			u.onEvent = func(ev helpdesk.Event) { handled <- ev }
			test.AssertNotificationSent(t, &fyne.Notification{Title: "Lifeline", Content: want}, func() {
				hd.events <- helpdesk.Event{Kind: helpdesk.EventError, Err: err}
				waitFor(t, u, handled)
			})
		})
	}
}

// pumpUntil runs queued UI work until cond holds.
func pumpUntil(t *testing.T, u *UI, cond func() bool) {
	t.Helper()
	q, _ := testQueues.Load(u)
	queue := q.(chan func())
	timeout := time.After(20 * time.Second)
	for !cond() {
		select {
		case fn := <-queue:
			fn()
		case <-timeout:
			t.Fatal("timed out waiting for the window")
		}
	}
}

// renderedText is every text o shows, as laid out: whole label texts and
// the drawn lines.
func renderedText(o fyne.CanvasObject) string {
	var b strings.Builder
	for _, x := range test.LaidOutObjects(o) {
		switch v := x.(type) {
		case *widget.Label:
			b.WriteString(v.Text + "\n")
		case *widget.RichText:
			b.WriteString(v.String() + "\n")
		case *canvas.Text:
			b.WriteString(v.Text + "\n")
		}
	}
	return b.String()
}

func overlayText(u *UI) string {
	var b strings.Builder
	for _, o := range u.win.Canvas().Overlays().List() {
		b.WriteString(renderedText(o))
	}
	return b.String()
}
