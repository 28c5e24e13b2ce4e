package server

// The parsed guide as the console's editor previews it.

import "github.com/lifeline-desk/lifeline/selfhelp/guide"

type (
	guidePreview struct {
		ID        string         `json:"id"`
		Title     string         `json:"title"`
		Summary   string         `json:"summary"`
		Category  string         `json:"category"`
		Platforms []string       `json:"platforms"`
		Symptoms  []string       `json:"symptoms"`
		Start     string         `json:"start"`
		Steps     []stepPreview  `json:"steps"`
		Links     []guideLinkRef `json:"links"`
	}
	stepPreview struct {
		ID    string `json:"id"`
		Line  int    `json:"line"`
		Title string `json:"title,omitempty"`
		// Text is Markdown, the organisation variables filled in;
		// Variants the per-platform texts ("windows", "macos", "linux").
		Text      string            `json:"text"`
		Variants  map[string]string `json:"variants,omitempty"`
		Check     string            `json:"check,omitempty"`
		Fix       string            `json:"fix,omitempty"`
		FixPrompt string            `json:"fix_prompt,omitempty"`
		Question  string            `json:"question,omitempty"`
		Answers   []answerPreview   `json:"answers"`
	}
	answerPreview struct {
		Label string `json:"label"`
		// Exactly one of Next (a step id, "fixed" or "escalate") and
		// Guide (another guide, at Step or its first step) is set.
		Next  string `json:"next,omitempty"`
		Guide string `json:"guide,omitempty"`
		Step  string `json:"step,omitempty"`
		Note  string `json:"note,omitempty"`
	}
	guideLinkRef struct {
		Guide string `json:"guide"`
		Step  string `json:"step,omitempty"`
	}
)

// previewOf renders g with vars (already merged with the defaults).
func previewOf(g *guide.Guide, vars guide.Vars) *guidePreview {
	p := &guidePreview{ID: g.ID, Title: vars.Expand(g.Title), Summary: vars.Expand(g.Summary), Category: g.Category,
		Platforms: []string{}, Symptoms: append([]string{}, g.Symptoms...), Start: g.StartStep(), Steps: []stepPreview{}, Links: []guideLinkRef{}}
	for _, pl := range g.Platforms {
		p.Platforms = append(p.Platforms, string(pl))
	}
	for _, s := range g.Steps {
		sp := stepPreview{ID: s.ID, Line: s.Pos.Line, Title: vars.Expand(s.Title), Text: vars.Expand(s.Text), Check: s.Check, Fix: s.Fix,
			FixPrompt: vars.Expand(s.FixPrompt), Question: vars.Expand(s.Question), Answers: []answerPreview{}}
		if len(s.Variants) > 0 {
			sp.Variants = make(map[string]string, len(s.Variants))
			for pl, t := range s.Variants {
				sp.Variants[string(pl)] = vars.Expand(t)
			}
		}
		for _, a := range s.Answers {
			sp.Answers = append(sp.Answers, answerPreview{Label: vars.Expand(a.Label), Next: a.Next, Guide: a.Guide, Step: a.Step, Note: vars.Note(a.Note)})
			if a.Opens() {
				p.Links = append(p.Links, guideLinkRef{Guide: a.Guide, Step: a.Step})
			}
		}
		p.Steps = append(p.Steps, sp)
	}
	return p
}
