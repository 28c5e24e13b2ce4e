package server

// The Insights page's data: each chart's numbers as JSON, or with
// ?format=csv as a spreadsheet-safe CSV download, over a date range
// (?since=&until=, RFC 3339 or YYYY-MM-DD; until's date is included; a
// range is whole UTC days, a time within a day widens it to the day).
// Every figure is computed by SQL in the store (store.InsightReports).

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// Insight ranges: the default is the defaultInsightSpan up to the end of
// today (UTC); a longer one
// than maxInsightSpan is refused.
const (
	defaultInsightSpan = 12 * store.InsightWeek
	maxInsightSpan     = 2 * 366 * 24 * time.Hour
	defaultGaps        = 50
	maxGaps            = 500
)

func (s *Server) insightRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/insights/funnel", s.authed(false, insightHandler(s, "funnel", s.reports.InsightFunnel, funnelCSV)))
	mux.HandleFunc("GET /api/insights/guides", s.authed(false, insightHandler(s, "guides", s.reports.InsightGuides, guidesCSV)))
	mux.HandleFunc("GET /api/insights/guides/{id}/steps", s.authed(false, insightHandlerReq(s, "steps",
		func(ctx context.Context, sp store.Span, r *http.Request) ([]store.StepStats, error) {
			return s.reports.InsightGuideSteps(ctx, sp, r.PathValue("id"))
		}, stepsCSV)))
	mux.HandleFunc("GET /api/insights/gaps", s.authed(false, insightHandlerReq(s, "gaps", s.insightGaps, gapsCSV)))
	mux.HandleFunc("GET /api/insights/categories", s.authed(false, insightHandler(s, "categories", s.reports.InsightCategories, categoriesCSV)))
	mux.HandleFunc("GET /api/insights/times", s.authed(false, insightHandlerReq(s, "times", s.insightTimes, timesCSV)))
	mux.HandleFunc("GET /api/insights/technicians", s.authed(false, insightHandler(s, "technicians", s.reports.InsightTechnicians, techniciansCSV)))
	mux.HandleFunc("GET /api/insights/recurring", s.authed(false, insightHandlerReq(s, "recurring", s.insightRecurring, recurringCSV)))
	mux.HandleFunc("GET /api/insights/followups", s.authed(false, insightHandler(s, "followups", s.insightFollowups, followupsCSV)))
}

// insightSpan reads ?since= and ?until=.
func (s *Server) insightSpan(r *http.Request) (store.Span, error) {
	q := r.URL.Query()
	until, err := insightTime(q.Get("until"), true)
	if err != nil {
		return store.Span{}, err
	}
	if until.IsZero() { // the end of today (UTC)
		until = s.now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	}
	since, err := insightTime(q.Get("since"), false)
	if err != nil {
		return store.Span{}, err
	}
	if since.IsZero() {
		since = until.Add(-defaultInsightSpan)
	}
	// Whole UTC days: the store keeps daily counts.
	since = since.UTC().Truncate(24 * time.Hour)
	if t := until.UTC().Truncate(24 * time.Hour); t.Before(until) {
		until = t.Add(24 * time.Hour)
	}
	switch {
	case !since.Before(until):
		return store.Span{}, errors.New("since must be before until")
	case until.Sub(since) > maxInsightSpan:
		return store.Span{}, errors.New("the range is longer than two years")
	}
	return store.Span{Since: since, Until: until}, nil
}

// insightTime parses an RFC 3339 time or a date (UTC); a date as the end
// of a range means the end of that day.
func insightTime(v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if end {
			d = d.Add(24 * time.Hour)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errors.New("since and until must be dates (2006-01-02) or RFC 3339 times")
	}
	return t, nil
}

// insightHandler serves one chart: {"since","until",name:[rows]} or, with
// ?format=csv, the rows as CSV named lifeline-insights-name-since-until.csv.
func insightHandler[T any](s *Server, name string, load func(context.Context, store.Span) ([]T, error), table csvTable[T]) func(http.ResponseWriter, *http.Request, principal) {
	return insightHandlerReq(s, name, func(ctx context.Context, sp store.Span, _ *http.Request) ([]T, error) { return load(ctx, sp) }, table)
}

