package server

import (
	"fmt"
	"net/http"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// techConn is one console socket of a logged-in technician.
type techConn struct {
	*wsConn
	tech  store.Technician
	login []byte // the login's token hash, re-checked against the store (loginwatch.go)
}

func (s *Server) handleTechWS(w http.ResponseWriter, r *http.Request) {
	p, err := s.authenticate(r)
	if err != nil {
		writeError(w, http.StatusUnauthorized, apiUnauthenticated, "log in first")
		return
	}
	if !s.hub.admit(&s.wg) {
		http.Error(w, "relay is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	release, ok := s.hub.guard.openConn("tech", s.clientAddr(r))
	if !ok {
		refuseConn(w)
		return
	}
	defer release()

	// Origin must be the relay's own host (or an allowed pattern): a page on
	// another site cannot drive a technician's console socket.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.cfg.OriginPatterns})
	if err != nil {
		return
	}
	tc := &techConn{wsConn: s.newConn(ws, r, "tech"), tech: p.tech, login: p.login.TokenHash}
	if s.acct.beforeConsole != nil {
		s.acct.beforeConsole()
	}
	// The queue snapshot, then this technician's running sessions again
	// (a console reload), all from memory.
	s.hub.addTech(tc)
	// The login may have been revoked since authenticate read it (an
	// upgrade in flight): a revocation deletes the logins before it
	// drops the sockets it finds, so a socket registered too late for
	// that sees the deletion here. Nothing has been sent yet (the writer
	// starts in run), so a revoked console gets no queue.
	if ok, _ := s.loginLive(r.Context(), tc); !ok {
		s.hub.removeTechIfPresent(tc)
		tc.fatal("", protocol.CodeNotAllowed, msgSignedOut, websocket.StatusPolicyViolation)
		tc.cancel()
		tc.readCancel()
		ws.CloseNow()
		s.log.Info("console refused: its login ended during the upgrade", "user", tc.tech.Username)
		return
	}
	s.techBack(tc) // reconnect.go: its running sessions resume
	tc.run(func(m protocol.Message) { s.handleTech(tc, m) }, func() { s.techGone(tc) })
}

func (s *Server) handleTech(tc *techConn, m protocol.Message) {
	spec, _ := protocol.SpecOf(m.Type)
	if spec.From&protocol.FromTech == 0 || !spec.Session {
		tc.replyError(m.ID, protocol.CodeNotAllowed, fmt.Sprintf("%s is not sent by technicians", m.Type))
		return
	}
	ls := s.hub.session(m.Session)
	if ls == nil || ls.techID != tc.tech.ID {
		tc.replyError(m.ID, protocol.CodeNotAllowed, "no such session for this technician")
		return
	}
	// Each session step is taken on a login that is valid now, even one
	// revoked by another process a moment ago (checkLogins then closes
	// the socket and, if no login is left, ends the sessions).
	if ok, err := s.loginLive(tc.ctx, tc); err != nil {
		tc.replyError(m.ID, protocol.CodeInternal, "the relay could not check your sign-in; try again")
		return
	} else if !ok {
		tc.replyError(m.ID, protocol.CodeNotAllowed, msgSignedOut)
		s.checkLogins(tc.ctx)
		return
	}
	s.relaySessionMessage(tc.ctx, ls, true, protocol.TechActor(tc.tech.Username), tc.addr, m, func(code protocol.ErrorCode, msg string) { tc.replyError(m.ID, code, msg) })
}
