package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	view, control    question // the relay's side of each question
	away             away     // the technician's consoles are all gone (reconnect.go)
}

// question is the relay's bookkeeping of one kind of consent question
// (view or control) in a session, against prompt bombing: the open
// question's timer and the declines so far. Guarded by hub.mu.
type question struct {
	open   chan struct{} // closed when the open question is answered or closed; nil when none is open
	denies int           // declines (and unanswered questions) so far
	until  time.Time     // no new question before this
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
		// A deny leaves the session open: the technician may ask again,
		// within the cool-down of relaySessionMessage.
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
	case protocol.TypeSessionActivity:
		// Checked by the caller with the payload: files need viewing,
		// the rest control.
	case protocol.TypeOffer, protocol.TypeAnswer, protocol.TypeCandidate, protocol.TypeSignalRestart:
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

func (s *Server) iceServers(sessionID, party string) []protocol.ICEServer {
	if len(s.cfg.TURNURLs) == 0 || len(s.cfg.TURNSecret) == 0 {
		return []protocol.ICEServer{}
	}
	// Each party gets its own credential, which reaches only the other
	// party (turnpeers.go).
	user, pass := turnserver.Credentials(s.cfg.TURNSecret, turnSubject(sessionID, party), s.cfg.TURNTTL, s.now())
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
	repeatFields(&it, r) // followup.go
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
	kind := kindOf(m.Type)
	if isAsk(m.Type) {
		if wait := s.hub.askWait(ls, kind, now); wait > 0 {
			reply(protocol.CodeRateLimited, fmt.Sprintf("the user said no; you can ask again in %s", wait.Round(time.Second)))
			return
		}
	}
	b, refused := s.hub.admitMessage(ls, fromTech, m, now)
	if refused != "" {
		reply(protocol.CodeNotAllowed, refused)
		return
	}

	// Record before forwarding: what a party sees is already in the log.
	ctx = context.WithoutCancel(ctx)
	if action, ok := consentAction(m.Type); ok {
		err := s.audit(ctx, store.AuditEvent{At: now, Actor: actor, Action: action, Address: addr, RequestID: ls.requestID, SessionID: ls.id,
			Detail: string(m.Payload.(*protocol.Consent).Reason)})
		if err != nil && widensAccess(m.Type) {
			// Fail closed: a step that would give access and cannot be
			// audited does not happen. A decline or revoke still does.
			s.hub.undoStep(ls, m.Type)
			reply(protocol.CodeInternal, "the relay could not record this step, so it was not passed on; try again later")
			return
		}
		switch m.Type {
		case protocol.TypeViewRequest, protocol.TypeControlRequest:
			if ch := s.hub.openQuestion(ls, kind); ch != nil {
				s.wg.Add(1)
				go s.closeUnanswered(ls, kind, ch)
			}
		case protocol.TypeViewGrant, protocol.TypeControlGrant:
			s.hub.answered(ls, kind, false, now, s.denyCooldown)
		case protocol.TypeViewDeny, protocol.TypeControlDeny:
			s.hub.answered(ls, kind, true, now, s.denyCooldown)
		}
		if m.Type == protocol.TypeViewGrant || m.Type == protocol.TypeControlGrant {
			if err := s.records.MarkGrant(ctx, ls.id, m.Type == protocol.TypeControlGrant, now); err != nil {
				s.log.Error("record grant", "session", ls.id, "err", err)
			}
		}
	} else if a, ok := m.Payload.(*protocol.SessionActivity); ok {
		// It already happened on the user's computer: a log that cannot
		// take it is reported (audit does) and the technician still told.
		s.audit(ctx, store.AuditEvent{At: now, Actor: actor, Action: protocol.AuditAction(a.Kind), Address: addr,
			RequestID: ls.requestID, SessionID: ls.id, Detail: activityDetail(a)})
	} else if ch, ok := m.Payload.(*protocol.Chat); ok {
		if err := s.records.AddChat(ctx, store.ChatMessage{SessionID: ls.id, At: now, Sender: actor, Text: ch.Text}); err != nil {
			s.log.Error("store chat", "session", ls.id, "err", err)
		}
	}
	s.noteSignalled(ls.id, fromTech, m) // the TURN server lets the other party reach these (turnpeers.go)
	s.hub.forward(ls, fromTech, b)
}

// activityDetail is the detail of a session.activity audit event: the
// count of characters, or the file's name, size and hash.
func activityDetail(a *protocol.SessionActivity) string {
	if a.Kind.IsFileActivity() {
		return fmt.Sprintf("file=%q size=%d sha256=%s", a.Name, a.Bytes, a.SHA256)
	}
	if a.Kind == protocol.ActivityDisplayShown {
		return fmt.Sprintf("display=%q", a.Name)
	}
	return fmt.Sprintf("chars=%d", a.Chars)
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
	s.hub.closeQuestions(ls)
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
	if !requeue {
		s.followupEnded(ctx, ls, c, now) // followup.go
	}
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

// --- consent questions: cool-down after declines, the relay's timeout

type consentKind int

const (
	kindNone consentKind = iota
	kindView
	kindControl
)

func kindOf(t protocol.Type) consentKind {
	switch t {
	case protocol.TypeViewRequest, protocol.TypeViewGrant, protocol.TypeViewDeny:
		return kindView
	case protocol.TypeControlRequest, protocol.TypeControlGrant, protocol.TypeControlDeny:
		return kindControl
	}
	return kindNone
}

func isAsk(t protocol.Type) bool {
	return t == protocol.TypeViewRequest || t == protocol.TypeControlRequest
}

// widensAccess reports whether a consent step gives the technician more
// than before (a question on the user's screen counts): such a step is
// refused when it cannot be audited.
func widensAccess(t protocol.Type) bool {
	switch t {
	case protocol.TypeViewRequest, protocol.TypeViewGrant, protocol.TypeControlRequest, protocol.TypeControlGrant:
		return true
	}
	return false
}

func (ls *liveSession) question(k consentKind) *question {
	if k == kindControl {
		return &ls.control
	}
	return &ls.view
}

// denyCooldown is the wait after the n-th decline of a question: none
// after the first (one second ask at once), then DenyCooldown, doubling
// up to MaxDenyCooldown.
func (s *Server) denyCooldown(n int) time.Duration {
	if n < 2 {
		return 0
	}
	d := s.cfg.DenyCooldown
	for i := 2; i < n && d < s.cfg.MaxDenyCooldown; i++ {
		d *= 2
	}
	return min(d, s.cfg.MaxDenyCooldown)
}

// askWait is how long the technician must still wait before asking k again.
func (h *hub) askWait(ls *liveSession, k consentKind, now time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return ls.question(k).until.Sub(now)
}

// openQuestion starts the relay's clock on a question just put to the
// user; it returns the channel closed when the question is answered.
func (h *hub) openQuestion(ls *liveSession, k consentKind) chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.sessions[ls.id] != ls {
		return nil
	}
	q := ls.question(k)
	if q.open != nil {
		close(q.open)
	}
	q.open = make(chan struct{})
	return q.open
}

// answered closes the open question of kind k; a decline counts towards
// the cool-down.
func (h *hub) answered(ls *liveSession, k consentKind, denied bool, now time.Time, cooldown func(int) time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	answerLocked(ls.question(k), denied, now, cooldown)
}

func answerLocked(q *question, denied bool, now time.Time, cooldown func(int) time.Duration) {
	if q.open != nil {
		close(q.open)
		q.open = nil
	}
	if denied {
		q.denies++
		q.until = now.Add(cooldown(q.denies))
	}
}

// timeOut closes question ch of kind k as declined (no answer), unless it
// was answered or the session ended meanwhile; it reports whether it did.
func (h *hub) timeOut(ls *liveSession, k consentKind, ch chan struct{}, now time.Time, cooldown func(int) time.Duration) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	q := ls.question(k)
	if h.sessions[ls.id] != ls || q.open != ch {
		return false
	}
	deny := protocol.TypeViewDeny
	if k == kindControl {
		deny = protocol.TypeControlDeny
	}
	ls.step(deny)
	answerLocked(q, true, now, cooldown)
	return true
}

