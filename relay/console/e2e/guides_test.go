package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
)

// labelGuide is an organisation's guide: three steps, OS variants, an
// organisation variable, the two ends and a link to a built-in guide.
const labelGuide = `id: label-printer-jam
title: The label printer in the warehouse jams
summary: Labels come out crumpled or the printer beeps. Clear the jam, then print a test label.
category: printing
symptoms:
  - the label printer is jammed
  - labels come out crumpled
  - the warehouse printer beeps
steps:
  - id: open-lid
    title: Open the lid and look
    text: |
      Press the **green button** on the side to open the lid.
      Look for a crumpled label.
    question: Do you see a crumpled label?
    answers:
      - label: Yes, there is one
        next: clear-jam
      - label: No
        next: call-desk
  - id: clear-jam
    title: Clear the jam
    text: |
      Pull the crumpled label out gently, then close the lid until it clicks.
    variants:
      windows: |
        Pull the label out, close the lid, then open **Printers & scanners** and choose *Print a test page*.
      macos: |
        Pull the label out, close the lid, then open **System Settings** and choose *Print Test Page*.
    question: Did the test label print?
    answers:
      - label: Yes
        next: fixed
      - label: No
        next: call-desk
  - id: call-desk
    title: Call the help desk
    text: |
      Call the help desk on {{helpdesk_phone}} and say "label printer".
    question: Did they sort it out?
    answers:
      - label: Yes
        next: fixed
      - label: No, it is still jammed
        next: escalate
      - label: The printer shows offline
        guide: printer-offline
`

// lineOf is the 1-based number of the first line of text containing s.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	t.Fatalf("no line contains %q", s)
	return 0
}

// send calls the API with the CSRF token and returns the status and body.
func send(api *relaytest.API, method, path string, body any) (int, []byte) {
	return api.Do(method, path, body, http.Header{"X-CSRF-Token": {api.CSRF()}})
}

// guideDetail is what GET /api/guides/{id} says of a guide.
type guideDetail struct {
	Summary struct {
		ID               string `json:"id"`
		State            string `json:"state"`
		PublishedVersion int    `json:"published_version"`
		LatestVersion    int    `json:"latest_version"`
	} `json:"summary"`
	Latest struct {
		Version int    `json:"version"`
		YAML    string `json:"yaml"`
	} `json:"latest"`
}

func getGuide(t *testing.T, api *relaytest.API, id string) guideDetail {
	t.Helper()
	var d guideDetail
	if st := api.Call("GET", "/api/guides/"+id, nil, &d); st != http.StatusOK {
		t.Fatalf("GET /api/guides/%s: %d", id, st)
	}
	return d
}

// createGuide saves yaml as a new draft through the API (status 201).
func createGuide(t *testing.T, api *relaytest.API, yaml, note string) {
	t.Helper()
	if st, b := send(api, "POST", "/api/guides", map[string]string{"yaml": yaml, "note": note}); st != http.StatusCreated {
		t.Fatalf("POST /api/guides: %d %s", st, b)
	}
}

// knowledgeEditor adds a technician and gives them the knowledge editor
// role (PATCH /api/admin/users by the admin).
func knowledgeEditor(t *testing.T, r *relay, admin *relaytest.API, user, display, pass string) {
	t.Helper()
	u := r.AddTechnician(user, display, pass, false)
	if st, b := send(admin, "PATCH", fmt.Sprintf("/api/admin/users/%d", u.ID), map[string]bool{"knowledge_editor": true}); st != http.StatusOK && st != http.StatusNoContent {
		t.Fatalf("make %s a knowledge editor: %d %s", user, st, b)
	}
}

// setYAML replaces the editor's text as an edit would (an input event).
func setYAML(tb *consoletest.Tab, yaml string) {
	tb.T.Helper()
	js, _ := json.Marshal(yaml)
	consoletest.Eval[bool](tb, `(() => { const ta = document.querySelector('.code-text'); ta.focus(); ta.value = `+string(js)+`;
		ta.dispatchEvent(new Event('input', { bubbles: true })); return true })()`)
}

// editLabelGuide starts a relay where the admin saved labelGuide as a
// draft, and opens it in the editor as user.
func editLabelGuide(t *testing.T, user, pass string) (*relay, *relaytest.API, *consoletest.Tab) {
	t.Helper()
	r := startRelay(t, nil)
	alex := r.SignIn(t, adminUser, adminPass)
	createGuide(t, alex, labelGuide, "")
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, user, pass)
	openGuideRow(tb, "label-printer-jam")
	return r, alex, tb
}

// openGuideRow opens a guide from the Guides list.
func openGuideRow(tb *consoletest.Tab, id string) {
	tb.T.Helper()
	tb.Click(`.tab[data-view="guides"]`)
	sel := fmt.Sprintf(`#guides-table tbody tr[data-id=%q]`, id)
	// Showing the tab reloads the list, which may replace the row just
	// found: click whatever row is there until the editor opens.
	deadline := time.Now().Add(15 * time.Second)
	for {
		tb.Wait("the guide in the list", `document.querySelector('`+sel+`')`, 10*time.Second)
		consoletest.Eval[bool](tb, `(() => { const r = document.querySelector('`+sel+`'); if (r) r.click(); return true })()`)
		if tb.Poll(`document.querySelector('.ge-lint.good, .ge-lint.bad')`, 3*time.Second) {
			break
		}
		if time.Now().After(deadline) {
			tb.T.Fatalf("guide %s did not open from the list\npage: %s", id, tb.PageText())
		}
	}
	tb.Wait("the editor checked the guide", `document.querySelector('.ge-lint.good, .ge-lint.bad')`, 10*time.Second)
}

