package protocol

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// CheckResult is the result of one automatic check on the user's machine.
// Status is "ok", "warn", "fail" or "skipped" (free text up to 200 bytes is accepted).
type CheckResult struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

func (c *CheckResult) validate() error {
	if err := check("name", c.Name, MaxShortText, false); err != nil {
		return err
	}
	if err := check("status", c.Status, MaxShortText, false); err != nil {
		return err
	}
	return check("detail", c.Detail, MaxItemText, false)
}

// GuideStep is one step of a self-help guide the user went through.
type GuideStep struct {
	// GuideID and GuideTitle name the step's guide when it is not the
	// context's own: one an answer opened (optional, added within v1).
	GuideID    string       `json:"guide_id,omitempty"`
	GuideTitle string       `json:"guide_title,omitempty"`
	StepID     string       `json:"step_id"`
	Title      string       `json:"title,omitempty"`
	Answer     string       `json:"answer,omitempty"`
	Check      *CheckResult `json:"check,omitempty"`
	// Opened is the guide this step's answer led into (optional, added
	// within v1; older consoles ignore it).
	Opened *GuideRef `json:"opened,omitempty"`
}

// GuideRef names a guide.
type GuideRef struct {
	GuideID    string `json:"guide_id"`
	GuideTitle string `json:"guide_title,omitempty"`
}

func (r *GuideRef) validate() error {
	return errors.Join(check("guide_id", r.GuideID, MaxShortText, true),
		check("guide_title", r.GuideTitle, MaxShortText, false))
}

// GuideContext is the guide path the user took before escalating.
type GuideContext struct {
	GuideID    string      `json:"guide_id"`
	GuideTitle string      `json:"guide_title,omitempty"`
	Steps      []GuideStep `json:"steps,omitempty"`
	// Note is the guide author's note for the technician where the person
	// left the guide: never part of the person's own words.
	Note string `json:"note,omitempty"`
}

func (g *GuideContext) validate() error {
	if err := check("guide_id", g.GuideID, MaxShortText, false); err != nil {
		return err
	}
	if err := check("guide_title", g.GuideTitle, MaxShortText, false); err != nil {
		return err
	}
	if err := check("note", g.Note, MaxItemText, false); err != nil {
		return err
	}
	if len(g.Steps) > MaxItems {
		return fmt.Errorf("steps: more than %d", MaxItems)
	}
	for i := range g.Steps {
		s := &g.Steps[i]
		if err := errors.Join(check("step_id", s.StepID, MaxShortText, false),
			check("guide_id", s.GuideID, MaxShortText, false),
			check("guide_title", s.GuideTitle, MaxShortText, false),
			check("title", s.Title, MaxItemText, false),
			check("answer", s.Answer, MaxItemText, false)); err != nil {
			return fmt.Errorf("steps[%d]: %w", i, err)
		}
		if s.Check != nil {
			if err := s.Check.validate(); err != nil {
				return fmt.Errorf("steps[%d].check: %w", i, err)
			}
		}
		if s.Opened != nil {
			if err := s.Opened.validate(); err != nil {
				return fmt.Errorf("steps[%d].opened: %w", i, err)
			}
		}
	}
	return nil
}

// ClientInfo describes the desktop client.
type ClientInfo struct {
	Name       string `json:"name,omitempty"`        // the user's name as typed
	Contact    string `json:"contact,omitempty"`     // phone, e-mail, room…
	OS         string `json:"os,omitempty"`          // e.g. "linux/amd64 Debian 12"
	AppVersion string `json:"app_version,omitempty"` // e.g. "0.3.1"
}

func (c *ClientInfo) validate() error {
	return errors.Join(check("name", c.Name, MaxShortText, false),
		check("contact", c.Contact, MaxShortText, false),
		check("os", c.OS, MaxShortText, false),
		check("app_version", c.AppVersion, MaxShortText, false))
}

