package store

// Retention: expiring waiting requests nobody took and deleting records
// past their keeping period.

import (
	"context"
	"fmt"
	"time"
)

// StateExpired is a request that waited longer than the retention period
// without a technician taking it.
const StateExpired = "expired"

// Cutoffs are the retention horizons: records older than a cut-off go;
// a zero cut-off keeps that kind of record.
type Cutoffs struct {
	Transcripts time.Time // chat lines
	Sessions    time.Time // ended sessions (with notes and transcript) and closed requests
	Audit       time.Time // audit events
	Outcomes    time.Time // self-help outcomes and insight events (and the relay's anonymous request and session facts)
	Now         time.Time // expired codes and logins go at once
}

// PruneResult counts what PruneRecords deleted.
type PruneResult struct {
	Chat, Sessions, Requests, Audit, Outcomes, Codes, Logins int64
}

// ExpireWaiting marks waiting requests that have not changed since before
// as expired (at at) and returns their ids.
func (s *SQLite) ExpireWaiting(ctx context.Context, before, at time.Time) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `UPDATE help_requests SET state = ?, updated_at = ? WHERE state = ? AND updated_at < ? RETURNING id`,
		StateExpired, ms(at), StateWaiting, ms(before))
	if err != nil {
		return nil, fmt.Errorf("expire waiting requests: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("expire waiting requests: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("expire waiting requests: %w", err)
	}
	return ids, nil
}

// PruneRecords deletes what is older than its cut-off in c.
func (s *SQLite) PruneRecords(ctx context.Context, c Cutoffs) (PruneResult, error) {
	var res PruneResult
	type step struct {
		n    *int64
		cut  time.Time
		stmt string
	}
	steps := []step{
		{&res.Chat, c.Transcripts, `DELETE FROM chat_messages WHERE at < ?1`},
		{&res.Chat, c.Sessions, `DELETE FROM chat_messages WHERE session_id IN (SELECT id FROM sessions WHERE ended_at != 0 AND ended_at < ?1)`},
		{&res.Sessions, c.Sessions, `DELETE FROM sessions WHERE ended_at != 0 AND ended_at < ?1`},
		{&res.Requests, c.Sessions, `DELETE FROM help_requests WHERE state IN ('resolved','cancelled','expired') AND updated_at < ?1
			AND id NOT IN (SELECT request_id FROM sessions WHERE ended_at = 0)`},
		// Follow-ups (answers, comments) go with their session's records.
		{new(int64), c.Sessions, `DELETE FROM followups WHERE ended_at < ?1`},
		{&res.Audit, c.Audit, `DELETE FROM audit_events WHERE at < ?1`},
		{&res.Outcomes, c.Outcomes, `DELETE FROM insight_events WHERE at < ?1`},
		{new(int64), c.Outcomes, `DELETE FROM insight_day_kind WHERE n <= 0`},
		{new(int64), c.Outcomes, `DELETE FROM insight_day_guide WHERE n <= 0`},
		{new(int64), c.Outcomes, `DELETE FROM insight_day_step WHERE n <= 0`},
		{new(int64), c.Outcomes, `DELETE FROM insight_requests WHERE created_at < ?1`},
		{new(int64), c.Outcomes, `DELETE FROM insight_sessions WHERE started_at < ?1`},
		{&res.Codes, c.Now, `DELETE FROM codes WHERE expires_at < ?1`},
		{&res.Logins, c.Now, `DELETE FROM logins WHERE expires_at < ?1`},
	}
	for _, st := range steps {
		if st.cut.IsZero() {
			continue
		}
		r, err := s.db.ExecContext(ctx, st.stmt, ms(st.cut))
		if err != nil {
			return res, fmt.Errorf("prune: %w", err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return res, fmt.Errorf("prune: %w", err)
		}
		*st.n += n
	}
	return res, nil
}
