package assist

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// ladder is the consent state machine of one Run. On one goroutine it
// answers the technician's signals, the user's answers and their timeouts,
// the banner's commands and the peer's events, and moves the session's
// State: nothing is captured before the user allowed viewing, and the
// input gate opens only on the user's allow to a control request.
type ladder struct {
	s    *Session
	ctx  context.Context
	pump *signalPump

	technician  string
	iceServers  []webrtc.ICEServer // the relay's, from session.start
	remoteEnded bool               // the technician or relay ended the session

	asked   int       // questions asked so far: the id of the latest
	ask     *question // the open question, if any
	answers chan answer
	wg      sync.WaitGroup // the Consenter calls
}

// question is a consent question the user has not answered yet.
type question struct {
	id      int
	perm    Permission
	gen     uint64 // the gate's generation when asked: a grant after a revocation is void
	cancel  context.CancelFunc
	timeout <-chan time.Time
}

// expired fires when the question times out; never when there is none.
func (q *question) expired() <-chan time.Time {
	if q == nil {
		return nil
	}
	return q.timeout
}

type answer struct {
	id      int
	allowed bool
	err     error
}

func newLadder(ctx context.Context, s *Session) *ladder {
	return &ladder{
		s: s, ctx: ctx,
		pump:    startPump(ctx, s.cfg.Signaler, s.log),
		answers: make(chan answer, 4),
	}
}

// loop runs until the session ends and says why.
func (l *ladder) loop() (protocol.EndReason, error) {
	s := l.s
	for {
		var (
			reason protocol.EndReason
			end    bool
			err    error
		)
		select {
		case <-l.ctx.Done():
			return protocol.EndUser, nil
		case err := <-l.pump.failed:
			if l.ctx.Err() != nil {
				return protocol.EndUser, nil
			}
			return protocol.EndSignalingLost, err
		case c := <-s.cmds:
			if c == cmdStop {
				return protocol.EndUser, nil
			}
			l.revoke()
		case m := <-l.pump.in:
			reason, end, err = l.handleSignal(m)
		case a := <-l.answers:
			if l.ask == nil || a.id != l.ask.id {
				continue // answered after the timeout
			}
			reason, end, err = l.answered(a.allowed && a.err == nil)
		case <-l.ask.expired():
			reason, end, err = l.expired()
		case ev := <-s.peer.events:
			reason, end, err = l.peerEvent(ev)
		}
		if end {
			return reason, err
		}
	}
}

// handleSignal applies one signal from the technician (or the relay).
func (l *ladder) handleSignal(m Signal) (reason protocol.EndReason, end bool, err error) {
	s := l.s
	if m.Peer != "" && l.technician == "" {
		l.technician = m.Peer
	}
	switch m.Type {
	case SignalSessionStart:
		l.iceServers = m.ICEServers
		l.s.setRecording(m.Recording)
		if m.Peer != "" {
			l.technician = m.Peer
		}
	case SignalViewRequest:
		if s.State() != StateRequested || l.ask != nil {
			return "", false, nil
		}
		s.emit(Event{State: StateWaitingConsent, Technician: l.technician})
		l.startAsk(PermissionView)
	case SignalControlRequest:
		if s.State() != StateViewing || l.ask != nil {
			// Not viewing, already controlling or already asking.
			return "", false, nil
		}
		l.startAsk(PermissionControl)
	case SignalAnswer:
		if err := s.peer.setAnswer(m.SDP); err != nil {
			return protocol.EndConnectionFailed, true, err
		}
	case SignalCandidate:
		s.peer.addCandidate(m.Candidate)
	case SignalEnd:
		l.remoteEnded = true
		return protocol.EndTechnician, true, nil
	}
	return "", false, nil
}

// startAsk puts a question to the Consenter, which answers on l.answers.
func (l *ladder) startAsk(p Permission) {
	s := l.s
	l.asked++
	id := l.asked
	ctx, cancel := context.WithCancel(l.ctx)
	deadline := s.cfg.Clock.Now().Add(s.cfg.ConsentTimeout)
	l.ask = &question{id: id, perm: p, gen: s.gate.generation(), cancel: cancel, timeout: s.cfg.Clock.After(s.cfg.ConsentTimeout)}
	req := ConsentRequest{Permission: p, Technician: l.technician, Deadline: deadline, Recording: s.recording()}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		ok, err := s.cfg.Consenter.Ask(ctx, req)
		if ctx.Err() != nil {
			ok = false
		}
		select {
		case l.answers <- answer{id: id, allowed: ok, err: err}:
		case <-l.ctx.Done():
		}
	}()
}

// forget withdraws the open question, if any: the Consenter's dialog is
// told to close.
func (l *ladder) forget() {
	if l.ask != nil {
		l.ask.cancel()
		l.ask = nil
	}
}

