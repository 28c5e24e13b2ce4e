package server

// Follow-ups: a while after a session resolved a request (Config.
// FollowupDelay, default a day), the desktop that made it is asked
// whether the problem is still fixed (followup.offer); "not working" puts
// the request back in the queue, marked reopened. A desktop proves which
// ended requests are its own with their resume tokens (followup.claim);
// the connection that was in the session has proved it already.
//
// Recurring requests: a new request is compared with the earlier ones of
// the same computer (install_id) or person (name and contact, normalised)
// within RecurringWindowDays.

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

const (
	// DefaultFollowupDelay is how long after a session the desktop is asked.
	DefaultFollowupDelay = 24 * time.Hour
	// FollowupMaxOffers is how often an unanswered follow-up is offered
	// (once per connection).
	FollowupMaxOffers = 3
	// RecurringWindowDays is how far back earlier requests count.
	RecurringWindowDays = 14
	// maxClaims bounds the requests one connection may claim.
	maxClaims = 16
)

// followupState is what a desktop connection holds of follow-ups; guarded
// by hub.mu.
type followupState struct {
	claimed map[string]bool // requests this connection proved it made
	offered map[string]bool // follow-ups offered on this connection
}

// claim records that c made reqID; false once c holds maxClaims.
func (h *hub) claim(c *clientConn, reqID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.fu.claimed == nil {
		c.fu.claimed, c.fu.offered = map[string]bool{}, map[string]bool{}
	}
	if !c.fu.claimed[reqID] && len(c.fu.claimed) >= maxClaims {
		return false
	}
	c.fu.claimed[reqID] = true
	return true
}

func (h *hub) claimed(c *clientConn, reqID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return c.fu.claimed[reqID]
}

// unoffered returns, for every connected desktop with claims, the claimed
// requests not yet offered on it.
func (h *hub) unoffered() map[*clientConn][]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[*clientConn][]string{}
	for c := range h.clients {
		for id := range c.fu.claimed {
			if !c.fu.offered[id] {
				out[c] = append(out[c], id)
			}
		}
	}
	return out
}

// takeOffer marks reqID offered on c; false if it was already.
func (h *hub) takeOffer(c *clientConn, reqID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.fu.offered[reqID] {
		return false
	}
	c.fu.offered[reqID] = true
	return true
}

// reopen puts a reopened request at the end of the queue and announces it.
// When c holds no other request it takes this one: it is answered
// request.accepted with token, as for a new request.
func (h *hub) reopen(c *clientConn, token string, it protocol.QueueItem) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.queue = append(h.queue, it)
	if c.requestID == "" && c.session == nil && h.byReq[it.ID] == nil {
		c.requestID = it.ID
		h.byReq[it.ID] = c
		if c.addr != "" {
			h.waitAddr[it.ID] = c.addr
			h.waitBy[c.addr]++
		}
		c.enqueue(h.encode(protocol.TypeRequestAccepted, "", "", &protocol.RequestAccepted{RequestID: it.ID, ResumeToken: token, State: it.State, Position: len(h.queue)}))
	}
	it.Online = h.byReq[it.ID] != nil
	h.broadcastLocked(h.encode(protocol.TypeQueueAdded, "", "", &it))
}

// followupTick is how often due follow-ups are looked for.
func (s *Server) followupTick() time.Duration {
	return min(max(s.cfg.FollowupDelay/4, 20*time.Millisecond), time.Minute)
}

// followupLoop offers due follow-ups to the connected desktops that made
// them.
func (s *Server) followupLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.followupTick())
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		for c, ids := range s.hub.unoffered() {
			s.offerDue(s.ctx, c, ids)
		}
	}
}

