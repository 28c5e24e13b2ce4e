package server

// The help-request queue: list, look at, take.

import (
	"errors"
	"net/http"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

func (s *Server) handleRequests(w http.ResponseWriter, r *http.Request, p principal) {
	states := r.URL.Query()["state"]
	if len(states) == 0 {
		states = []string{store.StateWaiting}
	}
	rs, err := s.queue.Requests(r.Context(), states...)
	if err != nil {
		writeError(w, http.StatusInternalServerError, apiInternal, "could not load requests")
		return
	}
	out := make([]protocol.QueueItem, 0, len(rs))
	for _, x := range rs {
		out = append(out, queueItem(x, s.hub.online(x.ID)))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleRequest(w http.ResponseWriter, r *http.Request, p principal) {
	x, err := s.queue.Request(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusNotFound, apiNotFound, "no such request")
		return
	}
	writeJSON(w, http.StatusOK, queueItem(x, s.hub.online(x.ID)))
}

func (s *Server) handleTake(w http.ResponseWriter, r *http.Request, p principal) {
	sid, err := s.take(r.Context(), p.tech, r.PathValue("id"), s.clientAddr(r))
	switch {
	case errors.Is(err, errTaken):
		writeError(w, http.StatusConflict, apiTaken, "another technician took this request")
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, apiNotFound, "no such request")
	case err != nil:
		s.log.Error("take request", "err", err)
		writeError(w, http.StatusInternalServerError, apiInternal, "could not take the request")
	default:
		writeJSON(w, http.StatusOK, map[string]string{"session_id": sid})
	}
}
