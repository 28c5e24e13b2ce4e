package server

import (
	"context"
	"fmt"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// DefaultTechGrace is how long a running session waits for its
// technician's console to come back before it ends.
const DefaultTechGrace = 60 * time.Second

// away is a session's record of its technician's absence: since when no
// console of the technician is connected, and the channel closed when one
// comes back (the grace timer's stop). Guarded by hub.mu; zero while a
// console is connected.
type away struct {
	since time.Time
	back  chan struct{}
}

// techGone unregisters a console socket. When it was its technician's
// last one, each of the technician's running sessions waits
// Config.TechGrace for a console to come back (session.away tells the
// desktop so), then ends with EndTechnicianLost.
func (s *Server) techGone(tc *techConn) {
	gone := s.hub.removeTechAway(tc, s.now(), s.encodeAway())
	for _, g := range gone {
		s.log.Info("technician's console gone; session waits for it", "session", g.ls.id, "technician", tc.tech.Username, "grace", s.cfg.TechGrace)
		s.wg.Add(1)
		go s.awaitTech(g.ls, g.back)
	}
}

func (s *Server) encodeAway() func(sessionID string) []byte {
	grace := int((s.cfg.TechGrace + time.Second - 1) / time.Second)
	return func(id string) []byte {
		return s.encode(protocol.TypeSessionAway, "", id, &protocol.SessionAway{GraceSeconds: grace})
	}
}

// awaitTech ends ls unless its technician's console is back within the
// grace period (back is closed) or the relay shuts down.
func (s *Server) awaitTech(ls *liveSession, back chan struct{}) {
	defer s.wg.Done()
	t := time.NewTimer(s.cfg.TechGrace)
	defer t.Stop()
	select {
	case <-s.ctx.Done():
		return
	case <-back:
		return
	case <-t.C:
	}
	if !s.hub.stillAway(ls, back) {
		return
	}
	s.log.Info("technician did not come back; ending the session", "session", ls.id, "grace", s.cfg.TechGrace)
	s.endSession(s.ctx, ls, partyRelay, protocol.ActorRelay, protocol.EndTechnicianLost, false)
}

// techBack runs once a console socket is admitted: each running session
// of its technician resumes. The desktop is told (session.resume, which
// stops the grace timer) and the reconnection is audited; the console
// itself got session.start with the consent state (hub.addTech) and asks
// the desktop for a new offer (signal.restart) if viewing was granted.
func (s *Server) techBack(tc *techConn) {
	now := s.now()
	for _, b := range s.hub.resumeTech(tc.tech.ID, now, func(id string, awayFor time.Duration) []byte {
		return s.encode(protocol.TypeSessionResume, "", id, &protocol.SessionResume{AwaySeconds: int(awayFor.Round(time.Second) / time.Second)})
	}) {
		detail := "console connected again"
		if b.wasAway {
			detail = fmt.Sprintf("away=%s", b.awayFor.Round(100*time.Millisecond))
		}
		s.log.Info("technician reconnected to a session", "session", b.ls.id, "technician", tc.tech.Username, "detail", detail)
		s.audit(context.WithoutCancel(tc.ctx), store.AuditEvent{At: now, Actor: protocol.TechActor(tc.tech.Username), Action: protocol.AuditSessionReconnected,
			Address: tc.addr, RequestID: b.ls.requestID, SessionID: b.ls.id, Detail: detail})
	}
}

// goneSession is a session whose technician's last console went away.
type goneSession struct {
	ls   *liveSession
	back chan struct{}
}

// removeTechAway unregisters tc; if it was its technician's last console,
// the technician's running sessions are marked away (since now) and their
// desktops told with encode(session id). It returns those sessions.
func (h *hub) removeTechAway(tc *techConn, now time.Time, encode func(sessionID string) []byte) []goneSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := tc.tech.ID
	if _, ok := h.techs[id][tc]; !ok {
		return nil
	}
	delete(h.techs[id], tc)
	if len(h.techs[id]) > 0 {
		return nil
	}
	delete(h.techs, id)
	if h.closing {
		return nil
	}
	var gone []goneSession
	for _, ls := range h.sessions {
		if ls.techID != id || ls.away.back != nil {
			continue
		}
		ls.away = away{since: now, back: make(chan struct{})}
		gone = append(gone, goneSession{ls: ls, back: ls.away.back})
		if ls.client != nil {
			ls.client.enqueue(encode(ls.id))
		}
	}
	return gone
}

// stillAway reports whether ls is still running and waiting for the
// absence that back belongs to.
func (h *hub) stillAway(ls *liveSession, back chan struct{}) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sessions[ls.id] == ls && ls.away.back == back
}

// resumed is a session whose technician's console connected again.
type resumed struct {
	ls      *liveSession
	wasAway bool
	awayFor time.Duration
}

// resumeTech ends the absence of technician techID from each of its
// running sessions and tells their desktops with encode; it returns the
// sessions.
func (h *hub) resumeTech(techID int64, now time.Time, encode func(sessionID string, awayFor time.Duration) []byte) []resumed {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return nil
	}
	var out []resumed
	for _, ls := range h.sessions {
		if ls.techID != techID {
			continue
		}
		r := resumed{ls: ls}
		if ls.away.back != nil {
			r.wasAway, r.awayFor = true, now.Sub(ls.away.since)
			close(ls.away.back)
			ls.away = away{}
		}
		if ls.client != nil {
			ls.client.enqueue(encode(ls.id, r.awayFor))
		}
		out = append(out, r)
	}
	return out
}