// RequestSubmit (C→R) asks for help.
type RequestSubmit struct {
	ClientInfo
	Description string        `json:"description"` // required
	Guide       *GuideContext `json:"guide,omitempty"`
	Diagnostics []CheckResult `json:"diagnostics,omitempty"`
	// IdempotencyKey, chosen once per request by the client, makes a
	// repeated submit (after a lost reply) return the first one's
	// request.accepted instead of a second request. Optional.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// InstallID is the desktop's random install id, chosen once per
	// installation (optional, added within v1): the relay uses it only to
	// tell a technician the same computer asked before (QueueItem
	// recurring). MinInstallIDLen … MaxInstallIDLen letters, digits, '-', '_'.
	InstallID string `json:"install_id,omitempty"`
}

// Validate checks field limits.
func (r *RequestSubmit) Validate() error {
	if err := r.ClientInfo.validate(); err != nil {
		return err
	}
	if r.InstallID != "" {
		if err := validInstallID(r.InstallID); err != nil {
			return err
		}
	}
	if err := check("idempotency_key", r.IdempotencyKey, MaxIDLen, false); err != nil {
		return err
	}
	if err := check("description", r.Description, MaxDescription, true); err != nil {
		return err
	}
	if r.Guide != nil {
		if err := r.Guide.validate(); err != nil {
			return fmt.Errorf("guide: %w", err)
		}
	}
	if len(r.Diagnostics) > MaxItems {
		return fmt.Errorf("diagnostics: more than %d", MaxItems)
	}
	for i := range r.Diagnostics {
		if err := r.Diagnostics[i].validate(); err != nil {
			return fmt.Errorf("diagnostics[%d]: %w", i, err)
		}
	}
	return nil
}

// RequestResume (C→R) re-attaches to a waiting request after a reconnect.
type RequestResume struct {
	RequestID   string `json:"request_id"`
	ResumeToken string `json:"resume_token"`
}

// Validate checks field limits.
func (r *RequestResume) Validate() error {
	return errors.Join(check("request_id", r.RequestID, MaxIDLen, true),
		check("resume_token", r.ResumeToken, MaxResumeTokenLen, true))
}

// RequestAccepted (R→C) confirms a persisted request.
type RequestAccepted struct {
	RequestID   string `json:"request_id"`
	ResumeToken string `json:"resume_token"`
	State       string `json:"state"`    // waiting, taken or in_session
	Position    int    `json:"position"` // 1 = next in line; 0 when not waiting
}

// QueuePosition (R→C) tells the client its place in the queue.
type QueuePosition struct {
	RequestID string `json:"request_id"`
	Position  int    `json:"position"`
}

// RequestTaken (R→C): a technician took the request.
type RequestTaken struct {
	RequestID  string `json:"request_id"`
	Technician string `json:"technician"` // display name
}

// RequestCancelled (R→C) confirms a cancellation.
type RequestCancelled struct {
	RequestID string `json:"request_id"`
	Reason    string `json:"reason,omitempty"`
}

// CodeRedeem (C→R) redeems a one-time code read out by a technician.
type CodeRedeem struct {
	ClientInfo
	Code string `json:"code"`
}

// Validate checks field limits.
func (c *CodeRedeem) Validate() error {
	return errors.Join(c.ClientInfo.validate(), check("code", c.Code, MaxCodeLen, true))
}

// Outcome kinds.
const (
	OutcomeFixed     = "fixed"      // the guide fixed the problem at step_id
	OutcomeEscalated = "escalated"  // the user escalated from step_id
	OutcomeNoResults = "no_results" // a search found nothing (query set)
	OutcomeAbandoned = "abandoned"  // the user left the guide
)

// OutcomeReport (C→R) reports a self-help outcome; the relay replies ack.
type OutcomeReport struct {
	Kind string `json:"kind"`
	// GuideID and StepID are where the person was when the guide ended:
	// in a guide an answer opened, that one.
	GuideID string `json:"guide_id,omitempty"`
	StepID  string `json:"step_id,omitempty"`
	// FromGuideID is the guide the person started in, when it is not
	// GuideID (optional, added within v1).
	FromGuideID string `json:"from_guide_id,omitempty"`
	Query       string `json:"query,omitempty"`
	OS          string `json:"os,omitempty"`
	AppVersion  string `json:"app_version,omitempty"`
}

