package assist

import (
	"context"
	"fmt"
	"time"

	"github.com/pion/webrtc/v3"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// SignalType is the kind of a signaling message between the desktop and
// the technician, carried by the relay.
type SignalType int

// Signal types. "in" arrive from the technician (or the relay), "out" are
// sent by the session. They map one to one onto the relay protocol's
// session.start, consent.*, signal.*, session.activity and session.end
// messages.
const (
	SignalSessionStart   SignalType = iota + 1 // in: Peer, ICEServers, Recording
	SignalViewRequest                          // in: Peer (optional)
	SignalViewGrant                            // out
	SignalViewDeny                             // out: Consent
	SignalControlRequest                       // in
	SignalControlGrant                         // out
	SignalControlDeny                          // out: Consent
	SignalControlRevoke                        // out
	SignalOffer                                // out: SDP
	SignalAnswer                               // in: SDP
	SignalCandidate                            // in and out: Candidate
	SignalEnd                                  // in and out: Reason
	SignalActivity                             // out: Activity
	// The technician's console going away and back (reconnect.go).
	SignalTechAway // in: Grace
	SignalTechBack // in: Away
	SignalRestart  // in: the technician asks for a new offer
)

var signalNames = map[SignalType]string{
	SignalSessionStart: "session-start", SignalViewRequest: "view-request",
	SignalViewGrant: "view-grant", SignalViewDeny: "view-deny",
	SignalControlRequest: "control-request", SignalControlGrant: "control-grant",
	SignalControlDeny: "control-deny", SignalControlRevoke: "control-revoke",
	SignalOffer: "offer", SignalAnswer: "answer", SignalCandidate: "candidate", SignalEnd: "end",
	SignalActivity: "activity", SignalTechAway: "tech-away", SignalTechBack: "tech-back", SignalRestart: "restart",
}

func (t SignalType) String() string {
	if s, ok := signalNames[t]; ok {
		return s
	}
	return fmt.Sprintf("SignalType(%d)", int(t))
}

// Signal is one signaling message. Only the fields of its Type are set.
type Signal struct {
	Type       SignalType
	Peer       string             // technician's display name
	ICEServers []webrtc.ICEServer // SessionStart: TURN with time-limited credentials
	SDP        string             // Offer, Answer
	Candidate  webrtc.ICECandidateInit
	Consent    protocol.ConsentReason   // ViewDeny, ControlDeny (empty: the user said no)
	Reason     protocol.EndReason       // End
	Activity   protocol.SessionActivity // Activity
	// MaxFileBytes is the largest file the session may send (SessionStart;
	// 0: DefaultMaxFileSize).
	MaxFileBytes int64
	// Recording (SessionStart): the organisation records the session;
	// the user is told before being asked to allow viewing.
	Recording bool
	// Grace is how long the relay waits for the technician (TechAway);
	// Away how long they were away (TechBack).
	Grace, Away time.Duration
}

// Signaler carries signaling messages to and from the technician. The
// relay client implements it (see package relaysignal); tests use an
// in-memory pair. Send is called from one goroutine at a time, Recv from
// another; both must return when their context is cancelled.
type Signaler interface {
	Send(ctx context.Context, s Signal) error
	Recv(ctx context.Context) (Signal, error)
}
