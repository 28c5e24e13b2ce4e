package server

import (
	"context"
	"crypto/subtle"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/codes"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

const (
	cookieName = "lifeline_session"
	csrfHeader = "X-CSRF-Token"
	maxBody    = 64 << 10
)

type principal struct {
	tech  store.Technician
	login store.Login
}

var errUnauthenticated = errors.New("unauthenticated")

func (s *Server) authenticate(r *http.Request) (principal, error) {
	ck, err := r.Cookie(cookieName)
	if err != nil || ck.Value == "" {
		return principal{}, errUnauthenticated
	}
	ctx := r.Context()
	l, err := s.st.LoginByToken(ctx, auth.HashToken(ck.Value))
	if err != nil || !s.now().Before(l.ExpiresAt) {
		return principal{}, errUnauthenticated
	}
	t, err := s.st.Technician(ctx, l.TechID)
	if err != nil || t.Disabled {
		return principal{}, errUnauthenticated
	}
	return principal{tech: t, login: l}, nil
}

type apiHandler func(w http.ResponseWriter, r *http.Request, p principal)

// authed wraps an API handler with authentication, CSRF protection for
// state-changing methods, and (admin) a role check.
func (s *Server) authed(admin bool, h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			writeError(w, http.StatusUnauthorized, "unauthenticated", "log in first")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			got := r.Header.Get(csrfHeader)
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.login.CSRF)) != 1 {
				writeError(w, http.StatusForbidden, "csrf", "missing or wrong "+csrfHeader+" header; reload the console")
				return
			}
		}
		if admin && !p.tech.Admin {
			writeError(w, http.StatusForbidden, "forbidden", "administrators only")
			return
		}
		h(w, r, p)
	}
}

func (s *Server) apiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/login", s.handleLogin)
	mux.HandleFunc("POST /api/logout", s.authed(false, s.handleLogout))
	mux.HandleFunc("GET /api/me", s.authed(false, s.handleMe))
	mux.HandleFunc("POST /api/me/password", s.authed(false, s.handlePassword))
	mux.HandleFunc("POST /api/me/totp/setup", s.authed(false, s.handleTOTPSetup))
	mux.HandleFunc("POST /api/me/totp/enable", s.authed(false, s.handleTOTPEnable))
	mux.HandleFunc("POST /api/me/totp/disable", s.authed(false, s.handleTOTPDisable))

	mux.HandleFunc("GET /api/requests", s.authed(false, s.handleRequests))
	mux.HandleFunc("GET /api/requests/{id}", s.authed(false, s.handleRequest))
	mux.HandleFunc("POST /api/requests/{id}/take", s.authed(false, s.handleTake))

	mux.HandleFunc("POST /api/codes", s.authed(false, s.handleCreateCode))
	mux.HandleFunc("DELETE /api/codes/{id}", s.authed(false, s.handleCancelCode))

	mux.HandleFunc("GET /api/sessions", s.authed(false, s.handleSessions))
	mux.HandleFunc("GET /api/sessions/export", s.authed(false, s.handleSessionsExport))
	mux.HandleFunc("GET /api/sessions/{id}", s.authed(false, s.handleSession))
	mux.HandleFunc("POST /api/sessions/{id}/end", s.authed(false, s.handleEndSession))
	mux.HandleFunc("PUT /api/sessions/{id}/notes", s.authed(false, s.handleNotes))

	mux.HandleFunc("GET /api/audit", s.authed(true, s.handleAudit))
	mux.HandleFunc("GET /api/audit/export", s.authed(true, s.handleAuditExport))
	mux.HandleFunc("GET /api/outcomes/summary", s.authed(false, s.handleOutcomes))

	mux.HandleFunc("GET /api/admin/users", s.authed(true, s.handleUsers))
	mux.HandleFunc("POST /api/admin/users", s.authed(true, s.handleCreateUser))
	mux.HandleFunc("PATCH /api/admin/users/{id}", s.authed(true, s.handleUpdateUser))
}

// --- JSON helpers

