package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// SQLite holds every record in a SQLite file in WAL mode; it implements
// all the role interfaces.
type SQLite struct {
	db *sql.DB
}

var (
	_ Accounts = (*SQLite)(nil)
	_ Queue    = (*SQLite)(nil)
	_ Sessions = (*SQLite)(nil)
	_ AuditLog = (*SQLite)(nil)
	_ Codes    = (*SQLite)(nil)
	_ Outcomes = (*SQLite)(nil)
)

// OpenSQLite opens (creating if needed) relay.db in dir and applies the
// embedded migrations.
func OpenSQLite(ctx context.Context, dir string) (*SQLite, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, "relay.db")
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// One connection: SQLite serialises writers anyway, and this avoids
	// SQLITE_BUSY between our own connections.
	db.SetMaxOpenConns(1)
	s := &SQLite{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return s, nil
}

func (s *SQLite) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, name, time.Now().UnixMilli()); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }

// Ping checks the database answers.
func (s *SQLite) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func tm(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return err
}

// --- technicians

const techCols = `id, username, display_name, password_hash, is_admin, disabled, totp_secret, totp_enabled, created_at`

func scanTech(sc interface{ Scan(...any) error }) (Technician, error) {
	var t Technician
	var admin, disabled, totp int
	var created int64
	err := sc.Scan(&t.ID, &t.Username, &t.DisplayName, &t.PasswordHash, &admin, &disabled, &t.TOTPSecret, &totp, &created)
	t.Admin, t.Disabled, t.TOTPEnabled, t.CreatedAt = admin == 1, disabled == 1, totp == 1, tm(created)
	return t, err
}

// CreateTechnician inserts t and sets its ID.
func (s *SQLite) CreateTechnician(ctx context.Context, t *Technician) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO technicians (username, display_name, password_hash, is_admin, disabled, totp_secret, totp_enabled, created_at) VALUES (?,?,?,?,?,?,?,?)`,
		t.Username, t.DisplayName, t.PasswordHash, b2i(t.Admin), b2i(t.Disabled), t.TOTPSecret, b2i(t.TOTPEnabled), ms(t.CreatedAt))
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return fmt.Errorf("technician %s: %w", t.Username, ErrExists)
		}
		return fmt.Errorf("insert technician: %w", err)
	}
	t.ID, err = res.LastInsertId()
	return err
}

// Technician returns a technician by id.
func (s *SQLite) Technician(ctx context.Context, id int64) (Technician, error) {
	t, err := scanTech(s.db.QueryRowContext(ctx, `SELECT `+techCols+` FROM technicians WHERE id = ?`, id))
	return t, notFound(err, "technician")
}

// TechnicianByName returns a technician by user name.
func (s *SQLite) TechnicianByName(ctx context.Context, username string) (Technician, error) {
	t, err := scanTech(s.db.QueryRowContext(ctx, `SELECT `+techCols+` FROM technicians WHERE username = ?`, username))
	return t, notFound(err, "technician "+username)
}

// Technicians lists all technicians by user name.
func (s *SQLite) Technicians(ctx context.Context) ([]Technician, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+techCols+` FROM technicians ORDER BY username`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Technician
	for rows.Next() {
		t, err := scanTech(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// UpdateTechnician writes every field of t but ID, Username and CreatedAt.
func (s *SQLite) UpdateTechnician(ctx context.Context, t Technician) error {
	res, err := s.db.ExecContext(ctx, `UPDATE technicians SET display_name=?, password_hash=?, is_admin=?, disabled=?, totp_secret=?, totp_enabled=? WHERE id=?`,
		t.DisplayName, t.PasswordHash, b2i(t.Admin), b2i(t.Disabled), t.TOTPSecret, b2i(t.TOTPEnabled), t.ID)
	return affected(res, err, ErrNotFound)
}

func affected(res sql.Result, err error, none error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return none
	}
	return nil
}

// --- logins

// CreateLogin stores a login session.
func (s *SQLite) CreateLogin(ctx context.Context, l Login) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO logins (token_hash, tech_id, csrf, created_at, expires_at) VALUES (?,?,?,?,?)`,
		l.TokenHash, l.TechID, l.CSRF, ms(l.CreatedAt), ms(l.ExpiresAt))
	return err
}

// LoginByToken returns the login session for a token hash.
func (s *SQLite) LoginByToken(ctx context.Context, tokenHash []byte) (Login, error) {
	var l Login
	var c, e int64
	err := s.db.QueryRowContext(ctx, `SELECT token_hash, tech_id, csrf, created_at, expires_at FROM logins WHERE token_hash = ?`, tokenHash).
		Scan(&l.TokenHash, &l.TechID, &l.CSRF, &c, &e)
	l.CreatedAt, l.ExpiresAt = tm(c), tm(e)
	return l, notFound(err, "login")
}

