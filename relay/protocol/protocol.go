package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Version is the protocol version carried in every envelope.
const Version = 1

// MaxMessageSize is the largest frame either side accepts, in bytes.
const MaxMessageSize = 64 << 10

// Field limits (bytes unless stated otherwise).
const (
	MaxIDLen          = 64
	MaxShortText      = 200
	MaxDescription    = 8000
	MaxItems          = 200
	MaxItemText       = 2000
	MaxSDP            = 48 << 10
	MaxCandidate      = 1000
	MaxChatText       = 4000
	MaxCodeLen        = 32
	MaxReasonLen      = 200
	MaxResumeTokenLen = 128
)

// MaxQueueItemSize is the largest help request the relay keeps, measured
// as its QueueItem encodes (JSON escaping can make a request's stored form
// several times the size of what the desktop sent: each '<' becomes
// \u003c). It leaves room for the envelope and for session.start, which
// carries the request to the technician. A request.submit over it is
// refused with error "too_large".
const MaxQueueItemSize = MaxMessageSize - 4<<10

// Type is a message type.
type Type string

// The closed set of message types.
const (
	TypeRequestSubmit    Type = "request.submit"
	TypeRequestResume    Type = "request.resume"
	TypeRequestCancel    Type = "request.cancel"
	TypeRequestAccepted  Type = "request.accepted"
	TypeRequestPosition  Type = "request.position"
	TypeRequestTaken     Type = "request.taken"
	TypeRequestCancelled Type = "request.cancelled"
	TypeCodeRedeem       Type = "code.redeem"
	TypeOutcomeReport    Type = "outcome.report"
	TypeGuideFeedback    Type = "guide.feedback"
	TypeGuidesChanged    Type = "guides.changed"
	TypeAck              Type = "ack"
	TypeQueueSnapshot    Type = "queue.snapshot"
	TypeQueueAdded       Type = "queue.added"
	TypeQueueUpdated     Type = "queue.updated"
	TypeSessionStart     Type = "session.start"
	TypeSessionEnd       Type = "session.end"
	TypeViewRequest      Type = "consent.view.request"
	TypeViewGrant        Type = "consent.view.grant"
	TypeViewDeny         Type = "consent.view.deny"
	TypeControlRequest   Type = "consent.control.request"
	TypeControlGrant     Type = "consent.control.grant"
	TypeControlDeny      Type = "consent.control.deny"
	TypeControlRevoke    Type = "consent.control.revoke"
	TypeOffer            Type = "signal.offer"
	TypeAnswer           Type = "signal.answer"
	TypeCandidate        Type = "signal.candidate"
	TypeChat             Type = "chat"
	TypeSessionActivity  Type = "session.activity"
	TypeError            Type = "error"
	TypeFollowupClaim    Type = "followup.claim"
	TypeFollowupOffer    Type = "followup.offer"
	TypeFollowupAnswer   Type = "followup.answer"
	TypeInsightEvents    Type = "insight.events"
	TypeWelcome          Type = "welcome"
	// A technician's console going away and coming back (reconnect.go).
	TypeSessionAway   Type = "session.away"
	TypeSessionResume Type = "session.resume"
	TypeSignalRestart Type = "signal.restart"
)

// Party is a bit set of senders.
type Party uint8

// Senders.
const (
	FromClient Party = 1 << iota // desktop client
	FromTech                     // technician console
	FromRelay                    // the relay itself
)

// Spec describes one message type.
type Spec struct {
	From    Party
	Session bool       // a session message, relayed between the two parties
	New     func() any // returns a pointer to a fresh payload value, nil for no payload
}

func p[T any]() func() any { return func() any { return new(T) } }

