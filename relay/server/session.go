package server

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
	"github.com/lifeline-desk/lifeline/relay/turnserver"
)

// liveSession is a running session; all fields but the constants are
// guarded by Server.mu.
type liveSession struct {
	id, requestID string
	techID        int64
	techName      string // display name
	techUser      string
	userName      string
	started       time.Time

	client           *clientConn // nil while the client is away
	viewRequested    bool
	viewGranted      bool
	controlRequested bool
	controlGranted   bool
}

func displayName(t store.Technician) string {
	if t.DisplayName != "" {
		return t.DisplayName
	}
	return t.Username
}

func (s *Server) iceServers(sessionID string) []protocol.ICEServer {
	if len(s.cfg.TURNURLs) == 0 || len(s.cfg.TURNSecret) == 0 {
		return []protocol.ICEServer{}
	}
	user, pass := turnserver.Credentials(s.cfg.TURNSecret, sessionID, s.cfg.TURNTTL, s.now())
	return []protocol.ICEServer{{URLs: slices.Clone(s.cfg.TURNURLs), Username: user, Credential: pass}}
}

func queueItem(r store.Request, online bool) protocol.QueueItem {
	it := protocol.QueueItem{
		ID: r.ID, State: r.State, Source: r.Source, CreatedAt: r.CreatedAt, Online: online, SessionID: r.SessionID,
		Name: r.Name, Contact: r.Contact, Description: r.Description, OS: r.OS, AppVersion: r.AppVersion,
	}
	if len(r.Guide) > 0 {
		it.Guide = new(protocol.GuideContext)
		if json.Unmarshal(r.Guide, it.Guide) != nil {
			it.Guide = nil
		}
	}
	if len(r.Diagnostics) > 0 {
		_ = json.Unmarshal(r.Diagnostics, &it.Diagnostics)
	}
	return it
}

func (s *Server) positionLocked(reqID string) int {
	return slices.Index(s.waiting, reqID) + 1
}

// removeWaitingLocked drops a request from the queue and tells the clients
// behind it their new position.
func (s *Server) removeWaitingLocked(reqID string) {
	i := slices.Index(s.waiting, reqID)
	if i < 0 {
		return
	}
	s.waiting = slices.Delete(s.waiting, i, i+1)
	for j := i; j < len(s.waiting); j++ {
		if c := s.byReq[s.waiting[j]]; c != nil {
			c.enqueue(s.encode(protocol.TypeRequestPosition, "", "", &protocol.QueuePosition{RequestID: s.waiting[j], Position: j + 1}))
		}
	}
}

func (s *Server) broadcastTechsLocked(b []byte) {
	for _, conns := range s.techs {
		for tc := range conns {
			tc.enqueue(b)
		}
	}
}

func (s *Server) sendTechLocked(techID int64, b []byte) {
	for tc := range s.techs[techID] {
		tc.enqueue(b)
	}
}

