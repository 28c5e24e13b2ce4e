package server_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/relaytest"
	"github.com/lifeline-desk/lifeline/relay/server"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// journey is one desktop journey's events, all at the relay clock's now.
type journey struct {
	id  string
	now func() time.Time
}

func (j journey) ev(kind protocol.InsightKind, f func(*protocol.InsightEvent)) protocol.InsightEvent {
	e := protocol.InsightEvent{Kind: kind, At: j.now(), Journey: j.id, OS: "linux/amd64", AppVersion: "0.4.0"}
	if f != nil {
		f(&e)
	}
	return e
}

func query(q string) func(*protocol.InsightEvent) {
	return func(e *protocol.InsightEvent) { e.Query = q }
}
func inGuide(g, step string) func(*protocol.InsightEvent) {
	return func(e *protocol.InsightEvent) { e.GuideID, e.StepID = g, step }
}

// insightsPage is what the console's Insights page reads.
type insightsPage struct {
	Funnel      []store.FunnelWeek   `json:"funnel"`
	Guides      []store.GuideStats   `json:"guides"`
	Steps       []store.StepStats    `json:"steps"`
	Gaps        []gapJSON            `json:"gaps"`
	Categories  []store.CategoryWeek `json:"categories"`
	Times       []timeJSON           `json:"times"`
	Technicians []store.TechStats    `json:"technicians"`
}

type gapJSON struct {
	store.Gap
	WriteGuide string `json:"write_guide"`
}

type timeJSON struct {
	Measure string `json:"measure"`
	store.Percentiles
}

func f64(v float64) *float64 { return &v }