type apiError struct {
	Error        string `json:"error"`
	Message      string `json:"message,omitempty"`
	RetryAfterMS int64  `json:"retry_after_ms,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Error: code, Message: msg})
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

// --- login

type userJSON struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Admin       bool      `json:"admin"`
	Disabled    bool      `json:"disabled"`
	TOTPEnabled bool      `json:"totp_enabled"`
	CreatedAt   time.Time `json:"created_at"`
}

func toUserJSON(t store.Technician) userJSON {
	return userJSON{ID: t.ID, Username: t.Username, DisplayName: displayName(t), Admin: t.Admin, Disabled: t.Disabled, TOTPEnabled: t.TOTPEnabled, CreatedAt: t.CreatedAt}
}

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
		writeError(w, http.StatusForbidden, "csrf", "cross-site login refused")
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
	for _, key := range []string{"user:" + req.Username, "addr:" + addr} {
		thr := s.accountThr
		if strings.HasPrefix(key, "addr:") {
			thr = s.addrThr
		}
		if locked, until := thr.Locked(key); locked {
			s.m.failedLogins.Inc()
			s.audit(ctx, store.AuditEvent{Actor: req.Username, Action: "login.locked", Address: addr})
			writeJSON(w, http.StatusTooManyRequests, apiError{Error: "locked", Message: "too many failed logins; try again later", RetryAfterMS: until.Sub(s.now()).Milliseconds()})
			return
		}
	}
	fail := func(detail string) {
		s.m.failedLogins.Inc()
		s.accountThr.Fail("user:" + req.Username)
		s.addrThr.Fail("addr:" + addr)
		s.audit(ctx, store.AuditEvent{Actor: req.Username, Action: "login.failed", Address: addr, Detail: detail})
		writeError(w, http.StatusUnauthorized, "invalid_credentials", "wrong user name, password or code")
	}
	t, err := s.st.TechnicianByName(ctx, req.Username)
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
			writeError(w, http.StatusUnauthorized, "totp_required", "enter the 6-digit code from your authenticator app")
			return
		}
		if !auth.CheckTOTP(t.TOTPSecret, req.TOTP, s.now()) {
			fail("wrong TOTP code")
			return
		}
		if !s.claimTOTP(t.ID, req.TOTP) {
			fail("TOTP code reused")
			return
		}
	}
	s.accountThr.Succeed("user:" + req.Username)
	token := auth.Token(32)
	now := s.now()
	l := store.Login{TokenHash: auth.HashToken(token), TechID: t.ID, CSRF: auth.Token(24), CreatedAt: now, ExpiresAt: now.Add(s.cfg.LoginTTL)}
	if err := s.st.CreateLogin(ctx, l); err != nil {
		s.log.Error("store login", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "could not log in; try again")
		return
	}
	s.audit(ctx, store.AuditEvent{Actor: "tech:" + t.Username, Action: "login", Address: addr})
	s.log.Info("technician logged in", "user", t.Username, "addr", addr)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.cfg.LoginTTL / time.Second)})
	writeJSON(w, http.StatusOK, meJSON{User: toUserJSON(t), CSRFToken: l.CSRF})
}

// claimTOTP accepts each code once per technician: a code seen in a login
// is valid for up to 90 s, so a second use inside that time is a replay.
func (s *Server) claimTOTP(techID int64, code string) bool {
	s.totpMu.Lock()
	defer s.totpMu.Unlock()
	now := s.now()
	if last, ok := s.totpUsed[techID]; ok && last.code == code && now.Sub(last.at) < 2*time.Minute {
		return false
	}
	s.totpUsed[techID] = totpUse{code: code, at: now}
	return true
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, p principal) {
	s.st.DeleteLogin(r.Context(), p.login.TokenHash)
	s.audit(r.Context(), store.AuditEvent{Actor: "tech:" + p.tech.Username, Action: "logout", Address: s.clientAddr(r)})
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
		writeError(w, http.StatusForbidden, "invalid_credentials", "the current password is wrong")
		return
	}
	if len(req.New) < auth.MinPasswordLen {
		writeError(w, http.StatusBadRequest, "weak_password", fmt.Sprintf("use at least %d characters", auth.MinPasswordLen))
		return
	}
	h, err := s.cfg.Password.Hash(req.New)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not change the password")
		return
	}
	p.tech.PasswordHash = h
	if err := s.st.UpdateTechnician(r.Context(), p.tech); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not change the password")
		return
	}
	s.audit(r.Context(), store.AuditEvent{Actor: "tech:" + p.tech.Username, Action: "user.password", Address: s.clientAddr(r)})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleTOTPSetup(w http.ResponseWriter, r *http.Request, p principal) {
	if p.tech.TOTPEnabled {
		writeError(w, http.StatusConflict, "totp_enabled", "disable the current second factor first")
		return
	}
	secret, u, err := auth.NewTOTP("Lifeline", p.tech.Username)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not create a TOTP secret")
		return
	}
	p.tech.TOTPSecret = secret
	if err := s.st.UpdateTechnician(r.Context(), p.tech); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not store the TOTP secret")
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
		writeError(w, http.StatusBadRequest, "invalid_code", "that code does not match; check the time on your phone and try again")
		return
	}
	p.tech.TOTPEnabled = true
	if err := s.st.UpdateTechnician(r.Context(), p.tech); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not enable the second factor")
		return
	}
	s.audit(r.Context(), store.AuditEvent{Actor: "tech:" + p.tech.Username, Action: "user.totp_enabled", Address: s.clientAddr(r)})
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
		writeError(w, http.StatusForbidden, "invalid_credentials", "the password is wrong")
		return
	}
	p.tech.TOTPEnabled, p.tech.TOTPSecret = false, ""
	if err := s.st.UpdateTechnician(r.Context(), p.tech); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not disable the second factor")
		return
	}
	s.audit(r.Context(), store.AuditEvent{Actor: "tech:" + p.tech.Username, Action: "user.totp_disabled", Address: s.clientAddr(r)})
	w.WriteHeader(http.StatusNoContent)
}

// --- queue

func (s *Server) handleRequests(w http.ResponseWriter, r *http.Request, p principal) {
	states := r.URL.Query()["state"]
	if len(states) == 0 {
		states = []string{store.StateWaiting}
	}
	rs, err := s.st.Requests(r.Context(), states...)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not load requests")
		return
	}
	out := make([]protocol.QueueItem, 0, len(rs))
	s.mu.Lock()
	for _, x := range rs {
		out = append(out, queueItem(x, s.byReq[x.ID] != nil))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleRequest(w http.ResponseWriter, r *http.Request, p principal) {
	x, err := s.st.Request(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no such request")
		return
	}
	s.mu.Lock()
	it := queueItem(x, s.byReq[x.ID] != nil)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, it)
}

func (s *Server) handleTake(w http.ResponseWriter, r *http.Request, p principal) {
	sid, err := s.take(r.Context(), p.tech, r.PathValue("id"), s.clientAddr(r))
	switch {
	case errors.Is(err, errTaken):
		writeError(w, http.StatusConflict, "taken", "another technician took this request")
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "no such request")
	case err != nil:
		s.log.Error("take request", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "could not take the request")
	default:
		writeJSON(w, http.StatusOK, map[string]string{"session_id": sid})
	}
}

// --- codes

func (s *Server) handleCreateCode(w http.ResponseWriter, r *http.Request, p principal) {
	code, err := codes.Generate(s.cfg.CodeDigits)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not create a code")
		return
	}
	now := s.now()
	c := store.Code{Hash: codes.Hash(code), TechID: p.tech.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.CodeTTL)}
	if err := s.st.CreateCode(r.Context(), &c); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not create a code")
		return
	}
	s.audit(r.Context(), store.AuditEvent{Actor: "tech:" + p.tech.Username, Action: "code.created", Address: s.clientAddr(r), Detail: fmt.Sprintf("code_id=%d", c.ID)})
	writeJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "code": code, "display": codes.Format(code), "expires_at": c.ExpiresAt})
}

func (s *Server) handleCancelCode(w http.ResponseWriter, r *http.Request, p principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || s.st.CancelCode(r.Context(), id, p.tech.ID) != nil {
		writeError(w, http.StatusNotFound, "not_found", "no such open code")
		return
	}
	s.audit(r.Context(), store.AuditEvent{Actor: "tech:" + p.tech.Username, Action: "code.cancelled", Address: s.clientAddr(r), Detail: fmt.Sprintf("code_id=%d", id)})
	w.WriteHeader(http.StatusNoContent)
}

// --- sessions

type sessionJSON struct {
	ID               string             `json:"id"`
	RequestID        string             `json:"request_id"`
	Technician       string             `json:"technician"`
	Source           string             `json:"source"`
	UserName         string             `json:"user_name"`
	Description      string             `json:"description"`
	StartedAt        time.Time          `json:"started_at"`
	EndedAt          *time.Time         `json:"ended_at,omitempty"`
	EndReason        protocol.EndReason `json:"end_reason,omitempty"`
	ViewGrantedAt    *time.Time         `json:"view_granted_at,omitempty"`
	ControlGrantedAt *time.Time         `json:"control_granted_at,omitempty"`
	DurationSeconds  int64              `json:"duration_s"`
	Notes            string             `json:"notes"`
	Category         string             `json:"category"`
	Live             bool               `json:"live"`
}

func tp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) sessionRecords(ctx context.Context, list []store.Session) ([]sessionJSON, error) {
	names := map[int64]string{}
	out := make([]sessionJSON, 0, len(list))
	for _, x := range list {
		if _, ok := names[x.TechID]; !ok {
			t, err := s.st.Technician(ctx, x.TechID)
			if err == nil {
				names[x.TechID] = t.Username
			}
		}
		r, _ := s.st.Request(ctx, x.RequestID)
		end := x.EndedAt
		if end.IsZero() {
			end = s.now()
		}
		s.mu.Lock()
		_, live := s.sessions[x.ID]
		s.mu.Unlock()
		out = append(out, sessionJSON{
			ID: x.ID, RequestID: x.RequestID, Technician: names[x.TechID], Source: r.Source, UserName: r.Name, Description: r.Description,
			StartedAt: x.StartedAt, EndedAt: tp(x.EndedAt), EndReason: x.EndReason, ViewGrantedAt: tp(x.ViewGrantedAt), ControlGrantedAt: tp(x.ControlGrantedAt),
			DurationSeconds: int64(end.Sub(x.StartedAt) / time.Second), Notes: x.Notes, Category: x.Category, Live: live,
		})
	}
	return out, nil
}

func parseTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, v)
}

func (s *Server) sessionFilter(r *http.Request) (store.SessionFilter, error) {
	q := r.URL.Query()
	var f store.SessionFilter
	var err error
	if f.Since, err = parseTime(q.Get("since")); err != nil {
		return f, err
	}
	if f.Until, err = parseTime(q.Get("until")); err != nil {
		return f, err
	}
	f.Query = q.Get("q")
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil {
			return f, err
		}
	}
	if v := q.Get("tech"); v != "" {
		t, err := s.st.TechnicianByName(r.Context(), v)
		if err != nil {
			return f, err
		}
		f.TechID = t.ID
	}
	return f, nil
}

func (s *Server) handleSessions(w http.ResponseWriter, r *http.Request, p principal) {
	f, err := s.sessionFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "bad filter: "+err.Error())
		return
	}
	if f.Limit == 0 {
		f.Limit = 200
	}
	s.writeSessions(w, r, f, "json")
}

func (s *Server) handleSessionsExport(w http.ResponseWriter, r *http.Request, p principal) {
	f, err := s.sessionFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "bad filter: "+err.Error())
		return
	}
	format := r.URL.Query().Get("format")
	if format != "csv" && format != "json" {
		writeError(w, http.StatusBadRequest, "bad_request", "format must be csv or json")
		return
	}
	w.Header().Set("Content-Disposition", "attachment; filename=lifeline-sessions."+format)
	s.writeSessions(w, r, f, format)
}

func (s *Server) writeSessions(w http.ResponseWriter, r *http.Request, f store.SessionFilter, format string) {
	list, err := s.st.Sessions(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not load sessions")
		return
	}
	recs, err := s.sessionRecords(r.Context(), list)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not load sessions")
		return
	}
	if format == "json" {
		writeJSON(w, http.StatusOK, recs)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "request_id", "technician", "source", "user_name", "description", "started_at", "ended_at", "end_reason", "view_granted_at", "control_granted_at", "duration_s", "category", "notes"})
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, x := range recs {
		cw.Write(csvSafe(x.ID, x.RequestID, x.Technician, x.Source, x.UserName, x.Description, x.StartedAt.UTC().Format(time.RFC3339), ts(x.EndedAt), string(x.EndReason),
			ts(x.ViewGrantedAt), ts(x.ControlGrantedAt), strconv.FormatInt(x.DurationSeconds, 10), x.Category, x.Notes))
	}
	cw.Flush()
}

// csvSafe neutralises spreadsheet formula injection in user-supplied cells.
func csvSafe(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}

func (s *Server) handleSession(w http.ResponseWriter, r *http.Request, p principal) {
	ctx := r.Context()
	x, err := s.st.Session(ctx, r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no such session")
		return
	}
	recs, _ := s.sessionRecords(ctx, []store.Session{x})
	req, _ := s.st.Request(ctx, x.RequestID)
	chat, _ := s.st.Chat(ctx, x.ID)
	timeline, _ := s.st.Audit(ctx, store.AuditFilter{SessionID: x.ID})
	if chat == nil {
		chat = []store.ChatMessage{}
	}
	if timeline == nil {
		timeline = []store.AuditEvent{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"session": recs[0], "request": queueItem(req, false), "transcript": chat, "timeline": timeline})
}

func (s *Server) handleEndSession(w http.ResponseWriter, r *http.Request, p principal) {
	s.mu.Lock()
	ls := s.sessions[r.PathValue("id")]
	s.mu.Unlock()
	if ls == nil || (ls.techID != p.tech.ID && !p.tech.Admin) {
		writeError(w, http.StatusNotFound, "not_found", "no such running session")
		return
	}
	s.endSession(r.Context(), ls, "tech", "tech:"+p.tech.Username, protocol.EndTechnician, false)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleNotes(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		Notes    string `json:"notes"`
		Category string `json:"category"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if len(req.Notes) > 16000 || len(req.Category) > 100 {
		writeError(w, http.StatusBadRequest, "bad_request", "notes ≤ 16000 bytes, category ≤ 100 bytes")
		return
	}
	ctx := r.Context()
	x, err := s.st.Session(ctx, r.PathValue("id"))
	if err != nil || (x.TechID != p.tech.ID && !p.tech.Admin) {
		writeError(w, http.StatusNotFound, "not_found", "no such session")
		return
	}
	if err := s.st.SetNotes(ctx, x.ID, req.Notes, req.Category); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not save the notes")
		return
	}
	s.audit(ctx, store.AuditEvent{Actor: "tech:" + p.tech.Username, Action: "session.notes", Address: s.clientAddr(r), RequestID: x.RequestID, SessionID: x.ID, Detail: "category=" + req.Category})
	w.WriteHeader(http.StatusNoContent)
}

