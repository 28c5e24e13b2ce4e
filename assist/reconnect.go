package assist

import (
	"errors"
	"fmt"

	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/assist/fileproto"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// Reconnecting. The technician's console may go away in the middle of a
// session (a reloaded tab, a lost network) and come back: the relay says
// so (SignalTechAway, SignalTechBack) and the console, which has lost its
// end of the WebRTC connection, asks for a new offer (SignalRestart).
// What the user allowed holds for the whole session: nobody is asked
// again. A restart closes the peer connection (capture stops, the keys
// and buttons the technician held are released, transfers on the old
// file channel end) and offers a new one with the same track and data
// channels; capture starts again, on the display shown before, once it
// connects, and the input gate stays as it was (control granted stays
// granted). The technician going away closes the peer connection at
// once: nothing is captured while nobody watches.
//
// A peer connection that had connected and then fails no longer ends the
// session: the console asks for a new one. The session's first peer
// connection failing without ever connecting still ends it
// (EndConnectionFailed), as do maxUnconnected restarted ones in a row.

// Presence says that the technician's console went away or came back.
type Presence int

// Presences.
const (
	PresenceNone Presence = iota
	PresenceAway          // the technician lost the connection; the relay waits for them
	PresenceBack          // the technician is connected again
)

func (p Presence) String() string {
	switch p {
	case PresenceNone:
		return "none"
	case PresenceAway:
		return "away"
	case PresenceBack:
		return "back"
	}
	return fmt.Sprintf("Presence(%d)", int(p))
}

// maxUnconnected is how many restarted peer connections in a row may fail
// without connecting before the session ends.
const maxUnconnected = 3

// reconnects is the ladder's record of its peer connections.
type reconnects struct {
	ever     bool // one of the session's peer connections connected
	up       bool // the current one did
	failed   int  // restarted ones that failed in a row without connecting
	restarts int  // new offers made after the first
}

func (r *reconnects) connected() { r.ever, r.up, r.failed = true, true, 0 }

// reconnectSignal applies the technician's console going away, coming
// back, or asking for a new offer.
func (l *ladder) reconnectSignal(m Signal) (reason protocol.EndReason, end bool, err error) {
	s := l.s
	switch m.Type {
	case SignalTechAway:
		l.dropPeer()
		s.emit(Event{State: s.State(), Technician: l.technician, Presence: PresenceAway, Grace: m.Grace})
	case SignalTechBack:
		s.emit(Event{State: s.State(), Technician: l.technician, Presence: PresenceBack})
	case SignalRestart:
		if st := s.State(); st != StateViewing && st != StateControlling {
			s.log.Debug("restart asked while not sharing, ignored", "state", st)
			return "", false, nil
		}
		return l.restartPeer()
	}
	return "", false, nil
}

// restartPeer replaces the peer connection with a new one and offers it.
func (l *ladder) restartPeer() (reason protocol.EndReason, end bool, err error) {
	s := l.s
	l.dropPeer()
	offer, err := s.peer.start(l.iceList())
	if err != nil {
		return protocol.EndConnectionFailed, true, err
	}
	l.re.restarts++
	s.log.Info("new offer for the technician's console", "restarts", l.re.restarts, "state", s.State())
	l.pump.send(Signal{Type: SignalOffer, SDP: offer})
	return "", false, nil
}

// peerFailed applies PeerConnectionStateFailed of the current peer
// connection.
func (l *ladder) peerFailed() (reason protocol.EndReason, end bool, err error) {
	r := &l.re
	if !r.up {
		r.failed++
		if !r.ever || r.failed >= maxUnconnected {
			return protocol.EndConnectionFailed, true, errors.New("WebRTC connection failed")
		}
	}
	l.s.log.Info("WebRTC connection failed; waiting for the technician's console to ask for a new one", "failed_in_a_row", r.failed)
	l.dropPeer()
	return "", false, nil
}

// dropPeer closes the peer connection, if any: capture stops, held keys
// are released, transfers on its file channel end. Consent is unchanged.
func (l *ladder) dropPeer() {
	s := l.s
	if s.peer.pc == nil {
		return
	}
	s.gate.releaseHeld()
	s.files.detach()
	s.peer.reset()
	l.re.up = false
}

// iceList is the ICE servers of a peer connection: the relay's, then
// Config.ICEServers.
func (l *ladder) iceList() []webrtc.ICEServer {
	return append(append([]webrtc.ICEServer(nil), l.iceServers...), l.s.cfg.ICEServers...)
}

// openShown opens the capture source of the display shown: the first one
// (Config.NewSource), or after a reconnection the one the technician had
// chosen.
func (l *ladder) openShown() (Source, error) {
	s := l.s
	if d := s.shownDisplay(); d != s.cfg.Display && s.cfg.OpenDisplay != nil {
		return s.cfg.OpenDisplay(d)
	}
	return s.cfg.NewSource()
}

// reset stops the video pipeline (the source is closed when it returns)
// and closes the peer connection, whose late events are ignored; start
// may then make a new one.
func (p *peer) reset() {
	p.stopVideo()
	p.stopVid = nil
	if pc := p.pc; pc != nil {
		pc.OnConnectionStateChange(func(webrtc.PeerConnectionState) {})
		pc.OnICECandidate(func(*webrtc.ICECandidate) {})
		if err := pc.Close(); err != nil {
			p.log.Debug("close peer connection", "err", err)
		}
	}
	p.displaysMu.Lock()
	p.control = nil
	p.displaysMu.Unlock()
	p.pc, p.track = nil, nil
	p.remoteSet, p.pending = false, nil
}

// releaseHeld releases what the technician holds down without ending
// control; the next pointer sequence starts afresh (a new console counts
// from the start).
func (g *inputGate) releaseHeld() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.releaseHeldLocked()
	g.seqValid = false
}

// detach ends the transfers on a file channel that is closing (what was
// half written is deleted); the next channel is attached when it opens.
func (t *transfers) detach() {
	t.mu.Lock()
	t.ch = nil
	var ids []uint32
	for id := range t.in {
		ids = append(ids, id)
	}
	for _, o := range t.out {
		o.cancel()
	}
	t.mu.Unlock()
	for _, id := range ids {
		t.cancelIncoming(id, fileproto.ReasonCancelled, nil, false)
	}
}