// DeleteLogin removes one login session.
func (s *SQLite) DeleteLogin(ctx context.Context, tokenHash []byte) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM logins WHERE token_hash = ?`, tokenHash)
	return err
}

// DeleteLogins removes every login session of a technician.
func (s *SQLite) DeleteLogins(ctx context.Context, techID int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM logins WHERE tech_id = ?`, techID)
	return err
}

// --- requests

const reqCols = `id, state, source, name, contact, description, os, app_version, guide, diagnostics, resume_hash, address, taken_by, session_id, created_at, updated_at, install_id, person_key, recurring, reopened`

func scanReq(sc interface{ Scan(...any) error }) (Request, error) {
	var r Request
	var guide, diag, recurring, reopened string
	var c, u int64
	err := sc.Scan(&r.ID, &r.State, &r.Source, &r.Name, &r.Contact, &r.Description, &r.OS, &r.AppVersion, &guide, &diag, &r.ResumeHash, &r.Address, &r.TakenBy, &r.SessionID, &c, &u,
		&r.InstallID, &r.PersonKey, &recurring, &reopened)
	r.Recurring, r.Reopened = rawJSON(recurring), rawJSON(reopened)
	if guide != "" {
		r.Guide = []byte(guide)
	}
	if diag != "" {
		r.Diagnostics = []byte(diag)
	}
	r.CreatedAt, r.UpdatedAt = tm(c), tm(u)
	return r, err
}