// --- audit and outcomes

func auditFilter(r *http.Request) (store.AuditFilter, error) {
	q := r.URL.Query()
	f := store.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), SessionID: q.Get("session")}
	var err error
	if f.Since, err = parseTime(q.Get("since")); err != nil {
		return f, err
	}
	if f.Until, err = parseTime(q.Get("until")); err != nil {
		return f, err
	}
	if v := q.Get("limit"); v != "" {
		f.Limit, err = strconv.Atoi(v)
	}
	return f, err
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, p principal) {
	s.writeAudit(w, r, "json")
}

func (s *Server) handleAuditExport(w http.ResponseWriter, r *http.Request, p principal) {
	format := r.URL.Query().Get("format")
	if format != "csv" && format != "json" {
		writeError(w, http.StatusBadRequest, "bad_request", "format must be csv or json")
		return
	}
	w.Header().Set("Content-Disposition", "attachment; filename=lifeline-audit."+format)
	s.writeAudit(w, r, format)
}

func (s *Server) writeAudit(w http.ResponseWriter, r *http.Request, format string) {
	f, err := auditFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "bad filter: "+err.Error())
		return
	}
	evs, err := s.st.Audit(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not load the audit log")
		return
	}
	if evs == nil {
		evs = []store.AuditEvent{}
	}
	if format == "json" {
		writeJSON(w, http.StatusOK, evs)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "at", "actor", "action", "address", "request_id", "session_id", "detail"})
	for _, e := range evs {
		cw.Write(csvSafe(strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.Address, e.RequestID, e.SessionID, e.Detail))
	}
	cw.Flush()
}

