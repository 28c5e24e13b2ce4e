package server

// Console login and the signed-in technician's own account: password and
// second factor.
//
// A login attempt is throttled before any password is hashed: the
// address and the typed name are each charged a failure up front (a
// success refunds it), a locked-out attempt is answered 429 at once, and
// the hash itself waits for one of a few slots (auth.HashGate), so a
// flood of logins costs little memory and cannot starve a technician.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/limit"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// apiBusy answers a password check that found no free hashing slot.
const apiBusy apiCode = "busy"

// busyRetry is the retry_after_ms of a busy answer.
const busyRetry = time.Second

type meJSON struct {
	User      userJSON `json:"user"`
	CSRFToken string   `json:"csrf_token"`
}

// sameOrigin refuses a cross-site browser POST to /api/login (login CSRF).
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true // not a browser, or same-origin GET-like navigation
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// maxTypedName bounds a typed user name as the lockout key and in audit
// details (account names are at most 64 bytes).
const maxTypedName = 64

// loginKey is the typed name cut to maxTypedName bytes on a UTF-8
// boundary: the per-account lockout key.
func loginKey(name string) string {
	if len(name) <= maxTypedName {
		return name
	}
	cut := maxTypedName
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut]
}

// nameDetail is the audit detail naming a typed user name: bounded and
// quoted (control characters and invalid UTF-8 escaped).
func nameDetail(name string) string { return "name=" + strconv.Quote(loginKey(name)) }

// typedName reads the name back from an audit detail of nameDetail.
func typedName(detail string) (string, bool) {
	rest, ok := strings.CutPrefix(detail, "name=")
	if !ok {
		return "", false
	}
	q, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return "", false
	}
	name, err := strconv.Unquote(q)
	return name, err == nil
}

