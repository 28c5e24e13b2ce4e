package store

// Insights: insight events from desktops and the reports of the console's
// Insights page, computed in SQL (migration 0006_insights.sql).

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"modernc.org/sqlite"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/querynorm"
)

// lifeline_querynorm(text) is querynorm.Normalise in SQL, so that the
// outcomes migration 0006 moves into insight_events group with the same
// key as the events stored since.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("lifeline_querynorm", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		q, _ := args[0].(string)
		return querynorm.Normalise(q), nil
	})
}

var (
	_ InsightRecorder = (*SQLite)(nil)
	_ InsightReports  = (*SQLite)(nil)
)

// AddInsightEvents stores evs in one transaction.
func (s *SQLite) AddInsightEvents(ctx context.Context, evs []protocol.InsightEvent) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store insight events: %w", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO insight_events (at, kind, journey, query, query_norm, guide_id, step_id,
		from_guide_id, check_name, status, request_id, os, app_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("store insight events: %w", err)
	}
	defer st.Close()
	for _, e := range evs {
		if _, err := st.ExecContext(ctx, ms(e.At), e.Kind, e.Journey, e.Query, querynorm.Normalise(e.Query), e.GuideID, e.StepID,
			e.FromGuideID, e.Check, e.Status, e.RequestID, e.OS, e.AppVersion); err != nil {
			return fmt.Errorf("store insight events: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store insight events: %w", err)
	}
	return nil
}

// weekMS is InsightWeek in milliseconds; epochMS insightEpoch.
var (
	weekMS  = InsightWeek.Milliseconds()
	epochMS = insightEpoch.UnixMilli()
)

func weekOf(bucket int64) time.Time { return time.UnixMilli(epochMS + bucket*weekMS).UTC() }

