package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/codes"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// clientConn is a desktop client's socket. requestID and session are
// guarded by Server.mu.
type clientConn struct {
	*wsConn
	requestID string
	session   *liveSession
	name      string
}

func (c *clientConn) actor() string {
	if c.name == "" {
		return "user"
	}
	return "user:" + c.name
}

func (s *Server) handleClientWS(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		http.Error(w, "relay is shutting down", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered
	}
	c := &clientConn{wsConn: s.newConn(ws, r, "client")}
	s.mu.Lock()
	s.clients[c] = struct{}{}
	s.mu.Unlock()
	c.run(func(m protocol.Message) { s.handleClient(c, m) }, func() { s.clientGone(c) })
}

func (s *Server) clientGone(c *clientConn) {
	s.mu.Lock()
	delete(s.clients, c)
	ls := c.session
	reqID := c.requestID
	if reqID != "" && s.byReq[reqID] == c {
		delete(s.byReq, reqID)
	}
	closing := s.closing
	s.mu.Unlock()
	if closing {
		return
	}
	if ls != nil {
		s.endSession(context.Background(), ls, "relay", c.actor(), protocol.EndClientDisconnected, false)
		return
	}
	if reqID != "" {
		s.pushRequestUpdate(context.Background(), reqID)
	}
}

func (s *Server) handleClient(c *clientConn, m protocol.Message) {
	spec := protocol.Specs[m.Type]
	if spec.From&protocol.FromClient == 0 {
		c.replyError(m.ID, protocol.CodeNotAllowed, string(m.Type)+" is not sent by desktop clients")
		return
	}
	ctx := c.ctx
	switch p := m.Payload.(type) {
	case *protocol.RequestSubmit:
		s.submit(ctx, c, m.ID, p)
	case *protocol.RequestResume:
		s.resume(ctx, c, m.ID, p)
	case *protocol.CodeRedeem:
		s.redeem(ctx, c, m.ID, p)
	case *protocol.OutcomeReport:
		err := s.st.AddOutcome(ctx, store.Outcome{At: s.now(), Kind: p.Kind, GuideID: p.GuideID, StepID: p.StepID, Query: p.Query, OS: p.OS, AppVersion: p.AppVersion})
		if err != nil {
			s.log.Error("store outcome", "err", err)
			c.replyError(m.ID, protocol.CodeInternal, "could not store the outcome; try again later")
			return
		}
		c.enqueue(s.encode(protocol.TypeAck, m.ID, "", nil))
	default:
		if m.Type == protocol.TypeRequestCancel {
			s.cancelRequest(ctx, c, m.ID)
			return
		}
		if spec.Session {
			s.clientSessionMessage(ctx, c, m)
			return
		}
		c.replyError(m.ID, protocol.CodeNotAllowed, "unexpected message")
	}
}

func (s *Server) submit(ctx context.Context, c *clientConn, id string, p *protocol.RequestSubmit) {
	s.mu.Lock()
	busy := c.requestID != ""
	s.mu.Unlock()
	if busy {
		c.replyError(id, protocol.CodeNotAllowed, "this connection already has a help request; cancel it first")
		return
	}
	token := auth.Token(24)
	now := s.now()
	r := store.Request{
		ID: newID("r"), State: store.StateWaiting, Source: "request",
		Name: p.Name, Contact: p.Contact, Description: p.Description, OS: p.OS, AppVersion: p.AppVersion,
		ResumeHash: auth.HashToken(token), Address: c.addr, CreatedAt: now, UpdatedAt: now,
	}
	if p.Guide != nil {
		r.Guide, _ = json.Marshal(p.Guide)
	}
	if len(p.Diagnostics) > 0 {
		r.Diagnostics, _ = json.Marshal(p.Diagnostics)
	}
	// Persisted before acknowledged.
	if err := s.st.CreateRequest(ctx, &r); err != nil {
		s.log.Error("store help request", "err", err)
		c.replyError(id, protocol.CodeInternal, "the help desk could not save your request; try again in a minute")
		return
	}
	c.name = p.Name
	s.audit(ctx, store.AuditEvent{Actor: c.actor(), Action: "request.created", Address: c.addr, RequestID: r.ID})
	s.log.Info("help request created", "request", r.ID, "addr", c.addr)
	item := queueItem(r, true)
	added := s.encode(protocol.TypeQueueAdded, "", "", &item)
	s.mu.Lock()
	c.requestID = r.ID
	s.byReq[r.ID] = c
	s.waiting = append(s.waiting, r.ID)
	pos := len(s.waiting)
	c.enqueue(s.encode(protocol.TypeRequestAccepted, id, "", &protocol.RequestAccepted{RequestID: r.ID, ResumeToken: token, State: r.State, Position: pos}))
	s.broadcastTechsLocked(added)
	s.mu.Unlock()
}

