package assist

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/assist/inputproto"
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

	displays []Display // offered to the technician, once capture started

	re reconnects // the peer connections so far (reconnect.go)

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
		s.relayMax.Store(m.MaxFileBytes)
		name := l.technician
		s.technician.Store(&name)
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
		if m.Reason == protocol.EndTechnicianLost {
			return m.Reason, true, nil // the relay ended it: see reconnect.go
		}
		return protocol.EndTechnician, true, nil
	case SignalTechAway, SignalTechBack, SignalRestart:
		return l.reconnectSignal(m) // reconnect.go
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
		if ev.pc != s.peer.pc {
			return "", false, nil // of a connection closed since (reconnect.go)
		}
		l.pump.send(Signal{Type: SignalCandidate, Candidate: ev.c})
	case activityDone:
		// Reported after the fact: the relay audits it and tells the
		// console; the user is shown it.
		l.pump.send(Signal{Type: SignalActivity, Activity: ev.a.payload()})
		if s.cfg.OnActivity != nil {
			ev.a.Technician = l.technician
			s.cfg.OnActivity(ev.a)
		}
	case pcState:
		if ev.pc != s.peer.pc {
			return "", false, nil // of a connection closed since (reconnect.go)
		}
		switch ev.st {
		case webrtc.PeerConnectionStateConnected:
			l.re.connected()
			if st := s.State(); (st == StateViewing || st == StateControlling) && !s.peer.streaming() {
				if err := l.startCapture(); err != nil {
					return protocol.EndCaptureFailed, true, err
				}
			}
		case webrtc.PeerConnectionStateFailed:
			return l.peerFailed() // reconnect.go
		case webrtc.PeerConnectionStateClosed:
			return protocol.EndConnectionFailed, true, errors.New("WebRTC connection closed")
		}
	case displayChosen:
		l.switchDisplay(ev.display)
	case resolutionChosen:
		if v := s.peer.vid.Load(); v != nil && (s.State() == StateViewing || s.State() == StateControlling) {
			v.SetFullResolution(ev.full)
			s.fullRes.Store(ev.full) // kept for a pipeline made after a reconnection
			s.log.Info("full resolution asked", "full", ev.full)
		} else {
			s.selectsDropped.Add(1)
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
	src, err := l.openShown() // reconnect.go: the display shown before a reconnection
	if err != nil {
		return err
	}
	s.gate.setBounds(src.Bounds())
	s.peer.startVideo(l.ctx, src, videoConfig{FPS: max(s.cfg.FPS, s.cfg.LANFPS), BitrateKbps: s.cfg.BitrateKbps, CPUUsed: s.cfg.CPUUsed, Adapt: true,
		OnBounds: s.gate.setBounds}, s.frameRates())
	if v := s.peer.vid.Load(); v != nil && s.fullRes.Load() {
		v.SetFullResolution(true)
	}
	l.displays = l.listDisplays(nil)
	shown := s.shownDisplay()
	if s.cfg.ListDisplays == nil || shown >= len(l.displays) {
		shown = 0 // the one display offered: the source's
		l.displays = []Display{{Index: 0, Bounds: src.Bounds(), Primary: true, Name: displayName(0)}}
	}
	s.setShown(shown, len(l.displays))
	l.announce()
	if len(l.displays) > 1 {
		s.emit(Event{State: s.State(), Technician: l.technician}) // the banner can say which
	}
	return nil
}

// listDisplays lists the displays to offer (at most
// inputproto.MaxDisplays), or keeps old when they cannot be listed.
func (l *ladder) listDisplays(old []Display) []Display {
	s := l.s
	if s.cfg.ListDisplays == nil {
		return old
	}
	ds, err := s.cfg.ListDisplays()
	if err != nil || len(ds) == 0 {
		s.log.Warn("cannot list the displays", "err", err)
		return old
	}
	return ds[:min(len(ds), inputproto.MaxDisplays)]
}

// switchDisplay applies the technician's SelectDisplay: the pipeline
// captures the other display (or all of them) from its next tick, on the
// same track, and the technician is told what is shown now, as is the
// user (an Event). Choosing needs viewing only: before the stream runs
// the message is dropped, as is a display that does not exist or will
// not open (the technician is told the display list, unchanged).
func (l *ladder) switchDisplay(d uint8) {
	s := l.s
	if st := s.State(); st != StateViewing && st != StateControlling || !s.peer.streaming() {
		s.selectsDropped.Add(1)
		return
	}
	want := int(d)
	if d == inputproto.AllDisplays {
		want = AllDisplays
	}
	l.displays = l.listDisplays(l.displays)
	if s.cfg.OpenDisplay == nil || want != AllDisplays && want >= len(l.displays) {
		s.selectsDropped.Add(1)
		l.announce()
		return
	}
	if want == s.shownDisplay() {
		l.announce()
		return
	}
	src, err := s.cfg.OpenDisplay(want)
	if err != nil {
		s.log.Warn("cannot capture the display chosen", "display", want, "err", err)
		s.selectsDropped.Add(1)
		l.announce()
		return
	}
	s.log.Info("display shown changed", "display", want, "bounds", src.Bounds().String())
	s.peer.switchSource(src)
	s.switches.Add(1)
	s.setShown(want, len(l.displays))
	l.announce()
	s.emit(Event{State: s.State(), Technician: l.technician})
	// What the technician sees changed: the relay audits it.
	name := "all displays"
	if want != AllDisplays {
		name = fmt.Sprintf("Display %d (%s)", want+1, l.displays[want].Name)
	}
	l.pump.send(Signal{Type: SignalActivity, Activity: protocol.SessionActivity{Kind: protocol.ActivityDisplayShown, Name: name}})
}

// announce sends the technician the displays offered and which is shown.
func (l *ladder) announce() {
	list := &inputproto.DisplayList{Shown: inputproto.AllDisplays}
	if shown := l.s.shownDisplay(); shown != AllDisplays {
		list.Shown = uint8(shown)
	}
	for _, d := range l.displays {
		list.Displays = append(list.Displays, inputproto.DisplayInfo{
			X: int32(d.Bounds.Min.X), Y: int32(d.Bounds.Min.Y),
			W: uint16(min(max(d.Bounds.Dx(), 1), 65535)), H: uint16(min(max(d.Bounds.Dy(), 1), 65535)),
			Primary: d.Primary, Name: inputproto.TrimName(d.Name),
		})
	}
	l.s.peer.sendDisplays(list)
}
