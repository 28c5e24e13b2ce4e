package ui

import (
	"strings"
	"testing"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/assist"
)

// TestBannerSaysReconnected: while the technician's connection is lost
// the banner and the chat say so (the Stop button stays); once they are
// back both say "Alex reconnected", and the banner again who controls
// the computer.
func TestBannerSaysReconnected(t *testing.T) {
	u := newTestUI(t, nil)
	u.technician = "Alex"
	u.setSession(helpdesk.SessionControlling, "Alex")
	u.showSession(helpdesk.Event{Kind: helpdesk.EventSession, Session: helpdesk.SessionControlling, Technician: "Alex"})

	u.presence(helpdesk.Event{Kind: helpdesk.EventPresence, Presence: assist.PresenceAway, Technician: "Alex"})
	banner, chat := renderedText(u.banner), renderedText(u.chatPanel.root)
	for _, want := range []string{"Alex lost the connection: waiting for them", "Stop sharing", "Take back control"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner while away %q lacks %q", banner, want)
		}
	}
	if !strings.Contains(chat, "Alex lost the connection. Waiting for them to come back; nothing is shared meanwhile.") {
		t.Errorf("chat while away: %q", chat)
	}
	saveScreen(t, u, "session technician away")

	u.presence(helpdesk.Event{Kind: helpdesk.EventPresence, Presence: assist.PresenceBack, Technician: "Alex"})
	banner, chat = renderedText(u.banner), renderedText(u.chatPanel.root)
	if want := "Alex reconnected. Alex is controlling your computer"; !strings.Contains(banner, want) || !strings.Contains(u.win.Title(), want) {
		t.Errorf("banner after reconnecting %q (title %q), want %q", banner, u.win.Title(), want)
	}
	if !strings.Contains(chat, "Alex reconnected.") {
		t.Errorf("chat after reconnecting: %q", chat)
	}
	saveScreen(t, u, "session technician reconnected")

	// A later state change is shown as ever, and the end forgets it all.
	u.setSession(helpdesk.SessionEnded, "Alex")
	u.setSession(helpdesk.SessionViewing, "Alex")
	if banner := renderedText(u.banner); strings.Contains(banner, "reconnected") || !strings.Contains(banner, "Alex can see your screen") {
		t.Errorf("banner of a new session %q", banner)
	}
}
