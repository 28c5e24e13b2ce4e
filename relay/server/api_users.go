package server

// Technician accounts, managed by administrators.

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

type userJSON struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Admin       bool      `json:"admin"`
	Disabled    bool      `json:"disabled"`
	TOTPEnabled bool      `json:"totp_enabled"`
	CreatedAt   time.Time `json:"created_at"`
	// KnowledgeEditor may publish guides (api_guides.go).
	KnowledgeEditor bool `json:"knowledge_editor"`
}

func toUserJSON(t store.Technician) userJSON {
	return userJSON{ID: t.ID, Username: t.Username, DisplayName: displayName(t), Admin: t.Admin, Disabled: t.Disabled, TOTPEnabled: t.TOTPEnabled, CreatedAt: t.CreatedAt, KnowledgeEditor: t.KnowledgeEditor}
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request, p principal) {
	ts, err := s.accounts.Technicians(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not load users")
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
	t, err := CreateTechnician(r.Context(), s.accounts, s.cfg.Password, req.Username, req.DisplayName, req.Password, req.Admin, s.now())
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, store.ErrExists) {
			status = http.StatusConflict
		}
		writeError(w, status, apiBadRequest, err.Error())
		return
	}
	s.audit(r.Context(), store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditUserCreated, Address: s.clientAddr(r), Detail: "user=" + t.Username})
	writeJSON(w, http.StatusCreated, toUserJSON(t))
}

func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request, p principal) {
	var req struct {
		DisplayName *string `json:"display_name"`
		Admin       *bool   `json:"admin"`
		Disabled    *bool   `json:"disabled"`
		Password    *string `json:"password"`
		ResetTOTP   bool    `json:"reset_totp"`
		// KnowledgeEditor gives or takes the guide publishing role.
		KnowledgeEditor *bool `json:"knowledge_editor"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	ctx := r.Context()
	if _, err := s.accounts.Technician(ctx, id); err != nil {
		writeError(w, http.StatusNotFound, apiNotFound, "no such user")
		return
	}
	// Only the columns this request changes are written: a concurrent
	// change of another column (a password change) cannot undo it.
	var patch store.TechnicianPatch
	var changes []string
	if req.DisplayName != nil {
		if len(*req.DisplayName) > 100 {
			writeError(w, http.StatusBadRequest, apiBadRequest, "display name: at most 100 characters")
			return
		}
		patch.DisplayName = req.DisplayName
		changes = append(changes, "display_name")
	}
	if req.Admin != nil {
		patch.Admin = req.Admin
		changes = append(changes, fmt.Sprintf("admin=%t", *req.Admin))
	}
	if req.Disabled != nil {
		patch.Disabled = req.Disabled
		changes = append(changes, fmt.Sprintf("disabled=%t", *req.Disabled))
	}
	if req.KnowledgeEditor != nil {
		patch.KnowledgeEditor = req.KnowledgeEditor
		changes = append(changes, fmt.Sprintf("knowledge_editor=%t", *req.KnowledgeEditor))
	}
	if req.Password != nil {
		h, ok := s.hashNew(w, r, *req.Password)
		if !ok {
			return
		}
		patch.PasswordHash = &h
		changes = append(changes, "password")
	}
	if req.ResetTOTP {
		off, none := false, ""
		patch.TOTPEnabled, patch.TOTPSecret = &off, &none
		changes = append(changes, "totp_reset")
	}
	t, err := s.patch(ctx, id, patch)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not update the user")
		return
	}
	// Disabling, a new password and demotion end the account's logins,
	// console sockets and live sessions at once.
	if why := revokeReason(req.Disabled, req.Password != nil, req.Admin); why != "" {
		s.revoke(ctx, t, nil, why)
	}
	s.audit(ctx, store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditUserUpdated, Address: s.clientAddr(r), Detail: "user=" + t.Username + " " + strings.Join(changes, ",")})
	writeJSON(w, http.StatusOK, toUserJSON(t))
}

// revokeReason says why an admin change revokes the account's access, or "".
func revokeReason(disabled *bool, password bool, admin *bool) string {
	switch {
	case disabled != nil && *disabled:
		return "disabled"
	case password:
		return "password reset by an administrator"
	case admin != nil && !*admin:
		return "demoted"
	}
	return ""
}
