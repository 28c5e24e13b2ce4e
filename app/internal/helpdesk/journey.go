package helpdesk

import (
	"crypto/rand"
	"encoding/hex"
	"sync"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

// NewJourneyID is a fresh random journey id: 32 hex digits.
func NewJourneyID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Journey turns what the window does in self-help into the insight events
// of one problem-solving journey (search → guide → outcome or escalation)
// and hands them to track (Desk.Track). The window calls it where it
// searches, opens guides, shows steps and ends them; it starts a new
// journey with Restart. Safe for concurrent use; a nil *Journey does
// nothing.
type Journey struct {
	track func(...protocol.InsightEvent)

	mu      sync.Mutex
	id      string
	guideID string // the guide open and not ended, "" when none
	reached map[string]bool
}

// NewJourney starts tracking; track receives the events.
func NewJourney(track func(...protocol.InsightEvent)) *Journey {
	return &Journey{track: track, id: NewJourneyID(), reached: map[string]bool{}}
}

// ID is the current journey's id (for the help request an escalation sends).
func (j *Journey) ID() string {
	if j == nil {
		return ""
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.id
}

func (j *Journey) emit(evs ...protocol.InsightEvent) {
	for i := range evs {
		evs[i].Journey = j.id
	}
	j.track(evs...)
}

// Restart ends the journey (a guide still open counts as abandoned) and
// starts a new one.
func (j *Journey) Restart() {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.abandonLocked()
	j.id, j.reached = NewJourneyID(), map[string]bool{}
}

// Leave abandons the open guide, if any (the window closes).
func (j *Journey) Leave() {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.abandonLocked()
}

func (j *Journey) abandonLocked() {
	if j.guideID != "" {
		j.emit(protocol.InsightEvent{Kind: protocol.InsightAbandoned, GuideID: j.guideID})
		j.guideID = ""
	}
}

// Searched records a search the person acted on: hits says whether it
// found anything.
func (j *Journey) Searched(query string, hits int) {
	if j == nil || query == "" {
		return
	}
	kind := protocol.InsightSearch
	if hits == 0 {
		kind = protocol.InsightNoResults
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.emit(protocol.InsightEvent{Kind: kind, Query: truncate(query, protocol.MaxShortText)})
}

// Opened records that a guide was opened; one still open is abandoned.
func (j *Journey) Opened(guideID string) {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.abandonLocked()
	j.guideID = guideID
	j.emit(protocol.InsightEvent{Kind: protocol.InsightGuideOpened, GuideID: guideID})
}

// Reached records a step shown (once per step and journey); guideID is
// the step's own guide (one an answer opened, or the open one).
func (j *Journey) Reached(guideID, stepID string) {
	if j == nil || stepID == "" {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if guideID == "" {
		guideID = j.guideID
	}
	if key := guideID + "/" + stepID; !j.reached[key] {
		j.reached[key] = true
		j.emit(protocol.InsightEvent{Kind: protocol.InsightStepReached, GuideID: guideID, StepID: stepID})
	}
}

// Checked records an automatic check's result at a step.
func (j *Journey) Checked(guideID, stepID, check string, status diag.Status) {
	if j == nil || check == "" {
		return
	}
	st := protocol.CheckStatus(status)
	if st == "" {
		st = protocol.CheckUnknown
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if guideID == "" {
		guideID = j.guideID
	}
	j.emit(protocol.InsightEvent{Kind: protocol.InsightCheckResult, GuideID: guideID, StepID: stepID, Check: check, Status: st})
}

// Ended records how a guide ended: fixed, or not working (the person
// goes on to ask for help, which Escalated records once sent).
func (j *Journey) Ended(rec runner.Record) {
	if j == nil {
		return
	}
	guideID, step := rec.EndedIn()
	kind := protocol.InsightAbandoned
	switch rec.Outcome {
	case runner.Fixed:
		kind = protocol.InsightFixed
	case runner.Escalated:
		kind = protocol.InsightNotWorking
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.guideID = ""
	ev := protocol.InsightEvent{Kind: kind, GuideID: guideID, StepID: step}
	if rec.GuideID != guideID {
		ev.FromGuideID = rec.GuideID
	}
	j.emit(ev)
}

// escalatedEvent is the event hr makes once the relay has it (RequestID
// set then), on the journey it came from and naming the guide and step it
// left, if any; nil without a journey.
func escalatedEvent(hr HelpRequest) *protocol.InsightEvent {
	if hr.Journey == "" {
		return nil
	}
	ev := &protocol.InsightEvent{Kind: protocol.InsightEscalated, Journey: hr.Journey}
	if hr.Guide != nil {
		ev.GuideID, ev.StepID = hr.Guide.EndedIn()
		if hr.Guide.GuideID != ev.GuideID {
			ev.FromGuideID = hr.Guide.GuideID
		}
	}
	return ev
}
