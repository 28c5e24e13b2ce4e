package server

// One-time codes a technician reads out to a user.

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/lifeline-desk/lifeline/relay/codes"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// codeHash is the stored form of a one-time code: HMAC-SHA256 under the
// key derived from the relay's key file.
func (s *Server) codeHash(code string) []byte { return s.acct.codes.Hash(code) }

func (s *Server) handleCreateCode(w http.ResponseWriter, r *http.Request, p principal) {
	code, err := codes.Generate(s.cfg.CodeDigits)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not create a code")
		return
	}
	now := s.now()
	c := store.Code{Hash: s.codeHash(code), TechID: p.tech.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.CodeTTL)}
	if err := s.codeBook.CreateCode(r.Context(), &c); err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not create a code")
		return
	}
	s.audit(r.Context(), store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditCodeCreated, Address: s.clientAddr(r), Detail: fmt.Sprintf("code_id=%d", c.ID)})
	writeJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "code": code, "display": codes.Format(code), "expires_at": c.ExpiresAt})
}

func (s *Server) handleCancelCode(w http.ResponseWriter, r *http.Request, p principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || s.codeBook.CancelCode(r.Context(), id, p.tech.ID) != nil {
		writeError(w, http.StatusNotFound, apiNotFound, "no such open code")
		return
	}
	s.audit(r.Context(), store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditCodeCancelled, Address: s.clientAddr(r), Detail: fmt.Sprintf("code_id=%d", id)})
	w.WriteHeader(http.StatusNoContent)
}
