package server

// The JSON API the console uses: routes, authentication and the helpers
// the resource files (api_*.go) share.

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/store"
)

const (
	csrfHeader = "X-CSRF-Token"
	maxBody    = 64 << 10
)

type principal struct {
	tech  store.Technician
	login store.Login
}

var errUnauthenticated = errors.New("unauthenticated")

func (s *Server) authenticate(r *http.Request) (principal, error) {
	token := s.loginToken(r)
	if token == "" {
		return principal{}, errUnauthenticated
	}
	ctx := r.Context()
	l, err := s.accounts.LoginByToken(ctx, auth.HashToken(token))
	if err != nil || !s.now().Before(l.ExpiresAt) {
		return principal{}, errUnauthenticated
	}
	t, err := s.accounts.Technician(ctx, l.TechID)
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
			writeError(w, http.StatusUnauthorized, apiUnauthenticated, "log in first")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			got := r.Header.Get(csrfHeader)
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.login.CSRF)) != 1 {
				writeError(w, http.StatusForbidden, apiCSRF, "missing or wrong "+csrfHeader+" header; reload the console")
				return
			}
		}
		if admin && !p.tech.Admin {
			writeError(w, http.StatusForbidden, apiForbidden, "administrators only")
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
	s.insightRoutes(mux) // api_insights.go

	mux.HandleFunc("GET /api/admin/users", s.authed(true, s.handleUsers))
	mux.HandleFunc("POST /api/admin/users", s.authed(true, s.handleCreateUser))
	mux.HandleFunc("PATCH /api/admin/users/{id}", s.authed(true, s.handleUpdateUser))

	s.guideRoutes(mux)     // api_guides.go
	s.recordingRoutes(mux) // recordings.go
}

// apiCode is the error code of a JSON API error reply (relay/API.md).
type apiCode string

// API error codes.
const (
	apiBadRequest         apiCode = "bad_request"
	apiCSRF               apiCode = "csrf"
	apiForbidden          apiCode = "forbidden"
	apiInternal           apiCode = "internal"
	apiInvalidCode        apiCode = "invalid_code"
	apiInvalidCredentials apiCode = "invalid_credentials"
	apiLocked             apiCode = "locked"
	apiNotFound           apiCode = "not_found"
	apiTaken              apiCode = "taken"
	apiTOTPEnabled        apiCode = "totp_enabled"
	apiTOTPRequired       apiCode = "totp_required"
	apiUnauthenticated    apiCode = "unauthenticated"
	apiWeakPassword       apiCode = "weak_password"
)

// JSON helpers

type apiError struct {
	Error        apiCode `json:"error"`
	Message      string  `json:"message,omitempty"`
	RetryAfterMS int64   `json:"retry_after_ms,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code apiCode, msg string) {
	writeJSON(w, status, apiError{Error: code, Message: msg})
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	return readJSONMax(w, r, v, maxBody)
}

// readJSONMax is readJSON for a body of up to limit bytes.
func readJSONMax(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, apiBadRequest, "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

func parseTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, v)
}
