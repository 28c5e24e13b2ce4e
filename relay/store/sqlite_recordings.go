package store

// Session recordings: the index of the WebM files the relay keeps for
// sessions recorded by the technician's console (the files themselves
// live under the data directory; see relay/server/recordings.go).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Recording is the index row of one session's recording.
type Recording struct {
	SessionID string
	TechID    int64     // the technician who recorded it
	StartedAt time.Time // when recording began (first chunk, less its recorded time)
	UpdatedAt time.Time // when the last chunk arrived
	// NextSeq is the sequence number the next chunk must carry (0 … ):
	// also the number of chunks kept.
	NextSeq int64
	// Bytes is the length of the file that is known good.
	Bytes int64
	// Duration is the recorded time the console reported with the last chunk.
	Duration time.Duration
}

// Recordings holds the index of session recordings.
type Recordings interface {
	Recording(ctx context.Context, sessionID string) (Recording, error)
	// PutRecording creates or replaces the row of r.SessionID.
	PutRecording(ctx context.Context, r Recording) error
	// PruneRecordings deletes the rows of recordings last changed before
	// before, and of recordings whose session record is gone, and
	// returns their session ids (for the files to go too).
	PruneRecordings(ctx context.Context, before time.Time) ([]string, error)
}

var _ Recordings = (*SQLite)(nil)

// Recording returns the recording of a session; ErrNotFound if none.
func (s *SQLite) Recording(ctx context.Context, sessionID string) (Recording, error) {
	var r Recording
	var started, updated, dur int64
	err := s.db.QueryRowContext(ctx, `SELECT session_id, tech_id, started_at, updated_at, next_seq, bytes, duration_ms FROM recordings WHERE session_id = ?`, sessionID).
		Scan(&r.SessionID, &r.TechID, &started, &updated, &r.NextSeq, &r.Bytes, &dur)
	if errors.Is(err, sql.ErrNoRows) {
		return Recording{}, fmt.Errorf("recording of %s: %w", sessionID, ErrNotFound)
	}
	if err != nil {
		return Recording{}, fmt.Errorf("recording of %s: %w", sessionID, err)
	}
	r.StartedAt, r.UpdatedAt, r.Duration = tm(started), tm(updated), time.Duration(dur)*time.Millisecond
	return r, nil
}

// PutRecording writes the row of r.SessionID.
func (s *SQLite) PutRecording(ctx context.Context, r Recording) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO recordings (session_id, tech_id, started_at, updated_at, next_seq, bytes, duration_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (session_id) DO UPDATE SET updated_at = excluded.updated_at, next_seq = excluded.next_seq,
			bytes = excluded.bytes, duration_ms = excluded.duration_ms`,
		r.SessionID, r.TechID, ms(r.StartedAt), ms(r.UpdatedAt), r.NextSeq, r.Bytes, r.Duration.Milliseconds())
	if err != nil {
		return fmt.Errorf("store recording of %s: %w", r.SessionID, err)
	}
	return nil
}

// PruneRecordings deletes old rows and rows whose session is gone.
func (s *SQLite) PruneRecordings(ctx context.Context, before time.Time) ([]string, error) {
	q := `DELETE FROM recordings WHERE session_id NOT IN (SELECT id FROM sessions)`
	args := []any{}
	if !before.IsZero() {
		q += ` OR updated_at < ?`
		args = append(args, ms(before))
	}
	rows, err := s.db.QueryContext(ctx, q+` RETURNING session_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("prune recordings: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("prune recordings: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("prune recordings: %w", err)
	}
	return ids, nil
}