// TestGuideBrokenNextRefusedThenPublished: a knowledge editor breaks a
// next: while typing and sees its line marked, the problem listed (a click
// goes to the line) and publishing refused; fixed, the guide publishes.
// The list shows the guides with state, last change, feedback and "—"
// for a success rate not known yet.
func TestGuideBrokenNextRefusedThenPublished(t *testing.T) {
	r := startRelay(t, nil)
	alex := r.SignIn(t, adminUser, adminPass)
	knowledgeEditor(t, r, alex, "kim", "Kim (KB)", "kim-password")
	createGuide(t, alex, labelGuide, "First draft from the warehouse call")

	tb := consoletest.OpenTab(t, 90*time.Second)
	tb.SignIn(r.URL, "kim", "kim-password")
	tb.Click(`.tab[data-view="guides"]`)
	row := `#guides-table tbody tr[data-id="label-printer-jam"]`
	tb.Wait("the list", `document.querySelector('`+row+`') && document.querySelectorAll('#guides-table tbody tr').length > 10`, 10*time.Second)
	if got := tb.Text(row); !strings.Contains(got, "The label printer in the warehouse jams") || !strings.Contains(got, "Draft") ||
		!strings.Contains(got, "Printing") || !strings.Contains(got, "Alex from IT") && !strings.Contains(got, "alex") || !strings.HasSuffix(got, "0—") {
		t.Errorf("list row = %q", got)
	}
	if n := consoletest.Eval[int](tb, `document.querySelectorAll('#guides-table tbody tr[data-state="builtin"]').length`); n < 40 {
		t.Errorf("%d built-in guides listed", n)
	}
	tb.TypeInto("#g-q", "warehouse")
	tb.Wait("the search", `document.querySelectorAll('#guides-table tbody tr').length === 1 && document.querySelector('`+row+`')`, 10*time.Second)
	tb.TypeInto("#g-q", "")
	consoletest.Eval[bool](tb, `(() => { const s = document.querySelector('#g-state'); s.value = 'draft'; s.dispatchEvent(new Event('change')); return true })()`)
	tb.Wait("the state filter", `document.querySelectorAll('#guides-table tbody tr').length === 1 && document.querySelector('`+row+`')`, 10*time.Second)
	consoletest.Eval[bool](tb, `(() => { const s = document.querySelector('#g-state'); s.value = ''; s.dispatchEvent(new Event('change')); return true })()`)
	tb.Wait("all guides again", `document.querySelectorAll('#guides-table tbody tr').length > 10`, 10*time.Second)
	tb.Screenshot(screenshots, "guides-list")

	openGuideRow(tb, "label-printer-jam")
	if got := tb.Text(".ge-lint"); got != "No problems found." {
		t.Fatalf("lint of the saved draft: %q; problems %q", got, tb.Text(".ge-problems"))
	}
	if consoletest.Eval[bool](tb, `document.querySelector('.ge-publish').disabled`) {
		t.Error("Publish is disabled for a clean guide")
	}

	// Break a next: by typing one character at the end of its line.
	bad := lineOf(t, labelGuide, "next: clear-jam")
	at := strings.Index(labelGuide, "next: clear-jam") + len("next: clear-jam")
	consoletest.Eval[bool](tb, fmt.Sprintf(`(() => { const ta = document.querySelector('.code-text'); ta.focus(); ta.setSelectionRange(%d, %d); return true })()`, at, at))
	tb.Do(chromedp.KeyEvent("x"))
	tb.Wait("the problem marked", `document.querySelector('.ge-lint.bad') && document.querySelector('.code-n.bad')`, 10*time.Second)
	marked := consoletest.Eval[[]int](tb, `[...document.querySelectorAll('.code-n.bad')].map(n => Number(n.dataset.line))`)
	// The step clear-jam is now unreachable too: its line is marked as well.
	if unreachable := lineOf(t, labelGuide, "- id: clear-jam"); !slices.Equal(marked, []int{bad, unreachable}) {
		t.Errorf("marked lines %v, want [%d %d]; problems: %s", marked, bad, unreachable, tb.Text(".ge-problems"))
	}
	if !consoletest.Eval[bool](tb, fmt.Sprintf(`document.querySelector('.code-row[data-line="%d"]').classList.contains('bad')`, bad)) {
		t.Error("the line itself is not marked behind the text")
	}
	problems := tb.Text(".ge-problems")
	if !strings.Contains(problems, fmt.Sprintf("Line %d", bad)) || !strings.Contains(problems, "clear-jamx") {
		t.Errorf("problem list = %q", problems)
	}
	if !consoletest.Eval[bool](tb, `document.querySelector('.ge-publish').disabled`) {
		t.Error("Publish is enabled while a problem is left")
	}
	// The preview's map shows the broken link.
	if got := tb.Text(".gp-node.missing"); !strings.Contains(got, "clear-jamx") {
		t.Errorf("the map's missing box says %q", got)
	}
	// A click on the problem goes to its line.
	consoletest.Eval[bool](tb, `(document.querySelector('.code-text').setSelectionRange(0, 0), true)`)
	tb.Click(".ge-problem")
	sel := consoletest.Eval[string](tb, `(() => { const ta = document.querySelector('.code-text'); return ta.value.slice(ta.selectionStart, ta.selectionEnd) })()`)
	if strings.TrimSpace(sel) != "next: clear-jamx" || !consoletest.Eval[bool](tb, `document.activeElement.classList.contains('code-text')`) {
		t.Errorf("after clicking the problem the selection is %q", sel)
	}
	tb.Screenshot(screenshots, "guide-editor-problem")

	// Saved with the problem, it is a draft; publishing is refused in plain words.
	tb.TypeInto(".ge-note", "Typo test")
	tb.Click(".ge-save")
	tb.Wait("the draft saved", `document.querySelector('.ge-msg').textContent.includes('still has 2 problems')`, 10*time.Second)
	consoletest.Eval[bool](tb, `(() => { const b = document.querySelector('.ge-publish'); b.disabled = false; b.click(); return true })()`)
	tb.Wait("publishing refused", `document.querySelector('.ge-msg').textContent.startsWith('Not published: fix the 2 problems marked')`, 10*time.Second)
	if st, b := send(alex, "POST", "/api/guides/label-printer-jam/publish", map[string]any{}); st != http.StatusUnprocessableEntity || !strings.Contains(string(b), "clear-jamx") {
		t.Errorf("the relay published the broken draft: %d %s", st, b)
	}

	// Fixed, it publishes.
	consoletest.Eval[bool](tb, fmt.Sprintf(`(() => { const ta = document.querySelector('.code-text'); ta.focus(); ta.setSelectionRange(%d, %d); return true })()`, at+1, at+1))
	tb.Do(chromedp.KeyEvent("\b"))
	tb.Wait("no problem left", `document.querySelector('.ge-lint').textContent === 'No problems found.' && !document.querySelector('.code-n.bad')`, 10*time.Second)
	tb.Wait("Publish enabled", `!document.querySelector('.ge-publish').disabled`, 5*time.Second)
	tb.TypeInto(".ge-note", "Fixed the link")
	tb.Click(".ge-publish")
	tb.Wait("published", `document.querySelector('.ge-msg').textContent.startsWith('Published version')`, 10*time.Second)
	tb.Wait("the state shown", `document.querySelector('.g-head .g-state').textContent === 'Published'`, 10*time.Second)
	tb.Wait("nothing more to publish", `document.querySelector('.ge-publish').disabled`, 5*time.Second)
	d := getGuide(t, alex, "label-printer-jam")
	if d.Summary.State != "published" || d.Summary.PublishedVersion != d.Summary.LatestVersion || d.Latest.YAML != labelGuide {
		t.Errorf("after publishing: %+v", d.Summary)
	}
	// Desktops get it.
	var pack struct {
		Guides []struct{ ID, YAML string } `json:"guides"`
	}
	if st := alex.Call("GET", "/api/client/guides", nil, &pack); st != http.StatusOK {
		t.Fatalf("GET /api/client/guides: %d", st)
	}
	found := false
	for _, g := range pack.Guides {
		found = found || g.ID == "label-printer-jam" && g.YAML == labelGuide
	}
	if !found {
		t.Errorf("the desktop pack lacks the published guide (%d guides)", len(pack.Guides))
	}
	// Unpublish from the page.
	tb.Click(".g-unpublish")
	tb.Wait("unpublished", `document.querySelector('.g-head-msg').textContent.startsWith('Unpublished')`, 10*time.Second)
	if d := getGuide(t, alex, "label-printer-jam"); d.Summary.State != "unpublished" {
		t.Errorf("after unpublishing the state is %q", d.Summary.State)
	}
}

