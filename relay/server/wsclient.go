package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/coder/websocket"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/codes"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

// clientConn is a desktop client's socket. requestID and session are
// guarded by hub.mu.
type clientConn struct {
	*wsConn
	requestID string
	session   *liveSession
	name      string
	fu        followupState // followup.go
}

// msgNoLongerOpen answers a resume of a request that cannot be resumed.
const msgNoLongerOpen = "that help request is no longer open; send a new one"

// msgTooLarge answers a help request too large to keep.
const msgTooLarge = "your message is too long for the help desk; shorten what you wrote (or leave out the pasted text) and send it again"

// msgQueueFull and msgAddrFull answer a help request past the waiting caps.
const (
	msgQueueFull = "the help desk has too many requests waiting right now; try again in a few minutes, or call the help desk"
	msgAddrFull  = "too many help requests are already waiting from your network; wait until one is answered, or call the help desk"
)

func (c *clientConn) actor() protocol.Actor { return protocol.UserActor(c.name) }

func (s *Server) handleClientWS(w http.ResponseWriter, r *http.Request) {
	if !s.hub.admit(&s.wg) {
		http.Error(w, "relay is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	release, ok := s.hub.guard.openConn("client", s.clientAddr(r))
	if !ok {
		refuseConn(w)
		return
	}
	defer release()

	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered
	}
	c := &clientConn{wsConn: s.newConn(ws, r, "client")}
	c.enqueue(s.welcome())
	s.hub.addClient(c)
	c.run(func(m protocol.Message) { s.handleClient(c, m) }, func() { s.clientGone(c) })
}

func (s *Server) clientGone(c *clientConn) {
	ls, reqID, closing := s.hub.removeClient(c)
	if closing {
		return
	}
	if ls != nil {
		s.endSession(context.Background(), ls, partyRelay, c.actor(), protocol.EndClientDisconnected, false)
		return
	}
	if reqID != "" {
		s.announceRequest(context.Background(), reqID)
	}
}

func (s *Server) handleClient(c *clientConn, m protocol.Message) {
	spec, _ := protocol.SpecOf(m.Type)
	if spec.From&protocol.FromClient == 0 {
		c.replyError(m.ID, protocol.CodeNotAllowed, fmt.Sprintf("%s is not sent by desktop clients", m.Type))
		return
	}
	ctx := c.ctx
	switch m.Type {
	case protocol.TypeRequestSubmit, protocol.TypeRequestCancel, protocol.TypeOutcomeReport, protocol.TypeInsightEvents:
		if !s.throttle(c, m.ID, m.Type) {
			return
		}
	case protocol.TypeFollowupClaim, protocol.TypeFollowupAnswer:
		if !s.throttle(c, m.ID, protocol.TypeOutcomeReport) { // counted with the reports
			return
		}
	}
	switch p := m.Payload.(type) {
	case *protocol.RequestSubmit:
		s.submit(ctx, c, m.ID, p)
	case *protocol.RequestResume:
		s.resume(ctx, c, m.ID, p)
	case *protocol.CodeRedeem:
		s.redeem(ctx, c, m.ID, p)
	case *protocol.FollowupClaim:
		s.claimFollowups(ctx, c, m.ID, p) // followup.go
	case *protocol.FollowupAnswer:
		s.answerFollowup(ctx, c, m.ID, p)
	case *protocol.OutcomeReport:
		s.storeInsights(ctx, c, m.ID, []protocol.InsightEvent{p.Insight(s.now())})
	case *protocol.InsightEvents:
		s.storeInsights(ctx, c, m.ID, p.Events)
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
	if p.IdempotencyKey != "" && s.resubmit(ctx, c, id, p.IdempotencyKey) {
		return
	}
	if reqID, _ := s.hub.requestOf(c); reqID != "" {
		c.replyError(id, protocol.CodeNotAllowed, "this connection already has a help request; cancel it first")
		return
	}
	// A place in the queue first: a script from many addresses cannot
	// fill the queue (and the disk) past the waiting caps.
	l := s.hub.guard.limits.Load()
	res, full := s.hub.reserveWaiting(c.addr, l.MaxWaiting, l.MaxWaitingPerAddr)
	if full != "" {
		s.hub.guard.refuse("client", refusedQueueFull)
		c.log.Warn("help request refused: waiting cap reached", "cap", full)
		msg := msgQueueFull
		if full == "addr" {
			msg = msgAddrFull
		}
		c.replyError(id, protocol.CodeQueueFull, msg)
		return
	}
	defer res.release()
	token := auth.Token(24)
	now := s.now()
	r := store.Request{
		ID: newID("r"), State: store.StateWaiting, Source: "request",
		Name: p.Name, Contact: p.Contact, Description: p.Description, OS: p.OS, AppVersion: p.AppVersion,
		ResumeHash: auth.HashToken(token), Address: c.addr, CreatedAt: now, UpdatedAt: now,
		IdempotencyKey: p.IdempotencyKey,
	}
	if p.Guide != nil {
		r.Guide, _ = json.Marshal(p.Guide)
	}
	if len(p.Diagnostics) > 0 {
		r.Diagnostics, _ = json.Marshal(p.Diagnostics)
	}
	s.markRecurring(ctx, &r, p.InstallID) // followup.go
	// Capped by the size it is kept and shown at, escapes and all, so that
	// it reaches every console (queue.added, session.start).
	it := queueItem(r, true)
	if err := protocol.CheckItemSize(&it); err != nil {
		s.hub.guard.refuse("client", refusedTooLarge)
		c.log.Warn("help request refused", "err", err)
		c.replyError(id, protocol.CodeTooLarge, msgTooLarge)
		return
	}
	// Persisted before acknowledged.
	if err := s.queue.CreateRequest(ctx, &r); err != nil {
		s.log.Error("store help request", "err", err)
		c.replyError(id, protocol.CodeInternal, "the help desk could not save your request; try again in a minute")
		return
	}
	c.name = p.Name
	s.audit(ctx, store.AuditEvent{Actor: c.actor(), Action: protocol.AuditRequestCreated, Address: c.addr, RequestID: r.ID})
	s.log.Info("help request created", "request", r.ID, "addr", c.addr)
	s.hub.addWaiting(c, id, token, queueItem(r, true), res)
}

func (s *Server) resume(ctx context.Context, c *clientConn, id string, p *protocol.RequestResume) {
	r, err := s.queue.Request(ctx, p.RequestID)
	if err != nil || subtle.ConstantTimeCompare(r.ResumeHash, auth.HashToken(p.ResumeToken)) != 1 {
		c.replyError(id, protocol.CodeNotFound, msgNoLongerOpen)
		return
	}
	s.reattach(ctx, c, id, r, p.ResumeToken)
}

// resubmit answers a request.submit whose idempotency key the relay holds
// (the client did not get the first reply): with the original request,
// under a fresh resume token, attached as a resume would. It reports false
// when no request has the key, so a new one is created.
func (s *Server) resubmit(ctx context.Context, c *clientConn, id, key string) bool {
	token := auth.Token(24)
	r, err := s.queue.ResubmitRequest(ctx, key, auth.HashToken(token), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return false
	}
	if err != nil {
		s.log.Error("look up repeated help request", "err", err)
		c.replyError(id, protocol.CodeInternal, "the help desk could not save your request; try again in a minute")
		return true
	}
	s.log.Info("help request submitted again", "request", r.ID, "addr", c.addr)
	s.reattach(ctx, c, id, r, token)
	return true
}

// reattach attaches c to the stored request r, answering request.accepted
// with token.
func (s *Server) reattach(ctx context.Context, c *clientConn, id string, r store.Request, token string) {
	c.name = r.Name
	acc := protocol.RequestAccepted{RequestID: r.ID, ResumeToken: token, State: r.State}
	ls, ok := s.hub.resume(c, id, acc, r.SessionID)
	if !ok {
		return
	}
	if ls != nil {
		s.setState(ctx, r.ID, store.StateInSession, store.StateTaken)
	}
	s.announceRequest(ctx, r.ID)
}

func (s *Server) cancelRequest(ctx context.Context, c *clientConn, id string) {
	reqID, inSession := s.hub.requestOf(c)
	if reqID == "" || inSession {
		c.replyError(id, protocol.CodeNotAllowed, "nothing to cancel (a running session is ended with session.end)")
		return
	}
	if err := s.queue.SetRequestState(ctx, reqID, store.StateCancelled, s.now(), store.StateWaiting); err != nil {
		c.replyError(id, protocol.CodeNotAllowed, "the request can no longer be cancelled")
		return
	}
	s.audit(ctx, store.AuditEvent{Actor: c.actor(), Action: protocol.AuditRequestCancel, Address: c.addr, RequestID: reqID})
	s.hub.cancel(c, id, reqID)
	s.announceRequest(ctx, reqID)
}

func (s *Server) redeem(ctx context.Context, c *clientConn, id string, p *protocol.CodeRedeem) {
	if reqID, _ := s.hub.requestOf(c); reqID != "" {
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
	active, err := s.codeBook.ActiveCodes(ctx, now)
	if err != nil {
		s.log.Error("load codes", "err", err)
		c.replyError(id, protocol.CodeInternal, "the help desk could not check the code; try again in a minute")
		return
	}
	want := s.codeHash(p.Code)
	var match *store.Code
	for i := range active { // compare with every code, no early exit
		if codes.Equal(active[i].Hash, want) && match == nil {
			match = &active[i]
		}
	}
	if match == nil || s.codeBook.UseCode(ctx, match.ID, now) != nil {
		s.codeLimiter.Fail(c.addr)
		s.m.codeAttempts.WithLabelValues("failed").Inc()
		s.audit(ctx, store.AuditEvent{Actor: protocol.ActorUser, Action: protocol.AuditCodeFailed, Address: c.addr})
		s.log.Warn("wrong one-time code", "addr", c.addr)
		c.replyError(id, protocol.CodeBadCode, "that code is wrong or has expired; ask the technician for a new one")
		return
	}
	s.codeLimiter.Succeed(c.addr)
	s.m.codeAttempts.WithLabelValues("ok").Inc()
	tech, err := s.accounts.Technician(ctx, match.TechID)
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
	if err := s.queue.CreateRequest(ctx, &r); err != nil {
		s.log.Error("store code request", "err", err)
		c.replyError(id, protocol.CodeInternal, "the help desk could not start the session; try again in a minute")
		return
	}
	if err := s.records.CreateSession(ctx, store.Session{ID: sessID, RequestID: r.ID, TechID: tech.ID, StartedAt: now}); err != nil {
		s.log.Error("store session", "err", err)
		c.replyError(id, protocol.CodeInternal, "the help desk could not start the session; try again in a minute")
		return
	}
	c.name = p.Name
	s.log.Info("code redeemed", "session", sessID, "technician", tech.Username, "addr", c.addr)
	s.audit(ctx, store.AuditEvent{Actor: c.actor(), Action: protocol.AuditCodeUsed, Address: c.addr, RequestID: r.ID, SessionID: sessID, Detail: "technician=" + tech.Username})
	s.audit(ctx, store.AuditEvent{Actor: protocol.TechActor(tech.Username), Action: protocol.AuditSessionStart, Address: c.addr, RequestID: r.ID, SessionID: sessID, Detail: "source=code"})
	s.hub.redeemed(newLiveSession(sessID, tech, r, now), c, id, token)
}

func (s *Server) clientSessionMessage(ctx context.Context, c *clientConn, m protocol.Message) {
	ls := s.hub.sessionOf(c)
	if ls == nil || (m.Session != "" && m.Session != ls.id) {
		c.replyError(m.ID, protocol.CodeNotAllowed, "no such session on this connection")
		return
	}
	s.relaySessionMessage(ctx, ls, false, c.actor(), c.addr, m, func(code protocol.ErrorCode, msg string) { c.replyError(m.ID, code, msg) })
}
