package store

import (
	"context"
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
