package server

// Session records: list, search, export, detail, end a running one, notes.

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

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

func (s *Server) sessionRecords(ctx context.Context, list []store.Session) []sessionJSON {
	names := map[int64]string{}
	out := make([]sessionJSON, 0, len(list))
	for _, x := range list {
		if _, ok := names[x.TechID]; !ok {
			t, err := s.accounts.Technician(ctx, x.TechID)
			if err == nil {
				names[x.TechID] = t.Username
			}
		}
		r, _ := s.queue.Request(ctx, x.RequestID)
		end := x.EndedAt
		if end.IsZero() {
			end = s.now()
		}
		out = append(out, sessionJSON{
			ID: x.ID, RequestID: x.RequestID, Technician: names[x.TechID], Source: r.Source, UserName: r.Name, Description: r.Description,
			StartedAt: x.StartedAt, EndedAt: tp(x.EndedAt), EndReason: x.EndReason, ViewGrantedAt: tp(x.ViewGrantedAt), ControlGrantedAt: tp(x.ControlGrantedAt),
			DurationSeconds: int64(end.Sub(x.StartedAt) / time.Second), Notes: x.Notes, Category: x.Category, Live: s.hub.isLive(x.ID),
		})
	}
	return out
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
		t, err := s.accounts.TechnicianByName(r.Context(), v)
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
		badFilter(w, err)
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
		badFilter(w, err)
		return
	}
	if format, ok := exportFormat(w, r, "lifeline-sessions"); ok {
		s.writeSessions(w, r, f, format)
	}
}

func (s *Server) writeSessions(w http.ResponseWriter, r *http.Request, f store.SessionFilter, format string) {
	list, err := s.records.Sessions(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not load sessions")
		return
	}
	writeRecords(w, format, s.sessionRecords(r.Context(), list), sessionCSV)
}

var sessionCSV = csvTable[sessionJSON]{
	header: []string{"id", "request_id", "technician", "source", "user_name", "description", "started_at", "ended_at", "end_reason", "view_granted_at", "control_granted_at", "duration_s", "category", "notes"},
	row: func(x sessionJSON) []string {
		ts := func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		}
		return []string{x.ID, x.RequestID, x.Technician, x.Source, x.UserName, x.Description, x.StartedAt.UTC().Format(time.RFC3339), ts(x.EndedAt), string(x.EndReason),
			ts(x.ViewGrantedAt), ts(x.ControlGrantedAt), strconv.FormatInt(x.DurationSeconds, 10), x.Category, x.Notes}
	},
}

func (s *Server) handleSession(w http.ResponseWriter, r *http.Request, p principal) {
	ctx := r.Context()
	x, err := s.records.Session(ctx, r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, apiNotFound, "no such session")
		return
	}
	recs := s.sessionRecords(ctx, []store.Session{x})
	req, _ := s.queue.Request(ctx, x.RequestID)
	chat, _ := s.records.Chat(ctx, x.ID)
	timeline, _ := s.auditLog.Audit(ctx, store.AuditFilter{SessionID: x.ID})
	if chat == nil {
		chat = []store.ChatMessage{}
	}
	if timeline == nil {
		timeline = []store.AuditEvent{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"session": recs[0], "request": queueItem(req, false), "transcript": chat, "timeline": timeline,
		"followup":  s.sessionFollowup(ctx, x.RequestID, x.ID), // followup.go
		"recording": s.sessionRecording(ctx, x, p)})            // recordings.go
}

func (s *Server) handleEndSession(w http.ResponseWriter, r *http.Request, p principal) {
	ls := s.hub.session(r.PathValue("id"))
	if ls == nil || (ls.techID != p.tech.ID && !p.tech.Admin) {
		writeError(w, http.StatusNotFound, apiNotFound, "no such running session")
		return
	}
	s.endSession(r.Context(), ls, partyTech, protocol.TechActor(p.tech.Username), protocol.EndTechnician, false)
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
		writeError(w, http.StatusBadRequest, apiBadRequest, "notes ≤ 16000 bytes, category ≤ 100 bytes")
		return
	}
	ctx := r.Context()
	x, err := s.records.Session(ctx, r.PathValue("id"))
	if err != nil || (x.TechID != p.tech.ID && !p.tech.Admin) {
		writeError(w, http.StatusNotFound, apiNotFound, "no such session")
		return
	}
	if err := s.records.SetNotes(ctx, x.ID, req.Notes, req.Category); err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not save the notes")
		return
	}
	s.audit(ctx, store.AuditEvent{Actor: protocol.TechActor(p.tech.Username), Action: protocol.AuditSessionNotes, Address: s.clientAddr(r), RequestID: x.RequestID, SessionID: x.ID, Detail: "category=" + req.Category})
	w.WriteHeader(http.StatusNoContent)
}
