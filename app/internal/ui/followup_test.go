package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// followupHelpdesk records follow-up answers; fail makes the first answer
// fail as the relay would when the connection is down.
type followupHelpdesk struct {
	failingHelpdesk
	answers chan helpdesk.FollowupAnswer
	fail    bool
}

func (h *followupHelpdesk) AnswerFollowup(_ context.Context, a helpdesk.FollowupAnswer) error {
	if h.fail {
		h.fail = false
		h.answers <- helpdesk.FollowupAnswer{}
		return helpdesk.ErrOffline
	}
	h.answers <- a
	return nil
}

// offerFollowup delivers a follow-up through the help-desk events and
// waits for the dialog.
func offerFollowup(t *testing.T, u *UI, hd *followupHelpdesk, off protocol.FollowupOffer) *followupDialog {
	t.Helper()
	shown := make(chan struct{}, 1)
	u.onEvent = func(ev helpdesk.Event) {
		if ev.Kind == helpdesk.EventFollowup {
			shown <- struct{}{}
		}
	}
	hd.events <- helpdesk.Event{Kind: helpdesk.EventFollowup, Followup: off}
	waitFor(t, u, shown)
	return u.lastFollowup
}

func TestFollowupDialog(t *testing.T) {
	hd := &followupHelpdesk{failingHelpdesk: failingHelpdesk{events: make(chan helpdesk.Event, 4)}, answers: make(chan helpdesk.FollowupAnswer, 4)}
	u := newTestUI(t, hd)
	off := protocol.FollowupOffer{RequestID: "r-1", SessionID: "s-1", Technician: "Alex from IT", EndedAt: time.Now().Add(-24 * time.Hour),
		Description: "The printer says offline and nothing prints"}
	f := offerFollowup(t, u, hd, off)
	if got, want := f.question.Text, "Is “The printer says offline and nothing prints” working now?"; got != want {
		t.Fatalf("question %q, want %q", got, want)
	}
	if !strings.HasPrefix(f.intro.Text, "Alex from IT helped you with this") {
		t.Errorf("intro %q does not say who helped", f.intro.Text)
	}
	f.rating.SetSelected("2")
	test.Type(f.comment, "It went offline again this morning")
	saveScreen(t, u, "followup")

	// The first answer fails (offline): the dialog stays, to try again.
	hd.fail = true
	test.Tap(f.no)
	waitFor(t, u, hd.answers)
	drain(u)
	if f.no.Disabled() || u.win.Canvas().Overlays().Top() == nil {
		t.Fatal("after a failed answer the dialog is gone or its buttons stay disabled")
	}
	test.Tap(f.no)
	a := waitFor(t, u, hd.answers)
	if a != (helpdesk.FollowupAnswer{RequestID: "r-1", Working: false, Rating: 2, Comment: "It went offline again this morning"}) {
		t.Fatalf("answer %+v", a)
	}
	waitFor(t, u, f.sent)
	if u.content.Objects[0] != u.help.root || !strings.Contains(u.help.waiting.Text, "back with the help desk") {
		t.Errorf("after “not working” the window shows %q, want the waiting screen", u.help.waiting.Text)
	}

	// Yes without a rating; a long description is shortened.
	off.RequestID, off.Description = "r-2", "Outlook keeps asking for my password every few minutes even after I type it in again and again"
	f = offerFollowup(t, u, hd, off)
	if r := []rune(f.question.Text); len(r) > 100 {
		t.Errorf("question not shortened: %q", f.question.Text)
	}
	test.Tap(f.yes)
	if a := waitFor(t, u, hd.answers); a != (helpdesk.FollowupAnswer{RequestID: "r-2", Working: true}) {
		t.Fatalf("yes answer %+v", a)
	}

	// Not now: nothing is sent.
	off.RequestID = "r-3"
	f = offerFollowup(t, u, hd, off)
	test.Tap(f.later)
	select {
	case a := <-hd.answers:
		t.Fatalf("not now sent %+v", a)
	case <-time.After(100 * time.Millisecond):
	}
}

// drain runs the UI work queued so far.
func drain(u *UI) {
	q, _ := testQueues.Load(u)
	queue := q.(chan func())
	for {
		select {
		case fn := <-queue:
			fn()
		case <-time.After(50 * time.Millisecond):
			return
		}
	}
}