// specs is the table of all message types; SpecOf and Types read it.
var specs = map[Type]Spec{
	TypeRequestSubmit:    {From: FromClient, New: p[RequestSubmit]()},
	TypeRequestResume:    {From: FromClient, New: p[RequestResume]()},
	TypeRequestCancel:    {From: FromClient},
	TypeRequestAccepted:  {From: FromRelay, New: p[RequestAccepted]()},
	TypeRequestPosition:  {From: FromRelay, New: p[QueuePosition]()},
	TypeRequestTaken:     {From: FromRelay, New: p[RequestTaken]()},
	TypeRequestCancelled: {From: FromRelay, New: p[RequestCancelled]()},
	TypeCodeRedeem:       {From: FromClient, New: p[CodeRedeem]()},
	TypeOutcomeReport:    {From: FromClient, New: p[OutcomeReport]()},
	TypeGuideFeedback:    {From: FromClient, New: p[GuideFeedback]()},
	TypeGuidesChanged:    {From: FromRelay, New: p[GuidesChanged]()},
	TypeAck:              {From: FromRelay},
	TypeQueueSnapshot:    {From: FromRelay, New: p[QueueSnapshot]()},
	TypeQueueAdded:       {From: FromRelay, New: p[QueueItem]()},
	TypeQueueUpdated:     {From: FromRelay, New: p[QueueItem]()},
	TypeSessionStart:     {From: FromRelay, New: p[SessionStart]()},
	TypeSessionEnd:       {From: FromClient | FromTech | FromRelay, Session: true, New: p[SessionEnd]()},
	TypeViewRequest:      {From: FromTech, Session: true, New: p[Consent]()},
	TypeViewGrant:        {From: FromClient, Session: true, New: p[Consent]()},
	TypeViewDeny:         {From: FromClient, Session: true, New: p[Consent]()},
	TypeControlRequest:   {From: FromTech, Session: true, New: p[Consent]()},
	TypeControlGrant:     {From: FromClient, Session: true, New: p[Consent]()},
	TypeControlDeny:      {From: FromClient, Session: true, New: p[Consent]()},
	TypeControlRevoke:    {From: FromClient, Session: true, New: p[Consent]()},
	TypeOffer:            {From: FromClient, Session: true, New: p[SDP]()},
	TypeAnswer:           {From: FromTech, Session: true, New: p[SDP]()},
	TypeCandidate:        {From: FromClient | FromTech, Session: true, New: p[Candidate]()},
	TypeChat:             {From: FromClient | FromTech, Session: true, New: p[Chat]()},
	TypeSessionActivity:  {From: FromClient, Session: true, New: p[SessionActivity]()},
	TypeError:            {From: FromRelay, New: p[Error]()},
	TypeFollowupClaim:    {From: FromClient, New: p[FollowupClaim]()},
	TypeFollowupOffer:    {From: FromRelay, New: p[FollowupOffer]()},
	TypeFollowupAnswer:   {From: FromClient, New: p[FollowupAnswer]()},
	TypeInsightEvents:    {From: FromClient, New: p[InsightEvents]()},
	TypeWelcome:          {From: FromRelay, New: p[Welcome]()},
	TypeSessionAway:      {From: FromRelay, Session: true, New: p[SessionAway]()},
	TypeSessionResume:    {From: FromRelay, Session: true, New: p[SessionResume]()},
	TypeSignalRestart:    {From: FromTech, Session: true},
}

// SpecOf returns the spec of typ; false if typ is not in the closed set.
func SpecOf(typ Type) (Spec, bool) {
	s, ok := specs[typ]
	return s, ok
}

// Types lists every message type, sorted.
func Types() []Type {
	return slices.Sorted(maps.Keys(specs))
}

