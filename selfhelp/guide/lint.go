package guide

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Categories returns the sections the desktop app browses by, in display
// order.
func Categories() []string {
	return []string{
		"accounts", "network", "email", "collaboration", "security", "printing",
		"hardware", "performance", "software", "mobile", "remote",
	}
}

// Known lists the names a guide may refer to.
type Known struct {
	Checks map[string]bool
	Fixes  map[string]bool
	Vars   Vars
	// Guides are guides outside the linted set that an answer may open
	// (guide:), such as the built-in ones when an organisation's folder is
	// linted on its own. Guides in the set take precedence.
	Guides []*Guide
}

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Lint checks guides as a set: each guide on its own, plus duplicate ids
// across files. Problems come back sorted by file and line.
func Lint(guides []*Guide, known Known) []Problem {
	var probs []Problem
	seen := make(map[string]*Guide)
	for _, g := range guides {
		probs = append(probs, lintGuide(g, known)...)
		if g.ID == "" {
			continue
		}
		if first, dup := seen[g.ID]; dup {
			probs = append(probs, Problem{File: g.Source, Line: g.Pos.FieldLine("id"),
				Message: fmt.Sprintf("duplicate guide id %q (first defined in %s:%d)", g.ID, first.Source, first.Pos.FieldLine("id"))})
			continue
		}
		seen[g.ID] = g
	}
	probs = append(probs, lintLinks(guides, seen, known)...)
	SortProblems(probs)
	return probs
}

// lintLinks checks the answers that open another guide: the guide and step
// exist, and following links can reach an end instead of only going round
// in a circle between guides.
func lintLinks(set []*Guide, inSet map[string]*Guide, known Known) []Problem {
	byID := make(map[string]*Guide, len(inSet)+len(known.Guides))
	for _, g := range known.Guides {
		if g != nil && g.ID != "" {
			byID[g.ID] = g
		}
	}
	for id, g := range inSet {
		byID[id] = g
	}
	// target is the guide and step a link answer opens, if both exist.
	target := func(a *Answer) (*Guide, string, bool) {
		tg := byID[a.Guide]
		if tg == nil {
			return nil, "", false
		}
		step := a.Step
		if step == "" {
			step = tg.StartStep()
		}
		_, ok := tg.Step(step)
		return tg, step, ok
	}
	// ends[node] once a step can reach "fixed" or "escalate"; with local
	// set, a link counts as an end (as each guide is linted on its own),
	// so a step that fails only across links is a link cycle.
	type node struct{ g, step string }
	reach := func(linksEnd bool) map[node]bool {
		ends := map[node]bool{}
		for changed := true; changed; {
			changed = false
			for _, g := range byID {
				for i := range g.Steps {
					s := &g.Steps[i]
					n := node{g.ID, s.ID}
					if ends[n] {
						continue
					}
					for j := range s.Answers {
						a := &s.Answers[j]
						ok := a.Next == EndFixed || a.Next == EndEscalate || (a.Next != "" && ends[node{g.ID, a.Next}])
						if a.Opens() && a.Next == "" {
							tg, step, found := target(a)
							ok = linksEnd || (found && ends[node{tg.ID, step}])
						}
						if ok {
							ends[n] = true
							changed = true
							break
						}
					}
				}
			}
		}
		return ends
	}
	ends, local := reach(false), reach(true)

	var probs []Problem
	for _, g := range set {
		if inSet[g.ID] != g {
			continue
		}
		for i := range g.Steps {
			s := &g.Steps[i]
			for j := range s.Answers {
				a := &s.Answers[j]
				if !a.Opens() || a.Next != "" || a.Guide == g.ID {
					continue
				}
				add := func(key, format string, args ...any) {
					probs = append(probs, Problem{File: g.Source, Line: a.Pos.FieldLine(key), Message: fmt.Sprintf(format, args...)})
				}
				tg, step, ok := target(a)
				switch {
				case byID[a.Guide] == nil:
					add("guide", "answer %q of step %q opens unknown guide %q", a.Label, s.ID, a.Guide)
				case !ok:
					add("step", "answer %q of step %q opens step %q, which guide %q does not have", a.Label, s.ID, a.Step, a.Guide)
				case !ends[node{tg.ID, step}] && local[node{tg.ID, step}]:
					add("guide", "answer %q of step %q opens guide %q, whose links only lead round in a circle and never to an end (%q or %q)", a.Label, s.ID, a.Guide, EndFixed, EndEscalate)
				}
			}
		}
	}
	return probs
}

