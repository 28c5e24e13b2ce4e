// Package guide defines Lifeline's guided-fix format: the types, a YAML
// loader that keeps line numbers for every element, the template variables
// that organisations fill in, and a linter that reports each defect as
// file:line: message.
//
// A guide is a small state machine. Each step shows Markdown text (with
// optional per-OS variants), may run an automatic check and offer a fix,
// and asks one question whose answers lead to another step, to "fixed", to
// "escalate" or into another guide (with the way back). The schema is documented with an example in
// assets/guides/README.md.
package guide

import (
	"fmt"
	"slices"
)

// Platform is an operating system a guide or step variant applies to.
type Platform string

// The platforms Lifeline knows.
const (
	Windows Platform = "windows"
	MacOS   Platform = "macos"
	Linux   Platform = "linux"
)

// Platforms lists every known platform in display order.
func Platforms() []Platform { return []Platform{Windows, MacOS, Linux} }

// Valid reports whether p is a known platform.
func (p Platform) Valid() bool { return slices.Contains(Platforms(), p) }

// Label is the human name of the platform.
func (p Platform) Label() string {
	switch p {
	case Windows:
		return "Windows"
	case MacOS:
		return "macOS"
	case Linux:
		return "Linux"
	}
	return string(p)
}

// The special answer targets that end a guide.
const (
	EndFixed    = "fixed"
	EndEscalate = "escalate"
)

// Guide is one guided fix.
type Guide struct {
	ID          string     `yaml:"id"`
	Title       string     `yaml:"title"`
	Summary     string     `yaml:"summary"`
	Category    string     `yaml:"category"`
	Platforms   []Platform `yaml:"platforms"`
	Symptoms    []string   `yaml:"symptoms"`
	Keywords    []string   `yaml:"keywords"`
	Environment string     `yaml:"environment"`
	Cause       string     `yaml:"cause"`
	// Start names the first step; empty means the first step listed.
	Start string `yaml:"start"`
	Steps []Step `yaml:"steps"`

	// Source is the file the guide was read from ("builtin:NAME" for
	// embedded guides); Pos records line numbers for the linter.
	Source string `yaml:"-"`
	Pos    Pos    `yaml:"-"`
}

// Step is one screen of a guide.
type Step struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
	// Text is Markdown shown on every platform without its own variant.
	Text string `yaml:"text"`
	// Variants replace Text on the named platform.
	Variants map[Platform]string `yaml:"variants"`
	// Check names an automatic check run when the step is shown.
	Check string `yaml:"check"`
	// Fix names a repair Lifeline can make; it runs only after the user
	// agrees to FixPrompt (or a generic prompt when empty).
	Fix       string   `yaml:"fix"`
	FixPrompt string   `yaml:"fix_prompt"`
	Question  string   `yaml:"question"`
	Answers   []Answer `yaml:"answers"`

	Pos Pos `yaml:"-"`
}

// Answer is one reply to a step's question.
type Answer struct {
	Label string `yaml:"label"`
	// Next is a step id, EndFixed or EndEscalate.
	Next string `yaml:"next"`
	// Guide, instead of Next, opens another guide (by id) at its first
	// step, or at Step when set. The person can go back to the step they
	// left; the path the technician sees records the hop.
	Guide string `yaml:"guide"`
	Step  string `yaml:"step"`
	// Note is what a technician should know when this answer escalates.
	Note string `yaml:"note"`

	Pos Pos `yaml:"-"`
}

// Opens reports whether the answer leads into another guide.
func (a *Answer) Opens() bool { return a.Guide != "" }

// Pos is where an element was defined. Fields holds the line of each key.
type Pos struct {
	Line   int
	Fields map[string]int
}

// FieldLine is the line of key, or of the element when the key is absent.
func (p Pos) FieldLine(key string) int {
	if l, ok := p.Fields[key]; ok {
		return l
	}
	return p.Line
}

// StartStep is the id of the first step.
func (g *Guide) StartStep() string {
	if g.Start != "" {
		return g.Start
	}
	if len(g.Steps) > 0 {
		return g.Steps[0].ID
	}
	return ""
}

// Step returns the step with the given id.
func (g *Guide) Step(id string) (*Step, bool) {
	for i := range g.Steps {
		if g.Steps[i].ID == id {
			return &g.Steps[i], true
		}
	}
	return nil, false
}

// Supports reports whether the guide applies to p. A guide without a
// platform list applies everywhere.
func (g *Guide) Supports(p Platform) bool {
	return len(g.Platforms) == 0 || slices.Contains(g.Platforms, p)
}

// TextFor is the step text for platform p: its variant if it has one.
func (s *Step) TextFor(p Platform) string {
	if v, ok := s.Variants[p]; ok && v != "" {
		return v
	}
	return s.Text
}

// Problem is one defect found while loading or linting guides.
type Problem struct {
	File    string
	Line    int
	Message string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

func (p Problem) Error() string { return p.String() }