func (s *Server) handleOutcomes(w http.ResponseWriter, r *http.Request, p principal) {
	since, err := parseTime(r.URL.Query().Get("since"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "since must be RFC 3339")
		return
	}
	if since.IsZero() {
		since = s.now().Add(-30 * 24 * time.Hour)
	}
	sum, err := s.st.OutcomeSummary(r.Context(), since)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not load outcomes")
		return
	}
	if sum == nil {
		sum = []store.OutcomeCount{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"since": since, "outcomes": sum})
}

// --- admin

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request, p principal) {
	ts, err := s.st.Technicians(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not load users")
		return
	}
	out := make([]userJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, toUserJSON(t))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		Username    string `json:"username"`
		DisplayName string `json:"display_name"`
		Password    string `json:"password"`
		Admin       bool   `json:"admin"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	t, err := CreateTechnician(r.Context(), s.st, s.cfg.Password, req.Username, req.DisplayName, req.Password, req.Admin, s.now())
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, store.ErrExists) {
			status = http.StatusConflict
		}
		writeError(w, status, "bad_request", err.Error())
		return
	}
	s.audit(r.Context(), store.AuditEvent{Actor: "tech:" + p.tech.Username, Action: "user.created", Address: s.clientAddr(r), Detail: "user=" + t.Username})
	writeJSON(w, http.StatusCreated, toUserJSON(t))
}

func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		DisplayName *string `json:"display_name"`
		Admin       *bool   `json:"admin"`
		Disabled    *bool   `json:"disabled"`
		Password    *string `json:"password"`
		ResetTOTP   bool    `json:"reset_totp"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	ctx := r.Context()
	t, err := s.st.Technician(ctx, id)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no such user")
		return
	}
	var changes []string
	if req.DisplayName != nil {
		t.DisplayName = *req.DisplayName
		changes = append(changes, "display_name")
	}
	if req.Admin != nil {
		t.Admin = *req.Admin
		changes = append(changes, fmt.Sprintf("admin=%t", t.Admin))
	}
	if req.Disabled != nil {
		t.Disabled = *req.Disabled
		changes = append(changes, fmt.Sprintf("disabled=%t", t.Disabled))
	}
	if req.Password != nil {
		if len(*req.Password) < auth.MinPasswordLen {
			writeError(w, http.StatusBadRequest, "weak_password", fmt.Sprintf("use at least %d characters", auth.MinPasswordLen))
			return
		}
		if t.PasswordHash, err = s.cfg.Password.Hash(*req.Password); err != nil {
			writeError(w, http.StatusInternalServerError, "internal", "could not set the password")
			return
		}
		changes = append(changes, "password")
	}
	if req.ResetTOTP {
		t.TOTPEnabled, t.TOTPSecret = false, ""
		changes = append(changes, "totp_reset")
	}
	if err := s.st.UpdateTechnician(ctx, t); err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not update the user")
		return
	}
	if t.Disabled || req.Password != nil {
		s.st.DeleteLogins(ctx, t.ID)
	}
	s.audit(ctx, store.AuditEvent{Actor: "tech:" + p.tech.Username, Action: "user.updated", Address: s.clientAddr(r), Detail: "user=" + t.Username + " " + strings.Join(changes, ",")})
	writeJSON(w, http.StatusOK, toUserJSON(t))
}