// undoStep takes back a consent step that could not be audited: a
// question is not put, a grant is not given (the question stays open, so
// the relay's timeout still answers the technician).
func (h *hub) undoStep(ls *liveSession, t protocol.Type) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.sessions[ls.id] != ls {
		return
	}
	switch t {
	case protocol.TypeViewRequest:
		ls.viewRequested = false
	case protocol.TypeViewGrant:
		ls.viewGranted, ls.viewRequested = false, true
	case protocol.TypeControlRequest:
		ls.controlRequested = false
	case protocol.TypeControlGrant:
		ls.controlGranted, ls.controlRequested = false, true
	}
}

// closeQuestions stops the timers of an ended session's questions.
func (h *hub) closeQuestions(ls *liveSession) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, q := range []*question{&ls.view, &ls.control} {
		if q.open != nil {
			close(q.open)
			q.open = nil
		}
	}
}

// closeUnanswered enforces the consent timeout: a question the desktop
// leaves unanswered for Config.ConsentTimeout is declined by the relay
// (reason no_answer, audited with the relay as actor) and the technician
// is told, whatever the desktop does.
func (s *Server) closeUnanswered(ls *liveSession, k consentKind, ch chan struct{}) {
	defer s.wg.Done()
	t := time.NewTimer(s.cfg.ConsentTimeout)
	defer t.Stop()
	select {
	case <-s.ctx.Done():
		return
	case <-ch:
		return
	case <-t.C:
	}
	now := s.now()
	if !s.hub.timeOut(ls, k, ch, now, s.denyCooldown) {
		return
	}
	deny := protocol.TypeViewDeny
	if k == kindControl {
		deny = protocol.TypeControlDeny
	}
	action, _ := consentAction(deny)
	s.audit(s.ctx, store.AuditEvent{At: now, Actor: protocol.ActorRelay, Action: action, RequestID: ls.requestID, SessionID: ls.id,
		Detail: string(protocol.ConsentNoAnswer)})
	s.log.Info("consent question unanswered", "session", ls.id, "kind", deny)
	s.hub.forward(ls, false, s.encode(deny, "", ls.id, &protocol.Consent{Reason: protocol.ConsentNoAnswer}))
}