// TestGuidePreview: the preview renders the Markdown as the window does,
// the OS variants side by side, the organisation's phone number filled in,
// and the branches as a map whose boxes go to their step.
func TestGuidePreview(t *testing.T) {
	r := startRelay(t, nil)
	alex := r.SignIn(t, adminUser, adminPass)
	if st, b := send(alex, "PUT", "/api/guide-variables", map[string]any{"variables": map[string]string{"helpdesk_phone": "+44 20 7946 0321"}}); st != http.StatusOK && st != http.StatusNoContent {
		t.Fatalf("PUT /api/guide-variables: %d %s", st, b)
	}
	createGuide(t, alex, labelGuide, "")
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	openGuideRow(tb, "label-printer-jam")
	tb.Wait("the preview", `document.querySelectorAll('.gp-step').length === 3`, 10*time.Second)

	if got := consoletest.Eval[string](tb, `document.querySelector('.gp-step[data-step="open-lid"] .md strong').textContent`); got != "green button" {
		t.Errorf("bold text = %q", got)
	}
	// A wrapped paragraph is one paragraph (as the window joins it).
	if n := consoletest.Eval[int](tb, `document.querySelectorAll('.gp-step[data-step="open-lid"] .md p').length`); n != 1 {
		t.Errorf("the first step has %d paragraphs, want 1", n)
	}
	oses := consoletest.Eval[[]string](tb, `[...document.querySelectorAll('.gp-step[data-step="clear-jam"] .gp-os')].map(s => s.dataset.os + ':' + s.textContent)`)
	if len(oses) != 3 || !strings.HasPrefix(oses[0], "windows:Windows") || !strings.Contains(oses[0], "Printers & scanners") ||
		!strings.HasPrefix(oses[1], "linux:LinuxSame as the general text") || !strings.Contains(oses[1], "close the lid until it clicks") ||
		!strings.HasPrefix(oses[2], "macos:macOS") || !strings.Contains(oses[2], "System Settings") {
		t.Errorf("OS variants = %q", oses)
	}
	// Side by side: the three columns share a row.
	tops := consoletest.Eval[[]float64](tb, `[...document.querySelectorAll('.gp-step[data-step="clear-jam"] .gp-os')].map(s => s.getBoundingClientRect().top)`)
	if len(tops) != 3 || tops[0] != tops[1] || tops[1] != tops[2] {
		t.Errorf("the variants are not side by side: tops %v", tops)
	}
	if got := tb.Text(`.gp-step[data-step="call-desk"] .md`); !strings.Contains(got, "+44 20 7946 0321") || strings.Contains(got, "{{") {
		t.Errorf("the variable is not filled in: %q", got)
	}
	// The map: a box per step, the ends and the linked guide, an arrow per answer.
	nodes := consoletest.Eval[[]string](tb, `[...document.querySelectorAll('.gp-map .gp-node')].map(g => g.getAttribute('class') + '|' + g.textContent)`)
	joined := strings.Join(nodes, "\n")
	if got := consoletest.Eval[string](tb, `document.querySelector('.gp-node.start').dataset.step`); got != "open-lid" {
		t.Errorf("the map starts at %q", got)
	}
	for _, want := range []string{"Open the lid and look", "That fixed it", "Sent to the help desk", "Guide: printer-offline", "Clear the jam", "Call the help desk"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the map lacks %q:\n%s", want, joined)
		}
	}
	if n := consoletest.Eval[int](tb, `document.querySelectorAll('.gp-map .gp-edge').length`); n != 7 {
		t.Errorf("the map has %d arrows, want 7 (one per answer)", n)
	}
	// The start is on top, the ends below every step.
	y := func(sel string) float64 {
		return consoletest.Eval[float64](tb, `document.querySelector('`+sel+`').getBoundingClientRect().top`)
	}
	if !(y(`.gp-node[data-step="open-lid"]`) < y(`.gp-node[data-step="clear-jam"]`) && y(`.gp-node[data-step="clear-jam"]`) < y(`.gp-node.fixed`)) {
		t.Error("the map's rows are not start → steps → ends")
	}
	// A box shows its step just below the map, which stays in view.
	consoletest.Eval[bool](tb, `(document.querySelector('.gp-node[data-step="clear-jam"]').dispatchEvent(new MouseEvent('click', { bubbles: true })), true)`)
	tb.Wait("the step highlighted", `document.querySelector('.gp-step[data-step="clear-jam"]').classList.contains('flash')`, 3*time.Second)
	tb.Wait("the step below the map", `(() => { const m = document.querySelector('.gp-map-box').getBoundingClientRect();
		const c = document.querySelector('.gp-step[data-step="clear-jam"]').getBoundingClientRect(); return m.top >= 0 && Math.abs(c.top - m.bottom - 8) < 3 })()`, 3*time.Second)
	if top := consoletest.Eval[float64](tb, `document.querySelector('#main').scrollTop`); top != 0 {
		t.Errorf("the page scrolled by %v (only the preview should)", top)
	}
	time.Sleep(1300 * time.Millisecond) // the highlight fades
	tb.Screenshot(screenshots, "guide-preview")
}

