package server

// The audit log (administrators) and the self-help outcome summary.

import (
	"net/http"
	"strconv"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

func auditFilter(r *http.Request) (store.AuditFilter, error) {
	q := r.URL.Query()
	f := store.AuditFilter{Actor: protocol.Actor(q.Get("actor")), Action: protocol.AuditAction(q.Get("action")), SessionID: q.Get("session")}
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
	if format, ok := exportFormat(w, r, "lifeline-audit"); ok {
		s.writeAudit(w, r, format)
	}
}

func (s *Server) writeAudit(w http.ResponseWriter, r *http.Request, format string) {
	f, err := auditFilter(r)
	if err != nil {
		badFilter(w, err)
		return
	}
	evs, err := s.auditLog.Audit(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not load the audit log")
		return
	}
	writeRecords(w, format, evs, auditCSV)
}

var auditCSV = csvTable[store.AuditEvent]{
	header: []string{"id", "at", "actor", "action", "address", "request_id", "session_id", "detail"},
	row: func(e store.AuditEvent) []string {
		return []string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), string(e.Actor), string(e.Action), e.Address, e.RequestID, e.SessionID, e.Detail}
	},
}

func (s *Server) handleOutcomes(w http.ResponseWriter, r *http.Request, p principal) {
	since, err := parseTime(r.URL.Query().Get("since"))
	if err != nil {
		writeError(w, http.StatusBadRequest, apiBadRequest, "since must be RFC 3339")
		return
	}
	if since.IsZero() {
		since = s.now().Add(-30 * 24 * time.Hour)
	}
	sum, err := s.outcomes.OutcomeSummary(r.Context(), since)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not load outcomes")
		return
	}
	if sum == nil {
		sum = []store.OutcomeCount{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"since": since, "outcomes": sum})
}
