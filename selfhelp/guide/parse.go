package guide

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxFileSize caps a guide file; larger files are refused before parsing.
const MaxFileSize = 256 << 10

// The keys each level of a guide file may have.
func guideKeys() map[string]bool {
	return keySet("id", "title", "summary", "category", "platforms", "symptoms", "keywords", "environment", "cause", "start", "steps")
}

func stepKeys() map[string]bool {
	return keySet("id", "title", "text", "variants", "check", "fix", "fix_prompt", "question", "answers")
}

func answerKeys() map[string]bool { return keySet("label", "next", "guide", "step", "note") }

func keySet(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// Parse reads one guide from YAML. file names the source in problems. It
// returns the guide (nil when the file cannot be understood at all) and
// every structural problem found: unknown keys, wrong types, syntax errors.
// Semantic checks (dangling steps, unknown checks…) are Lint's job.
func Parse(file string, data []byte) (*Guide, []Problem) {
	if len(data) > MaxFileSize {
		return nil, []Problem{{File: file, Message: fmt.Sprintf("file is %d bytes, larger than the %d-byte limit for a guide", len(data), MaxFileSize)}}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlProblems(file, err)
	}
	if len(doc.Content) == 0 {
		return nil, []Problem{{File: file, Line: 1, Message: "file is empty"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, []Problem{{File: file, Line: root.Line, Message: "a guide must be a mapping of keys (id:, title:, steps: …)"}}
	}

	var probs []Problem
	unknownKeys := func(n *yaml.Node, allowed map[string]bool, what string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if !allowed[k.Value] {
				probs = append(probs, Problem{File: file, Line: k.Line, Message: fmt.Sprintf("unknown %s key %q", what, k.Value)})
			}
		}
	}
	unknownKeys(root, guideKeys(), "guide")

	var g Guide
	if err := root.Decode(&g); err != nil {
		probs = append(probs, yamlProblems(file, err)...)
	}
	g.Source = file
	g.Pos = posOf(root)

	steps := mapValue(root, "steps")
	if steps != nil && steps.Kind == yaml.SequenceNode {
		for i, sn := range steps.Content {
			if sn.Kind != yaml.MappingNode {
				probs = append(probs, Problem{File: file, Line: sn.Line, Message: "a step must be a mapping (id:, text:, question:, answers: …)"})
				continue
			}
			unknownKeys(sn, stepKeys(), "step")
			if i >= len(g.Steps) {
				continue
			}
			st := &g.Steps[i]
			st.Pos = posOf(sn)
			if vn := mapValue(sn, "variants"); vn != nil && vn.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(vn.Content); j += 2 {
					st.Pos.Fields["variant:"+vn.Content[j].Value] = vn.Content[j].Line
				}
			}
			an := mapValue(sn, "answers")
			if an == nil || an.Kind != yaml.SequenceNode {
				continue
			}
			for j, a := range an.Content {
				if a.Kind != yaml.MappingNode {
					probs = append(probs, Problem{File: file, Line: a.Line, Message: "an answer must be a mapping (label:, next: or guide:)"})
					continue
				}
				unknownKeys(a, answerKeys(), "answer")
				if j < len(st.Answers) {
					st.Answers[j].Pos = posOf(a)
				}
			}
		}
	}
	if pn := mapValue(root, "platforms"); pn != nil && pn.Kind == yaml.SequenceNode {
		for i, p := range pn.Content {
			g.Pos.Fields["platform:"+strconv.Itoa(i)] = p.Line
		}
	}
	return &g, probs
}

func posOf(n *yaml.Node) Pos {
	p := Pos{Line: n.Line, Fields: make(map[string]int)}
	for i := 0; i+1 < len(n.Content); i += 2 {
		p.Fields[n.Content[i].Value] = n.Content[i].Line
	}
	return p
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// yamlProblems turns yaml.v3's errors ("yaml: line 3: …", or a TypeError
// with one line per field) into positioned problems.
func yamlProblems(file string, err error) []Problem {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	probs := make([]Problem, 0, len(msgs))
	for _, m := range msgs {
		p := Problem{File: file, Message: strings.TrimPrefix(m, "yaml: ")}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			p.Line, _ = strconv.Atoi(sm[1])
			p.Message = sm[2]
		}
		probs = append(probs, p)
	}
	return probs
}