// TestInsightsThroughTheProtocol seeds a known set of journeys the way
// desktops and technicians make them — desktops over the real client
// protocol (insight.events, outcome.report, request.submit, session.end),
// technicians through the API (take, end, notes) — and checks every
// chart's numbers exactly.
func TestInsightsThroughTheProtocol(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	r.addTech("bea", false)
	alex, bea := r.login("alex"), r.login("bea")
	ctx := ctx10s(t)
	// The relay clock starts on Monday 2026-03-02 09:00 UTC.
	j := func(id string) journey { return journey{id: id + "00000000000000", now: r.clock.Now} }

	desk := r.goClient(client.Options{})
	send := func(evs ...protocol.InsightEvent) {
		t.Helper()
		if err := desk.ReportInsights(ctx, evs); err != nil {
			t.Fatalf("insight.events: %v", err)
		}
	}
	// A help request from its own desktop, taken after take, ended after
	// length by the technician (or by the desktop), with a category.
	help := func(req *protocol.RequestSubmit, by *tech, take, length time.Duration, deskEnds bool, category string) string {
		t.Helper()
		c := r.goClient(client.Options{})
		acc, err := c.SubmitRequest(ctx, *req)
		if err != nil {
			t.Fatal(err)
		}
		r.clock.Advance(take)
		var took struct {
			SessionID string `json:"session_id"`
		}
		if st := by.do("POST", "/api/requests/"+acc.RequestID+"/take", nil, &took); st != http.StatusOK {
			t.Fatalf("take: %d", st)
		}
		nextMsg(t, c, protocol.TypeRequestTaken)
		nextMsg(t, c, protocol.TypeSessionStart)
		r.clock.Advance(length)
		if deskEnds {
			if err := c.EndSession(ctx, protocol.EndUser); err != nil {
				t.Fatal(err)
			}
			waitEnded(t, by, took.SessionID)
		} else if st := by.do("POST", "/api/sessions/"+took.SessionID+"/end", nil, nil); st != http.StatusNoContent {
			t.Fatalf("end: %d", st)
		}
		if st := by.do("PUT", "/api/sessions/"+took.SessionID+"/notes", map[string]string{"notes": "done", "category": category}, nil); st != http.StatusNoContent {
			t.Fatalf("notes: %d", st)
		}
		return acc.RequestID
	}
	noGuide := func(desc string) *protocol.RequestSubmit {
		req := submitReq(desc)
		req.Guide = nil
		return req
	}

	// Week 1.
	j1, j2, j3, j4, j5 := j("a1"), j("a2"), j("a3"), j("a4"), j("a5")
	r1 := help(noGuide("outlook"), alex, 60*time.Second, 600*time.Second, false, "email")
	send(j1.ev(protocol.InsightSearch, query("Outlook won't open")),
		j1.ev(protocol.InsightNoResults, query("outlook wont open!")),
		j1.ev(protocol.InsightEscalated, func(e *protocol.InsightEvent) { e.RequestID = r1 }))
	send(j2.ev(protocol.InsightSearch, query("printer offline")),
		j2.ev(protocol.InsightGuideOpened, inGuide("printer-offline", "")),
		j2.ev(protocol.InsightStepReached, inGuide("printer-offline", "power")),
		j2.ev(protocol.InsightStepReached, inGuide("printer-offline", "cable")),
		j2.ev(protocol.InsightCheckResult, func(e *protocol.InsightEvent) {
			e.GuideID, e.Check, e.Status = "printer-offline", "spooler", protocol.CheckWarn
		}),
		j2.ev(protocol.InsightFixed, inGuide("printer-offline", "cable")))
	send(j3.ev(protocol.InsightSearch, query("printer offline")),
		j3.ev(protocol.InsightGuideOpened, inGuide("printer-offline", "")),
		j3.ev(protocol.InsightStepReached, inGuide("printer-offline", "power")),
		j3.ev(protocol.InsightAbandoned, inGuide("printer-offline", "power")))
	r2 := help(submitReq("printer still offline"), bea, 300*time.Second, 120*time.Second, false, "printing")
	send(j4.ev(protocol.InsightGuideOpened, inGuide("printer-offline", "")),
		j4.ev(protocol.InsightStepReached, inGuide("printer-offline", "power")),
		j4.ev(protocol.InsightStepReached, inGuide("printer-offline", "cable")),
		j4.ev(protocol.InsightNotWorking, inGuide("printer-offline", "cable")),
		j4.ev(protocol.InsightEscalated, func(e *protocol.InsightEvent) { e.GuideID, e.StepID, e.RequestID = "printer-offline", "cable", r2 }))
	send(j5.ev(protocol.InsightGuideOpened, inGuide("vpn", "")), j5.ev(protocol.InsightFixed, inGuide("vpn", "s1")))
	// An older desktop reports an outcome the old way: one more fix.
	if err := desk.ReportOutcome(ctx, protocol.OutcomeReport{Kind: protocol.OutcomeFixed, GuideID: "vpn", StepID: "s1"}); err != nil {
		t.Fatal(err)
	}

	// Week 2.
	r.clock.Advance(7 * 24 * time.Hour)
	alex, bea = r.login("alex"), r.login("bea") // a console login lasts 12 h
	j6, j7, j8 := j("b6"), j("b7"), j("b8")
	help(noGuide("wifi"), alex, 30*time.Second, 1200*time.Second, true, "network")
	seen := r.clock.Now()
	send(j6.ev(protocol.InsightNoResults, query("OUTLOOK not opening")))
	send(j7.ev(protocol.InsightSearch, query("Wi-Fi drops")), j7.ev(protocol.InsightEscalated, nil))
	r.clock.Advance(time.Minute)
	last := r.clock.Now() // 09:39:30
	send(j8.ev(protocol.InsightNoResults, query(`=cmd|' /C calc'!A0`)))

	page := func(tc *tech, qs string) insightsPage {
		t.Helper()
		var p insightsPage
		for _, path := range []string{"funnel", "guides", "guides/printer-offline/steps", "gaps", "categories", "times", "technicians"} {
			if st := tc.do("GET", "/api/insights/"+path+qs, nil, &p); st != http.StatusOK {
				t.Fatalf("GET /api/insights/%s%s: %d", path, qs, st)
			}
		}
		return p
	}
	p := page(alex, "?since=2026-03-02&until=2026-03-15")

	w1, w2 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	wantFunnel := []store.FunnelWeek{
		{WeekStart: w1, Searches: 4, NoResults: 1, GuideOpened: 4, Fixed: 3, NotWorking: 1, Abandoned: 1, Escalated: 2,
			Requests: 2, TriedGuide: 1, TriedShare: f64(0.5)},
		{WeekStart: w2, Searches: 3, NoResults: 2, Escalated: 1, Requests: 1, TriedGuide: 0, TriedShare: f64(0)},
	}
	check(t, "funnel", p.Funnel, wantFunnel)

	check(t, "guides", p.Guides, []store.GuideStats{
		{GuideID: "printer-offline", Opened: 3, StepsSeen: 5, Fixed: 1, NotWorking: 1, Abandoned: 1, Escalated: 1,
			SuccessRate: f64(0.3333), GiveUpStep: "power", GiveUpCount: 1},
		{GuideID: "vpn", Opened: 1, Fixed: 2, SuccessRate: f64(1)},
	})
	// The Guides page lists the same success rate.
	var list []struct {
		ID          string   `json:"id"`
		SuccessRate *float64 `json:"success_rate"`
	}
	if st := alex.do("GET", "/api/guides?q=printer-offline", nil, &list); st != http.StatusOK || len(list) != 1 ||
		list[0].SuccessRate == nil || *list[0].SuccessRate != 0.3333 {
		t.Errorf("GET /api/guides?q=printer-offline: %d %+v, want success_rate 0.3333", st, list)
	}
	check(t, "printer steps", p.Steps, []store.StepStats{
		{StepID: "power", Reached: 3, Abandoned: 1},
		{StepID: "cable", Reached: 2, Fixed: 1, NotWorking: 1, Escalated: 1},
	})

	check(t, "gaps", p.Gaps, []gapJSON{
		{Gap: store.Gap{Query: "open outlook", Example: "OUTLOOK not opening", Searches: 3, NoResults: 2, Escalated: 2,
			LastSeen: seen}, WriteGuide: "#/guides/new?symptom=OUTLOOK%20not%20opening"},
		{Gap: store.Gap{Query: "a0 c calc cmd", Example: `=cmd|' /C calc'!A0`, Searches: 1, NoResults: 1, LastSeen: last},
			WriteGuide: "#/guides/new?symptom=%3Dcmd%7C%27%20%2FC%20calc%27%21A0"},
		{Gap: store.Gap{Query: "drop wifi", Example: "Wi-Fi drops", Searches: 1, Escalated: 1,
			LastSeen: seen}, WriteGuide: "#/guides/new?symptom=Wi-Fi%20drops"},
	})
	check(t, "categories", p.Categories, []store.CategoryWeek{
		{WeekStart: w1, Category: "email", Requests: 1, Sessions: 1},
		{WeekStart: w1, Category: "printing", Requests: 1, Sessions: 1},
		{WeekStart: w2, Category: "network", Requests: 1, Sessions: 1},
	})
	// Time to take 60, 300, 30 s; sessions 600, 120, 1200 s (nearest rank).
	check(t, "times", p.Times, []timeJSON{
		{"time_to_take", store.Percentiles{Count: 3, P50: f64(60), P90: f64(300)}},
		{"session_duration", store.Percentiles{Count: 3, P50: f64(600), P90: f64(1200)}},
	})
	check(t, "technicians", p.Technicians, []store.TechStats{
		{TechID: 1, Username: "alex", DisplayName: "Alex", Sessions: 2, Ended: 2, Median: f64(600),
			EndReasons: map[protocol.EndReason]int{protocol.EndTechnician: 1, protocol.EndUser: 1}},
		{TechID: 2, Username: "bea", DisplayName: "Bea", Sessions: 1, Ended: 1, Median: f64(120),
			EndReasons: map[protocol.EndReason]int{protocol.EndTechnician: 1}},
	})

	// The range selects: week 2 alone.
	p2 := page(bea, "?since=2026-03-09T00:00:00Z&until=2026-03-15")
	check(t, "week 2 funnel", p2.Funnel, wantFunnel[1:])
	check(t, "week 2 times", p2.Times, []timeJSON{
		{"time_to_take", store.Percentiles{Count: 1, P50: f64(30), P90: f64(30)}},
		{"session_duration", store.Percentiles{Count: 1, P50: f64(1200), P90: f64(1200)}},
	})

	// The outcome summary keeps its words for older consoles.
	var sum struct {
		Outcomes []store.OutcomeCount `json:"outcomes"`
	}
	if st := alex.do("GET", "/api/outcomes/summary?since=2026-03-01T00:00:00Z", nil, &sum); st != http.StatusOK {
		t.Fatalf("outcome summary: %d", st)
	}
	if want := (store.OutcomeCount{Kind: protocol.OutcomeFixed, GuideID: "vpn", StepID: "s1", Count: 2}); !slices.Contains(sum.Outcomes, want) {
		t.Errorf("outcome summary %+v lacks %+v", sum.Outcomes, want)
	}

	// CSV: the same numbers, spreadsheet-safe cells, a download name.
	st, body := alex.Do("GET", "/api/insights/gaps?since=2026-03-02&until=2026-03-15&format=csv", nil, nil)
	recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if st != http.StatusOK || err != nil {
		t.Fatalf("gaps csv: %d %v\n%s", st, err, body)
	}
	wantCSV := [][]string{
		{"query", "example", "searches", "no_results", "escalated", "last_seen"},
		{"open outlook", "OUTLOOK not opening", "3", "2", "2", "2026-03-09T09:38:30Z"},
		{"a0 c calc cmd", `'=cmd|' /C calc'!A0`, "1", "1", "0", "2026-03-09T09:39:30Z"},
		{"drop wifi", "Wi-Fi drops", "1", "0", "1", "2026-03-09T09:38:30Z"},
	}
	check(t, "gaps csv", recs, wantCSV)
	st, body = alex.Do("GET", "/api/insights/funnel?since=2026-03-02&until=2026-03-15&format=csv", nil, nil)
	if want := "week_start,searches,no_results,guide_opened,fixed,not_working,abandoned,escalated,requests,tried_guide,tried_guide_share\n" +
		"2026-03-02,4,1,4,3,1,1,2,2,1,0.5\n2026-03-09,3,2,0,0,0,0,1,1,0,0\n"; st != http.StatusOK || string(body) != want {
		t.Errorf("funnel csv %d:\n%s\nwant\n%s", st, body, want)
	}

	// A bad range is refused.
	for _, qs := range []string{"?since=yesterday", "?since=2026-03-10&until=2026-03-01", "?since=2020-01-01&until=2026-01-01", "?format=xml"} {
		if st := alex.do("GET", "/api/insights/funnel"+qs, nil, nil); st != http.StatusBadRequest {
			t.Errorf("funnel%s: %d, want 400", qs, st)
		}
	}
}

