package protocol

import (
	"errors"
	"fmt"
	"time"
)

// Follow-up and recurring-request limits.
const (
	// MaxFollowupClaims is how many ended requests one followup.claim may
	// name.
	MaxFollowupClaims = 8
	// MaxFollowupComment caps followup.answer's comment, in bytes.
	MaxFollowupComment = 1000
	// MinInstallIDLen and MaxInstallIDLen bound help.request's install_id.
	MinInstallIDLen = 16
	MaxInstallIDLen = 64
	// MaxRecurringPrevious caps the request ids a QueueItem's recurring
	// lists.
	MaxRecurringPrevious = 20
)

// FollowupRequest names one ended request the desktop made, with the
// resume token the relay gave it: the proof that it is this desktop's.
type FollowupRequest struct {
	RequestID   string `json:"request_id"`
	ResumeToken string `json:"resume_token"`
}

// FollowupClaim (C→R) tells the relay which ended requests this desktop
// made, so that it can ask about them (followup.offer) now or later on
// this connection. The relay replies ack, whether or not a token matched
// (a wrong one is ignored, so the reply tells nothing about other
// people's requests).
type FollowupClaim struct {
	Requests []FollowupRequest `json:"requests"`
}

// Validate checks field limits.
func (f *FollowupClaim) Validate() error {
	if len(f.Requests) > MaxFollowupClaims {
		return fmt.Errorf("requests: more than %d", MaxFollowupClaims)
	}
	for i, r := range f.Requests {
		if err := errors.Join(check("request_id", r.RequestID, MaxIDLen, true),
			check("resume_token", r.ResumeToken, MaxResumeTokenLen, true)); err != nil {
			return fmt.Errorf("requests[%d]: %w", i, err)
		}
	}
	return nil
}

// FollowupOffer (R→C) asks the person whether the problem a session
// resolved is still fixed.
type FollowupOffer struct {
	RequestID   string    `json:"request_id"`
	SessionID   string    `json:"session_id"`
	Technician  string    `json:"technician,omitempty"` // display name
	EndedAt     time.Time `json:"ended_at"`
	Description string    `json:"description,omitempty"` // what the person wrote when asking for help
}

// Validate checks field limits.
func (f *FollowupOffer) Validate() error {
	return errors.Join(check("request_id", f.RequestID, MaxIDLen, true),
		check("session_id", f.SessionID, MaxIDLen, false),
		check("technician", f.Technician, MaxShortText, false),
		check("description", f.Description, MaxDescription, false))
}

// FollowupAnswer (C→R) answers a followup.offer. Rating is 1 … 5, or 0
// when the person gave none. The relay replies ack; working=false puts
// the request back in the queue (marked reopened) and the relay then
// sends request.accepted for it, with a fresh resume token, as for a new
// request.
type FollowupAnswer struct {
	RequestID string `json:"request_id"`
	Working   bool   `json:"working"`
	Rating    int    `json:"rating,omitempty"`
	Comment   string `json:"comment,omitempty"`
}

// Validate checks field limits.
func (f *FollowupAnswer) Validate() error {
	if f.Rating < 0 || f.Rating > 5 {
		return fmt.Errorf("rating %d: want 1 … 5, or 0 for none", f.Rating)
	}
	return errors.Join(check("request_id", f.RequestID, MaxIDLen, true),
		check("comment", f.Comment, MaxFollowupComment, false))
}

// Recurring (on a QueueItem) says the same person (name and contact,
// compared without case and spacing) or the same computer (install_id)
// asked before within WindowDays: Count is the requests in that window
// including this one, Previous the earlier ones' ids, newest first.
type Recurring struct {
	Count      int      `json:"count"`
	WindowDays int      `json:"window_days"`
	Previous   []string `json:"previous"`
}

// Reopened (on a QueueItem) says the person answered a follow-up "not
// working": the request is back in the queue.
type Reopened struct {
	At        time.Time `json:"at"`
	SessionID string    `json:"session_id"` // the session that had resolved it
	Rating    int       `json:"rating,omitempty"`
	Comment   string    `json:"comment,omitempty"`
}

// validInstallID reports whether id is an install id the relay keeps:
// MinInstallIDLen … MaxInstallIDLen letters, digits, '-' or '_'.
func validInstallID(id string) error {
	if len(id) < MinInstallIDLen || len(id) > MaxInstallIDLen {
		return fmt.Errorf("install_id: want %d … %d characters", MinInstallIDLen, MaxInstallIDLen)
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return errors.New("install_id: only letters, digits, '-' and '_'")
		}
	}
	return nil
}
