package ui

import (
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
)

// TestRecordingSaid: a recorded session's view question opens with
// "This session will be recorded." (before Allow is pressed), and the
// banner shows "● Recording" while the screen is shared; an unrecorded
// session says neither.
func TestRecordingSaid(t *testing.T) {
	for _, recorded := range []bool{true, false} {
		u := newTestUI(t, nil)
		u.showConsent(helpdesk.ConsentRequest{Kind: helpdesk.ConsentView, Technician: "Alex from IT", ID: "1", Recording: recorded})
		text := overlayText(u)
		if got := strings.Contains(text, "This session will be recorded. If you allow it, Alex from IT will see"); got != recorded {
			t.Errorf("recorded=%v: the question says %q", recorded, text)
		}
		if recorded {
			saveScreen(t, u, "consent view recorded")
		}
		c := u.lastConsent // closed without an answer: no help desk here
		c.answered = true
		close(c.stop)
		c.d.Hide()

		u.recording = recorded
		for _, st := range []helpdesk.SessionState{helpdesk.SessionViewing, helpdesk.SessionControlling} {
			u.setSession(st, "Alex from IT")
			if got := strings.Contains(renderedText(u.banner), "● Recording"); got != recorded {
				t.Errorf("recorded=%v, state %d: banner %q", recorded, st, renderedText(u.banner))
			}
		}
		if recorded {
			u.showSession(helpdesk.Event{Kind: helpdesk.EventSession, Session: helpdesk.SessionControlling, Technician: "Alex from IT", Recording: true})
			saveScreen(t, u, "session controlling recorded")
		}
		u.setSession(helpdesk.SessionEnded, "Alex from IT")
		if strings.Contains(renderedText(u.banner), "Recording") {
			t.Errorf("the banner still says recording after the end")
		}
	}
}
