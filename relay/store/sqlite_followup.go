package store

// Follow-ups ("is it still working?" a day after a session) and the
// look-up of earlier requests of the same computer or person.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Followup is the follow-up of one resolved request.
type Followup struct {
	RequestID  string
	SessionID  string
	Technician string // display name of the session's technician
	EndedAt    time.Time
	DueAt      time.Time
	Offers     int       // how often the desktop was asked
	OfferedAt  time.Time // the last time
	AnsweredAt time.Time // zero while unanswered
	Working    bool
	Rating     int // 1 … 5, 0 for none
	Comment    string
}

// FollowupAnswer is a person's answer to a follow-up.
type FollowupAnswer struct {
	Working bool
	Rating  int
	Comment string
	At      time.Time
}

// Reopen puts a resolved request back in the queue: Reopened is the
// QueueItem's protocol.Reopened as JSON, ResumeHash the hash of the new
// resume token the desktop gets.
type Reopen struct {
	Reopened   []byte
	ResumeHash []byte
}

// Followups holds follow-ups and finds earlier requests.
type Followups interface {
	// AddFollowup records that f.RequestID's session ended; a request
	// resolved again (after a reopen) gets a fresh follow-up.
	AddFollowup(ctx context.Context, f Followup) error
	// DueFollowups returns the unanswered follow-ups of ids that are due
	// at now and were offered fewer than maxOffers times.
	DueFollowups(ctx context.Context, ids []string, now time.Time, maxOffers int) ([]Followup, error)
	// MarkOffered counts one more offer of id's follow-up.
	MarkOffered(ctx context.Context, id string, at time.Time) error
	// AnswerFollowup stores the answer to id's follow-up and, with reopen,
	// puts the resolved request back in the queue, atomically: ErrNotFound
	// without a follow-up, ErrConflict when it was answered already (or
	// the request is no longer resolved).
	AnswerFollowup(ctx context.Context, id string, a FollowupAnswer, reopen *Reopen) error
	Followup(ctx context.Context, id string) (Followup, error)
	// EarlierRequests returns the ids of requests created since since,
	// other than exclude, with the same install id or person key (an
	// empty one matches nothing), newest first, at most limit.
	EarlierRequests(ctx context.Context, installID, personKey, exclude string, since time.Time, limit int) ([]string, error)
	FollowupStats(ctx context.Context, sp Span) (FollowupStats, error)
	RecurringGroups(ctx context.Context, sp Span, limit int) ([]RecurringGroup, error)
}

const followupCols = `request_id, session_id, technician, ended_at, due_at, offers, offered_at, answered_at, working, rating, comment`

func scanFollowup(sc interface{ Scan(...any) error }) (Followup, error) {
	var f Followup
	var ended, due, offered, answered int64
	var working int
	err := sc.Scan(&f.RequestID, &f.SessionID, &f.Technician, &ended, &due, &f.Offers, &offered, &answered, &working, &f.Rating, &f.Comment)
	f.EndedAt, f.DueAt, f.OfferedAt, f.AnsweredAt, f.Working = tm(ended), tm(due), tm(offered), tm(answered), working != 0
	return f, err
}

// AddFollowup implements Followups.
func (s *SQLite) AddFollowup(ctx context.Context, f Followup) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO followups (request_id, session_id, technician, ended_at, due_at) VALUES (?,?,?,?,?)
		ON CONFLICT (request_id) DO UPDATE SET session_id=excluded.session_id, technician=excluded.technician, ended_at=excluded.ended_at,
			due_at=excluded.due_at, offers=0, offered_at=0, answered_at=0, working=0, rating=0, comment=''`,
		f.RequestID, f.SessionID, f.Technician, ms(f.EndedAt), ms(f.DueAt))
	if err != nil {
		return fmt.Errorf("add follow-up: %w", err)
	}
	return nil
}

// DueFollowups implements Followups.
func (s *SQLite) DueFollowups(ctx context.Context, ids []string, now time.Time, maxOffers int) ([]Followup, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{ms(now), maxOffers}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+followupCols+` FROM followups
		WHERE answered_at = 0 AND due_at <= ? AND offers < ? AND request_id IN (?`+strings.Repeat(",?", len(ids)-1)+`) ORDER BY due_at`, args...)
	if err != nil {
		return nil, fmt.Errorf("due follow-ups: %w", err)
	}
	defer rows.Close()
	var out []Followup
	for rows.Next() {
		f, err := scanFollowup(rows)
		if err != nil {
			return nil, fmt.Errorf("due follow-ups: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// MarkOffered implements Followups.
func (s *SQLite) MarkOffered(ctx context.Context, id string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE followups SET offers = offers + 1, offered_at = ? WHERE request_id = ?`, ms(at), id)
	return affected(res, err, ErrNotFound)
}

