package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// TestSessionFlow walks one session through the console with a Go relay
// client standing in for the desktop. The story with the real desktop is
// TestJourney (app/internal/ui), the console's input on a real X server
// internal/e2e; this test checks what the console itself does: the
// request's context, taking it with the keyboard, consent asked in the
// technician's name, the status line and the control indicator along the
// ladder, the user taking back control, chat both ways, the end reaching
// the desktop, the close-out (a category is required), the stored record,
// the history row, and the audit trail in order, the API listing what the
// store holds.
func TestSessionFlow(t *testing.T) {
	r := startRelay(t, nil)
	ana := r.submit(printerRequest("Ana Silva"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tb := consoletest.OpenTab(t, 60*time.Second)
	status := func(what, want string) {
		t.Helper()
		tb.Wait(what, `document.querySelector('.session:not([hidden]) .session-status').textContent === `+jsString(want), 10*time.Second)
	}
	indicator := func(want string) {
		t.Helper()
		if got := tb.Text(".session:not([hidden]) .control-indicator"); got != want {
			t.Errorf("control indicator = %q, want %q", got, want)
		}
	}

	// The technician sees the request with its context and takes it with
	// the keyboard; the console asks to view at once.
	tb.SignIn(r.URL, adminUser, adminPass)
	item := `#queue-list li[data-id="` + ana.id + `"]`
	tb.Wait("the request", `document.querySelector('`+item+`')`, 10*time.Second)
	if got := tb.Text("#queue-detail"); !strings.Contains(got, "3 jobs stuck") || !strings.Contains(got, "cupsd not running") {
		t.Errorf("request context not shown:\n%s", got)
	}
	tb.Do(chromedp.Focus(chromedp.CSS(item)), chromedp.KeyEvent("\r"))
	tb.Wait("the session view", `!document.querySelector('#view-session').hidden`, 10*time.Second)
	if c := ana.expect(t, protocol.TypeViewRequest).Payload.(*protocol.Consent); c.By != adminName {
		t.Errorf("the view request names %q, want %q", c.By, adminName)
	}
	status("the waiting status", "Waiting for Ana Silva to allow viewing…")

	// Viewing, then control, allowed on the desktop.
	if err := ana.c.GrantView(ctx); err != nil {
		t.Fatal(err)
	}
	status("the viewing grant", "Ana Silva allowed viewing. Connecting to their screen…")
	indicator("Viewing only")
	tb.Click(".session:not([hidden]) .toolbar button:nth-child(2)") // Request control
	if c := ana.expect(t, protocol.TypeControlRequest).Payload.(*protocol.Consent); c.By != adminName {
		t.Errorf("the control request names %q, want %q", c.By, adminName)
	}
	if err := ana.c.GrantControl(ctx); err != nil {
		t.Fatal(err)
	}
	status("the control grant", "Ana Silva allowed control. Click their screen to use it.")
	indicator("You have control")
	if !consoletest.Eval[bool](tb, `document.querySelector('.session:not([hidden]) .screen').classList.contains('controlling')`) {
		t.Error("the screen is not framed as controlled")
	}

	// The user takes control back: the console says so at once.
	if err := ana.c.RevokeControl(ctx); err != nil {
		t.Fatal(err)
	}
	status("the revoke notice", "Ana Silva took back control.")
	indicator("Viewing only")

	// Chat both ways.
	tb.TypeInto(".session:not([hidden]) .chat-form input", "Hello Ana, I can see the printer queue.\r")
	if c := ana.expect(t, protocol.TypeChat).Payload.(*protocol.Chat); c.From != adminName || c.Text != "Hello Ana, I can see the printer queue." {
		t.Errorf("the desktop got chat %+v", c)
	}
	if err := ana.c.Chat(ctx, "Thanks!"); err != nil {
		t.Fatal(err)
	}
	tb.Wait("the user's chat line", `[...document.querySelectorAll('.chat-log li.theirs .chat-text')].some(e => e.textContent === 'Thanks!')`, 10*time.Second)

	// End from the console asks first, in the page; Escape keeps the
	// session, and the question keeps the keyboard focus while open.
	tb.Click(".session:not([hidden]) button.danger")
	tb.Wait("the end question", `document.querySelector('.session:not([hidden]) dialog.confirm[open]')`, 5*time.Second)
	if got := tb.Text(".session:not([hidden]) dialog.confirm h3"); got != "End the session with Ana Silva?" {
		t.Errorf("the question is %q", got)
	}
	if !consoletest.Eval[bool](tb, `document.querySelector('dialog.confirm[open]').contains(document.activeElement)`) {
		t.Error("the question does not have the focus")
	}
	tb.Screenshot(screenshots, "session-end-confirm")
	tb.Do(chromedp.KeyEvent(kb.Escape))
	tb.Wait("the question to close", `!document.querySelector('dialog.confirm')`, 5*time.Second)
	ana.expectNone(t, protocol.TypeSessionEnd, 300*time.Millisecond)
	indicator("Viewing only")
	if !tb.Visible(".session:not([hidden]) button.danger") {
		t.Error("after Escape the session no longer offers End session")
	}
	// Yes: the desktop is told; the close-out follows.
	tb.Click(".session:not([hidden]) button.danger")
	tb.Click(".session:not([hidden]) dialog.confirm[open] button.danger")
	if e := ana.expect(t, protocol.TypeSessionEnd).Payload.(*protocol.SessionEnd); e.Reason != protocol.EndTechnician {
		t.Errorf("the desktop got end reason %q, want %q", e.Reason, protocol.EndTechnician)
	}
	status("the end", "You ended the session. Write the resolution notes to close the record.")
	indicator("Session ended")
	tb.Wait("the close-out form", `!document.querySelector('.session:not([hidden]) .closeout').hidden`, 10*time.Second)
	tb.Click(".session:not([hidden]) .closeout button.primary") // save without category
	tb.Wait("the category hint", `document.querySelector('.closeout .msg').textContent.startsWith('Choose a category')`, 5*time.Second)
	const notes = "Print spooler was stopped; restarted it and printed a test page."
	tb.TypeInto(".session:not([hidden]) .closeout textarea", notes)
	consoletest.Eval[bool](tb, `(document.querySelector('.session:not([hidden]) .closeout select').value = 'Printing', true)`)
	tb.Click(".session:not([hidden]) .closeout button.primary")
	tb.Wait("saved", `document.querySelector('.closeout .msg').textContent.startsWith('Saved')`, 10*time.Second)
	tb.Screenshot(screenshots, "session-closeout")
	if tb.Visible(".session:not([hidden]) button.danger") || consoletest.Eval[bool](tb, `!document.querySelector('.session:not([hidden]) .chat-form input').disabled`) {
		t.Error("an ended session still offers End session or chat")
	}

	// The record, as stored.
	sid := consoletest.Eval[string](tb, `document.querySelector('.session').dataset.session`)
	rec, err := r.Store.Session(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Notes != notes || rec.Category != "Printing" || rec.EndReason != protocol.EndTechnician {
		t.Errorf("session record = %+v", rec)
	}

	// The history lists it with the end in words.
	tb.Click(`.tab[data-view="history"]`)
	tb.Wait("the history row", `document.querySelector('#history-table tbody tr[data-id="`+sid+`"]')`, 10*time.Second)
	if got := tb.Text(`#history-table tbody tr[data-id="` + sid + `"]`); !strings.Contains(got, "technician ended") || !strings.Contains(got, "Printing") {
		t.Errorf("history row = %q", got)
	}

	// The audit trail, through the API the Admin view uses, in order.
	actions := consoletest.Eval[[]string](tb, `fetch('/api/audit?session=`+sid+`').then(r => r.json()).then(l => l.map(e => e.action + ' ' + e.actor))`)
	wantOrder := []string{"request.taken tech:alex", "session.start tech:alex", "consent.view.request tech:alex", "consent.view.grant user:Ana Silva",
		"consent.control.request tech:alex", "consent.control.grant user:Ana Silva", "consent.control.revoke user:Ana Silva",
		"session.end tech:alex", "session.notes tech:alex"}
	if !slices.Equal(actions, wantOrder) {
		t.Errorf("audit trail =\n%s\nwant\n%s", strings.Join(actions, "\n"), strings.Join(wantOrder, "\n"))
	}
	// The Admin view says the same trail in words, with names.
	tb.Click(`.tab[data-view="admin"]`)
	tb.TypeInto("#a-session", sid+"\r")
	tb.Wait("the session's audit rows", `document.querySelectorAll('#audit-table tbody tr').length === `+fmt.Sprint(len(wantOrder)), 10*time.Second)
	words := consoletest.Eval[[]string](tb, `[...document.querySelectorAll('#audit-table tbody tr')].map(tr => tr.cells[2].textContent + (tr.cells[5].textContent ? ' · ' + tr.cells[5].textContent : ''))`)
	wantWords := []string{"Alex from IT took the request", "Alex from IT started the session · Started from a request", "Alex from IT asked to see the screen",
		"Ana Silva allowed viewing", "Alex from IT asked for control", "Ana Silva allowed control", "Ana Silva took back control",
		"Alex from IT ended the session · Why: technician ended", "Alex from IT wrote the resolution notes · Category: Printing"}
	if !slices.Equal(words, wantWords) {
		t.Errorf("audit view =\n%s\nwant\n%s", strings.Join(words, "\n"), strings.Join(wantWords, "\n"))
	}
	tb.Screenshot(screenshots, "audit")
	stored, err := r.Store.Audit(ctx, store.AuditFilter{SessionID: sid})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(actions) {
		t.Errorf("API listed %d events, store has %d", len(actions), len(stored))
	}
}
