package server

// Console login and the signed-in technician's own account: password and
// second factor.

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

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
	if wait := max(s.accountLock.Wait(req.Username), s.addrLock.Wait(addr)); wait > 0 {
		s.m.failedLogins.Inc()
		s.audit(ctx, store.AuditEvent{Actor: protocol.LoginActor(req.Username), Action: protocol.AuditLoginLocked, Address: addr})
		writeJSON(w, http.StatusTooManyRequests, apiError{Error: apiLocked, Message: "too many failed logins; try again later", RetryAfterMS: wait.Milliseconds()})
		return
	}
	fail := func(detail string) {
		s.m.failedLogins.Inc()
		s.accountLock.Fail(req.Username)
		s.addrLock.Fail(addr)
		s.audit(ctx, store.AuditEvent{Actor: protocol.LoginActor(req.Username), Action: protocol.AuditLoginFailed, Address: addr, Detail: detail})
		writeError(w, http.StatusUnauthorized, apiInvalidCredentials, "wrong user name, password or code")
	}
	t, err := s.accounts.TechnicianByName(ctx, req.Username)
	if err != nil {
		auth.CheckDummy(s.cfg.Password, req.Password)
		fail("unknown user")
		return
	}
	if err := auth.CheckPassword(t.PasswordHash, req.Password); err != nil {
		fail("wrong password")
		return
	}
	if t.Disabled {
		fail("account disabled")
		return
	}
	if t.TOTPEnabled {
		if req.TOTP == "" {
			writeError(w, http.StatusUnauthorized, apiTOTPRequired, "enter the 6-digit code from your authenticator app")
			return
		}
		if !auth.CheckTOTP(t.TOTPSecret, req.TOTP, s.now()) {
			fail("wrong TOTP code")
			return
		}
		if !s.totp.claim(t.ID, req.TOTP, s.now()) {
			fail("TOTP code reused")
			return
		}
	}
	s.accountLock.Forget(req.Username)
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
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.cfg.LoginTTL / time.Second)})
	writeJSON(w, http.StatusOK, meJSON{User: toUserJSON(t), CSRFToken: l.CSRF})
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, p principal) {
	s.accounts.DeleteLogin(r.Context(), p.login.TokenHash)
	s.audit(r.Context(), store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditLogout, Address: s.clientAddr(r)})
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, p principal) {
	writeJSON(w, http.StatusOK, meJSON{User: toUserJSON(p.tech), CSRFToken: p.login.CSRF})
}

func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if auth.CheckPassword(p.tech.PasswordHash, req.Current) != nil {
		writeError(w, http.StatusForbidden, apiInvalidCredentials, "the current password is wrong")
		return
	}
	if len(req.New) < auth.MinPasswordLen {
		writeError(w, http.StatusBadRequest, apiWeakPassword, fmt.Sprintf("use at least %d characters", auth.MinPasswordLen))
		return
	}
	h, err := s.cfg.Password.Hash(req.New)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not change the password")
		return
	}
	p.tech.PasswordHash = h
	if err := s.accounts.UpdateTechnician(r.Context(), p.tech); err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not change the password")
		return
	}
	s.audit(r.Context(), store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditUserPassword, Address: s.clientAddr(r)})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleTOTPSetup(w http.ResponseWriter, r *http.Request, p principal) {
	if p.tech.TOTPEnabled {
		writeError(w, http.StatusConflict, apiTOTPEnabled, "disable the current second factor first")
		return
	}
	secret, u, err := auth.NewTOTP("Lifeline", p.tech.Username)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not create a TOTP secret")
		return
	}
	p.tech.TOTPSecret = secret
	if err := s.accounts.UpdateTechnician(r.Context(), p.tech); err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not store the TOTP secret")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"secret": secret, "url": u})
}

func (s *Server) handleTOTPEnable(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		Code string `json:"code"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if p.tech.TOTPSecret == "" || !auth.CheckTOTP(p.tech.TOTPSecret, req.Code, s.now()) {
		writeError(w, http.StatusBadRequest, apiInvalidCode, "that code does not match; check the time on your phone and try again")
		return
	}
	p.tech.TOTPEnabled = true
	if err := s.accounts.UpdateTechnician(r.Context(), p.tech); err != nil {
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
	if !readJSON(w, r, &req) {
		return
	}
	if auth.CheckPassword(p.tech.PasswordHash, req.Password) != nil {
		writeError(w, http.StatusForbidden, apiInvalidCredentials, "the password is wrong")
		return
	}
	p.tech.TOTPEnabled, p.tech.TOTPSecret = false, ""
	if err := s.accounts.UpdateTechnician(r.Context(), p.tech); err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not disable the second factor")
		return
	}
	s.audit(r.Context(), store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditTOTPDisabled, Address: s.clientAddr(r)})
	w.WriteHeader(http.StatusNoContent)
}