// scanRows runs q and calls scan for each row.
func (s *SQLite) scanRows(ctx context.Context, what, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func spanArgs(sp Span) []any { return []any{ms(sp.Since), ms(sp.Until)} }

// dayMS is a day in milliseconds; epochDay the insight epoch's day number.
const dayMS = 24 * 60 * 60 * 1000

var epochDay = epochMS / dayMS

// dayArgs are sp's first day and the day after its last, for the daily
// counts (a span of whole UTC days; a part day counts whole).
func dayArgs(sp Span) []any {
	return []any{ms(sp.Since) / dayMS, (ms(sp.Until) + dayMS - 1) / dayMS}
}

// InsightFunnel counts, per week of sp, the self-help events by kind and
// the help requests created.
func (s *SQLite) InsightFunnel(ctx context.Context, sp Span) ([]FunnelWeek, error) {
	weeks := map[int64]*FunnelWeek{}
	week := func(b int64) *FunnelWeek {
		w := weeks[b]
		if w == nil {
			w = &FunnelWeek{WeekStart: weekOf(b)}
			weeks[b] = w
		}
		return w
	}
	err := s.scanRows(ctx, "insight funnel", `SELECT (day - ?3) / 7 AS wk, kind, SUM(n) FROM insight_day_kind
		WHERE kind IN ('search','search.no_results','guide.opened','guide.fixed','guide.not_working','guide.abandoned','escalated')
		AND day >= ?1 AND day < ?2 GROUP BY wk, kind`, append(dayArgs(sp), epochDay), func(r *sql.Rows) error {
		var b int64
		var kind protocol.InsightKind
		var n int
		if err := r.Scan(&b, &kind, &n); err != nil {
			return err
		}
		w := week(b)
		switch kind {
		case protocol.InsightSearch:
			w.Searches += n
		case protocol.InsightNoResults:
			w.Searches += n
			w.NoResults += n
		case protocol.InsightGuideOpened:
			w.GuideOpened = n
		case protocol.InsightFixed:
			w.Fixed = n
		case protocol.InsightNotWorking:
			w.NotWorking = n
		case protocol.InsightAbandoned:
			w.Abandoned = n
		case protocol.InsightEscalated:
			w.Escalated = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = s.scanRows(ctx, "insight funnel", `SELECT (created_at - ?3) / ?4 AS wk, COUNT(*), SUM(tried_guide),
		ROUND(1.0 * SUM(tried_guide) / COUNT(*), 4) FROM insight_requests
		WHERE created_at >= ?1 AND created_at < ?2 AND source = 'request' GROUP BY wk`, append(spanArgs(sp), epochMS, weekMS), func(r *sql.Rows) error {
		var b int64
		var n, tried int
		var share float64
		if err := r.Scan(&b, &n, &tried, &share); err != nil {
			return err
		}
		w := week(b)
		w.Requests, w.TriedGuide, w.TriedShare = n, tried, &share
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Every week of the span, empty ones too, oldest first.
	var out []FunnelWeek
	if sp.Until.After(sp.Since) {
		first := (ms(sp.Since) - epochMS) / weekMS
		last := (ms(sp.Until) - 1 - epochMS) / weekMS
		for b := first; b <= last; b++ {
			out = append(out, *week(b))
		}
	}
	return out, nil
}

// InsightGuides reports each guide's uses and outcomes in sp, most used
// first.
func (s *SQLite) InsightGuides(ctx context.Context, sp Span) ([]GuideStats, error) {
	var out []GuideStats
	err := s.scanRows(ctx, "insight guides", `WITH g AS (
			SELECT guide_id, SUM(n * (kind = 'guide.opened')) AS opened, SUM(n * (kind = 'step.reached')) AS steps,
				SUM(n * (kind = 'guide.fixed')) AS fixed, SUM(n * (kind = 'guide.not_working')) AS not_working,
				SUM(n * (kind = 'guide.abandoned')) AS abandoned, SUM(n * (kind = 'escalated')) AS escalated
			FROM insight_day_guide
			WHERE kind IN ('guide.opened','step.reached','guide.fixed','guide.not_working','guide.abandoned','escalated')
				AND day >= ?1 AND day < ?2
			GROUP BY guide_id),
		gu AS (
			SELECT guide_id, step_id, n, ROW_NUMBER() OVER (PARTITION BY guide_id ORDER BY n DESC, step_id) AS rn FROM (
				SELECT guide_id, step_id, SUM(n) AS n FROM insight_day_step
				WHERE kind = 'guide.abandoned' AND day >= ?1 AND day < ?2
				GROUP BY guide_id, step_id))
		SELECT g.guide_id, opened, steps, fixed, not_working, abandoned, escalated,
			CASE WHEN fixed + not_working + abandoned > 0 THEN ROUND(1.0 * fixed / (fixed + not_working + abandoned), 4) END,
			coalesce(gu.step_id, ''), coalesce(gu.n, 0)
		FROM g LEFT JOIN gu ON gu.guide_id = g.guide_id AND gu.rn = 1
		WHERE opened + steps + fixed + not_working + abandoned + escalated > 0
		ORDER BY opened DESC, g.guide_id`, dayArgs(sp), func(r *sql.Rows) error {
		var g GuideStats
		var rate sql.NullFloat64
		if err := r.Scan(&g.GuideID, &g.Opened, &g.StepsSeen, &g.Fixed, &g.NotWorking, &g.Abandoned, &g.Escalated, &rate, &g.GiveUpStep, &g.GiveUpCount); err != nil {
			return err
		}
		g.SuccessRate = nullFloat(rate)
		out = append(out, g)
		return nil
	})
	return out, err
}

// InsightGuideSteps is guideID's step funnel in sp: per step, how many
// reached it and how many ended there, most reached first.
func (s *SQLite) InsightGuideSteps(ctx context.Context, sp Span, guideID string) ([]StepStats, error) {
	var out []StepStats
	err := s.scanRows(ctx, "insight guide steps", `SELECT step_id, SUM(n * (kind = 'step.reached')) AS reached,
			SUM(n * (kind = 'guide.fixed')), SUM(n * (kind = 'guide.not_working')), SUM(n * (kind = 'guide.abandoned')),
			SUM(n * (kind = 'escalated'))
		FROM insight_day_step
		WHERE guide_id = ?3 AND day >= ?1 AND day < ?2
			AND kind IN ('step.reached','guide.fixed','guide.not_working','guide.abandoned','escalated')
		GROUP BY step_id HAVING SUM(n) > 0 ORDER BY reached DESC, step_id`, append(dayArgs(sp), guideID), func(r *sql.Rows) error {
		var st StepStats
		if err := r.Scan(&st.StepID, &st.Reached, &st.Fixed, &st.NotWorking, &st.Abandoned, &st.Escalated); err != nil {
			return err
		}
		out = append(out, st)
		return nil
	})
	return out, err
}

// InsightGaps groups the searches of sp that found nothing or whose
// journey escalated by normalised query, most frequent first, at most
// limit groups.
func (s *SQLite) InsightGaps(ctx context.Context, sp Span, limit int) ([]Gap, error) {
	var out []Gap
	err := s.scanRows(ctx, "insight gaps", `WITH g AS (
			SELECT query_norm, COUNT(*) AS n, SUM(kind = 'search.no_results') AS nr, SUM(escalated) AS es, MAX(at) AS last
			FROM insight_events
			WHERE query_norm != '' AND (kind = 'search.no_results' OR escalated = 1) AND at >= ?1 AND at < ?2
			GROUP BY query_norm ORDER BY n DESC, last DESC, query_norm LIMIT ?3)
		SELECT query_norm, n, nr, es, last,
			(SELECT query FROM insight_events e WHERE e.query_norm = g.query_norm AND e.at = g.last
				AND e.query_norm != '' AND (e.kind = 'search.no_results' OR e.escalated = 1) ORDER BY e.id DESC LIMIT 1)
		FROM g ORDER BY n DESC, last DESC, query_norm`, append(spanArgs(sp), limit), func(r *sql.Rows) error {
		var g Gap
		var last int64
		if err := r.Scan(&g.Query, &g.Searches, &g.NoResults, &g.Escalated, &last, &g.Example); err != nil {
			return err
		}
		g.LastSeen = tm(last)
		out = append(out, g)
		return nil
	})
	return out, err
}

// InsightCategories counts requests created in sp, per week and the
// category of their sessions, with the sessions.
func (s *SQLite) InsightCategories(ctx context.Context, sp Span) ([]CategoryWeek, error) {
	var out []CategoryWeek
	err := s.scanRows(ctx, "insight categories", `SELECT (r.created_at - ?3) / ?4 AS wk, coalesce(s.category, '') AS cat,
			COUNT(DISTINCT r.request_id), COUNT(s.session_id)
		FROM insight_requests r LEFT JOIN insight_sessions s ON s.request_id = r.request_id
		WHERE r.created_at >= ?1 AND r.created_at < ?2
		GROUP BY wk, cat ORDER BY wk, cat`, append(spanArgs(sp), epochMS, weekMS), func(r *sql.Rows) error {
		var c CategoryWeek
		var b int64
		if err := r.Scan(&b, &c.Category, &c.Requests, &c.Sessions); err != nil {
			return err
		}
		c.WeekStart = weekOf(b)
		out = append(out, c)
		return nil
	})
	return out, err
}

// percentileSQL wraps a query of one column v (milliseconds) into count,
// p50 and p90 by nearest rank.
func percentileSQL(values string) string {
	return `WITH d AS (SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS rn, COUNT(*) OVER () AS n FROM (` + values + `))
		SELECT coalesce(MAX(n), 0), MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN v END) / 1000.0,
			MAX(CASE WHEN rn = (n * 90 + 99) / 100 THEN v END) / 1000.0 FROM d`
}

// InsightTimes reports time to take (requests created in sp) and session
// length (sessions started in sp that ended).
func (s *SQLite) InsightTimes(ctx context.Context, sp Span) (InsightTimes, error) {
	var t InsightTimes
	for _, q := range []struct {
		p   *Percentiles
		sql string
	}{
		{&t.TimeToTake, `SELECT taken_at - created_at AS v FROM insight_requests
			WHERE created_at >= ?1 AND created_at < ?2 AND source = 'request' AND taken_at != 0`},
		{&t.Duration, `SELECT ended_at - started_at AS v FROM insight_sessions
			WHERE started_at >= ?1 AND started_at < ?2 AND ended_at != 0`},
	} {
		var p50, p90 sql.NullFloat64
		if err := s.db.QueryRowContext(ctx, percentileSQL(q.sql), spanArgs(sp)...).Scan(&q.p.Count, &p50, &p90); err != nil {
			return t, fmt.Errorf("insight times: %w", err)
		}
		q.p.P50, q.p.P90 = nullFloat(p50), nullFloat(p90)
	}
	return t, nil
}

// InsightTechnicians reports per technician the sessions started in sp,
// the median length of those that ended and their end reasons.
func (s *SQLite) InsightTechnicians(ctx context.Context, sp Span) ([]TechStats, error) {
	var out []TechStats
	byID := map[int64]int{}
	err := s.scanRows(ctx, "insight technicians", `WITH d AS (
			SELECT tech_id, ended_at - started_at AS v,
				ROW_NUMBER() OVER (PARTITION BY tech_id ORDER BY ended_at - started_at) AS rn,
				COUNT(*) OVER (PARTITION BY tech_id) AS n
			FROM insight_sessions WHERE started_at >= ?1 AND started_at < ?2 AND ended_at != 0),
		m AS (SELECT tech_id, v FROM d WHERE rn = (n * 50 + 99) / 100),
		c AS (SELECT tech_id, COUNT(*) AS sessions, SUM(ended_at != 0) AS ended FROM insight_sessions
			WHERE started_at >= ?1 AND started_at < ?2 GROUP BY tech_id)
		SELECT c.tech_id, coalesce(t.username, ''), coalesce(t.display_name, ''), c.sessions, c.ended, m.v / 1000.0
		FROM c LEFT JOIN m ON m.tech_id = c.tech_id LEFT JOIN technicians t ON t.id = c.tech_id
		ORDER BY c.sessions DESC, t.username`, spanArgs(sp), func(r *sql.Rows) error {
		var ts TechStats
		var med sql.NullFloat64
		if err := r.Scan(&ts.TechID, &ts.Username, &ts.DisplayName, &ts.Sessions, &ts.Ended, &med); err != nil {
			return err
		}
		ts.Median = nullFloat(med)
		ts.EndReasons = map[protocol.EndReason]int{}
		byID[ts.TechID] = len(out)
		out = append(out, ts)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = s.scanRows(ctx, "insight technicians", `SELECT tech_id, end_reason, COUNT(*) FROM insight_sessions
		WHERE started_at >= ?1 AND started_at < ?2 AND ended_at != 0 GROUP BY tech_id, end_reason`, spanArgs(sp), func(r *sql.Rows) error {
		var id int64
		var reason protocol.EndReason
		var n int
		if err := r.Scan(&id, &reason, &n); err != nil {
			return err
		}
		if i, ok := byID[id]; ok {
			out[i].EndReasons[reason] = n
		}
		return nil
	})
	return out, err
}

func nullFloat(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	return &v.Float64
}