// TestGuidePublishNeedsRole: a technician without the knowledge editor
// role saves drafts but cannot publish: the page says whom to ask, and the
// relay refuses the call.
func TestGuidePublishNeedsRole(t *testing.T) {
	r, alex, tb := editLabelGuide(t, techUser, techPass)
	if tb.Visible(".ge-publish") {
		t.Error("a technician without the role sees Publish")
	}
	if !tb.Visible(".ge-ask") || !strings.HasPrefix(tb.Text(".ge-ask"), "Ask a knowledge editor to publish") {
		t.Errorf("the technician is told %q", tb.Text(".ge-ask"))
	}
	if n := consoletest.Eval[int](tb, `document.querySelectorAll('.g-act').length`); n != 0 {
		t.Errorf("a technician without the role sees %d publish/hide actions", n)
	}
	setYAML(tb, strings.Replace(labelGuide, "Look for a crumpled label.", "Look for a crumpled or torn label.", 1))
	tb.TypeInto(".ge-note", "torn labels too")
	tb.Click(".ge-save")
	tb.Wait("the draft saved", `document.querySelector('.ge-msg').textContent === 'Draft saved as version 2.'`, 10*time.Second)
	bea := relaytest.SignIn(t, r.URL, techUser, techPass)
	if st, _ := send(bea, "POST", "/api/guides/label-printer-jam/publish", map[string]any{}); st != http.StatusForbidden {
		t.Errorf("a technician without the role publishing: %d, want 403", st)
	}
	if st, _ := send(bea, "PUT", "/api/guide-variables", map[string]any{"variables": map[string]string{"helpdesk_phone": "1"}}); st != http.StatusForbidden {
		t.Errorf("a technician without the role setting variables: %d, want 403", st)
	}
	if d := getGuide(t, alex, "label-printer-jam"); d.Summary.State != "draft" || d.Summary.LatestVersion != 2 {
		t.Errorf("after the technician's draft: %+v", d.Summary)
	}
	// The variables form is read-only for them.
	tb.Click(".g-back")
	tb.Click("#g-vars")
	tb.Wait("the variables", `document.querySelector('#vars-table')`, 10*time.Second)
	if !consoletest.Eval[bool](tb, `[...document.querySelectorAll('#vars-table input')].every(i => i.disabled) && !document.querySelector('#vars-save')`) {
		t.Error("a technician without the role can edit the variables")
	}
}