// followupEnded records the follow-up of a session that resolved its
// request; c, the desktop that was in it (nil if away), may be asked
// without claiming it.
func (s *Server) followupEnded(ctx context.Context, ls *liveSession, c *clientConn, at time.Time) {
	err := s.followups.AddFollowup(ctx, store.Followup{RequestID: ls.requestID, SessionID: ls.id, Technician: ls.techName,
		EndedAt: at, DueAt: at.Add(s.cfg.FollowupDelay)})
	if err != nil {
		s.log.Error("record follow-up", "request", ls.requestID, "err", err)
		return
	}
	if c != nil {
		s.hub.claim(c, ls.requestID)
	}
}

// offerDue sends c the follow-ups of ids that are due.
func (s *Server) offerDue(ctx context.Context, c *clientConn, ids []string) {
	now := s.now()
	due, err := s.followups.DueFollowups(ctx, ids, now, FollowupMaxOffers)
	if err != nil {
		s.log.Error("load due follow-ups", "err", err)
		return
	}
	for _, f := range due {
		r, err := s.queue.Request(ctx, f.RequestID)
		if err != nil || r.State != store.StateResolved || !s.hub.takeOffer(c, f.RequestID) {
			continue
		}
		b := s.encode(protocol.TypeFollowupOffer, "", "", &protocol.FollowupOffer{RequestID: f.RequestID, SessionID: f.SessionID,
			Technician: f.Technician, EndedAt: f.EndedAt, Description: r.Description})
		if b == nil {
			continue
		}
		if err := s.followups.MarkOffered(ctx, f.RequestID, now); err != nil {
			s.log.Error("count follow-up offer", "request", f.RequestID, "err", err)
		}
		c.enqueue(b)
	}
}

// claimFollowups handles followup.claim: each request whose token matches
// becomes c's; the reply is ack either way.
func (s *Server) claimFollowups(ctx context.Context, c *clientConn, id string, p *protocol.FollowupClaim) {
	var ids []string
	for _, fr := range p.Requests {
		r, err := s.queue.Request(ctx, fr.RequestID)
		if err != nil || len(r.ResumeHash) == 0 || subtle.ConstantTimeCompare(r.ResumeHash, auth.HashToken(fr.ResumeToken)) != 1 {
			continue
		}
		if s.hub.claim(c, r.ID) {
			ids = append(ids, r.ID)
		}
	}
	c.enqueue(s.encode(protocol.TypeAck, id, "", nil))
	s.offerDue(ctx, c, ids)
}

// answerFollowup handles followup.answer.
func (s *Server) answerFollowup(ctx context.Context, c *clientConn, id string, p *protocol.FollowupAnswer) {
	if !s.hub.claimed(c, p.RequestID) {
		c.replyError(id, protocol.CodeNotFound, "no such follow-up on this connection")
		return
	}
	f, err := s.followups.Followup(ctx, p.RequestID)
	if err != nil {
		c.replyError(id, protocol.CodeNotFound, "no such follow-up on this connection")
		return
	}
	now := s.now()
	var reopen *store.Reopen
	token := ""
	if !p.Working {
		token = auth.Token(24)
		ro, _ := json.Marshal(protocol.Reopened{At: now, SessionID: f.SessionID, Rating: p.Rating, Comment: p.Comment})
		reopen = &store.Reopen{Reopened: ro, ResumeHash: auth.HashToken(token)}
	}
	err = s.followups.AnswerFollowup(ctx, p.RequestID, store.FollowupAnswer{Working: p.Working, Rating: p.Rating, Comment: p.Comment, At: now}, reopen)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.replyError(id, protocol.CodeNotFound, "no such follow-up on this connection")
		return
	case errors.Is(err, store.ErrConflict):
		c.replyError(id, protocol.CodeNotAllowed, "this follow-up was answered already")
		return
	case err != nil:
		s.log.Error("store follow-up answer", "request", p.RequestID, "err", err)
		c.replyError(id, protocol.CodeInternal, "the help desk could not save your answer; try again later")
		return
	}
	s.audit(ctx, store.AuditEvent{At: now, Actor: c.actor(), Action: protocol.AuditFollowupAnswer, Address: c.addr, RequestID: p.RequestID,
		SessionID: f.SessionID, Detail: answerDetail(p)})
	c.enqueue(s.encode(protocol.TypeAck, id, "", nil))
	if p.Working {
		return
	}
	s.audit(ctx, store.AuditEvent{At: now, Actor: c.actor(), Action: protocol.AuditReopened, Address: c.addr, RequestID: p.RequestID, SessionID: f.SessionID})
	r, err := s.queue.Request(ctx, p.RequestID)
	if err != nil {
		s.log.Error("load reopened request", "request", p.RequestID, "err", err)
		return
	}
	s.log.Info("request reopened by follow-up", "request", r.ID, "session", f.SessionID)
	s.hub.reopen(c, token, queueItem(r, false))
}

