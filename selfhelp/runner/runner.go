// Package runner walks a person through a guide: it shows each step in the
// variant for their operating system, runs the step's automatic check,
// offers its fix only after asking through a callback, follows the answers
// (into another guide too, with the way back) and records the path taken. That record is what an escalation carries to
// the technician.
//
// A Runner is not safe for concurrent use; the UI drives it from one
// goroutine (checks may be run from another and their results handed back
// through RunCheck's return value).
package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

// Diagnostics runs checks and fixes by name; *diag.Runner implements it.
type Diagnostics interface {
	Check(ctx context.Context, name string) diag.Result
	Fix(name string) (diag.FixInfo, bool)
	RunFix(ctx context.Context, name string) (string, error)
}

// FixRequest is what the consent callback shows the person.
type FixRequest struct {
	Name, Title string
	// Prompt is the question to ask ("Cancel all your waiting print jobs?").
	Prompt string
}

// ConfirmFunc asks the person whether a fix may run. It returns false (or
// an error, such as a cancelled context) to leave the computer untouched.
type ConfirmFunc func(ctx context.Context, req FixRequest) (bool, error)

// Config wires a Runner to its platform and collaborators.
type Config struct {
	Platform guide.Platform
	Vars     guide.Vars
	Diag     Diagnostics
	Confirm  ConfirmFunc
	// Guides finds the guide an answer opens (guide:); *guide.Library
	// implements it. Nil leaves such answers unusable (ErrNoGuide).
	Guides Guides
	// Now returns the time; nil means time.Now.
	Now func() time.Time
}

// Guides looks guides up by id.
type Guides interface {
	Get(id string) (*guide.Guide, bool)
}

// Errors.
var (
	ErrEnded     = errors.New("the guide has ended")
	ErrNoAnswer  = errors.New("no such answer")
	ErrNoFix     = errors.New("this step has no fix")
	ErrNoCheck   = errors.New("this step has no check")
	ErrAtStart   = errors.New("already at the first step")
	ErrNoGuide   = errors.New("the guide this answer opens is not available")
	ErrNoWayBack = errors.New("no guide to go back to")
)

// Outcome is how a guide ended.
type Outcome string

// Outcomes.
const (
	Fixed     Outcome = guide.EndFixed
	Escalated Outcome = guide.EndEscalate
)

// View is the current step, ready to show.
type View struct {
	// GuideID and GuideTitle name the guide the step belongs to, which is
	// another than the one started when an answer opened it.
	GuideID    string `json:"guide_id"`
	GuideTitle string `json:"guide_title"`
	// BackTo is the title of the guide the person came from ("" when
	// none): Return goes back to the step they left there.
	BackTo   string   `json:"back_to,omitempty"`
	StepID   string   `json:"step_id"`
	Title    string   `json:"title"`
	Text     string   `json:"text"` // Markdown, variables filled in
	Question string   `json:"question"`
	Answers  []string `json:"answers"`
	Check    string   `json:"check,omitempty"`
	Fix      *FixRequest
	// Result is the step's check result once it has run (RunCheck); Text
	// then no longer says that Lifeline is checking.
	Result *CheckRecord `json:"result,omitempty"`
	// Suggested is the answer the check result points to, or
	// NoSuggestion. The other answers stay available to override it.
	Suggested int `json:"suggested"`
	// Number is this step's position on the path (1-based); Total is the
	// most steps the path can still come to ("Step 2 of at most 6").
	Number, Total int
}

// CheckRecord is a check result as carried in the record.
type CheckRecord struct {
	Name   string      `json:"name"`
	Status diag.Status `json:"status"`
	Detail string      `json:"detail"`
}

// FixRecord says whether a fix was offered, accepted and what it did.
type FixRecord struct {
	Name     string `json:"name"`
	Accepted bool   `json:"accepted"`
	Result   string `json:"result,omitempty"`
	Error    string `json:"error,omitempty"`
}