// TestGuideHistoryDiffRevert: history lists the versions with author,
// note and the published one; the diff shows the changed line; a revert
// by an admin publishes the old text again as a new version.
func TestGuideHistoryDiffRevert(t *testing.T) {
	r := startRelay(t, nil)
	alex := r.SignIn(t, adminUser, adminPass)
	createGuide(t, alex, labelGuide, "First version")
	if st, b := send(alex, "POST", "/api/guides/label-printer-jam/publish", map[string]any{"version": 1}); st != http.StatusOK {
		t.Fatalf("publish: %d %s", st, b)
	}
	bea := relaytest.SignIn(t, r.URL, techUser, techPass)
	v2 := strings.Replace(labelGuide, "close the lid until it clicks.", "close the lid firmly until it clicks twice.", 1)
	if st, b := send(bea, "PUT", "/api/guides/label-printer-jam/draft", map[string]string{"yaml": v2, "note": "Lid needs two clicks"}); st != http.StatusOK {
		t.Fatalf("draft: %d %s", st, b)
	}

	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	openGuideRow(tb, "label-printer-jam")
	if !strings.Contains(tb.Text(".code-text"), "twice") && !strings.Contains(consoletest.Eval[string](tb, `document.querySelector('.code-text').value`), "twice") {
		t.Error("the editor does not show the newest draft")
	}
	tb.Click(`.g-tab[data-tab="history"]`)
	tb.Wait("the versions", `document.querySelectorAll('.g-versions tbody tr').length === 2 && document.querySelector('.diff')`, 10*time.Second)
	rows := consoletest.Eval[[]string](tb, `[...document.querySelectorAll('.g-versions tbody tr')].map(r => r.textContent)`)
	if !strings.Contains(rows[0], "Version 2") || !strings.Contains(rows[0], "bea") && !strings.Contains(rows[0], "Bea") || !strings.Contains(rows[0], "Lid needs two clicks") || strings.Contains(rows[0], "Published") {
		t.Errorf("newest row = %q", rows[0])
	}
	if !strings.Contains(rows[1], "Version 1") || !strings.Contains(rows[1], "Published") || !strings.Contains(rows[1], "First version") {
		t.Errorf("oldest row = %q", rows[1])
	}
	del := consoletest.Eval[[]string](tb, `[...document.querySelectorAll('.diff-del .diff-text')].map(e => e.textContent)`)
	add := consoletest.Eval[[]string](tb, `[...document.querySelectorAll('.diff-add .diff-text')].map(e => e.textContent)`)
	if len(del) != 1 || !strings.Contains(del[0], "close the lid until it clicks.") || len(add) != 1 || !strings.Contains(add[0], "clicks twice") {
		t.Errorf("diff: removed %q, added %q", del, add)
	}
	line := lineOf(t, labelGuide, "close the lid until it clicks.")
	if got := consoletest.Eval[[]string](tb, `[...document.querySelectorAll('.diff-del .diff-n, .diff-add .diff-n')].map(e => e.textContent)`); strings.Join(got, ",") != fmt.Sprintf("%d,,,%d", line, line) {
		t.Errorf("diff line numbers %q, want the old and new line %d", got, line)
	}
	if !strings.Contains(tb.Text(".diff-fold"), "unchanged lines") {
		t.Error("the unchanged lines are not folded")
	}
	tb.Screenshot(screenshots, "guide-history-diff")

	consoletest.Eval[bool](tb, `(window.confirm = () => true, true)`)
	tb.Click(`.g-versions tbody tr[data-version="1"] .g-revert`)
	tb.Wait("reverted", `(document.querySelector('.g-history .msg')?.textContent || '').startsWith('Version 1 is published again')`, 10*time.Second)
	d := getGuide(t, alex, "label-printer-jam")
	if d.Latest.Version != 3 || d.Latest.YAML != labelGuide || d.Summary.State != "published" || d.Summary.PublishedVersion != 3 {
		t.Errorf("after the revert: latest %d, state %q, published %d, same text %v", d.Latest.Version, d.Summary.State, d.Summary.PublishedVersion, d.Latest.YAML == labelGuide)
	}
	if n := consoletest.Eval[int](tb, `document.querySelectorAll('.g-versions tbody tr').length`); n != 3 {
		t.Errorf("history shows %d versions after the revert", n)
	}
	tb.Click(`.g-tab[data-tab="edit"]`)
	if got := consoletest.Eval[string](tb, `document.querySelector('.code-text').value`); got != labelGuide {
		t.Error("the editor does not show the reverted text")
	}
}

// TestGuideVariablesForm: the organisation variables form saves the
// values through the relay.
func TestGuideVariablesForm(t *testing.T) {
	r := startRelay(t, nil)
	alex := r.SignIn(t, adminUser, adminPass)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	tb.Click(`.tab[data-view="guides"]`)
	tb.Click("#g-vars")
	tb.Wait("the variables", `document.querySelector('#vars-table tr[data-name="helpdesk_phone"]')`, 10*time.Second)
	tb.TypeInto(`#vars-table tr[data-name="helpdesk_phone"] input`, "+44 20 7946 0999")
	tb.TypeInto(`#vars-table tr[data-name="vpn_name"] input`, "Contoso Connect")
	tb.Screenshot(screenshots, "guide-variables")
	tb.Click("#vars-save")
	tb.Wait("saved", `document.querySelector('#vars-msg').textContent.startsWith('Saved')`, 10*time.Second)
	var got struct {
		Variables map[string]string `json:"variables"`
	}
	if st := alex.Call("GET", "/api/guide-variables", nil, &got); st != http.StatusOK {
		t.Fatalf("GET /api/guide-variables: %d", st)
	}
	if got.Variables["helpdesk_phone"] != "+44 20 7946 0999" || got.Variables["vpn_name"] != "Contoso Connect" || len(got.Variables) != 2 {
		t.Errorf("variables after saving: %v", got.Variables)
	}
}

