package store

// Account writes that change only the columns they name, so two requests
// that each change one thing (an administrator disabling an account, its
// owner changing the password) cannot undo each other.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// TechnicianPatch names the columns to change; nil fields stay as stored.
type TechnicianPatch struct {
	DisplayName  *string
	PasswordHash *string
	Admin        *bool
	Disabled     *bool
	TOTPSecret   *string
	TOTPEnabled  *bool
	// KnowledgeEditor is the guide publishing role.
	KnowledgeEditor *bool
}

// PatchTechnician changes the set fields of technician id and returns the
// row as stored after the change; ErrNotFound if there is none.
func (s *SQLite) PatchTechnician(ctx context.Context, id int64, p TechnicianPatch) (Technician, error) {
	var set []string
	var args []any
	add := func(col string, v any) { set, args = append(set, col+" = ?"), append(args, v) }
	if p.DisplayName != nil {
		add("display_name", *p.DisplayName)
	}
	if p.PasswordHash != nil {
		add("password_hash", *p.PasswordHash)
	}
	if p.Admin != nil {
		add("is_admin", b2i(*p.Admin))
	}
	if p.Disabled != nil {
		add("disabled", b2i(*p.Disabled))
	}
	if p.TOTPSecret != nil {
		add("totp_secret", *p.TOTPSecret)
	}
	if p.TOTPEnabled != nil {
		add("totp_enabled", b2i(*p.TOTPEnabled))
	}
	if p.KnowledgeEditor != nil {
		add("knowledge_editor", b2i(*p.KnowledgeEditor))
	}
	if len(set) == 0 {
		return s.Technician(ctx, id)
	}
	args = append(args, id)
	row := s.db.QueryRowContext(ctx, `UPDATE technicians SET `+strings.Join(set, ", ")+` WHERE id = ? RETURNING `+techCols, args...)
	t, err := scanTech(row)
	return t, notFound(err, fmt.Sprintf("technician %d", id))
}

// ClaimTOTPStep records that technician id used the TOTP time step step;
// it fails with ErrConflict if that step or a newer one was used already
// (a replayed code), so each code logs in once, across restarts.
func (s *SQLite) ClaimTOTPStep(ctx context.Context, id, step int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE technicians SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, id, step)
	return affected(res, err, ErrConflict)
}

// DataDir is the directory of the database file.
func (s *SQLite) DataDir(ctx context.Context) (string, error) {
	var file string
	if err := s.db.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		return "", fmt.Errorf("database path: %w", err)
	}
	if file == "" {
		return "", fmt.Errorf("database path: in memory")
	}
	return filepath.Dir(file), nil
}

// DeleteOtherLogins removes every login of technician techID but the
// one with keepHash (nil: all of them).
func (s *SQLite) DeleteOtherLogins(ctx context.Context, techID int64, keepHash []byte) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM logins WHERE tech_id = ? AND token_hash IS NOT ?`, techID, keepHash)
	return err
}

// PlainTOTPSecrets lists the technicians whose TOTP secret is stored in
// clear (before the key file): id → secret, for the relay to seal them.
func (s *SQLite) PlainTOTPSecrets(ctx context.Context, sealedPrefix string) (map[int64]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, totp_secret FROM technicians WHERE totp_secret != '' AND substr(totp_secret, 1, ?) != ?`, len(sealedPrefix), sealedPrefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]string)
	for rows.Next() {
		var id int64
		var secret string
		if err := rows.Scan(&id, &secret); err != nil {
			return nil, err
		}
		out[id] = secret
	}
	return out, rows.Err()
}

// SealTOTPSecret replaces a clear TOTP secret by its sealed form, only if
// it is still the clear one.
func (s *SQLite) SealTOTPSecret(ctx context.Context, id int64, plain, sealed string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE technicians SET totp_secret = ? WHERE id = ? AND totp_secret = ?`, sealed, id, plain)
	return affected(res, err, ErrConflict)
}

// ValidLogins are the logins that still let someone in at now (not
// expired, their technician not disabled): token hash → technician id.
func (s *SQLite) ValidLogins(ctx context.Context, now time.Time) (map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT l.token_hash, l.tech_id FROM logins l JOIN technicians t ON t.id = l.tech_id
		WHERE l.expires_at > ? AND t.disabled = 0`, ms(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]int64)
	for rows.Next() {
		var h []byte
		var id int64
		if err := rows.Scan(&h, &id); err != nil {
			return nil, err
		}
		out[string(h)] = id
	}
	return out, rows.Err()
}

// LoginValid reports whether the login with tokenHash still lets its
// technician in at now (it exists, has not expired, and the technician
// is not disabled).
func (s *SQLite) LoginValid(ctx context.Context, tokenHash []byte, now time.Time) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM logins l JOIN technicians t ON t.id = l.tech_id
		WHERE l.token_hash = ? AND l.expires_at > ? AND t.disabled = 0`, tokenHash, ms(now)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
