// Package store holds the relay's persistent records: technicians, login
// sessions, help requests, sessions, audit events, one-time codes, chat
// transcripts and guide outcomes.
//
// The records are grouped in small role interfaces — [Accounts], [Queue],
// [Sessions], [AuditLog], [Codes], [Outcomes], [InsightRecorder],
// [InsightReports] — each consumer taking the
// roles it uses. [SQLite] implements them all with the pure-Go
// modernc.org/sqlite driver so the relay stays cgo-free; a PostgreSQL
// implementation would implement the same roles.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrConflict = errors.New("state changed concurrently")
)

// Request states.
const (
	StateWaiting   = "waiting"
	StateTaken     = "taken"
	StateInSession = "in_session"
	StateResolved  = "resolved"
	StateCancelled = "cancelled"
)

// Technician is a console account.
type Technician struct {
	ID           int64
	Username     string
	DisplayName  string
	PasswordHash string
	Admin        bool
	Disabled     bool
	TOTPSecret   string
	TOTPEnabled  bool
	CreatedAt    time.Time
}

// Login is a console login session (the cookie token is stored hashed).
type Login struct {
	TokenHash []byte
	TechID    int64
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Request is a help request.
type Request struct {
	ID          string
	State       string
	Source      string // "request" or "code"
	Name        string
	Contact     string
	Description string
	OS          string
	AppVersion  string
	Guide       json.RawMessage // protocol.GuideContext or empty
	Diagnostics json.RawMessage // []protocol.CheckResult or empty
	ResumeHash  []byte
	Address     string
	TakenBy     int64
	SessionID   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// IdempotencyKey is the client's key for the submit that created it
	// ("" for none); unique among requests. Written by CreateRequest only.
	IdempotencyKey string
	// InstallID and PersonKey find earlier requests of the same computer
	// or person (see [Followups]); Recurring and Reopened are the
	// QueueItem's protocol.Recurring and protocol.Reopened, or empty.
	InstallID, PersonKey string
	Recurring, Reopened  json.RawMessage
}

// Session is one live assistance session.
type Session struct {
	ID               string
	RequestID        string
	TechID           int64
	StartedAt        time.Time
	EndedAt          time.Time // zero while running
	EndReason        protocol.EndReason
	ViewGrantedAt    time.Time
	ControlGrantedAt time.Time
	Notes            string
	Category         string
}

// SessionFilter selects sessions; zero fields match everything.
type SessionFilter struct {
	TechID int64
	Query  string // substring of notes, category, request name or description
	Since  time.Time
	Until  time.Time
	Limit  int
}

// AuditEvent is one audit record.
type AuditEvent struct {
	ID        int64                `json:"id"`
	At        time.Time            `json:"at"`
	Actor     protocol.Actor       `json:"actor"`
	Action    protocol.AuditAction `json:"action"`
	Address   string               `json:"address,omitempty"`
	RequestID string               `json:"request_id,omitempty"`
	SessionID string               `json:"session_id,omitempty"`
	Detail    string               `json:"detail,omitempty"`
}

// AuditFilter selects audit events; zero fields match everything.
type AuditFilter struct {
	Since     time.Time
	Until     time.Time
	Actor     protocol.Actor
	Action    protocol.AuditAction
	SessionID string
	Limit     int
}

// Code is a one-time code (stored hashed).
type Code struct {
	ID        int64
	Hash      []byte
	TechID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// ChatMessage is one line of a session transcript.
type ChatMessage struct {
	SessionID string         `json:"session_id"`
	At        time.Time      `json:"at"`
	Sender    protocol.Actor `json:"sender"`
	Text      string         `json:"text"`
}

// OutcomeCount is one row of an outcome summary.
type OutcomeCount struct {
	Kind    string `json:"kind"`
	GuideID string `json:"guide_id,omitempty"`
	StepID  string `json:"step_id,omitempty"`
	Query   string `json:"query,omitempty"`
	Count   int    `json:"count"`
}

// Accounts holds technicians and their console logins.
type Accounts interface {
	CreateTechnician(ctx context.Context, t *Technician) error
	Technician(ctx context.Context, id int64) (Technician, error)
	TechnicianByName(ctx context.Context, username string) (Technician, error)
	Technicians(ctx context.Context) ([]Technician, error)
	UpdateTechnician(ctx context.Context, t Technician) error

	CreateLogin(ctx context.Context, l Login) error
	LoginByToken(ctx context.Context, tokenHash []byte) (Login, error)
	DeleteLogin(ctx context.Context, tokenHash []byte) error
	DeleteLogins(ctx context.Context, techID int64) error
}

// Queue holds help requests.
type Queue interface {
	CreateRequest(ctx context.Context, r *Request) error
	Request(ctx context.Context, id string) (Request, error)
	Requests(ctx context.Context, states ...string) ([]Request, error)
	// TakeRequest moves a waiting request to taken and creates s, atomically;
	// ErrConflict if the request was not waiting.
	TakeRequest(ctx context.Context, s Session, at time.Time) error
	// SetRequestState moves a request from one of the from states to to;
	// ErrConflict if it was in none of them.
	SetRequestState(ctx context.Context, id string, to string, at time.Time, from ...string) error
	// ResubmitRequest answers a submit repeated with the idempotency key
	// of an existing request: it gives that request resumeHash and
	// returns it; ErrNotFound if no request has the key.
	ResubmitRequest(ctx context.Context, key string, resumeHash []byte, at time.Time) (Request, error)
}

// Sessions holds session records and their chat transcripts.
type Sessions interface {
	CreateSession(ctx context.Context, s Session) error
	Session(ctx context.Context, id string) (Session, error)
	Sessions(ctx context.Context, f SessionFilter) ([]Session, error)
	OpenSessions(ctx context.Context) ([]Session, error)
	EndSession(ctx context.Context, id string, reason protocol.EndReason, at time.Time) error
	MarkGrant(ctx context.Context, id string, control bool, at time.Time) error
	SetNotes(ctx context.Context, id, notes, category string) error
	AddChat(ctx context.Context, m ChatMessage) error
	Chat(ctx context.Context, sessionID string) ([]ChatMessage, error)
}

// AuditLog is the append-only audit trail.
type AuditLog interface {
	AddAudit(ctx context.Context, e AuditEvent) error
	Audit(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
}

// Codes holds one-time codes.
type Codes interface {
	CreateCode(ctx context.Context, c *Code) error
	ActiveCodes(ctx context.Context, now time.Time) ([]Code, error)
	// UseCode marks an unused code used; ErrConflict if it already was.
	UseCode(ctx context.Context, id int64, at time.Time) error
	CancelCode(ctx context.Context, id, techID int64) error
}

// Outcomes summarises self-help outcomes (stored as insight events, see
// InsightRecorder).
type Outcomes interface {
	OutcomeSummary(ctx context.Context, since time.Time) ([]OutcomeCount, error)
}