// writeRetry answers 429 with code and the wait, also as Retry-After.
func writeRetry(w http.ResponseWriter, code apiCode, msg string, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10))
	writeJSON(w, http.StatusTooManyRequests, apiError{Error: code, Message: msg, RetryAfterMS: wait.Milliseconds()})
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		writeError(w, http.StatusForbidden, apiCSRF, "cross-site login refused")
		return
	}
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
		TOTP     string `json:"totp"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	ctx := r.Context()
	addr := s.clientAddr(r)
	key := loginKey(req.Username)

	// Check and record the throttle before hashing. An address and name
	// with no failure on record go first for a hashing slot.
	addrCharge := s.addrLock.Charge(addr)
	if addrCharge.Refused > 0 {
		s.refuseLogin(w, addrCharge.Refused)
		return
	}
	nameCharge := s.accountLock.Charge(key)
	if nameCharge.Refused > 0 {
		addrCharge.Refund()
		s.refuseLogin(w, nameCharge.Refused)
		return
	}
	release, err := s.acct.gate.Acquire(ctx, addr, addrCharge.Clean && nameCharge.Clean)
	if err != nil {
		// Not tried: the charges go back (a lock one of them set stays,
		// with its row).
		addrCharge.Refund()
		nameCharge.Refund()
		s.noteLockout(ctx, addr, "address", addrCharge)
		s.noteLockout(ctx, addr, nameDetail(req.Username), nameCharge)
		s.m.failedLogins.Inc()
		writeRetry(w, apiBusy, "the relay is busy checking passwords; try again in a moment", busyRetry)
		return
	}
	t, ok, why := s.checkLogin(ctx, req.Username, req.Password)
	release()

	fail := func(why string) {
		s.m.failedLogins.Inc()
		s.audit(ctx, store.AuditEvent{Actor: protocol.ActorLoginAttempt, Action: protocol.AuditLoginFailed, Address: addr, Detail: nameDetail(req.Username) + " reason=" + why})
		s.noteLockout(ctx, addr, "address", addrCharge)
		s.noteLockout(ctx, addr, nameDetail(req.Username), nameCharge)
		writeError(w, http.StatusUnauthorized, apiInvalidCredentials, "wrong user name, password or code")
	}
	if !ok {
		fail(why)
		return
	}
	if t.TOTPEnabled {
		if req.TOTP == "" {
			// The password was right: not a failure, but no login yet.
			addrCharge.Refund()
			nameCharge.Refund()
			writeError(w, http.StatusUnauthorized, apiTOTPRequired, "enter the 6-digit code from your authenticator app")
			return
		}
		secret, err := s.acct.secrets.OpenTOTP(t.ID, t.TOTPSecret)
		if err != nil {
			s.log.Error("open TOTP secret", "user", t.Username, "err", err)
			fail("TOTP secret unreadable")
			return
		}
		step, match := auth.MatchTOTP(secret, req.TOTP, s.now())
		if !match {
			fail("wrong TOTP code")
			return
		}
		if err := s.totp.claim(ctx, t.ID, step); errors.Is(err, errTOTPReused) {
			fail("TOTP code reused")
			return
		} else if err != nil {
			addrCharge.Refund()
			nameCharge.Refund()
			s.log.Error("TOTP replay guard", "user", t.Username, "err", err)
			writeError(w, http.StatusInternalServerError, apiInternal, "could not log in; try again")
			return
		}
	}
	addrCharge.Refund()
	s.accountLock.Forget(key)
	s.noteLockout(ctx, addr, "address", addrCharge) // a lock this attempt tripped stays
	token := auth.Token(32)
	now := s.now()
	l := store.Login{TokenHash: auth.HashToken(token), TechID: t.ID, CSRF: auth.Token(24), CreatedAt: now, ExpiresAt: now.Add(s.cfg.LoginTTL)}
	if err := s.accounts.CreateLogin(ctx, l); err != nil {
		s.log.Error("store login", "err", err)
		writeError(w, http.StatusInternalServerError, apiInternal, "could not log in; try again")
		return
	}
	s.audit(ctx, store.AuditEvent{Actor: protocol.TechActor(t.Username), Action: protocol.AuditLogin, Address: addr})
	s.log.Info("technician logged in", "user", t.Username, "addr", addr)
	s.setLoginCookie(w, token, s.cfg.LoginTTL)
	writeJSON(w, http.StatusOK, meJSON{User: toUserJSON(t), CSRFToken: l.CSRF})
}

// checkLogin checks a name and password, spending the time of one hash
// for an unknown name too. why says what was wrong.
func (s *Server) checkLogin(ctx context.Context, name, password string) (t store.Technician, ok bool, why string) {
	t, err := s.accounts.TechnicianByName(ctx, name)
	if err != nil {
		auth.CheckDummy(s.cfg.Password, password)
		return t, false, "unknown user"
	}
	if err := auth.CheckPassword(t.PasswordHash, password); err != nil {
		return t, false, "wrong password"
	}
	if t.Disabled {
		return t, false, "account disabled"
	}
	return t, true, ""
}

// refuseLogin answers an attempt refused by a lockout, without hashing
// and without an audit row (the lock-out itself has one).
func (s *Server) refuseLogin(w http.ResponseWriter, wait time.Duration) {
	s.m.failedLogins.Inc()
	writeRetry(w, apiLocked, "too many failed logins; try again later", wait)
}

// noteLockout writes the one audit row of a lock-out, when the attempt
// charged by c locked its key out; what names the key.
func (s *Server) noteLockout(ctx context.Context, addr, what string, c limit.Charge) {
	if c.Locked <= 0 {
		return
	}
	s.audit(ctx, store.AuditEvent{Actor: protocol.ActorLoginAttempt, Action: protocol.AuditLoginLocked, Address: addr,
		Detail: fmt.Sprintf("%s locked_for=%s", what, c.Locked.Round(time.Second))})
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, p principal) {
	s.revoke(r.Context(), p.tech, nil, "logout")
	s.audit(r.Context(), store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditLogout, Address: s.clientAddr(r)})
	s.setLoginCookie(w, "", 0)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, p principal) {
	writeJSON(w, http.StatusOK, meJSON{User: toUserJSON(p.tech), CSRFToken: p.login.CSRF})
}

// reauthenticate checks the signed-in technician's current password
// before an account change: throttled per technician (5 wrong in 15
// minutes lock the changes for 15 minutes) and through the hash gate. It
// answers the request itself and returns false when the check fails.
func (s *Server) reauthenticate(w http.ResponseWriter, r *http.Request, p principal, password string) bool {
	c := s.acct.reauth.Charge(strconv.FormatInt(p.tech.ID, 10))
	if c.Refused > 0 {
		writeRetry(w, apiLocked, "too many wrong passwords; try again later", c.Refused)
		return false
	}
	release, err := s.acct.gate.Acquire(r.Context(), s.clientAddr(r), true)
	if err != nil {
		c.Refund()
		writeRetry(w, apiBusy, "the relay is busy checking passwords; try again in a moment", busyRetry)
		return false
	}
	err = auth.CheckPassword(p.tech.PasswordHash, password)
	release()
	if err != nil {
		s.log.Warn("wrong current password for an account change", "user", p.tech.Username, "path", r.URL.Path, "addr", s.clientAddr(r))
		writeError(w, http.StatusForbidden, apiInvalidCredentials, "the current password is wrong")
		return false
	}
	c.Refund()
	return true
}

// hashNew hashes a new password through the gate; it answers the request
// itself and returns false on failure.
func (s *Server) hashNew(w http.ResponseWriter, r *http.Request, password string) (string, bool) {
	if len(password) < auth.MinPasswordLen {
		writeError(w, http.StatusBadRequest, apiWeakPassword, fmt.Sprintf("use at least %d characters", auth.MinPasswordLen))
		return "", false
	}
	release, err := s.acct.gate.Acquire(r.Context(), s.clientAddr(r), true)
	if err != nil {
		writeRetry(w, apiBusy, "the relay is busy checking passwords; try again in a moment", busyRetry)
		return "", false
	}
	h, err := s.cfg.Password.Hash(password)
	release()
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not set the password")
		return "", false
	}
	return h, true
}

// patch writes only the named columns of an account (never the whole row
// read at the start of the request, which would undo a concurrent change).
func (s *Server) patch(ctx context.Context, id int64, p store.TechnicianPatch) (store.Technician, error) {
	if s.acct.beforeWrite != nil {
		s.acct.beforeWrite()
	}
	return s.acct.st.PatchTechnician(ctx, id, p)
}

func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if !readJSON(w, r, &req) || !s.reauthenticate(w, r, p, req.Current) {
		return
	}
	h, ok := s.hashNew(w, r, req.New)
	if !ok {
		return
	}
	t, err := s.patch(r.Context(), p.tech.ID, store.TechnicianPatch{PasswordHash: &h})
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not change the password")
		return
	}
	// Every other login ends; this one stays signed in.
	s.revoke(r.Context(), t, p.login.TokenHash, "password changed")
	s.audit(r.Context(), store.AuditEvent{Actor: protocol.TechActor(t.Username), Action: protocol.AuditUserPassword, Address: s.clientAddr(r)})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleTOTPSetup(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		Password string `json:"password"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if p.tech.TOTPEnabled {
		writeError(w, http.StatusConflict, apiTOTPEnabled, "disable the current second factor first")
		return
	}
	if !s.reauthenticate(w, r, p, req.Password) {
		return
	}
	secret, u, err := auth.NewTOTP("Lifeline", p.tech.Username)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not create a TOTP secret")
		return
	}
	sealed := s.acct.secrets.SealTOTP(p.tech.ID, secret)
	if _, err := s.patch(r.Context(), p.tech.ID, store.TechnicianPatch{TOTPSecret: &sealed}); err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not store the TOTP secret")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"secret": secret, "url": u})
}