// GuideRef names a guide on the path.
type GuideRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// StepRecord is one step on the path taken.
type StepRecord struct {
	// GuideID and GuideTitle are set when the step belongs to another
	// guide than the record's (one an answer opened).
	GuideID    string `json:"guide_id,omitempty"`
	GuideTitle string `json:"guide_title,omitempty"`
	StepID     string `json:"step_id"`
	Title      string `json:"title"`
	Answer     string `json:"answer,omitempty"`
	// Opened is the guide the answer led into.
	Opened *GuideRef    `json:"opened,omitempty"`
	Check  *CheckRecord `json:"check,omitempty"`
	Fix    *FixRecord   `json:"fix,omitempty"`
	At     time.Time    `json:"at"`
}

// Record is the path taken through a guide: what an escalation sends.
type Record struct {
	GuideID    string       `json:"guide_id"`
	GuideTitle string       `json:"guide_title"`
	Platform   string       `json:"platform"`
	Steps      []StepRecord `json:"steps"`
	Outcome    Outcome      `json:"outcome,omitempty"`
	// Note is the guide author's note for the technician on escalation.
	Note      string    `json:"note,omitempty"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
}

// EndedIn is the guide and step the person was in last: where the guide
// was fixed or given up, which may be a guide an answer opened.
func (rec Record) EndedIn() (guideID, stepID string) {
	guideID = rec.GuideID
	if n := len(rec.Steps); n > 0 {
		if id := rec.Steps[n-1].GuideID; id != "" {
			guideID = id
		}
		stepID = rec.Steps[n-1].StepID
	}
	return guideID, stepID
}

// place is a step of a guide.
type place struct {
	g    *guide.Guide
	step string
}

// Runner is the state machine over a guide and those its answers open.
type Runner struct {
	g    *guide.Guide // the guide started
	cfg  Config
	vars guide.Vars

	mu  sync.Mutex
	rec Record
	// stacks[i] is where the person stood at rec.Steps[i]: its last place
	// is that step, the ones before it the steps that opened another
	// guide, to go back to.
	stacks [][]place
	ended  bool
}

// New starts g at its first step.
func New(g *guide.Guide, cfg Config) (*Runner, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Vars == nil {
		cfg.Vars = guide.Vars{}
	}
	start := g.StartStep()
	if _, ok := g.Step(start); !ok {
		return nil, fmt.Errorf("guide %s: no first step", g.ID)
	}
	r := &Runner{g: g, cfg: cfg, vars: cfg.Vars.Merge()}
	r.rec = Record{GuideID: g.ID, GuideTitle: g.Title, Platform: string(cfg.Platform), StartedAt: cfg.Now()}
	r.push([]place{{g, start}})
	return r, nil
}

// Guide is the guide started.
func (r *Runner) Guide() *guide.Guide { return r.g }

// push records arriving at the last place of stack.
func (r *Runner) push(stack []place) {
	p := stack[len(stack)-1]
	st, _ := p.g.Step(p.step)
	sr := StepRecord{StepID: p.step, Title: r.vars.Expand(st.Title), At: r.cfg.Now()}
	if p.g.ID != r.g.ID {
		sr.GuideID, sr.GuideTitle = p.g.ID, r.vars.Expand(p.g.Title)
	}
	r.rec.Steps = append(r.rec.Steps, sr)
	r.stacks = append(r.stacks, stack)
}

// here is where the person stands; ok is false once the guide has ended.
func (r *Runner) here() (stack []place, p place, st *guide.Step, ok bool) {
	if r.ended {
		return nil, place{}, nil, false
	}
	stack = r.stacks[len(r.stacks)-1]
	p = stack[len(stack)-1]
	st, _ = p.g.Step(p.step)
	return stack, p, st, true
}

// Current returns the step to show; ok is false once the guide has ended.
func (r *Runner) Current() (View, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stack, p, st, ok := r.here()
	if !ok {
		return View{}, false
	}
	v := View{
		GuideID:    p.g.ID,
		GuideTitle: r.vars.Expand(p.g.Title),
		StepID:     st.ID,
		Title:      r.vars.Expand(st.Title),
		Text:       r.vars.Expand(st.TextFor(r.cfg.Platform)),
		Question:   r.vars.Expand(st.Question),
		Check:      st.Check,
		Suggested:  NoSuggestion,
		Number:     len(r.rec.Steps),
	}
	if len(stack) > 1 {
		v.BackTo = r.vars.Expand(stack[len(stack)-2].g.Title)
	}
	v.Total = v.Number + longestToEnd(p.g, st.ID)
	if c := r.rec.Steps[len(r.rec.Steps)-1].Check; c != nil && st.Check != "" {
		res := *c
		v.Result = &res
		v.Text = withoutProgressLine(v.Text)
		v.Suggested = suggest(st, r.vars, res)
	}
	for _, a := range st.Answers {
		v.Answers = append(v.Answers, r.vars.Expand(a.Label))
	}
	if st.Fix != "" && r.cfg.Diag != nil {
		if info, ok := r.cfg.Diag.Fix(st.Fix); ok {
			prompt := r.vars.Expand(st.FixPrompt)
			if prompt == "" {
				prompt = info.Prompt
			}
			v.Fix = &FixRequest{Name: st.Fix, Title: info.Title, Prompt: prompt}
		}
	}
	return v, true
}

// RunCheck runs the current step's check and records its result. It may
// take seconds; the UI shows progress meanwhile.
func (r *Runner) RunCheck(ctx context.Context) (diag.Result, error) {
	r.mu.Lock()
	_, _, st, ok := r.here()
	if !ok {
		r.mu.Unlock()
		return diag.Result{}, ErrEnded
	}
	stepID, at := st.ID, len(r.rec.Steps)
	r.mu.Unlock()
	if st.Check == "" || r.cfg.Diag == nil {
		return diag.Result{}, ErrNoCheck
	}
	res := r.cfg.Diag.Check(ctx, st.Check)
	r.mu.Lock()
	defer r.mu.Unlock()
	// Only onto the visit it was run for: the person may have moved on
	// (into another guide, too) while it ran.
	if last := &r.rec.Steps[len(r.rec.Steps)-1]; last.StepID == stepID && len(r.rec.Steps) == at {
		last.Check = &CheckRecord{Name: res.Name, Status: res.Status, Detail: res.Detail}
	}
	return res, nil
}

// OfferFix asks the person, through Config.Confirm, whether the current
// step's fix may run, runs it only on yes, and records both. It returns a
// plain-words summary of what happened.
func (r *Runner) OfferFix(ctx context.Context) (FixRecord, error) {
	v, ok := r.Current()
	if !ok {
		return FixRecord{}, ErrEnded
	}
	if v.Fix == nil {
		return FixRecord{}, ErrNoFix
	}
	rec := FixRecord{Name: v.Fix.Name}
	yes := false
	if r.cfg.Confirm != nil {
		var err error
		if yes, err = r.cfg.Confirm(ctx, *v.Fix); err != nil {
			yes = false
		}
	}
	if yes {
		rec.Accepted = true
		msg, err := r.cfg.Diag.RunFix(ctx, v.Fix.Name)
		rec.Result = msg
		if err != nil {
			rec.Error = err.Error()
		}
	}
	r.mu.Lock()
	if last := &r.rec.Steps[len(r.rec.Steps)-1]; last.StepID == v.StepID {
		last.Fix = &rec
	}
	r.mu.Unlock()
	if rec.Error != "" {
		return rec, fmt.Errorf("fix %s: %s", rec.Name, rec.Error)
	}
	return rec, nil
}

// Answer picks answer i of the current step. It returns the outcome when
// the answer ends the guide ("" otherwise). An answer that opens another
// guide goes to its step; if that guide is already open further back, the
// person returns into it there rather than opening it twice.
func (r *Runner) Answer(i int) (Outcome, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stack, _, st, ok := r.here()
	if !ok {
		return "", ErrEnded
	}
	if i < 0 || i >= len(st.Answers) {
		return "", fmt.Errorf("%w: %d", ErrNoAnswer, i)
	}
	a := st.Answers[i]
	last := &r.rec.Steps[len(r.rec.Steps)-1]
	if a.Opens() && a.Next == "" {
		var tg *guide.Guide
		if r.cfg.Guides != nil {
			tg, ok = r.cfg.Guides.Get(a.Guide)
		}
		if tg == nil || !ok {
			return "", fmt.Errorf("%w: %s", ErrNoGuide, a.Guide)
		}
		step := a.Step
		if step == "" {
			step = tg.StartStep()
		}
		if _, ok := tg.Step(step); !ok {
			return "", fmt.Errorf("%w: %s has no step %s", ErrNoGuide, a.Guide, step)
		}
		next := append(slices.Clone(stack), place{tg, step})
		for k, p := range stack {
			if p.g.ID == tg.ID {
				next = append(slices.Clone(stack[:k]), place{tg, step})
				break
			}
		}
		last.Answer = r.vars.Expand(a.Label)
		last.Opened = &GuideRef{ID: tg.ID, Title: r.vars.Expand(tg.Title)}
		r.push(next)
		return "", nil
	}
	last.Answer = r.vars.Expand(a.Label)
	switch a.Next {
	case guide.EndFixed, guide.EndEscalate:
		r.ended = true
		r.rec.Outcome = Outcome(a.Next)
		r.rec.Note = r.cfg.Vars.Note(a.Note)
		r.rec.EndedAt = r.cfg.Now()
		return r.rec.Outcome, nil
	}
	r.push(append(slices.Clone(stack[:len(stack)-1]), place{stack[len(stack)-1].g, a.Next}))
	return "", nil
}

// Return goes back from a guide an answer opened to the step the person
// left in the guide before it (View.BackTo); the record shows the way
// back. It also works once that guide ended as fixed: the other guide's
// problem is sorted, the first one may not be, so the person carries on
// there.
func (r *Runner) Return() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended && r.rec.Outcome != Fixed {
		return ErrEnded
	}
	stack := r.stacks[len(r.stacks)-1]
	if len(stack) < 2 {
		return ErrNoWayBack
	}
	title := r.vars.Expand(stack[len(stack)-2].g.Title)
	last := &r.rec.Steps[len(r.rec.Steps)-1]
	switch {
	case !r.ended:
		last.Answer = "Went back to “" + title + "”"
	case last.Answer == "":
		last.Answer = "That fixed it; went back to “" + title + "”"
	default:
		last.Answer += "; went back to “" + title + "”"
	}
	r.ended = false
	r.rec.Outcome, r.rec.Note, r.rec.EndedAt = "", "", time.Time{}
	r.push(slices.Clone(stack[:len(stack)-1]))
	return nil
}

// BackTo is the title of the guide Return goes back to, also once a guide
// an answer opened ended as fixed; "" when there is none.
func (r *Runner) BackTo() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	stack := r.stacks[len(r.stacks)-1]
	if len(stack) < 2 || (r.ended && r.rec.Outcome != Fixed) {
		return ""
	}
	return r.vars.Expand(stack[len(stack)-2].g.Title)
}

// Back returns to the previous step, forgetting the answer given there. It
// also reopens a guide that just ended.
func (r *Runner) Back() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		last := &r.rec.Steps[len(r.rec.Steps)-1]
		r.ended, last.Answer, last.Opened = false, "", nil
		r.rec.Outcome, r.rec.Note, r.rec.EndedAt = "", "", time.Time{}
		return nil
	}
	if len(r.rec.Steps) < 2 {
		return ErrAtStart
	}
	r.rec.Steps = r.rec.Steps[:len(r.rec.Steps)-1]
	r.stacks = r.stacks[:len(r.stacks)-1]
	prev := &r.rec.Steps[len(r.rec.Steps)-1]
	prev.Answer, prev.Opened = "", nil
	return nil
}

// Escalate ends the guide early ("Still not working" from any step); note
// is the person's own words, if any.
func (r *Runner) Escalate(note string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended && r.rec.Outcome != "" {
		return
	}
	r.ended = true
	r.rec.Outcome = Escalated
	r.rec.Note = note
	r.rec.EndedAt = r.cfg.Now()
}

// EndFixed ends the guide as fixed at the current step ("That fixed it").
func (r *Runner) EndFixed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.ended = true
	r.rec.Outcome = Fixed
	r.rec.EndedAt = r.cfg.Now()
}

// Record returns a copy of the path taken so far.
func (r *Runner) Record() Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.rec
	rec.Steps = append([]StepRecord(nil), r.rec.Steps...)
	for i := range rec.Steps {
		if c := rec.Steps[i].Check; c != nil {
			cp := *c
			rec.Steps[i].Check = &cp
		}
		if f := rec.Steps[i].Fix; f != nil {
			cp := *f
			rec.Steps[i].Fix = &cp
		}
		if o := rec.Steps[i].Opened; o != nil {
			cp := *o
			rec.Steps[i].Opened = &cp
		}
	}
	return rec
}