// SortProblems orders problems by file, then line.
func SortProblems(probs []Problem) {
	sort.SliceStable(probs, func(i, j int) bool {
		if probs[i].File != probs[j].File {
			return probs[i].File < probs[j].File
		}
		return probs[i].Line < probs[j].Line
	})
}

// systemWords are the words that name an operating system in a step text,
// case-sensitive and whole words only: "Windows" but not "windows" (of a
// browser), "Mac" but not "MacBook". Chromebook and the phone systems are
// left out: they are not platforms a step can have a variant for.
var systemWords = []struct {
	word     *regexp.Regexp
	platform Platform
}{
	{regexp.MustCompile(`\bWindows\b`), Windows},
	{regexp.MustCompile(`\b(Mac|macOS)\b`), MacOS},
	{regexp.MustCompile(`\b(Linux|Ubuntu|GNOME)\b`), Linux},
}

// mixedSystems names the operating systems text speaks about ("Windows and
// macOS") when there are two or more the guide supports, since each could
// then have its own variant; otherwise it returns "".
func mixedSystems(g *Guide, text string) string {
	var named []string
	for _, sw := range systemWords {
		if g.Supports(sw.platform) && sw.word.MatchString(text) {
			named = append(named, sw.platform.Label())
		}
	}
	if len(named) < 2 {
		return ""
	}
	return strings.Join(named[:len(named)-1], ", ") + " and " + named[len(named)-1]
}