func (s *Server) handleTOTPEnable(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		Password string `json:"password"`
		Code     string `json:"code"`
	}
	if !readJSON(w, r, &req) || !s.reauthenticate(w, r, p, req.Password) {
		return
	}
	secret, err := s.acct.secrets.OpenTOTP(p.tech.ID, p.tech.TOTPSecret)
	_, ok := auth.MatchTOTP(secret, req.Code, s.now())
	if err != nil || secret == "" || !ok {
		writeError(w, http.StatusBadRequest, apiInvalidCode, "that code does not match; check the time on your phone and try again")
		return
	}
	on := true
	if _, err := s.patch(r.Context(), p.tech.ID, store.TechnicianPatch{TOTPEnabled: &on}); err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not enable the second factor")
		return
	}
	s.audit(r.Context(), store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditTOTPEnabled, Address: s.clientAddr(r)})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleTOTPDisable(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		Password string `json:"password"`
	}
	if !readJSON(w, r, &req) || !s.reauthenticate(w, r, p, req.Password) {
		return
	}
	off, none := false, ""
	if _, err := s.patch(r.Context(), p.tech.ID, store.TechnicianPatch{TOTPEnabled: &off, TOTPSecret: &none}); err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not disable the second factor")
		return
	}
	s.audit(r.Context(), store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditTOTPDisabled, Address: s.clientAddr(r)})
	w.WriteHeader(http.StatusNoContent)
}