// pushRequestUpdate sends the current state of a request to every console.
func (s *Server) pushRequestUpdate(ctx context.Context, reqID string) {
	r, err := s.st.Request(context.WithoutCancel(ctx), reqID)
	if err != nil {
		s.log.Error("load request", "request", reqID, "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it := queueItem(r, s.byReq[reqID] != nil)
	s.broadcastTechsLocked(s.encode(protocol.TypeQueueUpdated, "", "", &it))
}

func (s *Server) sendTechSessionStartLocked(ls *liveSession, it protocol.QueueItem) {
	peer := ls.userName
	if peer == "" {
		peer = "user"
	}
	s.sendTechLocked(ls.techID, s.encode(protocol.TypeSessionStart, "", ls.id, &protocol.SessionStart{
		SessionID: ls.id, RequestID: ls.requestID, Peer: peer, Role: protocol.RoleAnswerer, ICEServers: s.iceServers(ls.id), Request: &it,
	}))
}

// errTaken is returned by take when another technician was faster.
var errTaken = errors.New("request already taken")

// take moves a waiting request to a new session of tech (atomic in the store).
func (s *Server) take(ctx context.Context, tech store.Technician, reqID, addr string) (string, error) {
	r, err := s.st.Request(ctx, reqID)
	if err != nil {
		return "", err
	}
	now := s.now()
	sess := store.Session{ID: newID("s"), RequestID: reqID, TechID: tech.ID, StartedAt: now}
	if err := s.st.TakeRequest(ctx, sess, now); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return "", errTaken
		}
		return "", err
	}
	actor := "tech:" + tech.Username
	s.log.Info("request taken", "request", reqID, "session", sess.ID, "technician", tech.Username)
	s.audit(ctx, store.AuditEvent{Actor: actor, Action: "request.taken", Address: addr, RequestID: reqID, SessionID: sess.ID})
	s.audit(ctx, store.AuditEvent{Actor: actor, Action: "session.start", Address: addr, RequestID: reqID, SessionID: sess.ID, Detail: "source=" + r.Source})
	r.State, r.TakenBy, r.SessionID = store.StateTaken, tech.ID, sess.ID
	ls := &liveSession{id: sess.ID, requestID: reqID, techID: tech.ID, techName: displayName(tech), techUser: tech.Username, userName: r.Name, started: now}
	s.mu.Lock()
	s.removeWaitingLocked(reqID)
	s.sessions[ls.id] = ls
	c := s.byReq[reqID]
	if c != nil {
		s.attachLocked(ls, c)
	}
	it := queueItem(r, c != nil)
	it.TakenBy = ls.techName
	s.broadcastTechsLocked(s.encode(protocol.TypeQueueUpdated, "", "", &it))
	s.sendTechSessionStartLocked(ls, it)
	s.mu.Unlock()
	if c != nil {
		s.setState(ctx, reqID, store.StateInSession, store.StateTaken)
	}
	return sess.ID, nil
}

// checkSessionMessage applies the consent state machine to a session
// message from one party; it returns "" if allowed, else the reason.
// Called with s.mu held.
func checkSessionMessage(ls *liveSession, t protocol.Type) string {
	switch t {
	case protocol.TypeViewRequest:
		if ls.viewGranted || ls.viewRequested {
			return "viewing was already requested or granted"
		}
		ls.viewRequested = true
	case protocol.TypeViewGrant, protocol.TypeViewDeny:
		if !ls.viewRequested {
			return "viewing was not requested"
		}
		ls.viewRequested = false
		ls.viewGranted = t == protocol.TypeViewGrant
	case protocol.TypeControlRequest:
		if !ls.viewGranted || ls.controlGranted || ls.controlRequested {
			return "control needs viewing first and can be requested once at a time"
		}
		ls.controlRequested = true
	case protocol.TypeControlGrant, protocol.TypeControlDeny:
		if !ls.controlRequested {
			return "control was not requested"
		}
		ls.controlRequested = false
		ls.controlGranted = t == protocol.TypeControlGrant
	case protocol.TypeControlRevoke:
		if !ls.controlGranted {
			return "control is not granted"
		}
		ls.controlGranted = false
	case protocol.TypeOffer, protocol.TypeAnswer, protocol.TypeCandidate:
		if !ls.viewGranted {
			return "no media before the user allowed viewing"
		}
	}
	return ""
}

func isConsent(t protocol.Type) bool {
	switch t {
	case protocol.TypeViewRequest, protocol.TypeViewGrant, protocol.TypeViewDeny,
		protocol.TypeControlRequest, protocol.TypeControlGrant, protocol.TypeControlDeny, protocol.TypeControlRevoke:
		return true
	}
	return false
}