func insightHandlerReq[T any](s *Server, name string, load func(context.Context, store.Span, *http.Request) ([]T, error), table csvTable[T]) func(http.ResponseWriter, *http.Request, principal) {
	return func(w http.ResponseWriter, r *http.Request, p principal) {
		sp, err := s.insightSpan(r)
		if err != nil {
			badFilter(w, err)
			return
		}
		format := r.URL.Query().Get("format")
		if format != "" && format != "csv" && format != "json" {
			writeError(w, http.StatusBadRequest, apiBadRequest, "format must be csv or json")
			return
		}
		rows, err := load(r.Context(), sp, r)
		if err != nil {
			if errors.Is(err, errBadInsightParam) {
				badFilter(w, err)
				return
			}
			s.log.Error("insights", "chart", name, "err", err)
			writeError(w, http.StatusInternalServerError, apiInternal, "could not compute the insights")
			return
		}
		if rows == nil {
			rows = []T{}
		}
		if format == "csv" {
			w.Header().Set("Content-Disposition", "attachment; filename=lifeline-insights-"+name+"-"+
				sp.Since.UTC().Format(time.DateOnly)+"-"+sp.Until.UTC().Add(-time.Millisecond).Format(time.DateOnly)+".csv")
			writeRecords(w, "csv", rows, table)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"since": sp.Since.UTC(), "until": sp.Until.UTC(), name: rows})
	}
}

// errBadInsightParam marks a query parameter a chart refuses (400).
var errBadInsightParam = errors.New("bad parameter")

// insightLimit reads ?limit= (1 … maxGaps, default defaultGaps).
func insightLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return defaultGaps, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxGaps {
		return 0, errors.Join(errBadInsightParam, errors.New("limit must be 1 to "+strconv.Itoa(maxGaps)))
	}
	return n, nil
}

// gapRow is a content gap with where to write a guide for it.
type gapRow struct {
	store.Gap
	// WriteGuide is the console route that starts a guide for this
	// symptom (the Guides page).
	WriteGuide string `json:"write_guide"`
}

func (s *Server) insightGaps(ctx context.Context, sp store.Span, r *http.Request) ([]gapRow, error) {
	limit, err := insightLimit(r)
	if err != nil {
		return nil, err
	}
	gaps, err := s.reports.InsightGaps(ctx, sp, limit)
	out := make([]gapRow, len(gaps))
	for i, g := range gaps {
		symptom := g.Example
		if symptom == "" {
			symptom = g.Query
		}
		out[i] = gapRow{Gap: g, WriteGuide: "#/guides/new?symptom=" + strings.ReplaceAll(url.QueryEscape(symptom), "+", "%20")}
	}
	return out, err
}

// timeRow is one measured duration.
type timeRow struct {
	Measure string `json:"measure"` // "time_to_take" or "session_duration"
	store.Percentiles
}

func (s *Server) insightTimes(ctx context.Context, sp store.Span, _ *http.Request) ([]timeRow, error) {
	t, err := s.reports.InsightTimes(ctx, sp)
	if err != nil {
		return nil, err
	}
	return []timeRow{{"time_to_take", t.TimeToTake}, {"session_duration", t.Duration}}, nil
}

// insightRecurring is the repeat problems of the range: recurring requests
// (the same person or computer within the recurring window) by guide and
// category (store.Followups, migration 0007).
func (s *Server) insightRecurring(ctx context.Context, sp store.Span, r *http.Request) ([]store.RecurringGroup, error) {
	limit, err := insightLimit(r)
	if err != nil {
		return nil, err
	}
	return s.cfg.Store.RecurringGroups(ctx, sp, limit)
}

// insightFollowups is one row: the follow-ups of sessions ended in the
// range (satisfaction and reopen rate).
func (s *Server) insightFollowups(ctx context.Context, sp store.Span) ([]store.FollowupStats, error) {
	st, err := s.cfg.Store.FollowupStats(ctx, sp)
	if err != nil {
		return nil, err
	}
	return []store.FollowupStats{st}, nil
}