// CreateRequest inserts r.
func (s *SQLite) CreateRequest(ctx context.Context, r *Request) error {
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	var key any // NULL: the unique index ignores requests without a key
	if r.IdempotencyKey != "" {
		key = r.IdempotencyKey
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO help_requests (`+reqCols+`, idempotency_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		r.ID, r.State, r.Source, r.Name, r.Contact, r.Description, r.OS, r.AppVersion, string(r.Guide), string(r.Diagnostics), r.ResumeHash, r.Address, r.TakenBy, r.SessionID, ms(r.CreatedAt), ms(r.UpdatedAt),
		r.InstallID, r.PersonKey, string(r.Recurring), string(r.Reopened), key)
	if err != nil {
		return fmt.Errorf("insert request: %w", err)
	}
	return nil
}

// Request returns one request.
func (s *SQLite) Request(ctx context.Context, id string) (Request, error) {
	r, err := scanReq(s.db.QueryRowContext(ctx, `SELECT `+reqCols+` FROM help_requests WHERE id = ?`, id))
	return r, notFound(err, "request "+id)
}

// Requests lists requests in the given states (all if none), oldest first.
func (s *SQLite) Requests(ctx context.Context, states ...string) ([]Request, error) {
	q := `SELECT ` + reqCols + ` FROM help_requests`
	args := make([]any, len(states))
	if len(states) > 0 {
		q += ` WHERE state IN (?` + strings.Repeat(",?", len(states)-1) + `)`
		for i, st := range states {
			args[i] = st
		}
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		r, err := scanReq(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// TakeRequest atomically moves s.RequestID from waiting to taken and creates s.
func (s *SQLite) TakeRequest(ctx context.Context, sess Session, at time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE help_requests SET state=?, taken_by=?, session_id=?, updated_at=? WHERE id=? AND state=?`,
		StateTaken, sess.TechID, sess.ID, ms(at), sess.RequestID, StateWaiting)
	if err := affected(res, err, ErrConflict); err != nil {
		return err
	}
	if err := insertSession(ctx, tx, sess); err != nil {
		return err
	}
	return tx.Commit()
}

// SetRequestState moves a request from one of from to to.
func (s *SQLite) SetRequestState(ctx context.Context, id, to string, at time.Time, from ...string) error {
	args := []any{to, ms(at), id}
	for _, f := range from {
		args = append(args, f)
	}
	q := `UPDATE help_requests SET state=?, updated_at=? WHERE id=?`
	if len(from) > 0 {
		q += ` AND state IN (?` + strings.Repeat(",?", len(from)-1) + `)`
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	return affected(res, err, ErrConflict)
}

// ResubmitRequest gives the request with idempotency key a new resume
// hash and returns it.
func (s *SQLite) ResubmitRequest(ctx context.Context, key string, resumeHash []byte, at time.Time) (Request, error) {
	r, err := scanReq(s.db.QueryRowContext(ctx, `UPDATE help_requests SET resume_hash=?, updated_at=? WHERE idempotency_key=? RETURNING `+reqCols,
		resumeHash, ms(at), key))
	r.IdempotencyKey = key
	return r, notFound(err, "request with idempotency key")
}

// --- sessions

const sessCols = `id, request_id, tech_id, started_at, ended_at, end_reason, view_granted_at, control_granted_at, notes, category`

func scanSess(sc interface{ Scan(...any) error }) (Session, error) {
	var x Session
	var st, en, vg, cg int64
	err := sc.Scan(&x.ID, &x.RequestID, &x.TechID, &st, &en, &x.EndReason, &vg, &cg, &x.Notes, &x.Category)
	x.StartedAt, x.EndedAt, x.ViewGrantedAt, x.ControlGrantedAt = tm(st), tm(en), tm(vg), tm(cg)
	return x, err
}

type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func insertSession(ctx context.Context, e execer, x Session) error {
	_, err := e.ExecContext(ctx, `INSERT INTO sessions (`+sessCols+`) VALUES (?,?,?,?,?,?,?,?,?,?)`,
		x.ID, x.RequestID, x.TechID, ms(x.StartedAt), ms(x.EndedAt), x.EndReason, ms(x.ViewGrantedAt), ms(x.ControlGrantedAt), x.Notes, x.Category)
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

// CreateSession inserts a session.
func (s *SQLite) CreateSession(ctx context.Context, x Session) error {
	return insertSession(ctx, s.db, x)
}

// Session returns one session.
func (s *SQLite) Session(ctx context.Context, id string) (Session, error) {
	x, err := scanSess(s.db.QueryRowContext(ctx, `SELECT `+sessCols+` FROM sessions WHERE id = ?`, id))
	return x, notFound(err, "session "+id)
}

func (s *SQLite) querySessions(ctx context.Context, q string, args ...any) ([]Session, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		x, err := scanSess(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Sessions lists sessions matching f, newest first.
func (s *SQLite) Sessions(ctx context.Context, f SessionFilter) ([]Session, error) {
	var where []string
	var args []any
	if f.TechID != 0 {
		where, args = append(where, `s.tech_id = ?`), append(args, f.TechID)
	}
	if !f.Since.IsZero() {
		where, args = append(where, `s.started_at >= ?`), append(args, ms(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, `s.started_at < ?`), append(args, ms(f.Until))
	}
	if f.Query != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Query) + "%"
		where = append(where, `(s.notes LIKE ? ESCAPE '\' OR s.category LIKE ? ESCAPE '\' OR r.name LIKE ? ESCAPE '\' OR r.description LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like, like)
	}
	q := `SELECT s.id, s.request_id, s.tech_id, s.started_at, s.ended_at, s.end_reason, s.view_granted_at, s.control_granted_at, s.notes, s.category
		FROM sessions s LEFT JOIN help_requests r ON r.id = s.request_id`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY s.started_at DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	return s.querySessions(ctx, q, args...)
}

// OpenSessions lists sessions that have not ended.
func (s *SQLite) OpenSessions(ctx context.Context) ([]Session, error) {
	return s.querySessions(ctx, `SELECT `+sessCols+` FROM sessions WHERE ended_at = 0`)
}

// EndSession records the end of a running session; ErrConflict if it had ended.
func (s *SQLite) EndSession(ctx context.Context, id string, reason protocol.EndReason, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE sessions SET ended_at=?, end_reason=? WHERE id=? AND ended_at=0`, ms(at), reason, id)
	return affected(res, err, ErrConflict)
}

// MarkGrant records when view (control=false) or control was first granted.
func (s *SQLite) MarkGrant(ctx context.Context, id string, control bool, at time.Time) error {
	col := "view_granted_at"
	if control {
		col = "control_granted_at"
	}
	_, err := s.db.ExecContext(ctx, `UPDATE sessions SET `+col+`=? WHERE id=? AND `+col+`=0`, ms(at), id)
	return err
}

// SetNotes sets resolution notes and category.
func (s *SQLite) SetNotes(ctx context.Context, id, notes, category string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE sessions SET notes=?, category=? WHERE id=?`, notes, category, id)
	return affected(res, err, ErrNotFound)
}

// --- audit

// AddAudit appends an audit event.
func (s *SQLite) AddAudit(ctx context.Context, e AuditEvent) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO audit_events (at, actor, action, address, request_id, session_id, detail) VALUES (?,?,?,?,?,?,?)`,
		ms(e.At), e.Actor, e.Action, e.Address, e.RequestID, e.SessionID, e.Detail)
	if err != nil {
		return fmt.Errorf("insert audit event: %w", err)
	}
	return nil
}

// Audit lists audit events matching f, oldest first.
func (s *SQLite) Audit(ctx context.Context, f AuditFilter) ([]AuditEvent, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where, args = append(where, cond), append(args, v) }
	if !f.Since.IsZero() {
		add(`at >= ?`, ms(f.Since))
	}
	if !f.Until.IsZero() {
		add(`at < ?`, ms(f.Until))
	}
	if f.Actor != "" {
		add(`actor = ?`, f.Actor)
	}
	if f.Action != "" {
		add(`action = ?`, f.Action)
	}
	if f.SessionID != "" {
		add(`session_id = ?`, f.SessionID)
	}
	q := `SELECT id, at, actor, action, address, request_id, session_id, detail FROM audit_events`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY at, id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var e AuditEvent
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Address, &e.RequestID, &e.SessionID, &e.Detail); err != nil {
			return nil, err
		}
		e.At = tm(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// --- codes

// CreateCode inserts c and sets its ID.
func (s *SQLite) CreateCode(ctx context.Context, c *Code) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO codes (code_hash, tech_id, created_at, expires_at) VALUES (?,?,?,?)`,
		c.Hash, c.TechID, ms(c.CreatedAt), ms(c.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert code: %w", err)
	}
	c.ID, err = res.LastInsertId()
	return err
}

// ActiveCodes lists unused, uncancelled codes that expire after now.
func (s *SQLite) ActiveCodes(ctx context.Context, now time.Time) ([]Code, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, code_hash, tech_id, created_at, expires_at FROM codes WHERE used_at = 0 AND cancelled = 0 AND expires_at > ?`, ms(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Code
	for rows.Next() {
		var c Code
		var cr, ex int64
		if err := rows.Scan(&c.ID, &c.Hash, &c.TechID, &cr, &ex); err != nil {
			return nil, err
		}
		c.CreatedAt, c.ExpiresAt = tm(cr), tm(ex)
		out = append(out, c)
	}
	return out, rows.Err()
}

// UseCode marks a code used.
func (s *SQLite) UseCode(ctx context.Context, id int64, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE codes SET used_at=? WHERE id=? AND used_at=0 AND cancelled=0`, ms(at), id)
	return affected(res, err, ErrConflict)
}

// CancelCode cancels a technician's code.
func (s *SQLite) CancelCode(ctx context.Context, id, techID int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE codes SET cancelled=1 WHERE id=? AND tech_id=? AND used_at=0`, id, techID)
	return affected(res, err, ErrNotFound)
}

// --- chat

// AddChat appends a transcript line.
func (s *SQLite) AddChat(ctx context.Context, m ChatMessage) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO chat_messages (session_id, at, sender, text) VALUES (?,?,?,?)`, m.SessionID, ms(m.At), m.Sender, m.Text)
	return err
}