func (s *Server) resume(ctx context.Context, c *clientConn, id string, p *protocol.RequestResume) {
	r, err := s.st.Request(ctx, p.RequestID)
	if err != nil || subtle.ConstantTimeCompare(r.ResumeHash, auth.HashToken(p.ResumeToken)) != 1 {
		c.replyError(id, protocol.CodeNotFound, "that help request is no longer open; send a new one")
		return
	}
	c.name = r.Name
	s.mu.Lock()
	if c.requestID != "" && c.requestID != r.ID {
		s.mu.Unlock()
		c.replyError(id, protocol.CodeNotAllowed, "this connection already has a help request")
		return
	}
	if old := s.byReq[r.ID]; old != nil && old != c {
		// The newest connection wins; the old one is told and dropped.
		old.requestID = ""
		old.replyError("", protocol.CodeNotAllowed, "this request was resumed from another connection")
		old.cancel()
	}
	var ls *liveSession
	switch r.State {
	case store.StateWaiting:
	case store.StateTaken:
		ls = s.sessions[r.SessionID]
		if ls == nil || ls.client != nil {
			s.mu.Unlock()
			c.replyError(id, protocol.CodeNotFound, "that help request is no longer open; send a new one")
			return
		}
	default:
		s.mu.Unlock()
		c.replyError(id, protocol.CodeNotFound, "that help request is no longer open; send a new one")
		return
	}
	c.requestID = r.ID
	s.byReq[r.ID] = c
	acc := protocol.RequestAccepted{RequestID: r.ID, ResumeToken: p.ResumeToken, State: r.State, Position: s.positionLocked(r.ID)}
	c.enqueue(s.encode(protocol.TypeRequestAccepted, id, "", &acc))
	if ls != nil {
		s.attachLocked(ls, c)
	}
	s.mu.Unlock()
	if ls != nil {
		s.setState(ctx, r.ID, store.StateInSession, store.StateTaken)
	}
	s.pushRequestUpdate(ctx, r.ID)
}

// attachLocked joins a client to a live session and tells it so.
func (s *Server) attachLocked(ls *liveSession, c *clientConn) {
	ls.client = c
	c.session = ls
	c.enqueue(s.encode(protocol.TypeRequestTaken, "", "", &protocol.RequestTaken{RequestID: ls.requestID, Technician: ls.techName}))
	c.enqueue(s.encode(protocol.TypeSessionStart, "", ls.id, &protocol.SessionStart{
		SessionID: ls.id, RequestID: ls.requestID, Peer: ls.techName, Role: protocol.RoleOfferer, ICEServers: s.iceServers(ls.id),
	}))
}

func (s *Server) cancelRequest(ctx context.Context, c *clientConn, id string) {
	s.mu.Lock()
	reqID, inSession := c.requestID, c.session != nil
	s.mu.Unlock()
	if reqID == "" || inSession {
		c.replyError(id, protocol.CodeNotAllowed, "nothing to cancel (a running session is ended with session.end)")
		return
	}
	if err := s.st.SetRequestState(ctx, reqID, store.StateCancelled, s.now(), store.StateWaiting); err != nil {
		c.replyError(id, protocol.CodeNotAllowed, "the request can no longer be cancelled")
		return
	}
	s.audit(ctx, store.AuditEvent{Actor: c.actor(), Action: "request.cancelled", Address: c.addr, RequestID: reqID})
	s.mu.Lock()
	s.removeWaitingLocked(reqID)
	if s.byReq[reqID] == c {
		delete(s.byReq, reqID)
	}
	c.requestID = ""
	c.enqueue(s.encode(protocol.TypeRequestCancelled, id, "", &protocol.RequestCancelled{RequestID: reqID, Reason: "cancelled by user"}))
	s.mu.Unlock()
	s.pushRequestUpdate(ctx, reqID)
}