// Envelope is the outer JSON object of every message.
type Envelope struct {
	V       int             `json:"v"`
	Type    Type            `json:"type"`
	ID      string          `json:"id,omitempty"`
	Session string          `json:"session,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Message is a decoded message: its envelope and its typed payload (a pointer
// to one of the payload structs, or nil for types without payload).
type Message struct {
	Type    Type
	ID      string
	Session string
	Payload any
}

// DecodeError is returned by Decode; Code is one of the error codes above.
type DecodeError struct {
	Code ErrorCode
	Msg  string
}

func (e *DecodeError) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Msg) }

// ErrTooLarge is returned by Decode for input over MaxMessageSize.
var ErrTooLarge = &DecodeError{Code: CodeBadMessage, Msg: "message too large"}

func bad(format string, args ...any) error {
	return &DecodeError{Code: CodeBadMessage, Msg: fmt.Sprintf(format, args...)}
}

// Decode parses and validates one message. It never panics; every failure is
// a *DecodeError.
func Decode(b []byte) (Message, error) {
	if len(b) > MaxMessageSize {
		return Message{}, ErrTooLarge
	}
	var env Envelope
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return Message{}, bad("envelope: %v", err)
	}
	if dec.More() {
		return Message{}, bad("trailing data after message")
	}
	if env.V != Version {
		return Message{}, &DecodeError{Code: CodeUnsupportedVersion, Msg: fmt.Sprintf("version %d not supported, want %d", env.V, Version)}
	}
	spec, ok := specs[env.Type]
	if !ok {
		return Message{}, &DecodeError{Code: CodeUnknownType, Msg: fmt.Sprintf("unknown message type %.40q", env.Type)}
	}
	if len(env.ID) > MaxIDLen || len(env.Session) > MaxIDLen {
		return Message{}, bad("id or session longer than %d bytes", MaxIDLen)
	}
	m := Message{Type: env.Type, ID: env.ID, Session: env.Session}
	if spec.New == nil {
		return m, nil
	}
	m.Payload = spec.New()
	data := env.Data
	if len(data) == 0 || string(data) == "null" {
		data = []byte("{}")
	}
	if err := json.Unmarshal(data, m.Payload); err != nil {
		return Message{}, bad("%s data: %v", env.Type, err)
	}
	if v, ok := m.Payload.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return Message{}, bad("%s: %v", env.Type, err)
		}
	}
	return m, nil
}

// Encode builds one message. payload may be nil.
func Encode(typ Type, id, session string, payload any) ([]byte, error) {
	if _, ok := specs[typ]; !ok {
		return nil, fmt.Errorf("encode: unknown type %q", typ)
	}
	env := Envelope{V: Version, Type: typ, ID: id, Session: session}
	if payload != nil {
		d, err := json.Marshal(payload)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", typ, err)
		}
		env.Data = d
	}
	b, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", typ, err)
	}
	if len(b) > MaxMessageSize {
		return nil, fmt.Errorf("encode %s: %d bytes over the %d limit", typ, len(b), MaxMessageSize)
	}
	return b, nil
}

// ErrorMessage encodes an error reply.
func ErrorMessage(id string, code ErrorCode, msg string) []byte {
	b, err := Encode(TypeError, id, "", &Error{Code: code, Message: msg})
	if err != nil {
		// Only possible if msg is huge; fall back to a fixed message.
		b, _ = Encode(TypeError, id, "", &Error{Code: code})
	}
	return b
}

// ErrItemTooLarge is returned by CheckItemSize.
var ErrItemTooLarge = errors.New("help request too large")

// CheckItemSize reports whether it encodes within MaxQueueItemSize;
// an error wraps ErrItemTooLarge.
func CheckItemSize(it *QueueItem) error {
	b, err := json.Marshal(it)
	if err != nil {
		return fmt.Errorf("encode help request: %w", err)
	}
	if len(b) > MaxQueueItemSize {
		return fmt.Errorf("%w: %d bytes encoded, over %d", ErrItemTooLarge, len(b), MaxQueueItemSize)
	}
	return nil
}

// snapshotWire is QueueSnapshot with its items already encoded.
type snapshotWire struct {
	Requests []json.RawMessage `json:"requests"`
	Part     int               `json:"part"`
	Parts    int               `json:"parts"`
}

// snapshotRoom is what a queue.snapshot needs besides its items: the
// envelope, the part numbers and a comma per item (added per item).
const snapshotRoom = 256

// SnapshotParts encodes the waiting queue items (oldest first) as
// queue.snapshot messages of part 1 … n, each within MaxMessageSize and
// in queue order; an empty queue is one empty part. An item that does not
// fit a message on its own is left out and its id returned in omitted
// (the console then loads the queue over HTTP).
func SnapshotParts(items []QueueItem) (msgs [][]byte, omitted []string, err error) {
	var groups [][]json.RawMessage
	var cur []json.RawMessage
	size := 0
	for i := range items {
		b, err := json.Marshal(&items[i])
		if err != nil || len(b) > MaxMessageSize-snapshotRoom {
			omitted = append(omitted, items[i].ID)
			continue
		}
		if len(cur) > 0 && size+len(b)+1 > MaxMessageSize-snapshotRoom {
			groups = append(groups, cur)
			cur, size = nil, 0
		}
		cur = append(cur, b)
		size += len(b) + 1
	}
	if len(cur) > 0 || len(groups) == 0 {
		groups = append(groups, cur)
	}
	for i, g := range groups {
		if g == nil {
			g = []json.RawMessage{}
		}
		b, err := Encode(TypeQueueSnapshot, "", "", &snapshotWire{Requests: g, Part: i + 1, Parts: len(groups)})
		if err != nil {
			return nil, omitted, err
		}
		msgs = append(msgs, b)
	}
	return msgs, omitted, nil
}

var errEmpty = errors.New("empty")

// check limits a text field; v may be any string type (a reason, a kind).
func check[S ~string](name string, v S, max int, required bool) error {
	if required && v == "" {
		return fmt.Errorf("%s: %w", name, errEmpty)
	}
	if len(v) > max {
		return fmt.Errorf("%s: longer than %d bytes", name, max)
	}
	return nil
}