// check compares got and want as JSON values would be compared.
func check[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", what, dump(got), dump(want))
	}
}

func dump(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return fmt.Sprintf("%+v", v)
	}
	var b strings.Builder
	for i := range rv.Len() {
		e := rv.Index(i).Interface()
		fmt.Fprintf(&b, "\n  %+v", deref(e))
	}
	return b.String()
}

// deref shows the floats behind pointers.
func deref(v any) string {
	s := fmt.Sprintf("%+v", v)
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Struct {
		for i := range rv.NumField() {
			f := rv.Field(i)
			if f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.Float64 {
				s += fmt.Sprintf(" %s=%v", rv.Type().Field(i).Name, f.Elem().Float())
			}
		}
	}
	return s
}

func waitEnded(t *testing.T, tc *tech, sessionID string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var rec struct {
			Session sessionRecord `json:"session"`
		}
		if tc.do("GET", "/api/sessions/"+sessionID, nil, &rec) == http.StatusOK && rec.Session.EndedAt != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("session %s did not end", sessionID)
}

// TestInsightEventsRefused: what a desktop may not send is refused over
// the real socket, and nothing of it is stored.
func TestInsightEventsRefused(t *testing.T) {
	r := startRelay(t)
	r.addTech("alex", false)
	alex := r.login("alex")
	ev := fmt.Sprintf(`{"kind":"search","at":%q,"journey":"0123456789abcdef","query":"x"}`, r.clock.Now().Format(time.RFC3339))
	tests := []struct {
		name  string
		frame string
		close websocket.StatusCode
	}{
		{"not json", `{"v":1,"type":"insight.events","data":{"events":[` + ev, websocket.StatusPolicyViolation},
		{"unknown kind", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"shell.exec","at":"2026-03-02T09:00:00Z","journey":"0123456789abcdef"}]}}`, websocket.StatusPolicyViolation},
		{"101 events", `{"v":1,"type":"insight.events","data":{"events":[` + strings.Repeat(ev+",", protocol.MaxInsightEvents) + ev + `]}}`, websocket.StatusPolicyViolation},
		{"no journey", `{"v":1,"type":"insight.events","data":{"events":[{"kind":"search","at":"2026-03-02T09:00:00Z"}]}}`, websocket.StatusPolicyViolation},
		{"over the message cap", `{"v":1,"type":"insight.events","data":{"events":[` + ev + `],"pad":"` + strings.Repeat("x", protocol.MaxMessageSize) + `"}}`, websocket.StatusMessageTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustDial(t, r.WSURL("/ws/client"), nil)
			c.writeRaw([]byte(tt.frame))
			if tt.close == websocket.StatusPolicyViolation {
				c.nextError(protocol.CodeBadMessage)
			}
			if got := c.closed(); got != tt.close {
				t.Errorf("closed with %v, want %v", got, tt.close)
			}
		})
	}
	var p insightsPage
	alex.do("GET", "/api/insights/funnel", nil, &p)
	for _, w := range p.Funnel {
		if w.Searches != 0 {
			t.Fatalf("refused events were stored: %+v", w)
		}
	}
	// A technician's socket may not send them either.
	con := alex.ws()
	con.SendMessage(protocol.TypeInsightEvents, "x", "", &protocol.InsightEvents{Events: []protocol.InsightEvent{
		{Kind: protocol.InsightSearch, At: r.clock.Now(), Journey: "0123456789abcdef"}}})
	con.NextError(protocol.CodeNotAllowed)
}

// TestInsightsSearchTextOff: with the setting off the welcome says so and
// the relay keeps no query text, from new or old desktops.
func TestInsightsSearchTextOff(t *testing.T) {
	r := startRelay(t, relaytest.WithConfig(func(c *server.Config) { c.Insights.NoSearchText = true }))
	r.addTech("alex", false)
	alex := r.login("alex")
	ctx := ctx10s(t)
	welcomed := make(chan protocol.Welcome, 1)
	desk := r.goClient(client.Options{OnWelcome: func(w protocol.Welcome) { welcomed <- w }})
	select {
	case w := <-welcomed:
		if w.Insights == nil || w.Insights.SearchText {
			t.Fatalf("welcome %+v, want search_text false", w.Insights)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no welcome")
	}
	if w, ok := desk.Welcome(); !ok || w.Insights.SearchText {
		t.Fatalf("Welcome() = %+v, %v", w, ok)
	}
	jr := journey{id: "feedfacefeedface", now: r.clock.Now}
	if err := desk.ReportInsights(ctx, []protocol.InsightEvent{jr.ev(protocol.InsightNoResults, query("my secret project printer"))}); err != nil {
		t.Fatal(err)
	}
	if err := desk.ReportOutcome(ctx, protocol.OutcomeReport{Kind: protocol.OutcomeNoResults, Query: "salary spreadsheet"}); err != nil {
		t.Fatal(err)
	}
	var p insightsPage
	alex.do("GET", "/api/insights/funnel", nil, &p)
	alex.do("GET", "/api/insights/gaps", nil, &p)
	if n := p.Funnel[len(p.Funnel)-1].NoResults; n != 2 {
		t.Errorf("no-result searches this week = %d, want 2 (stored without their text)", n)
	}
	if len(p.Gaps) != 0 {
		t.Errorf("gaps %+v: query text kept with search text off", p.Gaps)
	}
	var sum struct {
		Outcomes []store.OutcomeCount `json:"outcomes"`
	}
	alex.do("GET", "/api/outcomes/summary", nil, &sum)
	for _, o := range sum.Outcomes {
		if o.Query != "" {
			t.Errorf("outcome summary kept query %q", o.Query)
		}
	}
	// And the default tells desktops they may send it.
	on := startRelay(t)
	got := make(chan protocol.Welcome, 1)
	on.goClient(client.Options{OnWelcome: func(w protocol.Welcome) { got <- w }})
	if w := <-got; w.Insights == nil || !w.Insights.SearchText {
		t.Errorf("default welcome %+v, want search_text true", w.Insights)
	}
}

// TestInsightsNeedLogin: every Insights endpoint refuses a caller that has
// not signed in.
func TestInsightsNeedLogin(t *testing.T) {
	r := startRelay(t)
	anon := r.anonymous()
	for _, path := range []string{"funnel", "guides", "guides/x/steps", "gaps", "categories", "times", "technicians", "recurring", "followups"} {
		for _, qs := range []string{"", "?format=csv"} {
			var e apiError
			if st := anon.do("GET", "/api/insights/"+path+qs, nil, &e); st != http.StatusUnauthorized || e.Error != "unauthenticated" {
				t.Errorf("GET /api/insights/%s%s without login: %d %q, want 401", path, qs, st, e.Error)
			}
		}
	}
}