// answerDetail is the audit detail of a follow-up answer (the comment
// stays in the follow-up record).
func answerDetail(p *protocol.FollowupAnswer) string {
	d := "working=yes"
	if !p.Working {
		d = "working=no"
	}
	if p.Rating > 0 {
		d += fmt.Sprintf(" rating=%d", p.Rating)
	}
	return d
}

// personKey is a person's name and contact compared without case,
// spacing and punctuation; "" when both are empty.
func personKey(name, contact string) string {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '@' {
				return unicode.ToLower(r)
			}
			return -1
		}, s)
	}
	n, c := norm(name), norm(contact)
	if n == "" && c == "" {
		return ""
	}
	return n + "|" + c
}

// markRecurring sets r's install id and person key and, when the same
// computer or person asked within RecurringWindowDays, its recurring
// field.
func (s *Server) markRecurring(ctx context.Context, r *store.Request, installID string) {
	r.InstallID, r.PersonKey = installID, personKey(r.Name, r.Contact)
	since := r.CreatedAt.Add(-RecurringWindowDays * 24 * time.Hour)
	prev, err := s.followups.EarlierRequests(ctx, r.InstallID, r.PersonKey, r.ID, since, protocol.MaxRecurringPrevious)
	if err != nil {
		s.log.Error("look up earlier requests", "err", err)
		return
	}
	if len(prev) == 0 {
		return
	}
	r.Recurring, _ = json.Marshal(protocol.Recurring{Count: len(prev) + 1, WindowDays: RecurringWindowDays, Previous: prev})
}

// repeatFields decodes a stored request's recurring and reopened fields
// onto its QueueItem.
func repeatFields(it *protocol.QueueItem, r store.Request) {
	if len(r.Recurring) > 0 {
		it.Recurring = new(protocol.Recurring)
		if json.Unmarshal(r.Recurring, it.Recurring) != nil {
			it.Recurring = nil
		}
	}
	if len(r.Reopened) > 0 {
		it.Reopened = new(protocol.Reopened)
		if json.Unmarshal(r.Reopened, it.Reopened) != nil {
			it.Reopened = nil
		}
	}
}

// followupJSON is a session's follow-up as GET /api/sessions/{id} shows it.
type followupJSON struct {
	DueAt      time.Time  `json:"due_at"`
	Offers     int        `json:"offers"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	Working    *bool      `json:"working,omitempty"`
	Rating     int        `json:"rating,omitempty"`
	Comment    string     `json:"comment,omitempty"`
}

// sessionFollowup is the follow-up of session sessionID of request reqID,
// nil when there is none (yet, or it belongs to a later session).
func (s *Server) sessionFollowup(ctx context.Context, reqID, sessionID string) *followupJSON {
	f, err := s.followups.Followup(ctx, reqID)
	if err != nil || f.SessionID != sessionID {
		return nil
	}
	out := &followupJSON{DueAt: f.DueAt, Offers: f.Offers, Rating: f.Rating, Comment: f.Comment}
	if !f.AnsweredAt.IsZero() {
		out.AnsweredAt, out.Working = &f.AnsweredAt, &f.Working
	}
	return out
}
