package server

import (
	"context"
	"net/http"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// techConn is one console socket of a logged-in technician.
type techConn struct {
	*wsConn
	tech store.Technician
}

func (s *Server) handleTechWS(w http.ResponseWriter, r *http.Request) {
	p, err := s.authenticate(r)
	if err != nil {
		writeError(w, http.StatusUnauthorized, "unauthenticated", "log in first")
		return
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		http.Error(w, "relay is shutting down", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	// Origin must be the relay's own host (or an allowed pattern): a page on
	// another site cannot drive a technician's console socket.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.cfg.OriginPatterns})
	if err != nil {
		return
	}
	tc := &techConn{wsConn: s.newConn(ws, r, "tech"), tech: p.tech}
	ctx := context.WithoutCancel(r.Context())
	// Load the queue and register the socket in one critical section:
	// broadcasts run under s.mu, so every request is either in the
	// snapshot or announced after it (a request created between a load
	// and a later registration would otherwise never reach this console).
	s.mu.Lock()
	waiting, err := s.st.Requests(ctx, store.StateWaiting)
	if err != nil {
		s.mu.Unlock()
		s.log.Error("load queue", "err", err)
		ws.Close(websocket.StatusInternalError, "storage unavailable")
		return
	}
	if s.techs[p.tech.ID] == nil {
		s.techs[p.tech.ID] = make(map[*techConn]struct{})
	}
	s.techs[p.tech.ID][tc] = struct{}{}
	snap := protocol.QueueSnapshot{Requests: make([]protocol.QueueItem, 0, len(waiting))}
	for _, r := range waiting {
		snap.Requests = append(snap.Requests, queueItem(r, s.byReq[r.ID] != nil))
	}
	tc.enqueue(s.encode(protocol.TypeQueueSnapshot, "", "", &snap))
	var mine []*liveSession
	for _, ls := range s.sessions {
		if ls.techID == p.tech.ID {
			mine = append(mine, ls)
		}
	}
	s.mu.Unlock()
	// Re-announce this technician's running sessions (console reload).
	for _, ls := range mine {
		r, err := s.st.Request(ctx, ls.requestID)
		if err != nil {
			continue
		}
		s.mu.Lock()
		if s.sessions[ls.id] == ls {
			it := queueItem(r, ls.client != nil)
			tc.enqueue(s.encode(protocol.TypeSessionStart, "", ls.id, &protocol.SessionStart{
				SessionID: ls.id, RequestID: ls.requestID, Peer: ls.userName, Role: protocol.RoleAnswerer, ICEServers: s.iceServers(ls.id), Request: &it,
			}))
		}
		s.mu.Unlock()
	}
	tc.run(func(m protocol.Message) { s.handleTech(tc, m) }, func() {
		s.mu.Lock()
		delete(s.techs[p.tech.ID], tc)
		if len(s.techs[p.tech.ID]) == 0 {
			delete(s.techs, p.tech.ID)
		}
		s.mu.Unlock()
	})
}

func (s *Server) handleTech(tc *techConn, m protocol.Message) {
	spec := protocol.Specs[m.Type]
	if spec.From&protocol.FromTech == 0 || !spec.Session {
		tc.replyError(m.ID, protocol.CodeNotAllowed, string(m.Type)+" is not sent by technicians")
		return
	}
	s.mu.Lock()
	ls := s.sessions[m.Session]
	s.mu.Unlock()
	if ls == nil || ls.techID != tc.tech.ID {
		tc.replyError(m.ID, protocol.CodeNotAllowed, "no such session for this technician")
		return
	}
	s.relaySessionMessage(tc.ctx, ls, true, "tech:"+tc.tech.Username, tc.addr, m, func(code protocol.ErrorCode, msg string) { tc.replyError(m.ID, code, msg) })
}
