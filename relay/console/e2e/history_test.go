package e2e

import (
	"context"
	"encoding/csv"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/lifeline-desk/lifeline/relay/console/consoletest"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
)

// finishedSession runs a short session through the relay from Go: a
// desktop submits, the technician takes it, they chat, the user ends it,
// and the technician writes notes.
func finishedSession(t *testing.T, r *relay, tech *relaytest.API, name, desc, notes, category string) string {
	t.Helper()
	req := printerRequest(name)
	req.Description = desc
	d := r.submit(req)
	var took struct {
		SessionID string `json:"session_id"`
	}
	if st := tech.Call("POST", "/api/requests/"+d.id+"/take", nil, &took); st != http.StatusOK {
		t.Fatalf("take: %d", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d.expect(t, protocol.TypeSessionStart)
	if err := d.c.Chat(ctx, "thanks, it prints again"); err != nil {
		t.Fatal(err)
	}
	if err := d.c.EndSession(ctx, protocol.EndUser); err != nil {
		t.Fatal(err)
	}
	// Notes come after the end (the relay records the end asynchronously).
	for {
		var rec struct {
			Session struct {
				Live bool `json:"live"`
			} `json:"session"`
		}
		tech.Call("GET", "/api/sessions/"+took.SessionID, nil, &rec)
		if !rec.Session.Live {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the session did not end")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := tech.Call("PUT", "/api/sessions/"+took.SessionID+"/notes", map[string]string{"notes": notes, "category": category}, nil); st != http.StatusNoContent {
		t.Fatalf("notes: %d", st)
	}
	return took.SessionID
}

// TestHistory: search and filter past sessions, open one with its
// timeline, transcript and notes, and download the CSV export.
func TestHistory(t *testing.T) {
	r := startRelay(t, nil)
	alex := r.SignIn(t, adminUser, adminPass)
	sid := finishedSession(t, r, alex, "Ana Silva", "printer says offline", "Restarted CUPS; test page printed.", "Printing")
	finishedSession(t, r, alex, "Omar Haddad", "Outlook asks for the password", "Reset the mail profile.", "Email / Outlook")

	tb := consoletest.OpenTab(t, 60*time.Second)
	tb.SignIn(r.URL, techUser, techPass)
	tb.Click(`.tab[data-view="history"]`)
	tb.Wait("two sessions", `document.querySelectorAll('#history-table tbody tr').length === 2`, 10*time.Second)
	tb.TypeInto("#h-q", "printer\r")
	tb.Wait("the search result", `document.querySelectorAll('#history-table tbody tr').length === 1`, 10*time.Second)
	if got := tb.Text("#history-table tbody tr"); !strings.Contains(got, "Ana Silva") || !strings.Contains(got, "Printing") {
		t.Errorf("search row = %q", got)
	}
	tb.TypeInto("#h-tech", "bea\r")
	tb.Wait("the technician filter", `document.querySelector('#history-msg').textContent.includes('No sessions match')`, 10*time.Second)
	tb.TypeInto("#h-tech", "alex\r")
	tb.Wait("the row again", `document.querySelectorAll('#history-table tbody tr').length === 1`, 10*time.Second)

	tb.Do(chromedp.Focus(chromedp.CSS("#history-table tbody tr")), chromedp.KeyEvent("\r"))
	tb.Wait("the session detail", `document.querySelector('#history-detail .timeline li')`, 10*time.Second)
	detail := tb.Text("#history-detail")
	// Bea is no admin: a colleague is shown by user name, without "tech:".
	for _, want := range []string{"Session with Ana Silva", "Restarted CUPS; test page printed.", "alex took the request", "alex started the session",
		"Started from a request", "Ana Silva ended the session", "Why: user ended", "alex wrote the resolution notes", "Category: Printing",
		"thanks, it prints again", "Printing"} {
		if !strings.Contains(detail, want) {
			t.Errorf("session detail lacks %q:\n%s", want, detail)
		}
	}
	for _, raw := range []string{"request.taken", "session.start", "source=", "reason=", "category=", "tech:", "user:"} {
		if strings.Contains(detail, raw) {
			t.Errorf("session detail shows the raw code %q:\n%s", raw, detail)
		}
	}
	if got := consoletest.Eval[[]string](tb, `[...document.querySelectorAll('#history-detail .timeline li')].map(li => li.dataset.action)`); strings.Join(got, " ") != "request.taken session.start session.end session.notes" {
		t.Errorf("timeline = %q", got)
	}
	if got := tb.Text("#history-detail .chat-from"); got != "Ana Silva" {
		t.Errorf("the transcript names the sender %q, want Ana Silva", got)
	}
	tb.Screenshot(screenshots, "history")

	// The export link carries the filters and downloads a CSV.
	href := consoletest.Eval[string](tb, `document.querySelector('#h-csv').href`)
	if !strings.Contains(href, "format=csv") || !strings.Contains(href, "q=printer") || !strings.Contains(href, "tech=alex") {
		t.Errorf("CSV export link = %q", href)
	}
	dir := t.TempDir()
	bcID := chromedp.FromContext(tb.Ctx).BrowserContextID
	if _, err := chromedp.CallBrowser(tb.Ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: bcID, DownloadPath: dir}); err != nil {
		t.Fatal(err)
	}
	tb.Click("#h-csv")
	file := filepath.Join(dir, "lifeline-sessions.csv")
	deadline := time.Now().Add(10 * time.Second)
	var data []byte
	for {
		b, err := os.ReadFile(file)
		if err == nil && len(b) > 0 {
			data = b
			break
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(dir)
			t.Fatalf("no download at %s (dir has %v)", file, entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, data)
	}
	if len(rows) != 2 || rows[0][0] != "id" || rows[1][0] != sid || !strings.Contains(strings.Join(rows[1], ","), "Restarted CUPS") {
		t.Errorf("CSV export = %q", rows)
	}
	js := consoletest.Eval[string](tb, `fetch(document.querySelector('#h-json').href).then(r => r.text())`)
	if !strings.Contains(js, sid) || strings.Contains(js, "Omar") || !strings.Contains(js, `"source":"request"`) || !strings.Contains(js, `"end_reason":"user"`) {
		t.Errorf("JSON export with filters = %s", js)
	}
}
