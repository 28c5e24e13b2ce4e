package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// guideNoteRequest is a request as the desktop sends it after a guide
// escalated with a note for the technician: the note in guide.note, with
// the guide's hard line breaks and a variable left unfilled (a desktop
// older than guide.note, or a custom guide). The legacy form, the note
// glued onto the person's words after "From the guide: ", must read the
// same.
func guideNoteRequest(name string, legacy bool) protocol.RequestSubmit {
	req := printerRequest(name)
	const note = "Printer still offline after a power cycle and\n" +
		"clearing the queue. Check it is on the correct network ({{wifi_name}}) and\nhas an address.\n\nUser is at desk 4.11."
	if legacy {
		req.Description += "\n\nFrom the guide: " + note
	} else {
		req.Guide.Note = note
	}
	return req
}

// TestGuideNoteApart: the person's words and the guide's note for the
// technician are shown apart, labelled, reflowed, without the unfilled
// variable: in the queue, in the session and in the history.
func TestGuideNoteApart(t *testing.T) {
	for _, tc := range []struct {
		name   string
		legacy bool
	}{{"guide.note", false}, {"glued to the description", true}} {
		t.Run(tc.name, func(t *testing.T) { testGuideNoteApart(t, tc.legacy) })
	}
}

func testGuideNoteApart(t *testing.T, legacy bool) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	ana := r.submit(guideNoteRequest("Ana Silva", legacy))
	tb.Wait("the request", `document.querySelector('#queue-list li[data-id]')`, 10*time.Second)

	const words = "printer says offline since this morning"
	notes := []string{"Printer still offline after a power cycle and clearing the queue. Check it is on the correct network and has an address.", "User is at desk 4.11."}
	check := func(where, scope string) {
		t.Helper()
		if got := tb.Text(scope + " .description"); got != words {
			t.Errorf("%s: what they wrote = %q, want %q", where, got, words)
		}
		heads := consoletest.Eval[[]string](tb, `[...document.querySelectorAll(`+jsString(scope+" h3")+`)].map(h => h.textContent)`)
		if len(heads) < 2 || heads[0] != "What they wrote" || heads[1] != "Where the guide stopped" {
			t.Errorf("%s: headings %q", where, heads)
		}
		if got := tb.Text(scope + " .guide-stop-at"); got != "At “Check the network cable” in “Printer is offline”" {
			t.Errorf("%s: where the guide stopped = %q", where, got)
		}
		got := consoletest.Eval[[]string](tb, `[...document.querySelectorAll(`+jsString(scope+" .guide-note")+`)].map(p => p.textContent)`)
		if strings.Join(got, "|") != strings.Join(notes, "|") {
			t.Errorf("%s: the guide's note = %q, want %q", where, got, notes)
		}
		if ws := consoletest.Eval[string](tb, `getComputedStyle(document.querySelector(`+jsString(scope+" .guide-note")+`)).whiteSpace`); ws != "normal" {
			t.Errorf("%s: the note wraps with white-space %q", where, ws)
		}
		if text := tb.Text(scope); strings.Contains(text, "From the guide") || strings.Contains(text, "{{") || strings.Contains(text, "Problem in their words") {
			t.Errorf("%s: %q", where, text)
		}
	}
	check("queue", "#queue-detail")
	if got := tb.Text("#queue-list .qi-desc"); got != words {
		t.Errorf("queue list shows %q, want only what they wrote", got)
	}
	tb.Click("#queue-detail button.primary")
	tb.Wait("the session", `document.querySelector('.session:not([hidden]) .guide-stop')`, 10*time.Second)
	ana.expect(t, protocol.TypeViewRequest)
	check("session", ".session:not([hidden]) .session-side .context")
	if !legacy {
		tb.Screenshot(screenshots, "session-context")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ana.c.EndSession(ctx, protocol.EndUser); err != nil {
		t.Fatal(err)
	}
	tb.Wait("the end", `!document.querySelector('.session .closeout').hidden`, 10*time.Second)
	tb.Click(`.tab[data-view="history"]`)
	tb.Wait("the history row", `document.querySelector('#history-table tbody tr')`, 10*time.Second)
	if got := tb.Text("#history-table tbody tr td.clip"); got != words {
		t.Errorf("history row description = %q", got)
	}
	tb.Click("#history-table tbody tr")
	tb.Wait("the detail", `document.querySelector('#history-detail .timeline li')`, 10*time.Second)
	tb.Click("#history-detail details summary")
	check("history", "#history-detail details .context")
	if top := consoletest.Eval[float64](tb, `(document.querySelector('#history-detail .guide-stop').scrollIntoView({ block: 'center' }), document.querySelector('#main').scrollTop)`); top == 0 {
		t.Log("the history detail did not scroll")
	}
	if !legacy {
		tb.Screenshot(screenshots, "history-guide-note")
	}

	// What is stored and exported is what the desktop sent.
	var rec struct {
		Request struct {
			Description string `json:"description"`
		} `json:"request"`
	}
	sid := consoletest.Eval[string](tb, `document.querySelector('#history-table tbody tr').dataset.id`)
	if st := r.SignIn(t, adminUser, adminPass).Call("GET", "/api/sessions/"+sid, nil, &rec); st != http.StatusOK || rec.Request.Description != guideNoteRequest("", legacy).Description {
		t.Errorf("stored description (%d) = %q", st, rec.Request.Description)
	}
}

