package store

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// The daily counts follow the events in and out: pruning old events
// takes them out of every report, and a search is counted as escalated
// whether its journey's escalation was stored before or after it.
func TestInsightCountsFollowEvents(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	d1 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	d2 := d1.Add(24 * time.Hour)
	ev := func(at time.Time, kind protocol.InsightKind, journey, guide, step, query string) protocol.InsightEvent {
		return protocol.InsightEvent{At: at, Kind: kind, Journey: journey, GuideID: guide, StepID: step, Query: query}
	}
	const ja, jb = "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"
	// Journey a escalates after its search; journey b's escalation is
	// stored first (another batch, another order).
	if err := s.AddInsightEvents(ctx, []protocol.InsightEvent{
		ev(d1, protocol.InsightSearch, ja, "", "", "VPN drops"),
		ev(d1, protocol.InsightGuideOpened, ja, "vpn", "", ""),
		ev(d1, protocol.InsightAbandoned, ja, "vpn", "s2", ""),
		ev(d1, protocol.InsightEscalated, ja, "", "", ""),
		ev(d2, protocol.InsightEscalated, jb, "", "", ""),
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddInsightEvents(ctx, []protocol.InsightEvent{
		ev(d2, protocol.InsightSearch, jb, "", "", "vpn dropping"),
		ev(d2, protocol.InsightGuideOpened, jb, "vpn", "", ""),
		ev(d2, protocol.InsightFixed, jb, "vpn", "s1", ""),
		ev(d2, protocol.InsightSearch, "cccccccccccccccc", "", "", "vpn drops"), // not escalated: no gap
	}); err != nil {
		t.Fatal(err)
	}
	span := Span{Since: d1.Truncate(24 * time.Hour), Until: d2.Truncate(24 * time.Hour).Add(24 * time.Hour)}
	gaps, err := s.InsightGaps(ctx, span, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) != 1 || gaps[0].Query != "drop vpn" || gaps[0].Searches != 2 || gaps[0].Escalated != 2 || gaps[0].Example != "vpn dropping" {
		t.Fatalf("gaps = %+v, want both escalated searches as one group", gaps)
	}
	guides, err := s.InsightGuides(ctx, span)
	if err != nil {
		t.Fatal(err)
	}
	if len(guides) != 1 || guides[0].Opened != 2 || guides[0].Fixed != 1 || guides[0].Abandoned != 1 || *guides[0].SuccessRate != 0.5 || guides[0].GiveUpStep != "s2" {
		t.Fatalf("guides = %+v", guides)
	}

	// Prune the first day: its events leave every report.
	if _, err := s.PruneRecords(ctx, Cutoffs{Outcomes: d2.Truncate(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	guides, _ = s.InsightGuides(ctx, span)
	if len(guides) != 1 || guides[0].Opened != 1 || guides[0].Abandoned != 0 || guides[0].GiveUpStep != "" || *guides[0].SuccessRate != 1 {
		t.Errorf("guides after pruning day 1 = %+v", guides)
	}
	steps, _ := s.InsightGuideSteps(ctx, span, "vpn")
	if len(steps) != 1 || steps[0].StepID != "s1" || steps[0].Fixed != 1 {
		t.Errorf("steps after pruning = %+v", steps)
	}
	weeks, _ := s.InsightFunnel(ctx, span)
	if len(weeks) != 1 || weeks[0].Searches != 2 || weeks[0].Escalated != 1 || weeks[0].Abandoned != 0 {
		t.Errorf("funnel after pruning = %+v", weeks)
	}
	var zero int
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM insight_day_kind WHERE n <= 0) +
		(SELECT COUNT(*) FROM insight_day_guide WHERE n <= 0) + (SELECT COUNT(*) FROM insight_day_step WHERE n <= 0)`).Scan(&zero); err != nil || zero != 0 {
		t.Errorf("%d empty daily counts left (%v)", zero, err)
	}
}

func TestWeekStart(t *testing.T) {
	for in, want := range map[string]string{
		"2026-03-02T00:00:00Z": "2026-03-02", "2026-03-08T23:59:59Z": "2026-03-02", "2026-03-09T00:00:00Z": "2026-03-09",
		"2026-01-01T12:00:00Z": "2025-12-29",
	} {
		at, _ := time.Parse(time.RFC3339, in)
		if got := WeekStart(at).Format(time.DateOnly); got != want {
			t.Errorf("WeekStart(%s) = %s, want %s", in, got, want)
		}
	}
}

// A relay that kept outcomes and requests before migration 0006 keeps them:
// outcomes become insight events in the one vocabulary, and the requests
// and sessions it holds become the anonymous facts of the reports.
func TestInsightsMigrationKeepsHistory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "relay.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	sort.Strings(names)
	for _, name := range names {
		if name >= "migrations/0006" {
			break
		}
		body, _ := migrations.ReadFile(name)
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		db.Exec(`INSERT INTO schema_migrations VALUES (?, 0)`, name)
	}
	day := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC).UnixMilli()
	for _, q := range []string{
		`INSERT INTO guide_outcomes (at, kind, guide_id, step_id, query) VALUES (?1, 'fixed', 'vpn', 's1', ''), (?1, 'no_results', '', '', 'Outlook wont open'), (?1, 'abandoned', 'vpn', 's2', ''), (?1, 'escalated', 'vpn', 's2', '')`,
		`INSERT INTO help_requests (id, state, source, guide, created_at, updated_at) VALUES ('r1', 'resolved', 'request', '{"guide_id":"vpn"}', ?1, ?1), ('r2', 'cancelled', 'request', '', ?1, ?1)`,
		`INSERT INTO sessions (id, request_id, tech_id, started_at, ended_at, end_reason, category) VALUES ('s1', 'r1', 7, ?1 + 90000, ?1 + 690000, 'user', 'network')`,
	} {
		if _, err := db.Exec(q, day); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s := openTest(t, dir) // applies 0006 and later
	sp := Span{Since: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)}
	weeks, err := s.InsightFunnel(ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	if w := weeks[0]; len(weeks) != 1 || w.Fixed != 1 || w.NoResults != 1 || w.Searches != 1 || w.Abandoned != 1 || w.Escalated != 1 ||
		w.Requests != 2 || w.TriedGuide != 1 || *w.TriedShare != 0.5 {
		t.Errorf("funnel after migrating = %+v", weeks)
	}
	guides, _ := s.InsightGuides(ctx, sp)
	if len(guides) != 1 || guides[0].GuideID != "vpn" || guides[0].Fixed != 1 || guides[0].GiveUpStep != "s2" {
		t.Errorf("guides after migrating = %+v", guides)
	}
	times, _ := s.InsightTimes(ctx, sp)
	if times.TimeToTake.Count != 1 || *times.TimeToTake.P50 != 90 || times.Duration.Count != 1 || *times.Duration.P50 != 600 {
		t.Errorf("times after migrating = %+v", times)
	}
	cats, _ := s.InsightCategories(ctx, sp)
	if len(cats) != 2 || cats[0].Category != "" || cats[0].Requests != 1 || cats[1].Category != "network" || cats[1].Sessions != 1 {
		t.Errorf("categories after migrating = %+v", cats)
	}
	if gaps, _ := s.InsightGaps(ctx, sp, 10); len(gaps) != 1 || gaps[0].Query != "open outlook" || gaps[0].Example != "Outlook wont open" {
		t.Errorf("gaps after migrating = %+v", gaps)
	}
	sum, _ := s.OutcomeSummary(ctx, time.Time{})

	kinds := map[string]int{}
	for _, o := range sum {
		kinds[o.Kind] += o.Count
	}
	if kinds[protocol.OutcomeFixed] != 1 || kinds[protocol.OutcomeNoResults] != 1 || kinds[protocol.OutcomeAbandoned] != 1 || kinds[protocol.OutcomeEscalated] != 1 {
		t.Errorf("outcome summary after migrating = %+v", sum)
	}
}

// An outcome reached in a guide an answer led to keeps the guide the
// person started in, from insight.events and from an older desktop's
// outcome.report alike.
func TestInsightKeepsFromGuide(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	old := protocol.OutcomeReport{Kind: protocol.OutcomeFixed, GuideID: "no-internet", StepID: "router", FromGuideID: "vpn-wont-connect"}
	if err := s.AddInsightEvents(ctx, []protocol.InsightEvent{
		{At: at, Kind: protocol.InsightNotWorking, Journey: "aaaaaaaaaaaaaaaa", GuideID: "no-internet", StepID: "dns", FromGuideID: "browser-problems"},
		old.Insight(at),
	}); err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT kind, guide_id, from_guide_id FROM insight_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var kind, g, from string
		if err := rows.Scan(&kind, &g, &from); err != nil {
			t.Fatal(err)
		}
		got = append(got, kind+" "+g+" from "+from)
	}
	want := []string{"guide.not_working no-internet from browser-problems", "guide.fixed no-internet from vpn-wont-connect"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("stored %q, want %q", got, want)
	}
}