// expired applies the timeout of the open question: no answer in time is
// a decline.
func (l *ladder) expired() (reason protocol.EndReason, end bool, err error) {
	if l.ask.perm == PermissionView {
		l.forget()
		l.declineView(protocol.ConsentNoAnswer)
		return "", false, nil
	}
	return l.answered(false)
}

// declineView tells the technician that viewing was declined (why is
// ConsentNoAnswer after the timeout, "" when the user said no) and goes
// back to Requested: the session stays open, chat goes on, and the
// technician may ask again. Nothing was captured.
func (l *ladder) declineView(why protocol.ConsentReason) {
	l.pump.send(Signal{Type: SignalViewDeny, Consent: why})
	l.s.emit(Event{State: StateRequested, Technician: l.technician, Consent: why})
}

// answered applies the user's answer to the open question.
func (l *ladder) answered(allowed bool) (reason protocol.EndReason, end bool, err error) {
	s := l.s
	q := l.ask
	l.forget()
	switch q.perm {
	case PermissionView:
		if !allowed {
			l.declineView("")
			return "", false, nil
		}
		l.pump.send(Signal{Type: SignalViewGrant})
		s.emit(Event{State: StateViewing, Technician: l.technician})
		offer, err := s.peer.start(append(append([]webrtc.ICEServer(nil), l.iceServers...), s.cfg.ICEServers...))
		if err != nil {
			return protocol.EndConnectionFailed, true, err
		}
		l.pump.send(Signal{Type: SignalOffer, SDP: offer})
	case PermissionControl:
		if s.State() != StateViewing {
			return "", false, nil
		}
		if allowed {
			granted, err := s.gate.grant(q.gen)
			if err != nil {
				s.log.Error("cannot inject input", "err", err)
				l.pump.send(Signal{Type: SignalControlDeny, Consent: protocol.ConsentUnavailable})
				return "", false, nil
			}
			allowed = granted
		}
		if !allowed {
			l.pump.send(Signal{Type: SignalControlDeny})
			s.emit(Event{State: StateViewing, Technician: l.technician, Consent: protocol.ConsentControlDenied})
			return "", false, nil
		}
		l.pump.send(Signal{Type: SignalControlGrant})
		s.peer.sendPermission(true)
		s.emit(Event{State: StateControlling, Technician: l.technician})
	}
	return "", false, nil
}

// revoke follows RevokeControl, which has already closed the gate: an open
// control question is void, and the technician learns that control ended.
func (l *ladder) revoke() {
	s := l.s
	if l.ask != nil && l.ask.perm == PermissionControl {
		l.forget()
		l.pump.send(Signal{Type: SignalControlDeny, Consent: protocol.ConsentRevoked})
	}
	if s.State() == StateControlling {
		l.pump.send(Signal{Type: SignalControlRevoke})
		s.peer.sendPermission(false)
		s.emit(Event{State: StateViewing, Technician: l.technician, Consent: protocol.ConsentRevoked})
	}
}

// peerEvent applies what pion reported: a local candidate to send, a
// connection state, or the end of the video pipeline.
func (l *ladder) peerEvent(ev any) (reason protocol.EndReason, end bool, err error) {
	s := l.s
	switch ev := ev.(type) {
	case localCandidate:
		l.pump.send(Signal{Type: SignalCandidate, Candidate: ev.c})
	case activityDone:
		// Reported after the fact: the relay audits it and tells the
		// console; the user is shown it.
		l.pump.send(Signal{Type: SignalActivity, Activity: ev.a.Kind, Chars: ev.a.Chars})
		if s.cfg.OnActivity != nil {
			ev.a.Technician = l.technician
			s.cfg.OnActivity(ev.a)
		}
	case pcState:
		switch ev.st {
		case webrtc.PeerConnectionStateConnected:
			if st := s.State(); (st == StateViewing || st == StateControlling) && !s.peer.streaming() {
				if err := l.startCapture(); err != nil {
					return protocol.EndCaptureFailed, true, err
				}
			}
		case webrtc.PeerConnectionStateFailed:
			return protocol.EndConnectionFailed, true, errors.New("WebRTC connection failed")
		case webrtc.PeerConnectionStateClosed:
			return protocol.EndConnectionFailed, true, errors.New("WebRTC connection closed")
		}
	case videoEnded:
		if ev.err != nil {
			return protocol.EndCaptureFailed, true, fmt.Errorf("screen capture: %w", ev.err)
		}
	}
	return "", false, nil
}

// startCapture opens the capture source — only ever once viewing is
// allowed and the viewer is connected — and streams it on the track.
func (l *ladder) startCapture() error {
	s := l.s
	src, err := s.cfg.NewSource()
	if err != nil {
		return err
	}
	s.gate.setBounds(src.Bounds())
	s.peer.startVideo(l.ctx, src, videoConfig{FPS: s.cfg.FPS, BitrateKbps: s.cfg.BitrateKbps, CPUUsed: s.cfg.CPUUsed, Adapt: true,
		OnBounds: s.gate.setBounds})
	return nil
}