// AnswerFollowup implements Followups.
func (s *SQLite) AnswerFollowup(ctx context.Context, id string, a FollowupAnswer, reopen *Reopen) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var answered int64
	err = tx.QueryRowContext(ctx, `SELECT answered_at FROM followups WHERE request_id = ?`, id).Scan(&answered)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("follow-up of %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("answer follow-up: %w", err)
	}
	if answered != 0 {
		return fmt.Errorf("follow-up of %s answered already: %w", id, ErrConflict)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE followups SET answered_at=?, working=?, rating=?, comment=? WHERE request_id=?`,
		ms(a.At), b2i(a.Working), a.Rating, a.Comment, id); err != nil {
		return fmt.Errorf("answer follow-up: %w", err)
	}
	if reopen != nil {
		res, err := tx.ExecContext(ctx, `UPDATE help_requests SET state=?, reopened=?, resume_hash=?, taken_by=0, session_id='', updated_at=? WHERE id=? AND state=?`,
			StateWaiting, string(reopen.Reopened), reopen.ResumeHash, ms(a.At), id, StateResolved)
		if err := affected(res, err, ErrConflict); err != nil {
			return fmt.Errorf("reopen %s: %w", id, err)
		}
	}
	return tx.Commit()
}

// Followup implements Followups.
func (s *SQLite) Followup(ctx context.Context, id string) (Followup, error) {
	f, err := scanFollowup(s.db.QueryRowContext(ctx, `SELECT `+followupCols+` FROM followups WHERE request_id = ?`, id))
	return f, notFound(err, "follow-up of "+id)
}

// EarlierRequests implements Followups.
func (s *SQLite) EarlierRequests(ctx context.Context, installID, personKey, exclude string, since time.Time, limit int) ([]string, error) {
	if installID == "" && personKey == "" {
		return nil, nil
	}
	// One index range each (help_requests_install, help_requests_person).
	rows, err := s.db.QueryContext(ctx, `SELECT id, created_at FROM help_requests WHERE ?1 != '' AND install_id = ?1 AND created_at >= ?3 AND id != ?4
		UNION SELECT id, created_at FROM help_requests WHERE ?2 != '' AND person_key = ?2 AND created_at >= ?3 AND id != ?4
		ORDER BY created_at DESC, id DESC LIMIT ?5`,
		installID, personKey, ms(since), exclude, limit)
	if err != nil {
		return nil, fmt.Errorf("earlier requests: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("earlier requests: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func rawJSON(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

// FollowupStats are the follow-ups of sessions ended in a span: how many
// were asked and answered, the answers, and the mean rating given.
type FollowupStats struct {
	Sessions   int      `json:"sessions"` // follow-ups recorded (sessions that resolved a request)
	Offered    int      `json:"offered"`  // asked at least once
	Answered   int      `json:"answered"`
	Working    int      `json:"working"`
	NotWorking int      `json:"not_working"` // each reopened its request
	Rated      int      `json:"rated"`
	MeanRating *float64 `json:"mean_rating"` // of the rated answers; null for none
	// ReopenRate is not_working / answered (null without answers).
	ReopenRate *float64 `json:"reopen_rate"`
}

// FollowupStats counts the follow-ups of sessions that ended in sp (for
// the Insights page: satisfaction and reopen rate).
func (s *SQLite) FollowupStats(ctx context.Context, sp Span) (FollowupStats, error) {
	var st FollowupStats
	var mean sql.NullFloat64
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE offers > 0), COUNT(*) FILTER (WHERE answered_at != 0),
		COUNT(*) FILTER (WHERE answered_at != 0 AND working = 1), COUNT(*) FILTER (WHERE answered_at != 0 AND working = 0),
		COUNT(*) FILTER (WHERE answered_at != 0 AND rating > 0), AVG(CASE WHEN answered_at != 0 AND rating > 0 THEN rating END)
		FROM followups WHERE ended_at >= ? AND ended_at < ?`, ms(sp.Since), ms(sp.Until)).
		Scan(&st.Sessions, &st.Offered, &st.Answered, &st.Working, &st.NotWorking, &st.Rated, &mean)
	if err != nil {
		return st, fmt.Errorf("follow-up stats: %w", err)
	}
	if mean.Valid {
		st.MeanRating = &mean.Float64
	}
	if st.Answered > 0 {
		r := float64(st.NotWorking) / float64(st.Answered)
		st.ReopenRate = &r
	}
	return st, nil
}

// RecurringGroup is one guide or category people came back with: the
// requests created in a span that were recurring (the same person or
// computer asked within the window before), by the guide the request came
// from and the category its last session was given.
type RecurringGroup struct {
	GuideID  string `json:"guide_id"` // "" when the request came without a guide
	Category string `json:"category"` // "" when no session gave one
	Requests int    `json:"requests"` // recurring requests
	Askers   int    `json:"askers"`   // distinct computers or people among them
}

// RecurringGroups counts the recurring requests created in sp, most first
// (for the Insights page's recurring problems).
func (s *SQLite) RecurringGroups(ctx context.Context, sp Span, limit int) ([]RecurringGroup, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(json_extract(NULLIF(r.guide, ''), '$.guide_id'), '') AS guide_id,
			COALESCE((SELECT x.category FROM sessions x WHERE x.request_id = r.id ORDER BY x.started_at DESC LIMIT 1), '') AS category,
			COUNT(*), COUNT(DISTINCT CASE WHEN r.install_id != '' THEN r.install_id ELSE r.person_key END)
		FROM help_requests r WHERE r.recurring != '' AND r.created_at >= ? AND r.created_at < ?
		GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT ?`, ms(sp.Since), ms(sp.Until), limit)
	if err != nil {
		return nil, fmt.Errorf("recurring groups: %w", err)
	}
	defer rows.Close()
	var out []RecurringGroup
	for rows.Next() {
		var g RecurringGroup
		if err := rows.Scan(&g.GuideID, &g.Category, &g.Requests, &g.Askers); err != nil {
			return nil, fmt.Errorf("recurring groups: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