// relaySessionMessage handles a session message from either party. fromTech
// tells which; ls is the session the sender may address.
func (s *Server) relaySessionMessage(ctx context.Context, ls *liveSession, fromTech bool, actor, addr string, m protocol.Message, reply func(code protocol.ErrorCode, msg string)) {
	if m.Type == protocol.TypeSessionEnd {
		reason := m.Payload.(*protocol.SessionEnd).Reason
		if reason == "" {
			reason = protocol.EndUser
			if fromTech {
				reason = protocol.EndTechnician
			}
		}
		kind := "user"
		if fromTech {
			kind = "tech"
		}
		s.endSession(ctx, ls, kind, actor, reason, false)
		return
	}
	now := s.now()
	s.mu.Lock()
	if s.sessions[ls.id] != ls {
		s.mu.Unlock()
		reply(protocol.CodeNotAllowed, "the session has ended")
		return
	}
	if !fromTech && ls.client == nil {
		s.mu.Unlock()
		reply(protocol.CodeNotAllowed, "not part of this session")
		return
	}
	if fromTech && ls.client == nil {
		s.mu.Unlock()
		reply(protocol.CodeNotAllowed, "the user is not connected")
		return
	}
	if why := checkSessionMessage(ls, m.Type); why != "" {
		s.mu.Unlock()
		reply(protocol.CodeNotAllowed, why)
		return
	}
	payload := m.Payload
	switch p := payload.(type) {
	case *protocol.Consent:
		p.By = ls.userName
		if fromTech {
			p.By = ls.techName
		}
	case *protocol.Chat:
		p.From, p.At = ls.userName, now
		if fromTech {
			p.From = ls.techName
		}
	}
	b := s.encode(m.Type, "", ls.id, payload)
	s.mu.Unlock()

	// Record before forwarding: what a party sees is already in the log.
	switch {
	case isConsent(m.Type):
		s.audit(ctx, store.AuditEvent{At: now, Actor: actor, Action: string(m.Type), Address: addr, RequestID: ls.requestID, SessionID: ls.id,
			Detail: string(m.Payload.(*protocol.Consent).Reason)})
		if m.Type == protocol.TypeViewGrant || m.Type == protocol.TypeControlGrant {
			if err := s.st.MarkGrant(context.WithoutCancel(ctx), ls.id, m.Type == protocol.TypeControlGrant, now); err != nil {
				s.log.Error("record grant", "session", ls.id, "err", err)
			}
		}
	case m.Type == protocol.TypeChat:
		ch := m.Payload.(*protocol.Chat)
		if err := s.st.AddChat(context.WithoutCancel(ctx), store.ChatMessage{SessionID: ls.id, At: now, Sender: actor, Text: ch.Text}); err != nil {
			s.log.Error("store chat", "session", ls.id, "err", err)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[ls.id] != ls {
		return // ended meanwhile; session.end tells both sides
	}
	if fromTech {
		if ls.client != nil {
			ls.client.enqueue(b)
		}
	} else {
		s.sendTechLocked(ls.techID, b)
	}
}

func (s *Server) clientSessionMessage(ctx context.Context, c *clientConn, m protocol.Message) {
	s.mu.Lock()
	ls := c.session
	s.mu.Unlock()
	if ls == nil || (m.Session != "" && m.Session != ls.id) {
		c.replyError(m.ID, protocol.CodeNotAllowed, "no such session on this connection")
		return
	}
	s.relaySessionMessage(ctx, ls, false, c.actor(), c.addr, m, func(code protocol.ErrorCode, msg string) { c.replyError(m.ID, code, msg) })
}

// endSession ends a live session once: tells the other party (both when the
// relay ends it), records the end and resolves the request (or puts it back
// in the queue when requeue is set). kind is "user", "tech" or "relay".
func (s *Server) endSession(ctx context.Context, ls *liveSession, kind, actor string, reason protocol.EndReason, requeue bool) {
	s.mu.Lock()
	if s.sessions[ls.id] != ls {
		s.mu.Unlock()
		return
	}
	delete(s.sessions, ls.id)
	c := ls.client
	if c != nil {
		c.session = nil
		if s.byReq[c.requestID] == c {
			delete(s.byReq, c.requestID)
		}
		c.requestID = ""
	}
	s.mu.Unlock()

	// Record first, then tell the parties.
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	if err := s.st.EndSession(ctx, ls.id, reason, now); err != nil && !errors.Is(err, store.ErrConflict) {
		s.log.Error("record session end", "session", ls.id, "err", err)
	}
	to := store.StateResolved
	if requeue {
		to = store.StateWaiting
	}
	s.setState(ctx, ls.requestID, to, store.StateTaken, store.StateInSession)
	if actor == "" {
		actor = kind
	}
	s.log.Info("session ended", "session", ls.id, "request", ls.requestID, "by", actor, "reason", reason)
	s.audit(ctx, store.AuditEvent{At: now, Actor: actor, Action: "session.end", RequestID: ls.requestID, SessionID: ls.id, Detail: "reason=" + string(reason)})

	b := s.encode(protocol.TypeSessionEnd, "", ls.id, &protocol.SessionEnd{Reason: reason})
	s.mu.Lock()
	defer s.mu.Unlock()
	if c != nil && kind != "user" {
		c.enqueue(b)
	}
	if kind != "tech" {
		s.sendTechLocked(ls.techID, b)
	}
}