func (s *Server) redeem(ctx context.Context, c *clientConn, id string, p *protocol.CodeRedeem) {
	s.mu.Lock()
	busy := c.requestID != ""
	s.mu.Unlock()
	if busy {
		c.replyError(id, protocol.CodeNotAllowed, "this connection already has a help request")
		return
	}
	if wait := s.codeLimiter.Wait(c.addr); wait > 0 {
		s.m.codeAttempts.WithLabelValues("limited").Inc()
		b, _ := protocol.Encode(protocol.TypeError, id, "", &protocol.Error{Code: protocol.CodeRateLimited,
			Message: "too many wrong codes; wait before trying again", RetryAfterMS: wait.Milliseconds()})
		c.enqueue(b)
		return
	}
	now := s.now()
	active, err := s.st.ActiveCodes(ctx, now)
	if err != nil {
		s.log.Error("load codes", "err", err)
		c.replyError(id, protocol.CodeInternal, "the help desk could not check the code; try again in a minute")
		return
	}
	want := codes.Hash(p.Code)
	var match *store.Code
	for i := range active { // compare with every code, no early exit
		if codes.Equal(active[i].Hash, want) && match == nil {
			match = &active[i]
		}
	}
	if match == nil || s.st.UseCode(ctx, match.ID, now) != nil {
		s.codeLimiter.Fail(c.addr)
		s.m.codeAttempts.WithLabelValues("failed").Inc()
		s.audit(ctx, store.AuditEvent{Actor: "user", Action: "code.failed", Address: c.addr})
		s.log.Warn("wrong one-time code", "addr", c.addr)
		c.replyError(id, protocol.CodeBadCode, "that code is wrong or has expired; ask the technician for a new one")
		return
	}
	s.codeLimiter.Succeed(c.addr)
	s.m.codeAttempts.WithLabelValues("ok").Inc()
	tech, err := s.st.Technician(ctx, match.TechID)
	if err != nil || tech.Disabled {
		c.replyError(id, protocol.CodeBadCode, "that code is wrong or has expired; ask the technician for a new one")
		return
	}
	token := auth.Token(24)
	sessID := newID("s")
	r := store.Request{
		ID: newID("r"), State: store.StateInSession, Source: "code", Name: p.Name, Contact: p.Contact, OS: p.OS, AppVersion: p.AppVersion,
		ResumeHash: auth.HashToken(token), Address: c.addr, TakenBy: tech.ID, SessionID: sessID, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.st.CreateRequest(ctx, &r); err != nil {
		s.log.Error("store code request", "err", err)
		c.replyError(id, protocol.CodeInternal, "the help desk could not start the session; try again in a minute")
		return
	}
	if err := s.st.CreateSession(ctx, store.Session{ID: sessID, RequestID: r.ID, TechID: tech.ID, StartedAt: now}); err != nil {
		s.log.Error("store session", "err", err)
		c.replyError(id, protocol.CodeInternal, "the help desk could not start the session; try again in a minute")
		return
	}
	c.name = p.Name
	s.log.Info("code redeemed", "session", sessID, "technician", tech.Username, "addr", c.addr)
	s.audit(ctx, store.AuditEvent{Actor: c.actor(), Action: "code.used", Address: c.addr, RequestID: r.ID, SessionID: sessID, Detail: "technician=" + tech.Username})
	s.audit(ctx, store.AuditEvent{Actor: "tech:" + tech.Username, Action: "session.start", Address: c.addr, RequestID: r.ID, SessionID: sessID, Detail: "source=code"})
	ls := &liveSession{id: sessID, requestID: r.ID, techID: tech.ID, techName: displayName(tech), techUser: tech.Username, userName: p.Name, started: now}
	s.mu.Lock()
	s.sessions[sessID] = ls
	c.requestID = r.ID
	s.byReq[r.ID] = c
	c.enqueue(s.encode(protocol.TypeRequestAccepted, id, "", &protocol.RequestAccepted{RequestID: r.ID, ResumeToken: token, State: r.State}))
	s.attachLocked(ls, c)
	s.sendTechSessionStartLocked(ls, queueItem(r, true))
	s.mu.Unlock()
}

func (s *Server) setState(ctx context.Context, reqID, to string, from ...string) {
	if err := s.st.SetRequestState(context.WithoutCancel(ctx), reqID, to, s.now(), from...); err != nil && !errors.Is(err, store.ErrConflict) {
		s.log.Error("set request state", "request", reqID, "state", to, "err", err)
	}
}
