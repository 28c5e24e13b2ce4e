package ui

import (
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/assist"
)

// reconnectedShown is how long the banner says the technician reconnected.
const reconnectedShown = 10 * time.Second

// presenceNote is what the banner says about the technician's connection
// in a live session: lost (waiting for them), or back a moment ago. It
// remembers the banner's state to show it again.
type presenceNote struct {
	away       bool
	backAt     time.Time // when they came back; zero: not lately
	state      helpdesk.SessionState
	technician string
}

// presence shows that the technician lost the connection or came back,
// in the chat and in the banner. What the user allowed is unchanged.
func (u *UI) presence(ev helpdesk.Event) {
	who := ev.Technician
	if who == "" {
		who = u.technician
	}
	if who == "" {
		who = lang.L("The technician")
	}
	args := map[string]any{"Who": who}
	n := &u.presenceNote
	switch ev.Presence {
	case assist.PresenceAway:
		n.away, n.backAt = true, time.Time{}
		u.chatPanel.notice(lang.L("{{.Who}} lost the connection. Waiting for them to come back; nothing is shared meanwhile.", args), time.Now())
	case assist.PresenceBack:
		n.away, n.backAt = false, time.Now()
		u.chatPanel.notice(lang.L("{{.Who}} reconnected.", args), time.Now())
		at := n.backAt
		time.AfterFunc(reconnectedShown, func() {
			u.do(func() {
				if u.presenceNote.backAt.Equal(at) {
					u.presenceNote.backAt = time.Time{}
					u.setSession(u.presenceNote.state, u.presenceNote.technician)
				}
			})
		})
	default:
		return
	}
	if n.state == helpdesk.SessionViewing || n.state == helpdesk.SessionControlling {
		u.setSession(n.state, n.technician)
	}
}

// presenceBanner is the banner's text msg, said differently while the
// technician is away or has just come back; setSession calls it.
func (u *UI) presenceBanner(state helpdesk.SessionState, technician, msg string) string {
	n := &u.presenceNote
	n.state, n.technician = state, technician
	if state != helpdesk.SessionViewing && state != helpdesk.SessionControlling {
		n.away, n.backAt = false, time.Time{}
		return msg
	}
	args := map[string]any{"Who": technician}
	switch {
	case n.away:
		return lang.L("{{.Who}} lost the connection: waiting for them", args)
	case !n.backAt.IsZero():
		return lang.L("{{.Who}} reconnected.", args) + " " + msg
	}
	return msg
}
