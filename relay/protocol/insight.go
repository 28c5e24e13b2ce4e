package protocol

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Insight event limits.
const (
	// MaxInsightEvents is the most events one insight.events message
	// carries; a desktop with more sends several messages (each also
	// within MaxMessageSize).
	MaxInsightEvents = 100
	// MinJourneyLen and MaxJourneyLen bound a journey id (hex digits).
	MinJourneyLen = 16
	MaxJourneyLen = 64
)

// InsightEvents (C→R) reports what happened in self-help since the last
// report; the relay replies ack once it has stored them. Anonymous: no
// name, no machine id; an "escalated" event's request_id links its journey
// to the help request.
type InsightEvents struct {
	Events []InsightEvent `json:"events"`
}

// InsightEvent is one step of a problem-solving journey on a desktop.
type InsightEvent struct {
	Kind InsightKind `json:"kind"`
	// At is the desktop's clock; the relay clamps it to its own receive
	// time ± 1 day.
	At time.Time `json:"at"`
	// Journey is a random id (16–64 hex digits) the desktop gives one
	// search → guide → outcome/escalation journey.
	Journey string `json:"journey"`
	// Query is the text typed (search kinds), only when the organisation
	// allows search text (Welcome.Insights.SearchText).
	Query   string `json:"query,omitempty"`
	GuideID string `json:"guide_id,omitempty"`
	StepID  string `json:"step_id,omitempty"`
	// FromGuideID, on an outcome or escalation, is the guide the person
	// started in when an answer led them on to GuideID ("" otherwise).
	FromGuideID string      `json:"from_guide_id,omitempty"`
	Check       string      `json:"check,omitempty"`
	Status      CheckStatus `json:"status,omitempty"`
	RequestID   string      `json:"request_id,omitempty"` // on "escalated": the help request it became
	OS          string      `json:"os,omitempty"`
	AppVersion  string      `json:"app_version,omitempty"`
}

// Validate checks the count, every event's kind, required fields and limits.
func (e *InsightEvents) Validate() error {
	if len(e.Events) == 0 {
		return fmt.Errorf("events: %w", errEmpty)
	}
	if len(e.Events) > MaxInsightEvents {
		return fmt.Errorf("events: more than %d", MaxInsightEvents)
	}
	for i := range e.Events {
		if err := e.Events[i].validate(); err != nil {
			return fmt.Errorf("events[%d]: %w", i, err)
		}
	}
	return nil
}

func (ev *InsightEvent) validate() error {
	if !slices.Contains(InsightKinds(), ev.Kind) {
		return fmt.Errorf("kind %.40q is not an insight kind", ev.Kind)
	}
	if ev.At.IsZero() {
		return fmt.Errorf("at: %w", errEmpty)
	}
	if n := len(ev.Journey); n < MinJourneyLen || n > MaxJourneyLen || !isHex(ev.Journey) {
		return fmt.Errorf("journey: want %d to %d hex digits", MinJourneyLen, MaxJourneyLen)
	}
	needGuide := false
	switch ev.Kind {
	case InsightGuideOpened, InsightFixed, InsightNotWorking, InsightAbandoned:
		needGuide = true
	case InsightStepReached:
		needGuide = true
		if ev.StepID == "" {
			return fmt.Errorf("step_id: %w", errEmpty)
		}
	case InsightCheckResult:
		if !slices.Contains(CheckStatuses(), ev.Status) {
			return fmt.Errorf("status %.40q is not a check status", ev.Status)
		}
		if ev.Check == "" {
			return fmt.Errorf("check: %w", errEmpty)
		}
	}
	if ev.Status != "" && ev.Kind != InsightCheckResult {
		return errors.New("status: only on check.result")
	}
	return errors.Join(check("query", ev.Query, MaxShortText, false),
		check("guide_id", ev.GuideID, MaxShortText, needGuide),
		check("from_guide_id", ev.FromGuideID, MaxShortText, false),
		check("step_id", ev.StepID, MaxShortText, false),
		check("check", ev.Check, MaxShortText, false),
		check("request_id", ev.RequestID, MaxIDLen, false),
		check("os", ev.OS, MaxShortText, false),
		check("app_version", ev.AppVersion, MaxShortText, false))
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Insight returns the insight event an outcome report stands for: the
// relay keeps one vocabulary (InsightKind) and stores outcome.report from
// desktops that predate insight.events as these events, with no journey.
func (o *OutcomeReport) Insight(at time.Time) InsightEvent {
	kind := map[string]InsightKind{OutcomeFixed: InsightFixed, OutcomeEscalated: InsightEscalated,
		OutcomeNoResults: InsightNoResults, OutcomeAbandoned: InsightAbandoned}[o.Kind]
	return InsightEvent{Kind: kind, At: at, Query: o.Query, GuideID: o.GuideID, StepID: o.StepID, FromGuideID: o.FromGuideID, OS: o.OS, AppVersion: o.AppVersion}
}

// OutcomeKind is the outcome.report kind an insight kind was reported as
// by older desktops ("" for kinds outcome.report has no word for): the
// vocabulary GET /api/outcomes/summary keeps answering in.
func OutcomeKind(k InsightKind) string {
	return map[InsightKind]string{InsightFixed: OutcomeFixed, InsightEscalated: OutcomeEscalated,
		InsightNoResults: OutcomeNoResults, InsightAbandoned: OutcomeAbandoned}[k]
}

// Welcome (R→C) is the first message on every /ws/client connection: what
// this relay wants of the desktop. Desktops ignore fields they do not know;
// a relay that sends no welcome predates it (then: search text allowed).
type Welcome struct {
	Insights *InsightSettings `json:"insights,omitempty"`
}

// InsightSettings is the organisation's choice about insight events.
type InsightSettings struct {
	// SearchText: the desktop may report what people typed (query);
	// when false it omits query and the relay drops any it gets.
	SearchText bool `json:"search_text"`
}