// Validate checks field limits and the kind.
func (o *OutcomeReport) Validate() error {
	switch o.Kind {
	case OutcomeFixed, OutcomeEscalated, OutcomeNoResults, OutcomeAbandoned:
	default:
		return fmt.Errorf("kind %.40q: want fixed, escalated, no_results or abandoned", o.Kind)
	}
	return errors.Join(check("guide_id", o.GuideID, MaxShortText, false),
		check("step_id", o.StepID, MaxShortText, false),
		check("from_guide_id", o.FromGuideID, MaxShortText, false),
		check("query", o.Query, MaxItemText, false),
		check("os", o.OS, MaxShortText, false),
		check("app_version", o.AppVersion, MaxShortText, false))
}

// QueueItem (R→T) is a help request as the console shows it.
type QueueItem struct {
	ID          string        `json:"id"`
	State       string        `json:"state"`
	Source      string        `json:"source"` // "request" or "code"
	CreatedAt   time.Time     `json:"created_at"`
	Online      bool          `json:"online"` // the client is connected now
	TakenBy     string        `json:"taken_by,omitempty"`
	SessionID   string        `json:"session_id,omitempty"`
	Name        string        `json:"name,omitempty"`
	Contact     string        `json:"contact,omitempty"`
	Description string        `json:"description,omitempty"`
	OS          string        `json:"os,omitempty"`
	AppVersion  string        `json:"app_version,omitempty"`
	Guide       *GuideContext `json:"guide,omitempty"`
	Diagnostics []CheckResult `json:"diagnostics,omitempty"`
	// Recurring and Reopened are set when the request is a repeat
	// (optional, added within v1; see Recurring and Reopened).
	Recurring *Recurring `json:"recurring,omitempty"`
	Reopened  *Reopened  `json:"reopened,omitempty"`
}

// QueueSnapshot (R→T) is the waiting queue, oldest first, in one or more
// parts (a busy queue does not fit one message): part 1 replaces what the
// console shows, parts 2 … parts add to it, in order, with nothing else
// between them. Part and Parts are 0 from relays before parts existed,
// which sent one message.
type QueueSnapshot struct {
	Requests []QueueItem `json:"requests"`
	Part     int         `json:"part,omitempty"`
	Parts    int         `json:"parts,omitempty"`
}

// ICEServer is one entry of RTCConfiguration.iceServers.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// WebRTC roles.
const (
	RoleOfferer  = "offerer"
	RoleAnswerer = "answerer"
)

// SessionStart (R→C, R→T) starts a session.
type SessionStart struct {
	SessionID  string      `json:"session_id"`
	RequestID  string      `json:"request_id"`
	Peer       string      `json:"peer"` // display name of the other party
	Role       string      `json:"role"` // WebRTC role of the receiver
	ICEServers []ICEServer `json:"ice_servers"`
	Request    *QueueItem  `json:"request,omitempty"` // technician only: the request context
	// MaxFileBytes is the largest file either side may send in the
	// session (the relay operator's setting); 0: the desktop's default.
	MaxFileBytes int64 `json:"max_file_bytes,omitempty"`
	// Recording says the organisation records sessions: the desktop
	// tells the user before it asks to allow viewing, and the console
	// records the screen and uploads it to the relay (added within v1;
	// absent means false).
	Recording bool `json:"recording,omitempty"`
	// ViewGranted and ControlGranted (technician only) say what the user
	// already allowed in this session: a console that reloaded resumes
	// with them instead of asking again (see reconnect.go).
	ViewGranted    bool `json:"view_granted,omitempty"`
	ControlGranted bool `json:"control_granted,omitempty"`
}

// SessionEnd ends a session.
type SessionEnd struct {
	Reason EndReason `json:"reason,omitempty"`
}

// Validate checks field limits.
func (s *SessionEnd) Validate() error { return check("reason", s.Reason, MaxReasonLen, false) }

