package e2e

import (
	"context"
	"encoding/csv"
	"fmt"
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
)

// TestInsights: journeys reported by a real desktop client and sessions
// run through the relay show on the Insights page — numbers in the tables,
// charts drawn under the strict policy, a write-a-guide link per content
// gap — and a chart's CSV downloads with the same numbers.
func TestInsights(t *testing.T) {
	r := startRelay(t, nil)
	alex := r.SignIn(t, adminUser, adminPass)
	finishedSession(t, r, alex, "Ana Silva", "printer says offline", "Restarted CUPS.", "Printing")
	finishedSession(t, r, alex, "Omar Haddad", "Outlook asks for the password", "Reset the profile.", "Email")

	desk := desktopDial(t, r)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := time.Now()
	n := 0
	ev := func(journey int, kind protocol.InsightKind, guide, step, query string) protocol.InsightEvent {
		n++
		return protocol.InsightEvent{Kind: kind, At: now.Add(time.Duration(n) * time.Second), Journey: fmt.Sprintf("%016x", journey),
			GuideID: guide, StepID: step, Query: query, OS: "linux/amd64", AppVersion: "0.4.0"}
	}
	evs := []protocol.InsightEvent{
		ev(1, protocol.InsightSearch, "", "", "printer offline"),
		ev(1, protocol.InsightGuideOpened, "printer-offline", "", ""),
		ev(1, protocol.InsightStepReached, "printer-offline", "power", ""),
		ev(1, protocol.InsightStepReached, "printer-offline", "cable", ""),
		ev(1, protocol.InsightFixed, "printer-offline", "cable", ""),
		ev(2, protocol.InsightSearch, "", "", "printer offline"),
		ev(2, protocol.InsightGuideOpened, "printer-offline", "", ""),
		ev(2, protocol.InsightStepReached, "printer-offline", "power", ""),
		ev(2, protocol.InsightAbandoned, "printer-offline", "power", ""),
		ev(3, protocol.InsightGuideOpened, "printer-offline", "", ""),
		ev(3, protocol.InsightStepReached, "printer-offline", "power", ""),
		ev(3, protocol.InsightNotWorking, "printer-offline", "power", ""),
		ev(3, protocol.InsightEscalated, "printer-offline", "power", ""),
		ev(4, protocol.InsightNoResults, "", "", "Teams camera is black"),
		ev(5, protocol.InsightNoResults, "", "", "teams camera black!"),
		ev(5, protocol.InsightEscalated, "", "", ""),
	}
	if err := desk.ReportInsights(ctx, evs); err != nil {
		t.Fatal(err)
	}

	tb := consoletest.OpenTab(t, 90*time.Second)
	tb.SignIn(r.URL, techUser, techPass)
	consoletest.Eval[bool](tb, `(window.__csp = [], document.addEventListener('securitypolicyviolation', (e) => __csp.push(e.violatedDirective + ' ' + e.blockedURI)), true)`)
	tb.Click(`.tab[data-view="insights"]`)
	tb.Wait("the insights", `document.querySelector('#insights-msg').textContent.startsWith('From ')`, 15*time.Second)

	rows := func(sel string) [][]string {
		return consoletest.Eval[[][]string](tb, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(tr => [...tr.cells].map(td => td.textContent))`, sel))
	}
	// The funnel: this week's row (the first: newest first), then 11 empty weeks.
	funnel := rows("#insights-funnel .table tbody tr:not(.total)")
	if len(funnel) < 12 {
		t.Fatalf("funnel rows %q, want the 12 weeks", funnel)
	}
	week := funnel[0]
	if got := strings.Join(funnel[1][1:], "|"); got != "0|0|0|0|0|0|0|0|—" {
		t.Errorf("last week's funnel = %s, want nothing", got)
	}
	if got, want := strings.Join(week[1:], "|"), "4|2|3|1|1|1|2|2|100 %"; got != want {
		t.Errorf("this week's funnel = %s, want %s (searches, found nothing, opened, fixed, not working, gave up, escalated, requests, tried a guide)", got, want)
	}
	if got := rows("#insights-guides .table tbody tr"); len(got) != 1 || strings.Join(got[0], "|") != "printer-offline|3|1|1|1|1|33.3 %|power (1)" {
		t.Errorf("guides table = %q", got)
	}
	tb.Wait("the step funnel", `document.querySelectorAll("#insights-steps .table tbody tr").length === 2`, 10*time.Second)
	if got := rows("#insights-steps .table tbody tr"); strings.Join(got[0], "|") != "power|3|0|1|1|1" || strings.Join(got[1], "|") != "cable|1|1|0|0|0" {
		t.Errorf("steps table = %q", got)
	}
	gaps := rows("#insights-gaps .table tbody tr")
	if len(gaps) != 1 || gaps[0][0] != "teams camera black!Write a guide for this" || strings.Join(gaps[0][1:4], "|") != "2|2|1" {
		t.Errorf("gaps table = %q", gaps)
	}
	if href := tb.Text("#insights-gaps a.write-guide") + " " + consoletest.Eval[string](tb, `document.querySelector('#insights-gaps a.write-guide').getAttribute('href')`); !strings.HasSuffix(href, "#/guides/new?symptom=teams%20camera%20black%21") {
		t.Errorf("write-a-guide link = %q", href)
	}
	// The link drafts a guide with those words as its symptom, on the
	// Guides page; nothing is saved until the technician saves it.
	tb.Click("#insights-gaps a.write-guide")
	tb.Wait("the guide editor with the searched words", `(() => { const ta = document.querySelector('#view-guides:not([hidden]) .code-text'); return !!ta && ta.value.includes('- "teams camera black!"') })()`, 10*time.Second)
	if h := consoletest.Eval[string](tb, `location.hash`); h != "" {
		t.Errorf("the address still says %q after the draft opened", h)
	}
	tb.Click(`.tab[data-view="insights"]`)
	tb.Wait("the Insights page again", `!document.querySelector('#view-insights').hidden`, 5*time.Second)
	if got := tb.Text("#insights-times [data-measure=session_duration] .count"); got != "2 sessions ended" {
		t.Errorf("session length tile says %q", got)
	}
	if got := rows("#insights-techs .table tbody tr"); len(got) != 1 || !strings.HasPrefix(got[0][0], "Alex from IT (alex)") || got[0][1] != "2" {
		t.Errorf("technicians table = %q", got)
	}
	if got := rows("#insights-categories .table tbody tr"); len(got) != 2 || got[0][1] != "Email" || got[1][1] != "Printing" {
		t.Errorf("categories table = %q", got)
	}
	if got := tb.Text("#insights-followups [data-measure=satisfaction] .count"); got != "0 rated, 0 answered of 0 asked" {
		t.Errorf("follow-up tile says %q", got)
	}
	if got := tb.Text("#insights-recurring .table"); got != "Nobody came back with a problem in this range." {
		t.Errorf("repeat problems say %q", got)
	}
	// Charts drawn, nothing blocked by the policy.
	if n := consoletest.Eval[int](tb, `document.querySelectorAll('#insights-funnel canvas, #insights-steps canvas, #insights-categories canvas').length`); n < 3 {
		t.Errorf("%d chart canvases, want 3", n)
	}
	if v := consoletest.Eval[[]string](tb, `__csp`); len(v) > 0 {
		t.Errorf("policy violations: %q", v)
	}
	tb.Screenshot(screenshots, "insights")
	// The whole page in one picture: a viewport as tall as the page.
	h := consoletest.Eval[int](tb, `document.querySelector('#view-insights').scrollHeight + 140`)
	tb.Do(chromedp.EmulateViewport(consoletest.Width, int64(h)))
	tb.Wait("the charts at the new size", `new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok(true))))`, 5*time.Second)
	tb.Screenshot(screenshots, "insights-full")
	tb.Do(chromedp.EmulateViewport(consoletest.Width, consoletest.Height))

	// The funnel's CSV downloads with the same numbers.
	dir := t.TempDir()
	bcID := chromedp.FromContext(tb.Ctx).BrowserContextID
	if _, err := chromedp.CallBrowser(tb.Ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: bcID, DownloadPath: dir}); err != nil {
		t.Fatal(err)
	}
	consoletest.Eval[bool](tb, `(document.getElementById('insights-funnel').scrollIntoView(), true)`)
	tb.Click("#insights-funnel a.csv")
	var data []byte
	for deadline := time.Now().Add(10 * time.Second); ; {
		files, _ := filepath.Glob(filepath.Join(dir, "lifeline-insights-funnel-*.csv"))
		if len(files) == 1 {
			if b, err := os.ReadFile(files[0]); err == nil && len(b) > 0 {
				data = b
				break
			}
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(dir)
			t.Fatalf("no funnel CSV downloaded (dir has %v)", entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
	recs, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("funnel CSV: %v\n%s", err, data)
	}
	if got, want := strings.Join(recs[len(recs)-1][1:], ","), "4,2,3,1,1,1,2,2,2,1"; got != want {
		t.Errorf("CSV last week = %s, want %s", got, want)
	}
	if got := strings.Join(recs[0], ","); got != "week_start,searches,no_results,guide_opened,fixed,not_working,abandoned,escalated,requests,tried_guide,tried_guide_share" {
		t.Errorf("CSV header = %s", got)
	}
	if st := alex.Call("GET", "/api/insights/funnel", nil, nil); st != http.StatusOK {
		t.Errorf("funnel API: %d", st)
	}
}