// TestQueueNoticeClears: "You took …'s request." is news for a moment: it
// goes when another request in the queue changes, or after a few seconds.
func TestQueueNoticeClears(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	r.submit(protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Ana Silva"}, Description: "printer offline"})
	tb.Wait("the request", `document.querySelectorAll('#queue-list li[data-id]').length === 1`, 10*time.Second)
	r.submit(protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Omar Haddad"}, Description: "no sound"})
	tb.Wait("two requests", `document.querySelectorAll('#queue-list li[data-id]').length === 2`, 10*time.Second)

	tb.Click("#queue-detail button.primary") // Ana, the oldest
	tb.Wait("the notice", `document.querySelector('#queue-msg').textContent === "You took Ana Silva's request."`, 10*time.Second)
	r.submit(protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Cara"}, Description: "mouse stuck"})
	tb.Wait("the notice to go with the queue change", `document.querySelector('#queue-msg').textContent === ''`, 5*time.Second)

	tb.Click(`.tab[data-view="queue"]`)
	tb.Click("#queue-detail button.primary") // Omar
	tb.Wait("the notice", `document.querySelector('#queue-msg').textContent === "You took Omar Haddad's request."`, 10*time.Second)
	start := time.Now()
	tb.Wait("the notice to go by itself", `document.querySelector('#queue-msg').textContent === ''`, 10*time.Second)
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("the notice went after %v: too soon to read", d)
	}
}

// TestGuideHopShown: a guide answer that opened another guide shows as
// "→ opened …", the steps of that guide say which guide they are in, the
// way back reads as the answer it was, and "where the guide stopped"
// names the guide the person ended in.
func TestGuideHopShown(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	req := protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Ana Silva"}, Description: "the S: drive is gone",
		Guide: &protocol.GuideContext{GuideID: "network-drive-missing", GuideTitle: "Network or shared drive missing", Steps: []protocol.GuideStep{
			{StepID: "vpn", Title: "Connect the VPN first", Answer: "The VPN won't connect",
				Opened: &protocol.GuideRef{GuideID: "vpn-wont-connect", GuideTitle: "VPN won't connect"}},
			{GuideID: "vpn-wont-connect", GuideTitle: "VPN won't connect", StepID: "internet-first", Title: "Check the internet first", Answer: "Went back to “Network or shared drive missing”"},
			{StepID: "vpn", Title: "Connect the VPN first", Answer: "The VPN won't connect",
				Opened: &protocol.GuideRef{GuideID: "vpn-wont-connect", GuideTitle: "VPN won't connect"}},
			{GuideID: "vpn-wont-connect", GuideTitle: "VPN won't connect", StepID: "sign-in", Title: "Sign in to the VPN again"},
		}, Note: "VPN rejects the user's credentials."}}
	r.submit(req)
	tb.Wait("the request", `document.querySelector('#queue-detail .steps')`, 10*time.Second)

	texts := func(sel string) []string {
		return consoletest.Eval[[]string](tb, `[...document.querySelectorAll(`+jsString("#queue-detail "+sel)+`)].map(e => e.textContent)`)
	}
	if got, want := texts(".step-opened"), []string{"→ opened VPN won't connect", "→ opened VPN won't connect"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("hops %q, want %q", got, want)
	}
	if got, want := texts(".step-guide"), []string{"In “VPN won't connect”", "In “Network or shared drive missing”", "In “VPN won't connect”"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("guide changes %q, want %q", got, want)
	}
	if got := tb.Text("#queue-detail .guide-stop-at"); got != "At “Sign in to the VPN again” in “VPN won't connect”" {
		t.Errorf("where the guide stopped = %q", got)
	}
	if got := texts(".step-answer"); len(got) != 3 || got[1] != "Answer: Went back to “Network or shared drive missing”" {
		t.Errorf("answers %q", got)
	}
	tb.Screenshot(screenshots, "guide-hop")
}