// CSV cells.

func itoa(n int) string { return strconv.Itoa(n) }

func ftoa(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

var funnelCSV = csvTable[store.FunnelWeek]{
	header: []string{"week_start", "searches", "no_results", "guide_opened", "fixed", "not_working", "abandoned", "escalated",
		"requests", "tried_guide", "tried_guide_share"},
	row: func(x store.FunnelWeek) []string {
		return []string{day(x.WeekStart), itoa(x.Searches), itoa(x.NoResults), itoa(x.GuideOpened), itoa(x.Fixed), itoa(x.NotWorking),
			itoa(x.Abandoned), itoa(x.Escalated), itoa(x.Requests), itoa(x.TriedGuide), ftoa(x.TriedShare)}
	},
}

var guidesCSV = csvTable[store.GuideStats]{
	header: []string{"guide_id", "opened", "steps_reached", "fixed", "not_working", "abandoned", "escalated", "success_rate", "give_up_step", "give_up_count"},
	row: func(x store.GuideStats) []string {
		return []string{x.GuideID, itoa(x.Opened), itoa(x.StepsSeen), itoa(x.Fixed), itoa(x.NotWorking), itoa(x.Abandoned), itoa(x.Escalated),
			ftoa(x.SuccessRate), x.GiveUpStep, itoa(x.GiveUpCount)}
	},
}

var stepsCSV = csvTable[store.StepStats]{
	header: []string{"step_id", "reached", "fixed", "not_working", "abandoned", "escalated"},
	row: func(x store.StepStats) []string {
		return []string{x.StepID, itoa(x.Reached), itoa(x.Fixed), itoa(x.NotWorking), itoa(x.Abandoned), itoa(x.Escalated)}
	},
}

var gapsCSV = csvTable[gapRow]{
	header: []string{"query", "example", "searches", "no_results", "escalated", "last_seen"},
	row: func(x gapRow) []string {
		return []string{x.Query, x.Example, itoa(x.Searches), itoa(x.NoResults), itoa(x.Escalated), x.LastSeen.UTC().Format(time.RFC3339)}
	},
}

var categoriesCSV = csvTable[store.CategoryWeek]{
	header: []string{"week_start", "category", "requests", "sessions"},
	row: func(x store.CategoryWeek) []string {
		return []string{day(x.WeekStart), x.Category, itoa(x.Requests), itoa(x.Sessions)}
	},
}

var timesCSV = csvTable[timeRow]{
	header: []string{"measure", "count", "p50_seconds", "p90_seconds"},
	row: func(x timeRow) []string {
		return []string{x.Measure, itoa(x.Count), ftoa(x.P50), ftoa(x.P90)}
	},
}

var techniciansCSV = csvTable[store.TechStats]{
	header: append([]string{"username", "display_name", "sessions", "ended", "median_seconds"}, endReasonColumns()...),
	row: func(x store.TechStats) []string {
		row := []string{x.Username, x.DisplayName, itoa(x.Sessions), itoa(x.Ended), ftoa(x.Median)}
		for _, r := range protocol.EndReasons() {
			row = append(row, itoa(x.EndReasons[r]))
		}
		return row
	},
}

func endReasonColumns() []string {
	var cols []string
	for _, r := range protocol.EndReasons() {
		cols = append(cols, "ended_"+string(r))
	}
	return cols
}

var recurringCSV = csvTable[store.RecurringGroup]{
	header: []string{"guide_id", "category", "requests", "askers"},
	row: func(x store.RecurringGroup) []string {
		return []string{x.GuideID, x.Category, itoa(x.Requests), itoa(x.Askers)}
	},
}

var followupsCSV = csvTable[store.FollowupStats]{
	header: []string{"sessions", "offered", "answered", "working", "not_working", "rated", "mean_rating", "reopen_rate"},
	row: func(x store.FollowupStats) []string {
		return []string{itoa(x.Sessions), itoa(x.Offered), itoa(x.Answered), itoa(x.Working), itoa(x.NotWorking), itoa(x.Rated),
			ftoa(x.MeanRating), ftoa(x.ReopenRate)}
	},
}
