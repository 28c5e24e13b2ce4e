package store

import (
	"context"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// Span is a half-open time range [Since, Until).
type Span struct {
	Since, Until time.Time
}

// InsightWeek is the week bucketing of the insight reports: weeks start on
// Monday 00:00 UTC.
const InsightWeek = 7 * 24 * time.Hour

// insightEpoch is a Monday 00:00 UTC; weeks are counted from it.
var insightEpoch = time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC)

// WeekStart returns the start of the insight week holding t.
func WeekStart(t time.Time) time.Time {
	d := t.UTC().Sub(insightEpoch)
	return insightEpoch.Add(d - d%InsightWeek)
}

// FunnelWeek is one week of the self-service deflection funnel: event
// counts by kind, and the help requests created that week.
type FunnelWeek struct {
	WeekStart   time.Time `json:"week_start"`
	Searches    int       `json:"searches"`   // search + search.no_results
	NoResults   int       `json:"no_results"` // search.no_results
	GuideOpened int       `json:"guide_opened"`
	Fixed       int       `json:"fixed"`
	NotWorking  int       `json:"not_working"`
	Abandoned   int       `json:"abandoned"`
	Escalated   int       `json:"escalated"`
	// Requests are the help requests people sent (not one-time codes);
	// TriedGuide those that came with a guide path, TriedShare their
	// share (0…1; null without requests).
	Requests   int      `json:"requests"`
	TriedGuide int      `json:"tried_guide"`
	TriedShare *float64 `json:"tried_guide_share"`
}

// GuideStats is one guide's uses and outcomes.
type GuideStats struct {
	GuideID    string `json:"guide_id"`
	Opened     int    `json:"opened"`
	StepsSeen  int    `json:"steps_reached"`
	Fixed      int    `json:"fixed"`
	NotWorking int    `json:"not_working"`
	Abandoned  int    `json:"abandoned"`
	Escalated  int    `json:"escalated"`
	// SuccessRate is fixed / (fixed + not_working + abandoned): of the
	// uses that ended, the share that fixed the problem (null for none).
	SuccessRate *float64 `json:"success_rate"`
	// GiveUpStep is the step most people closed the guide at.
	GiveUpStep  string `json:"give_up_step,omitempty"`
	GiveUpCount int    `json:"give_up_count"`
}

// StepStats is one step of a guide's funnel.
type StepStats struct {
	StepID     string `json:"step_id"`
	Reached    int    `json:"reached"`
	Fixed      int    `json:"fixed"`
	NotWorking int    `json:"not_working"`
	Abandoned  int    `json:"abandoned"`
	Escalated  int    `json:"escalated"`
}

// Gap is a group of searches that found nothing or ended in live help,
// by normalised query (relay/querynorm).
type Gap struct {
	Query     string    `json:"query"`   // the normalised query
	Example   string    `json:"example"` // the latest text typed in the group
	Searches  int       `json:"searches"`
	NoResults int       `json:"no_results"`
	Escalated int       `json:"escalated"` // searches whose journey escalated
	LastSeen  time.Time `json:"last_seen"`
}

// CategoryWeek counts one week's requests (by creation) and their
// sessions, by the category the technician gave ("" none yet).
type CategoryWeek struct {
	WeekStart time.Time `json:"week_start"`
	Category  string    `json:"category"`
	Requests  int       `json:"requests"`
	Sessions  int       `json:"sessions"`
}

// Percentiles of a duration, in seconds (nearest rank; null without data).
type Percentiles struct {
	Count int      `json:"count"`
	P50   *float64 `json:"p50_seconds"`
	P90   *float64 `json:"p90_seconds"`
}

// InsightTimes are time to take (request created → first session) and
// session length (ended sessions).
type InsightTimes struct {
	TimeToTake Percentiles `json:"time_to_take"`
	Duration   Percentiles `json:"session_duration"`
}

// TechStats is one technician's sessions started in a span.
type TechStats struct {
	TechID      int64    `json:"tech_id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Sessions    int      `json:"sessions"`
	Ended       int      `json:"ended"`
	Median      *float64 `json:"median_seconds"` // of ended sessions
	// EndReasons counts ended sessions by protocol.EndReason.
	EndReasons map[protocol.EndReason]int `json:"end_reasons"`
}

// InsightRecorder stores insight events.
type InsightRecorder interface {
	// AddInsightEvents stores evs in one transaction, with their
	// normalised query.
	AddInsightEvents(ctx context.Context, evs []protocol.InsightEvent) error
}

// InsightReports computes the Insights page, each figure in SQL over the
// stored events and the relay's request and session facts.
type InsightReports interface {
	InsightFunnel(ctx context.Context, s Span) ([]FunnelWeek, error)
	InsightGuides(ctx context.Context, s Span) ([]GuideStats, error)
	InsightGuideSteps(ctx context.Context, s Span, guideID string) ([]StepStats, error)
	InsightGaps(ctx context.Context, s Span, limit int) ([]Gap, error)
	InsightCategories(ctx context.Context, s Span) ([]CategoryWeek, error)
	InsightTimes(ctx context.Context, s Span) (InsightTimes, error)
	InsightTechnicians(ctx context.Context, s Span) ([]TechStats, error)
}