func lintGuide(g *Guide, known Known) []Problem {
	var probs []Problem
	add := func(line int, format string, args ...any) {
		probs = append(probs, Problem{File: g.Source, Line: line, Message: fmt.Sprintf(format, args...)})
	}

	switch {
	case g.ID == "":
		add(g.Pos.Line, "missing id")
	case !idPattern.MatchString(g.ID):
		add(g.Pos.FieldLine("id"), "id %q must be lower-case words joined by hyphens, like \"printer-offline\"", g.ID)
	}
	if g.Title == "" {
		add(g.Pos.Line, "missing title")
	}
	if g.Summary == "" {
		add(g.Pos.Line, "missing summary")
	}
	if len(g.Symptoms) == 0 {
		add(g.Pos.Line, "missing symptoms: list how people describe this problem in their own words")
	}
	for i, s := range g.Symptoms {
		if s == "" {
			add(g.Pos.FieldLine("symptoms"), "symptom %d is empty", i+1)
		}
	}
	if g.Category == "" {
		add(g.Pos.Line, "missing category (one of %v)", Categories())
	} else if !slices.Contains(Categories(), g.Category) {
		add(g.Pos.FieldLine("category"), "unknown category %q (one of %v)", g.Category, Categories())
	}
	for i, p := range g.Platforms {
		if !p.Valid() {
			add(g.Pos.FieldLine(fmt.Sprintf("platform:%d", i)), "unknown platform %q (windows, macos or linux)", p)
		}
	}

	checkVars := func(line int, texts ...string) {
		for _, t := range texts {
			for _, name := range referencedVars(t) {
				if _, ok := known.Vars[name]; !ok {
					add(line, "unknown variable {{%s}}", name)
				}
			}
		}
	}
	checkVars(g.Pos.FieldLine("summary"), g.Summary)
	checkVars(g.Pos.FieldLine("title"), g.Title)

	if len(g.Steps) == 0 {
		add(g.Pos.Line, "guide has no steps")
		return probs
	}

	steps := make(map[string]*Step, len(g.Steps))
	for i := range g.Steps {
		s := &g.Steps[i]
		switch {
		case s.ID == "":
			add(s.Pos.Line, "step %d has no id", i+1)
			continue
		case s.ID == EndFixed || s.ID == EndEscalate:
			add(s.Pos.FieldLine("id"), "step id %q is reserved for the end of a guide", s.ID)
		case steps[s.ID] != nil:
			add(s.Pos.FieldLine("id"), "duplicate step id %q (first at line %d)", s.ID, steps[s.ID].Pos.Line)
			continue
		}
		steps[s.ID] = s
	}
	if g.Start != "" && steps[g.Start] == nil {
		add(g.Pos.FieldLine("start"), "start names unknown step %q", g.Start)
	}

	for i := range g.Steps {
		s := &g.Steps[i]
		if s.Text == "" && len(s.Variants) == 0 {
			add(s.Pos.Line, "step %q has no text", s.ID)
		}
		for p, text := range s.Variants {
			if !p.Valid() {
				add(s.Pos.FieldLine("variant:"+string(p)), "unknown platform %q in variants (windows, macos or linux)", p)
			}
			checkVars(s.Pos.FieldLine("variant:"+string(p)), text)
		}
		checkVars(s.Pos.FieldLine("text"), s.Text)
		if names := mixedSystems(g, s.Text); names != "" {
			add(s.Pos.FieldLine("text"), "step %q: text names %s; put each in variants:", s.ID, names)
		}
		for _, p := range Platforms() {
			if names := mixedSystems(g, s.Variants[p]); names != "" {
				add(s.Pos.FieldLine("variant:"+string(p)), "step %q: %s variant names %s; put each in variants:", s.ID, p, names)
			}
		}
		checkVars(s.Pos.FieldLine("question"), s.Question, s.FixPrompt, s.Title)
		if len(s.Variants) > 0 && s.Text == "" {
			for _, p := range g.Platforms {
				if _, ok := s.Variants[p]; !ok {
					add(s.Pos.FieldLine("variants"), "step %q has no text for %s: add text: or a %s variant", s.ID, p.Label(), p)
				}
			}
		}
		if s.Check != "" && !known.Checks[s.Check] {
			add(s.Pos.FieldLine("check"), "unknown check %q", s.Check)
		}
		if s.Fix != "" && !known.Fixes[s.Fix] {
			add(s.Pos.FieldLine("fix"), "unknown fix %q", s.Fix)
		}
		if s.FixPrompt != "" && s.Fix == "" {
			add(s.Pos.FieldLine("fix_prompt"), "fix_prompt without a fix")
		}
		if len(s.Answers) == 0 {
			add(s.Pos.FieldLine("answers"), "step %q has an empty answer list", s.ID)
			continue
		}
		if s.Question == "" {
			add(s.Pos.Line, "step %q has answers but no question", s.ID)
		}
		for j, a := range s.Answers {
			line := a.Pos.Line
			if line == 0 {
				line = s.Pos.FieldLine("answers")
			}
			if a.Label == "" {
				add(line, "answer %d of step %q has no label", j+1, s.ID)
			}
			checkVars(line, a.Label, a.Note)
			switch {
			case a.Opens() && a.Next != "":
				add(a.Pos.FieldLine("guide"), "answer %q of step %q has both next and guide; an answer goes to one place", a.Label, s.ID)
			case a.Opens() && a.Guide == g.ID:
				add(a.Pos.FieldLine("guide"), "answer %q of step %q opens its own guide; use next: to go to one of its steps", a.Label, s.ID)
			case a.Opens():
				// Checked with the other guides in lintLinks.
			case a.Step != "":
				add(a.Pos.FieldLine("step"), "answer %q of step %q has step: without guide: (step: names a step of the guide it opens)", a.Label, s.ID)
			case a.Next == "":
				add(line, "answer %q of step %q has no next (a step id, %q or %q, or guide: to open another guide)", a.Label, s.ID, EndFixed, EndEscalate)
			case a.Next == EndFixed || a.Next == EndEscalate:
			case steps[a.Next] == nil:
				add(a.Pos.FieldLine("next"), "answer %q of step %q goes to unknown step %q", a.Label, s.ID, a.Next)
			case a.Next == s.ID:
				add(a.Pos.FieldLine("next"), "answer %q of step %q loops back to the same step", a.Label, s.ID)
			}
			if a.Note != "" && a.Next != EndEscalate {
				add(a.Pos.FieldLine("note"), "note is only used when an answer escalates")
			}
		}
	}

	// Reachability from the start, and from each step to an end.
	reached := map[string]bool{}
	queue := []string{g.StartStep()}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		s := steps[id]
		if s == nil || reached[id] {
			continue
		}
		reached[id] = true
		for _, a := range s.Answers {
			queue = append(queue, a.Next)
		}
	}
	ends := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for id, s := range steps {
			if ends[id] {
				continue
			}
			for _, a := range s.Answers {
				if a.Next == EndFixed || a.Next == EndEscalate || ends[a.Next] || (a.Opens() && a.Next == "") {
					ends[id] = true
					changed = true
					break
				}
			}
		}
	}
	for i := range g.Steps {
		s := &g.Steps[i]
		if steps[s.ID] != s {
			continue
		}
		if !reached[s.ID] {
			add(s.Pos.Line, "step %q is unreachable from the start", s.ID)
		}
		if len(s.Answers) > 0 && !ends[s.ID] {
			add(s.Pos.Line, "step %q has no way to an end (%q or %q)", s.ID, EndFixed, EndEscalate)
		}
	}
	return probs
}
