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

// liveSession is a running session; the fields below the constants are
// guarded by hub.mu.
type liveSession struct {
	id, requestID string
	techID        int64
	techName      string // display name
	techUser      string
	userName      string
	started       time.Time
	request       protocol.QueueItem // the request as the technician's console shows it

	client           *clientConn // nil while the client is away
	viewRequested    bool
	viewGranted      bool
	controlRequested bool
	controlGranted   bool
}

func newLiveSession(id string, tech store.Technician, r store.Request, now time.Time) *liveSession {
	return &liveSession{id: id, requestID: r.ID, techID: tech.ID, techName: displayName(tech), techUser: tech.Username,
		userName: r.Name, started: now, request: queueItem(r, false)}
}

// peerName is who the technician's console says it is helping.
func (ls *liveSession) peerName() string {
	if ls.userName == "" {
		return "user"
	}
	return ls.userName
}

// step applies the consent ladder to a session message of type t; it
// returns "" if allowed, else the reason. Called with hub.mu held.
func (ls *liveSession) step(t protocol.Type) string {
	switch t {
	case protocol.TypeViewRequest:
		if ls.viewGranted || ls.viewRequested {
			return "viewing was already requested or granted"
		}
		ls.viewRequested = true
	case protocol.TypeViewGrant, protocol.TypeViewDeny:
		// A deny leaves the session open: the technician may ask again.
		// NOTE: a cool-down between repeated view requests (against
		// prompt bombing) belongs to the hardening issue, not here.
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

// consentAction is the audit action of a consent message; false for other types.
func consentAction(t protocol.Type) (protocol.AuditAction, bool) {
	switch t {
	case protocol.TypeViewRequest:
		return protocol.AuditViewRequest, true
	case protocol.TypeViewGrant:
		return protocol.AuditViewGrant, true
	case protocol.TypeViewDeny:
		return protocol.AuditViewDeny, true
	case protocol.TypeControlRequest:
		return protocol.AuditControlRequest, true
	case protocol.TypeControlGrant:
		return protocol.AuditControlGrant, true
	case protocol.TypeControlDeny:
		return protocol.AuditControlDeny, true
	case protocol.TypeControlRevoke:
		return protocol.AuditControlRevoke, true
	}
	return "", false
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

// announceRequest sends the stored state of a request to every console.
func (s *Server) announceRequest(ctx context.Context, reqID string) {
	r, err := s.queue.Request(context.WithoutCancel(ctx), reqID)
	if err != nil {
		s.log.Error("load request", "request", reqID, "err", err)
		return
	}
	s.hub.announce(queueItem(r, false))
}

// errTaken is returned by take when another technician was faster.
var errTaken = errors.New("request already taken")

// take moves a waiting request to a new session of tech (atomic in the store).
func (s *Server) take(ctx context.Context, tech store.Technician, reqID, addr string) (string, error) {
	r, err := s.queue.Request(ctx, reqID)
	if err != nil {
		return "", err
	}
	now := s.now()
	sess := store.Session{ID: newID("s"), RequestID: reqID, TechID: tech.ID, StartedAt: now}
	if err := s.queue.TakeRequest(ctx, sess, now); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return "", errTaken
		}
		return "", err
	}
	actor := protocol.TechActor(tech.Username)
	s.log.Info("request taken", "request", reqID, "session", sess.ID, "technician", tech.Username)
	s.audit(ctx, store.AuditEvent{Actor: actor, Action: protocol.AuditRequestTaken, Address: addr, RequestID: reqID, SessionID: sess.ID})
	s.audit(ctx, store.AuditEvent{Actor: actor, Action: protocol.AuditSessionStart, Address: addr, RequestID: reqID, SessionID: sess.ID, Detail: "source=" + r.Source})
	r.State, r.TakenBy, r.SessionID = store.StateTaken, tech.ID, sess.ID
	ls := newLiveSession(sess.ID, tech, r, now)
	ls.request.TakenBy = ls.techName
	if s.hub.take(ls) {
		s.setState(ctx, reqID, store.StateInSession, store.StateTaken)
	}
	return sess.ID, nil
}

// relaySessionMessage handles a session message from either party. fromTech
// tells which; ls is the session the sender may address.
func (s *Server) relaySessionMessage(ctx context.Context, ls *liveSession, fromTech bool, actor protocol.Actor, addr string, m protocol.Message, reply func(code protocol.ErrorCode, msg string)) {
	if m.Type == protocol.TypeSessionEnd {
		reason, by := protocol.EndUser, partyUser
		if fromTech {
			reason, by = protocol.EndTechnician, partyTech
		}
		if r := m.Payload.(*protocol.SessionEnd).Reason; r != "" {
			reason = r
		}
		s.endSession(ctx, ls, by, actor, reason, false)
		return
	}
	now := s.now()
	b, refused := s.hub.admitMessage(ls, fromTech, m, now)
	if refused != "" {
		reply(protocol.CodeNotAllowed, refused)
		return
	}

	// Record before forwarding: what a party sees is already in the log.
	ctx = context.WithoutCancel(ctx)
	if action, ok := consentAction(m.Type); ok {
		s.audit(ctx, store.AuditEvent{At: now, Actor: actor, Action: action, Address: addr, RequestID: ls.requestID, SessionID: ls.id,
			Detail: string(m.Payload.(*protocol.Consent).Reason)})
		if m.Type == protocol.TypeViewGrant || m.Type == protocol.TypeControlGrant {
			if err := s.records.MarkGrant(ctx, ls.id, m.Type == protocol.TypeControlGrant, now); err != nil {
				s.log.Error("record grant", "session", ls.id, "err", err)
			}
		}
	} else if ch, ok := m.Payload.(*protocol.Chat); ok {
		if err := s.records.AddChat(ctx, store.ChatMessage{SessionID: ls.id, At: now, Sender: actor, Text: ch.Text}); err != nil {
			s.log.Error("store chat", "session", ls.id, "err", err)
		}
	}
	s.hub.forward(ls, fromTech, b)
}

// endDetail is the detail of a session.end audit event.
func endDetail(reason protocol.EndReason) string { return "reason=" + string(reason) }

// party is who ends a session; the others are told.
type party int

const (
	partyUser party = iota
	partyTech
	partyRelay
)

// endSession ends a live session once: it records the end and resolves the
// request (or puts it back in the queue when requeue is set), then tells
// the parties other than by.
func (s *Server) endSession(ctx context.Context, ls *liveSession, by party, actor protocol.Actor, reason protocol.EndReason, requeue bool) {
	c, ok := s.hub.end(ls)
	if !ok {
		return
	}
	// Record first, then tell the parties.
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	if err := s.records.EndSession(ctx, ls.id, reason, now); err != nil && !errors.Is(err, store.ErrConflict) {
		s.log.Error("record session end", "session", ls.id, "err", err)
	}
	to := store.StateResolved
	if requeue {
		to = store.StateWaiting
	}
	s.setState(ctx, ls.requestID, to, store.StateTaken, store.StateInSession)
	s.log.Info("session ended", "session", ls.id, "request", ls.requestID, "by", actor, "reason", reason)
	s.audit(ctx, store.AuditEvent{At: now, Actor: actor, Action: protocol.AuditSessionEnd, RequestID: ls.requestID, SessionID: ls.id, Detail: endDetail(reason)})
	b := s.encode(protocol.TypeSessionEnd, "", ls.id, &protocol.SessionEnd{Reason: reason})
	s.hub.tellEnd(ls, c, b, by != partyUser, by != partyTech)
}

func (s *Server) setState(ctx context.Context, reqID, to string, from ...string) {
	if err := s.queue.SetRequestState(context.WithoutCancel(ctx), reqID, to, s.now(), from...); err != nil && !errors.Is(err, store.ErrConflict) {
		s.log.Error("set request state", "request", reqID, "state", to, "err", err)
	}
}