// TestStartGuideFromSession: after a session, "Start a guide from this
// session" opens the editor with a new guide drafted from it: the
// request's description as title and symptom, the category, the notes as
// steps; the draft reads clean and saves as a new guide.
func TestStartGuideFromSession(t *testing.T) {
	r := startRelay(t, nil)
	alex := r.SignIn(t, adminUser, adminPass)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	sam := takeFromQueue(t, tb, r, protocol.RequestSubmit{ClientInfo: protocol.ClientInfo{Name: "Sam"}, Description: "Scanner on floor 2 sends nothing"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sam.c.EndSession(ctx, protocol.EndUser); err != nil {
		t.Fatal(err)
	}
	tb.Wait("the close-out form", `!document.querySelector('.session:not([hidden]) .closeout').hidden`, 10*time.Second)
	tb.TypeInto(".session:not([hidden]) .closeout textarea", "Restart the scanner.\nChoose the Scan to email profile on its screen.")
	consoletest.Eval[bool](tb, `(document.querySelector('.session:not([hidden]) .closeout select').value = 'Printing', true)`)
	tb.Click(".session:not([hidden]) .closeout-guide")
	tb.Wait("the editor", `!document.querySelector('#view-guides').hidden && document.querySelector('.ge-lint.good, .ge-lint.bad')`, 10*time.Second)
	yaml := consoletest.Eval[string](tb, `document.querySelector('.code-text').value`)
	for _, want := range []string{"id: scanner-on-floor-2-sends-nothing\n", `title: "Scanner on floor 2 sends nothing"`, "category: printing\n",
		"symptoms:\n  - \"Scanner on floor 2 sends nothing\"\n", "  - id: step-1\n", "      Restart the scanner.\n", "  - id: step-2\n",
		"      Choose the Scan to email profile on its screen.\n", "next: step-2\n"} {
		if !strings.Contains(yaml, want) {
			t.Errorf("the drafted guide lacks %q:\n%s", want, yaml)
		}
	}
	if got := tb.Text(".g-head-msg"); !strings.HasPrefix(got, "Drafted from the session with Sam") {
		t.Errorf("the page says %q", got)
	}
	if got := tb.Text(".ge-lint"); got != "No problems found." {
		t.Errorf("the drafted guide has problems: %s %s", got, tb.Text(".ge-problems"))
	}
	if !strings.Contains(consoletest.Eval[string](tb, `document.querySelector('.ge-note').value`), "with Sam") {
		t.Error("the change note does not name the session")
	}
	tb.Screenshot(screenshots, "guide-from-session")
	tb.Click(".ge-save")
	tb.Wait("saved", `document.querySelector('.ge-msg').textContent === 'Draft saved as version 1.'`, 10*time.Second)
	tb.Wait("the header", `document.querySelector('.g-head-title').textContent === 'Scanner on floor 2 sends nothing'`, 10*time.Second)
	if d := getGuide(t, alex, "scanner-on-floor-2-sends-nothing"); d.Summary.State != "draft" || d.Latest.YAML != yaml {
		t.Errorf("the new guide: %+v", d.Summary)
	}
	// The session view is still there, with its close-out.
	tb.Click(`.tab[data-view="session"]`)
	if !tb.Visible(".session:not([hidden]) .closeout") {
		t.Error("the close-out form is gone")
	}
	tb.Click(".session:not([hidden]) .closeout button.primary")
	tb.Wait("the record saved", `document.querySelector('.closeout .msg').textContent.startsWith('Saved')`, 10*time.Second)

	// Later, the same from the session in History.
	tb.Click(`.tab[data-view="history"]`)
	tb.Wait("the session", `document.querySelector('#history-table tbody tr')`, 10*time.Second)
	tb.Click("#history-table tbody tr")
	tb.Wait("its detail", `document.querySelector('#history-detail .h-guide')`, 10*time.Second)
	tb.Click("#history-detail .h-guide")
	tb.Wait("the editor again", `!document.querySelector('#view-guides').hidden && document.querySelector('.g-head-title').textContent === 'New guide' && document.querySelector('.ge-lint.good, .ge-lint.bad')`, 10*time.Second)
	// The id is taken now: saving says so.
	if again := consoletest.Eval[string](tb, `document.querySelector('.code-text').value`); again != yaml {
		t.Errorf("from History the draft differs:\n%s", again)
	}
	tb.Click(".ge-save")
	tb.Wait("the conflict", `document.querySelector('.ge-msg').textContent.startsWith('Not saved: a guide with the id “scanner-on-floor-2-sends-nothing” exists already')`, 10*time.Second)
}

// TestGuideFeedbackAndBuiltins: what people sent from a step of a guide is
// listed with the guide; a built-in guide opens with Lifeline's own text,
// can be hidden from desktops and shown again; an admin makes a
// technician a knowledge editor, who then may publish.
func TestGuideFeedbackAndBuiltins(t *testing.T) {
	r := startRelay(t, nil)
	alex := r.SignIn(t, adminUser, adminPass)
	desk := r.DialClient(t)
	desk.SendMessage(protocol.TypeGuideFeedback, "f1", "", &protocol.GuideFeedback{GuideID: "printer-offline", StepID: "look-at-printer",
		Comment: "Our printers have no screen, only <b>lights</b>.", OS: "windows", AppVersion: "0.4.0"})
	desk.Next(protocol.TypeAck)

	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	row := `#guides-table tbody tr[data-id="printer-offline"]`
	tb.Click(`.tab[data-view="guides"]`)
	tb.Wait("the built-in guide", `document.querySelector('`+row+`')`, 10*time.Second)
	if got := tb.Text(row + " td:nth-child(5)"); got != "1" {
		t.Errorf("feedback count %q, want 1", got)
	}
	openGuideRow(tb, "printer-offline")
	if v := consoletest.Eval[string](tb, `document.querySelector('.code-text').value`); !strings.HasPrefix(v, "id: printer-offline\n") {
		t.Errorf("the built-in guide opens with %.60q", v)
	}
	if !consoletest.Eval[bool](tb, `document.querySelector('.ge-publish').disabled`) {
		t.Error("Publish is offered for a built-in guide nobody changed")
	}
	tb.Click(`.g-tab[data-tab="feedback"]`)
	tb.Wait("the feedback", `document.querySelector('.g-feedback-table tbody tr')`, 10*time.Second)
	got := consoletest.Eval[[]string](tb, `[...document.querySelectorAll('.g-feedback-table tbody td')].map(td => td.textContent)`)
	if len(got) != 5 || got[1] != "look-at-printer" || got[2] != "Our printers have no screen, only <b>lights</b>." || got[3] != "Windows" || got[4] != "0.4.0" {
		t.Errorf("feedback row = %q", got)
	}
	if n := consoletest.Eval[int](tb, `document.querySelectorAll('.g-feedback b').length`); n != 0 {
		t.Error("the comment's markup was interpreted")
	}

	tb.Click(".g-hide")
	tb.Wait("hidden", `document.querySelector('.g-head .g-state').textContent === 'Built-in, hidden' && document.querySelector('.g-unhide')`, 10*time.Second)
	var pack struct {
		Hidden []string `json:"hidden"`
	}
	alex.Call("GET", "/api/client/guides", nil, &pack)
	if !slices.Contains(pack.Hidden, "printer-offline") {
		t.Errorf("the desktop pack hides %q", pack.Hidden)
	}
	tb.Click(".g-unhide")
	tb.Wait("shown again", `document.querySelector('.g-head .g-state').textContent === 'Built-in' && document.querySelector('.g-hide')`, 10*time.Second)

	// An admin gives Bea the knowledge editor role; she may publish then.
	tb.Click(".g-back")
	tb.Click(`.tab[data-view="admin"]`)
	btn := `#users-table tr[data-user="bea"] button`
	tb.Wait("the technicians", `document.querySelector('`+btn+`')`, 10*time.Second)
	consoletest.Eval[bool](tb, `([...document.querySelectorAll('`+btn+`')].find(b => b.textContent === 'Make knowledge editor').click(), true)`)
	tb.Wait("the role", `document.querySelector('#users-table tr[data-user="bea"]').textContent.includes('technician, knowledge editor')`, 10*time.Second)
	createGuide(t, alex, labelGuide, "")
	tb2 := consoletest.OpenTab(t, 60*time.Second)
	tb2.SignIn(r.URL, techUser, techPass)
	openGuideRow(tb2, "label-printer-jam")
	if !tb2.Visible(".ge-publish") || tb2.Visible(".ge-ask") {
		t.Error("a knowledge editor is not offered Publish")
	}
	tb2.Click(".ge-publish")
	tb2.Wait("published", `document.querySelector('.ge-msg').textContent.startsWith('Published version 1')`, 10*time.Second)
}

// TestGuideImport: a zip of guide files (as Export makes it) is imported
// whole, or refused whole with every problem listed by file and line.
func TestGuideImport(t *testing.T) {
	r := startRelay(t, nil)
	alex := r.SignIn(t, adminUser, adminPass)
	zipOf := func(files map[string]string) string {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, data := range files {
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(data))
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "guides.zip")
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	broken := strings.Replace(labelGuide, "next: call-desk\n  - id: clear-jam", "next: call-dsk\n  - id: clear-jam", 1)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	tb.Click(`.tab[data-view="guides"]`)
	tb.Wait("the list", `document.querySelectorAll('#guides-table tbody tr').length > 10`, 10*time.Second)
	tb.Do(chromedp.SetUploadFiles(chromedp.CSS("#g-import-file"), []string{zipOf(map[string]string{"label-printer-jam.yaml": broken})}, chromedp.NodeReady))
	tb.Wait("refused", `document.querySelector('#guides-msg').textContent.startsWith('Nothing was imported')`, 10*time.Second)
	if got := tb.Text(".g-import-problems"); !strings.Contains(got, fmt.Sprintf("label-printer-jam.yaml:%d:", lineOf(t, broken, "call-dsk"))) || !strings.Contains(got, "call-dsk") {
		t.Errorf("import problems = %q", got)
	}
	if st, _ := send(alex, "GET", "/api/guides/label-printer-jam", nil); st != http.StatusNotFound {
		t.Errorf("a refused import left the guide behind: %d", st)
	}
	tb.Do(chromedp.SetUploadFiles(chromedp.CSS("#g-import-file"), []string{zipOf(map[string]string{"label-printer-jam.yaml": labelGuide})}, chromedp.NodeReady))
	tb.Wait("imported", `document.querySelector('#guides-msg').textContent.startsWith('Imported guides.zip: 1 guide changed')`, 10*time.Second)
	tb.Wait("the guide listed", `document.querySelector('#guides-table tbody tr[data-id="label-printer-jam"]')`, 10*time.Second)
	if !consoletest.Eval[bool](tb, `document.querySelector('.g-import-problems').hidden`) {
		t.Error("the old problems are still shown")
	}
	if d := getGuide(t, alex, "label-printer-jam"); d.Summary.State != "published" || d.Latest.YAML != labelGuide {
		t.Errorf("the imported guide: %+v", d.Summary)
	}
}

// TestGuidePublishRefusedByRelay: should the relay find a problem the
// editor's last check did not (the guide linked changed meanwhile, another
// editor…), its refusal (422 guide_problems) is shown in plain words with
// the problems marked at their lines. Here the page's lint requests are
// made to check the clean guide, so only the relay's publish sees the
// broken text.
func TestGuidePublishRefusedByRelay(t *testing.T) {
	_, alex, tb := editLabelGuide(t, adminUser, adminPass)
	clean, _ := json.Marshal(labelGuide)
	consoletest.Eval[bool](tb, `(() => { const orig = window.fetch; window.fetch = (u, o) => orig(u, String(u).endsWith('/api/guides/lint') ? { ...o, body: JSON.stringify({ yaml: `+string(clean)+` }) } : o); return true })()`)
	broken := strings.Replace(labelGuide, "next: call-desk\n  - id: clear-jam", "next: call-dsk\n  - id: clear-jam", 1)
	setYAML(tb, broken)
	tb.Wait("the (cleanly) checked text", `document.querySelector('.ge-lint').textContent === 'No problems found.' && !document.querySelector('.ge-publish').disabled`, 10*time.Second)
	tb.Click(".ge-publish")
	tb.Wait("refused", `document.querySelector('.ge-msg').textContent.startsWith('Not published: the relay found')`, 10*time.Second)
	bad := lineOf(t, broken, "next: call-dsk")
	if got := consoletest.Eval[[]int](tb, `[...document.querySelectorAll('.code-n.bad')].map(n => Number(n.dataset.line))`); !slices.Contains(got, bad) {
		t.Errorf("marked lines %v, want %d among them", got, bad)
	}
	if !consoletest.Eval[bool](tb, `document.querySelector('.ge-publish').disabled`) {
		t.Error("Publish stays enabled after the relay found problems")
	}
	if d := getGuide(t, alex, "label-printer-jam"); d.Summary.State != "draft" || d.Latest.YAML != broken {
		t.Errorf("after the refusal: %+v (the broken text should be saved as a draft)", d.Summary)
	}
}

// TestGuideEditorTiming measures, on the biggest built-in guide, how long
// a keystroke takes to be checked and marked (the linter's pause while
// typing included), and how long the line diff of two 3,000-line texts
// takes in the browser.
func TestGuideEditorTiming(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, adminUser, adminPass)
	openGuideRow(tb, "printer-offline")
	lines := consoletest.Eval[int](tb, `document.querySelector('.code-text').value.split('\n').length`)
	tb.Screenshot(screenshots, "guide-preview-large")
	var worst time.Duration
	for i := range 5 {
		// Type an x after the first next:, then take it back.
		key, want, at := "x", `document.querySelector('.code-n.bad')`, 21
		if i%2 == 1 {
			key, want, at = "\b", `document.querySelector('.ge-lint.good')`, 22
		}
		consoletest.Eval[bool](tb, fmt.Sprintf(`(() => { const ta = document.querySelector('.code-text'); const at = ta.value.indexOf('next: look-at-printer') + %d;
			ta.focus(); ta.setSelectionRange(at, at); return true })()`, at))
		start := time.Now()
		tb.Do(chromedp.KeyEvent(key))
		tb.Wait("the check", want, 5*time.Second)
		worst = max(worst, time.Since(start))
	}
	diffMS := consoletest.Eval[float64](tb, `import('/js/linediff.js').then(d => {
		const a = Array.from({ length: 3000 }, (_, i) => 'line ' + i), b = a.map((l, i) => i % 50 === 0 ? l + ' changed' : l);
		const t0 = performance.now(); const e = d.diffLines(a.join('\n'), b.join('\n')); const ms = performance.now() - t0;
		return e.filter(x => x.op !== ' ').length === 120 ? ms : -1 })`)
	t.Logf("printer-offline (%d lines): keystroke → checked and marked in at most %v (pause %v included); diff of 3,000 lines with 60 changed: %.0f ms",
		lines, worst.Round(time.Millisecond), 350*time.Millisecond, diffMS)
	if worst > 2*time.Second {
		t.Errorf("a keystroke took %v to be checked", worst)
	}
	if diffMS < 0 || diffMS > 2000 {
		t.Errorf("diff of 3,000 lines: %v ms (-1: wrong result)", diffMS)
	}
}

// TestLineDiff: linediff.js's edit, on 2,000 random pairs of texts, gives
// back both texts with the right line numbers, and is the shortest on a
// known case.
func TestLineDiff(t *testing.T) {
	r := startRelay(t, nil)
	tb := consoletest.OpenTab(t, 30*time.Second)
	tb.Open(r.URL)
	bad := consoletest.Eval[string](tb, `import('/js/linediff.js').then(d => {
		const check = (A, B) => {
			const e = d.diffLines(A.join('\n'), B.join('\n'));
			const ra = e.filter(x => x.op !== '+').map(x => x.text), rb = e.filter(x => x.op !== '-').map(x => x.text);
			const nums = e.every(x => (x.op === '+' ? x.a === 0 : A[x.a - 1] === x.text) && (x.op === '-' ? x.b === 0 : B[x.b - 1] === x.text));
			return ra.join('\n') === A.join('\n') && rb.join('\n') === B.join('\n') && nums ? e.filter(x => x.op !== ' ').length : -1;
		};
		const r = () => Array.from({ length: 1 + Math.floor(Math.random() * 12) }, () => 'abcd'[Math.floor(Math.random() * 4)]);
		for (let i = 0; i < 2000; i++) { const A = r(), B = r(); if (check(A, B) < 0) return JSON.stringify([A, B]); }
		const n = check(['a', 'b', 'c', 'a', 'b', 'b', 'a'], ['c', 'b', 'a', 'b', 'a', 'c']);
		return n === 5 ? '' : 'the classic example takes ' + n + ' edits, not 5';
	})`)
	if bad != "" {
		t.Errorf("diffLines is wrong for %s", bad)
	}
}
