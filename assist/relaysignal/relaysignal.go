// Package relaysignal connects an assist.Session to the relay: it adapts a
// relay/client.Client to assist.Signaler, translating between the relay
// protocol's session messages (session.start, consent.*, signal.*,
// session.away, session.resume, session.end) and assist.Signal.
package relaysignal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/assist"
	"github.com/lifeline-desk/lifeline/relay/client"
	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// Signaler is an assist.Signaler over a relay client.
type Signaler struct {
	c *client.Client
	// OnOther receives the relay messages that are not session signaling
	// (request.position, request.taken, chat, error), from Recv's
	// goroutine. Optional.
	OnOther func(protocol.Message)
}

// New adapts c. The Signaler reads c.Messages(): nothing else may.
func New(c *client.Client, onOther func(protocol.Message)) *Signaler {
	return &Signaler{c: c, OnOther: onOther}
}

// ErrClosed is returned by Recv when the relay client is closed.
var ErrClosed = errors.New("relay connection closed")

// Recv implements assist.Signaler.
func (s *Signaler) Recv(ctx context.Context) (assist.Signal, error) {
	for {
		select {
		case <-ctx.Done():
			return assist.Signal{}, ctx.Err()
		case m, ok := <-s.c.Messages():
			if !ok {
				return assist.Signal{}, ErrClosed
			}
			if sig, ok := toSignal(m); ok {
				return sig, nil
			}
			if s.OnOther != nil {
				s.OnOther(m)
			}
		}
	}
}

func toSignal(m protocol.Message) (assist.Signal, bool) {
	if m.Type == protocol.TypeSignalRestart {
		return assist.Signal{Type: assist.SignalRestart}, true
	}
	switch p := m.Payload.(type) {
	case *protocol.SessionAway:
		return assist.Signal{Type: assist.SignalTechAway, Grace: time.Duration(p.GraceSeconds) * time.Second}, true
	case *protocol.SessionResume:
		return assist.Signal{Type: assist.SignalTechBack, Away: time.Duration(p.AwaySeconds) * time.Second}, true
	case *protocol.SessionStart:
		return assist.Signal{Type: assist.SignalSessionStart, Peer: p.Peer, ICEServers: iceServers(p.ICEServers), MaxFileBytes: p.MaxFileBytes,
			Recording: p.Recording}, true
	case *protocol.Consent:
		switch m.Type {
		case protocol.TypeViewRequest:
			return assist.Signal{Type: assist.SignalViewRequest, Peer: p.By}, true
		case protocol.TypeControlRequest:
			return assist.Signal{Type: assist.SignalControlRequest, Peer: p.By}, true
		}
	case *protocol.SDP:
		if m.Type == protocol.TypeAnswer {
			return assist.Signal{Type: assist.SignalAnswer, SDP: p.SDP}, true
		}
	case *protocol.Candidate:
		return assist.Signal{Type: assist.SignalCandidate, Candidate: webrtc.ICECandidateInit{
			Candidate: p.Candidate, SDPMid: p.SDPMid, SDPMLineIndex: p.SDPMLineIndex, UsernameFragment: p.UsernameFragment,
		}}, true
	case *protocol.SessionEnd:
		return assist.Signal{Type: assist.SignalEnd, Reason: p.Reason}, true
	}
	return assist.Signal{}, false
}

func iceServers(in []protocol.ICEServer) []webrtc.ICEServer {
	out := make([]webrtc.ICEServer, 0, len(in))
	for _, s := range in {
		ice := webrtc.ICEServer{URLs: s.URLs, Username: s.Username}
		if s.Credential != "" {
			ice.Credential = s.Credential
			ice.CredentialType = webrtc.ICECredentialTypePassword
		}
		out = append(out, ice)
	}
	return out
}

// Send implements assist.Signaler.
func (s *Signaler) Send(ctx context.Context, sig assist.Signal) error {
	var err error
	switch sig.Type {
	case assist.SignalViewGrant:
		err = s.c.GrantView(ctx)
	case assist.SignalViewDeny:
		err = s.c.DenyView(ctx, sig.Consent)
	case assist.SignalControlGrant:
		err = s.c.GrantControl(ctx)
	case assist.SignalControlDeny:
		err = s.c.DenyControl(ctx, sig.Consent)
	case assist.SignalControlRevoke:
		err = s.c.RevokeControl(ctx)
	case assist.SignalOffer:
		err = s.c.SendOffer(ctx, sig.SDP)
	case assist.SignalCandidate:
		c := sig.Candidate
		err = s.c.SendCandidate(ctx, protocol.Candidate{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex, UsernameFragment: c.UsernameFragment})
	case assist.SignalActivity:
		a := sig.Activity
		err = s.c.SendSession(ctx, protocol.TypeSessionActivity, &a)
	case assist.SignalEnd:
		err = s.c.EndSession(ctx, sig.Reason)
		if errors.Is(err, client.ErrNoSession) {
			return nil // the session is already over on the relay's side
		}
	default:
		return fmt.Errorf("relaysignal: cannot send %v", sig.Type)
	}
	if err != nil {
		return fmt.Errorf("send %v to relay: %w", sig.Type, err)
	}
	return nil
}
