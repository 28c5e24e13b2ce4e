package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/lifeline-desk/lifeline/app/internal/helpdesk"
	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// TestSessionScreens: what the window says at each step of a live
// session, and that the chat exists exactly while the session does.
func TestSessionScreens(t *testing.T) {
	u := newTestUI(t, nil)
	show := func(ev helpdesk.Event) string {
		t.Helper()
		ev.Kind, ev.Technician = helpdesk.EventSession, "Alex (IT)"
		u.setSession(ev.Session, ev.Technician)
		u.showSession(ev)
		return renderedText(u.content)
	}
	if u.chatPanel.root.Visible() {
		t.Fatal("the chat is shown before any session")
	}

	show(helpdesk.Event{Session: helpdesk.SessionWaiting})
	if !u.chatPanel.root.Visible() {
		t.Error("the chat is hidden while the technician asks to view")
	}
	for _, tt := range []struct {
		name string
		ev   helpdesk.Event
		want []string
		not  []string
	}{
		{"declined", helpdesk.Event{Session: helpdesk.SessionDeclined},
			[]string{"Nothing was shared", "You declined, so Alex (IT) cannot see your screen.", "they can ask again", "End the session"},
			[]string{"can no longer see"}},
		{"not answered", helpdesk.Event{Session: helpdesk.SessionDeclined, Change: protocol.ConsentNoAnswer},
			[]string{"Nothing was shared", "You did not answer in time"}, nil},
		{"viewing", helpdesk.Event{Session: helpdesk.SessionViewing},
			[]string{"Alex (IT) is looking at your screen", "Use the chat on the right"}, nil},
		{"controlling", helpdesk.Event{Session: helpdesk.SessionControlling},
			[]string{"Alex (IT) is working on your screen", "You can still type in the chat"},
			[]string{"don't use the mouse or keyboard"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := show(tt.ev)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("screen lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(got, w) {
					t.Errorf("screen says %q:\n%s", w, got)
				}
			}
			if !u.chatPanel.root.Visible() {
				t.Error("the chat is hidden during the session")
			}
		})
	}

	at := time.Date(2026, 3, 4, 14, 5, 0, 0, time.Local)
	u.chat("Alex (IT)", "I can see the printer queue", at)
	if got := u.chatPanel.lines(); len(got) != 1 || got[0] != "14:05 Alex (IT): I can see the printer queue" {
		t.Errorf("chat lines %q, want one timestamped line", got)
	}
	// What the technician did beyond mouse and keyboard is said in the chat.
	for _, a := range []assist.Activity{
		{Kind: protocol.ActivityClipboardToUser, Chars: 12, Technician: "Alex (IT)"},
		{Kind: protocol.ActivityClipboardFromUser, Chars: 3, Technician: "Alex (IT)"},
		{Kind: protocol.ActivityTextTyped, Chars: 5},
	} {
		u.activity(a, at)
	}
	want := []string{"14:05 Alex (IT): I can see the printer queue", "14:05 Alex (IT) put text on your clipboard.",
		"14:05 Alex (IT) copied the text on your clipboard.", "14:05 The technician typed text on your computer."}
	if got := u.chatPanel.lines(); !slices.Equal(got, want) {
		t.Errorf("chat lines\n got %q\nwant %q", got, want)
	}

	got := show(helpdesk.Event{Session: helpdesk.SessionEnded, End: protocol.EndTechnician, Shared: true})
	if !strings.Contains(got, "Alex (IT) can no longer see or control your computer.") {
		t.Errorf("ended screen:\n%s", got)
	}
	if u.chatPanel.root.Visible() || len(u.chatPanel.lines()) != 0 {
		t.Errorf("after the end the chat is visible=%v with %q", u.chatPanel.root.Visible(), u.chatPanel.lines())
	}
	u.showHome()
	if u.chatPanel.root.Visible() {
		t.Error("the chat came back on the home screen")
	}

	got = show(helpdesk.Event{Session: helpdesk.SessionEnded, End: protocol.EndUser})
	if !strings.Contains(got, "Nothing was shared: Alex (IT) never saw your screen.") || strings.Contains(got, "can no longer see") {
		t.Errorf("ended screen after a decline:\n%s", got)
	}
}

// TestWrongCodeRetries: each wrong code is answered with the full sentence,
// and a retry reads as a new answer, not the same text again.
func TestWrongCodeRetries(t *testing.T) {
	hd := &failingHelpdesk{err: fmt.Errorf("redeem code: %w", &client.Error{Code: protocol.CodeBadCode, Message: "raw detail"}), events: make(chan helpdesk.Event, 4)}
	u := newTestUI(t, hd)
	u.showCode()
	test.Type(findEntry(t, u.content), "111 222 333")
	connect := findButton(t, u.content, "Connect")
	sentence := plainerr.Message(hd.err)
	for i, want := range []string{sentence, "Try 2: " + sentence} {
		test.Tap(connect)
		pumpUntil(t, u, func() bool { return strings.Contains(renderedText(u.content), want) })
		if strings.Contains(renderedText(u.content), "raw detail") {
			t.Errorf("try %d shows the relay's text", i+1)
		}
	}
}

// TestBannerSaysWhichScreen: with several screens the banner says which
// one the technician sees, or that they see all of them; with one it
// says nothing more.
func TestBannerSaysWhichScreen(t *testing.T) {
	u := newTestUI(t, nil)
	for _, tt := range []struct {
		state           helpdesk.SessionState
		shown, displays int
		want            string
	}{
		{helpdesk.SessionViewing, 0, 1, "Alex can see your screen"},
		{helpdesk.SessionViewing, 0, 0, "Alex can see your screen"},
		{helpdesk.SessionViewing, 1, 2, "Alex can see your screen: Display 2"},
		{helpdesk.SessionViewing, helpdesk.AllScreens, 2, "Alex can see all your screens"},
		{helpdesk.SessionControlling, 0, 2, "Alex is controlling your computer: Display 1"},
		{helpdesk.SessionControlling, helpdesk.AllScreens, 3, "Alex is controlling your computer and can see all your screens"},
		{helpdesk.SessionControlling, 0, 1, "Alex is controlling your computer"},
	} {
		u.setSharedScreen(tt.shown, tt.displays)
		u.setSession(tt.state, "Alex")
		got := renderedText(u.banner)
		if !strings.Contains(got, tt.want) || !strings.Contains(u.win.Title(), tt.want+" — Lifeline") {
			t.Errorf("%v, display %d of %d: banner %q, title %q, want %q", tt.state, tt.shown, tt.displays, got, u.win.Title(), tt.want)
		}
		if tt.displays < 2 && strings.Contains(got, "Display") {
			t.Errorf("one screen, and the banner names it: %q", got)
		}
	}
	u.setSharedScreen(1, 2)
	u.setSession(helpdesk.SessionViewing, "Alex")
	u.showSession(helpdesk.Event{Kind: helpdesk.EventSession, Session: helpdesk.SessionViewing, Technician: "Alex"})
	saveScreen(t, u, "session viewing display 2")
}