// Consent is the payload of every consent.* message.
type Consent struct {
	Reason ConsentReason `json:"reason,omitempty"`
	By     string        `json:"by,omitempty"` // set by the relay: display name of the sender
}

// Validate checks field limits.
func (c *Consent) Validate() error {
	return errors.Join(check("reason", c.Reason, MaxReasonLen, false), check("by", c.By, MaxShortText, false))
}

// SDP is an offer or answer (RTCSessionDescriptionInit without type).
type SDP struct {
	SDP string `json:"sdp"`
}

// Validate checks field limits.
func (s *SDP) Validate() error { return check("sdp", s.SDP, MaxSDP, true) }

// Candidate is an ICE candidate (RTCIceCandidateInit). An empty candidate
// string signals the end of candidates.
type Candidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// Validate checks field limits.
func (c *Candidate) Validate() error {
	if err := check("candidate", c.Candidate, MaxCandidate, false); err != nil {
		return err
	}
	if c.SDPMid != nil && len(*c.SDPMid) > MaxShortText {
		return errors.New("sdpMid too long")
	}
	if c.UsernameFragment != nil && len(*c.UsernameFragment) > MaxShortText {
		return errors.New("usernameFragment too long")
	}
	return nil
}

// Chat is a chat line. From and At are set by the relay.
type Chat struct {
	Text string    `json:"text"`
	From string    `json:"from,omitempty"`
	At   time.Time `json:"at,omitzero"`
}

// Validate checks field limits.
func (c *Chat) Validate() error {
	return errors.Join(check("text", c.Text, MaxChatText, true), check("from", c.From, MaxShortText, false))
}

// SessionActivity (C→T, through the relay) reports what the technician did
// with control beyond mouse and keyboard, once the desktop has done it:
// text put on the user's clipboard, the user's clipboard text sent to the
// technician, text typed. It carries how much, never the text itself;
// the relay audits it and passes it on. Only while control is granted.
type SessionActivity struct {
	Kind  ActivityKind `json:"kind"`
	Chars int          `json:"chars,omitempty"` // text kinds: characters (Unicode code points) of text
	// File kinds: the file's name, size and SHA-256 (64 hex digits);
	// display.shown: the name of the screen now shown.
	Name   string `json:"name,omitempty"`
	Bytes  int64  `json:"bytes,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	By     string `json:"by,omitempty"` // set by the relay: the user's name
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// MaxActivityChars bounds SessionActivity.Chars: more than any data-channel
// message can carry.
const MaxActivityChars = 1 << 20

// Validate checks the kind and the count.
func (a *SessionActivity) Validate() error {
	if !slices.Contains(ActivityKinds(), a.Kind) {
		return fmt.Errorf("kind %q is not an activity kind", a.Kind)
	}
	if a.Chars < 0 || a.Chars > MaxActivityChars {
		return fmt.Errorf("chars %d is not in 0..%d", a.Chars, MaxActivityChars)
	}
	switch {
	case a.Kind.IsFileActivity():
		if a.Chars != 0 || a.Name == "" || a.Bytes < 0 || !sha256Hex.MatchString(a.SHA256) {
			return fmt.Errorf("a file activity needs name, bytes and a sha256 of 64 hex digits, and no chars")
		}
	case a.Kind == ActivityDisplayShown:
		if a.Name == "" || a.Chars != 0 || a.Bytes != 0 || a.SHA256 != "" {
			return fmt.Errorf("%s carries the display's name only", a.Kind)
		}
	case a.Name != "" || a.Bytes != 0 || a.SHA256 != "":
		return fmt.Errorf("%s carries chars, not a file", a.Kind)
	}
	return errors.Join(check("name", a.Name, MaxShortText, false), check("by", a.By, MaxShortText, false))
}

// Error (R→C, R→T) reports a refused message.
type Error struct {
	Code         ErrorCode `json:"code"`
	Message      string    `json:"message,omitempty"`
	RetryAfterMS int64     `json:"retry_after_ms,omitempty"`
}