// Chat returns a session transcript.
func (s *SQLite) Chat(ctx context.Context, sessionID string) ([]ChatMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT session_id, at, sender, text FROM chat_messages WHERE session_id = ? ORDER BY at, id`, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ChatMessage
	for rows.Next() {
		var m ChatMessage
		var at int64
		if err := rows.Scan(&m.SessionID, &at, &m.Sender, &m.Text); err != nil {
			return nil, err
		}
		m.At = tm(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// --- outcomes

// OutcomeSummary counts the self-help outcomes since a time — the insight
// events outcome.report stands for, in its words (protocol.OutcomeKind) —
// grouped by kind, guide, step and query, most frequent first.
func (s *SQLite) OutcomeSummary(ctx context.Context, since time.Time) ([]OutcomeCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, guide_id, step_id, query, COUNT(*) AS n FROM insight_events
		WHERE kind IN (?, ?, ?, ?) AND at >= ?
		GROUP BY kind, guide_id, step_id, query ORDER BY n DESC, kind, guide_id, step_id, query`,
		protocol.InsightFixed, protocol.InsightEscalated, protocol.InsightNoResults, protocol.InsightAbandoned, ms(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutcomeCount
	for rows.Next() {
		var c OutcomeCount
		var kind protocol.InsightKind
		if err := rows.Scan(&kind, &c.GuideID, &c.StepID, &c.Query, &c.Count); err != nil {
			return nil, err
		}
		c.Kind = protocol.OutcomeKind(kind)
		out = append(out, c)
	}
	return out, rows.Err()
}
