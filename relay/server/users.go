package server

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/codes"
	"github.com/lifeline-desk/lifeline/relay/limit"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// CreateTechnician validates and stores a new technician account. It is
// shared by the admin API and the lifeline-relay user command.
// params are the argon2id costs (zero: auth.DefaultParams).
func CreateTechnician(ctx context.Context, st store.Accounts, params auth.Params, username, displayName, password string, admin bool, now time.Time) (store.Technician, error) {
	if !usernameRE.MatchString(username) {
		return store.Technician{}, errors.New("user name: use 1–64 lower-case letters, digits, '.', '_' or '-'")
	}
	if len(password) < auth.MinPasswordLen {
		return store.Technician{}, fmt.Errorf("password: use at least %d characters", auth.MinPasswordLen)
	}
	if len(displayName) > 100 {
		return store.Technician{}, errors.New("display name: at most 100 characters")
	}
	h, err := params.Hash(password)
	if err != nil {
		return store.Technician{}, err
	}
	if displayName == "" {
		displayName = username
	}
	t := store.Technician{Username: username, DisplayName: displayName, PasswordHash: h, Admin: admin, CreatedAt: now}
	if err := st.CreateTechnician(ctx, &t); err != nil {
		return store.Technician{}, err
	}
	return t, nil
}

// accounts is the server's state for logins and account changes: the
// bound on password hashes at once, the keys derived from the key file,
// and the throttle on re-authentication.
type accounts struct {
	st      accountStore
	gate    *auth.HashGate
	secrets *auth.Secrets
	codes   codes.Hasher
	reauth  *limit.Keyed // failed current-password checks per technician

	// beforeWrite, when set (tests), runs in an account change after its
	// checks and hashing, right before the store write.
	beforeWrite func()
	// beforeConsole, when set (tests), runs in a console socket's
	// upgrade after its login was checked, before the socket registers.
	beforeConsole func()
}

// accountStore is what the account handlers need of the store beyond
// store.Accounts: writes of single columns and the TOTP replay guard.
type accountStore interface {
	PatchTechnician(ctx context.Context, id int64, p store.TechnicianPatch) (store.Technician, error)
	DeleteOtherLogins(ctx context.Context, techID int64, keepHash []byte) error
	ClaimTOTPStep(ctx context.Context, id, step int64) error
	// LoginValid and ValidLogins check console logins against the
	// store (loginwatch.go).
	LoginValid(ctx context.Context, tokenHash []byte, now time.Time) (bool, error)
	ValidLogins(ctx context.Context, now time.Time) (map[string]int64, error)
}

// reauthLockout throttles current-password checks of one technician
// (password change, TOTP setup, enable and disable).
var reauthLockout = limit.Lockout{MaxFailures: 5, Window: 15 * time.Minute, Lockout: 15 * time.Minute}

// initAccounts loads (or creates) the key file, seals TOTP secrets stored
// in clear by an older relay, and replays recent failed logins from the
// audit log into the lockouts, so that a restart does not reset them.
func (s *Server) initAccounts(ctx context.Context) error {
	st := s.cfg.Store
	path := s.cfg.KeyFile
	if path == "" {
		dir, err := st.DataDir(ctx)
		if err != nil {
			return fmt.Errorf("server: key file: %w", err)
		}
		path = filepath.Join(dir, auth.KeyFileName)
	}
	key, err := auth.LoadOrCreateKey(path)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	sec, err := auth.NewSecrets(key)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	hasher, err := codes.NewHasher(sec.CodeKey())
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	s.acct = &accounts{st: st, gate: auth.NewHashGate(s.cfg.HashGate), secrets: sec, codes: hasher,
		reauth: limit.New(reauthLockout, s.now)}
	s.totp.st = st
	plain, err := st.PlainTOTPSecrets(ctx, "v1:")
	if err != nil {
		return fmt.Errorf("server: load TOTP secrets: %w", err)
	}
	for id, secret := range plain {
		if err := st.SealTOTPSecret(ctx, id, secret, sec.SealTOTP(id, secret)); err != nil && !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("server: encrypt TOTP secret of technician %d: %w", id, err)
		}
	}
	if len(plain) > 0 {
		s.log.Info("encrypted TOTP secrets stored in clear", "count", len(plain))
	}
	if err := s.replayLoginFailures(ctx); err != nil {
		return err
	}
	return s.replayCodeFailures(ctx)
}

// replayCodeFailures feeds the wrong one-time codes of the limiter's
// memory back into it after a start, in order, forgetting an address's
// failures at its next right code as the live limiter does.
func (s *Server) replayCodeFailures(ctx context.Context) error {
	since := s.now().Add(-s.codeLimiter.Memory())
	var evs []store.AuditEvent
	for _, a := range []protocol.AuditAction{protocol.AuditCodeFailed, protocol.AuditCodeUsed} {
		got, err := s.auditLog.Audit(ctx, store.AuditFilter{Since: since, Action: a, Limit: 100000})
		if err != nil {
			return fmt.Errorf("server: load code attempts: %w", err)
		}
		evs = append(evs, got...)
	}
	slices.SortStableFunc(evs, func(a, b store.AuditEvent) int { return a.At.Compare(b.At) })
	for _, e := range evs {
		switch {
		case e.Address == "":
		case e.Action == protocol.AuditCodeFailed:
			s.codeLimiter.FailAt(e.Address, e.At)
		case e.Action == protocol.AuditCodeUsed:
			s.codeLimiter.Succeed(e.Address)
		}
	}
	return nil
}

// replayLoginFailures feeds the failed logins of the lockouts' memory
// (window plus lock-out time) back into them after a start.
func (s *Server) replayLoginFailures(ctx context.Context) error {
	span := func(l limit.Lockout) time.Duration {
		return max(l.Window, 15*time.Minute) + max(l.Lockout, 15*time.Minute)
	}
	since := s.now().Add(-max(span(s.cfg.AccountLockout), span(s.cfg.AddressLockout)))
	evs, err := s.auditLog.Audit(ctx, store.AuditFilter{Since: since, Action: protocol.AuditLoginFailed, Limit: 100000})
	if err != nil {
		return fmt.Errorf("server: load failed logins: %w", err)
	}
	for _, e := range evs {
		if e.Actor != protocol.ActorLoginAttempt {
			continue
		}
		if name, ok := typedName(e.Detail); ok {
			s.accountLock.FailAt(name, e.At)
		}
		if e.Address != "" {
			s.addrLock.FailAt(e.Address, e.At)
		}
	}
	return nil
}
