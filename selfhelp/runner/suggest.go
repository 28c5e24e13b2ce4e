package runner

import (
	"strings"
	"unicode"

	"github.com/lifeline-desk/lifeline/selfhelp/diag"
	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

// NoSuggestion is View.Suggested when the check result points to none of
// the step's answers.
const NoSuggestion = -1

// suggest picks the answer a check result points to, so the person does
// not have to read Lifeline's own result back to it. The guide format has
// no mapping from check status to answer; the rule reads the words:
//
//   - Warn and Fail: the answer that shares the most words with the
//     result's detail, a problem word ("offline", "error") counting
//     double; words of the question and words in several answers do not
//     count, and "yes" or "ready" answers are never picked for a problem.
//   - OK: the same, and when no words are shared, the answer that says so
//     in words of an all-clear ("ready", "yes", "connected"), never one
//     that says "no", "not" or names a problem.
//   - Unknown (the check could not run): none.
//
// Only a step whose question or answers speak of the result ("What does the
// result say?", "The check says OK") is decided by it; on the others the
// check is background for a question about something else ("Did it
// print?"). A tie or no evidence gives NoSuggestion: the answers are left to the
// person. The rule is deterministic; the person can always pick another.
func suggest(st *guide.Step, vars guide.Vars, res CheckRecord) int {
	if res.Status == diag.Unknown || res.Status == "" || !decidesBranch(st) {
		return NoSuggestion
	}
	topic := wordSet(vars.Expand(st.Question) + " " + vars.Expand(st.Title))
	labels := make([]map[string]bool, len(st.Answers))
	seen := map[string]int{}
	for i, a := range st.Answers {
		labels[i] = wordSet(vars.Expand(a.Label))
		for w := range labels[i] {
			seen[w]++
		}
	}
	detail := wordSet(res.Detail)
	overlap := func(i int) int {
		n := 0
		for w := range labels[i] {
			switch {
			case !detail[w] || topic[w] || seen[w] > 1 || negators[w]:
			case problemWords[w]:
				n += 2 // "offline" in both says more than "print" in both
			default:
				n++
			}
		}
		return n
	}
	allClear := res.Status == diag.OK
	scores := make([]int, len(st.Answers))
	for i := range st.Answers {
		if allClear && (hasAny(labels[i], negators) || hasAny(labels[i], problemWords)) ||
			!allClear && (labels[i]["yes"] || labels[i]["ready"]) {
			scores[i] = -1 // says the opposite of the result
			continue
		}
		scores[i] = overlap(i)
	}
	if best := uniqueBest(scores); best != NoSuggestion || !allClear {
		return best
	}
	for i := range st.Answers {
		if scores[i] < 0 {
			continue
		}
		scores[i] = 0
		for w := range labels[i] {
			if okWords[w] {
				scores[i]++
			}
		}
	}
	return uniqueBest(scores)
}

// decidesBranch reports whether the step's question or answers refer to
// the check's result.
func decidesBranch(st *guide.Step) bool {
	words := func(s string) []string {
		return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
	}
	for _, w := range words(st.Question) {
		if resultWords[w] {
			return true
		}
	}
	for _, a := range st.Answers {
		for _, w := range words(a.Label) {
			if labelResultWords[w] {
				return true
			}
		}
	}
	return false
}

// uniqueBest is the index of the single highest positive score.
func uniqueBest(scores []int) int {
	best, top, ties := NoSuggestion, 0, 0
	for i, s := range scores {
		switch {
		case s > top:
			best, top, ties = i, s, 0
		case s == top && s > 0:
			ties++
		}
	}
	if ties > 0 {
		return NoSuggestion
	}
	return best
}

// Words that say all is well, that deny, and that name a problem.
var (
	resultWords      = setOf("result", "results", "check", "checks", "say", "says", "show", "shows")
	labelResultWords = setOf("result", "check", "says", "ok")
	okWords          = setOf("ok", "ready", "yes", "connected", "working", "fine", "normal", "enough", "charging", "right", "correct")
	negators         = setOf("no", "not", "t", "won", "doesn", "isn")
	problemWords     = setOf("error", "fail", "failed", "offline", "paused", "stopped", "low", "full")
	stopWords        = setOf("a", "an", "the", "it", "its", "is", "are", "was", "be", "i", "i'm", "m", "my", "me", "you", "your",
		"this", "that", "of", "on", "in", "to", "for", "and", "or", "but", "says", "still", "now", "just", "there",
		"what", "does", "do", "did", "has", "have", "with", "from", "at", "as", "by", "so", "can", "all", "s")
)

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

func hasAny(words, set map[string]bool) bool {
	for w := range words {
		if set[w] {
			return true
		}
	}
	return false
}

// wordSet is the lower-case words of s without stop words, a plural "s"
// taken off ("printers" and "printer" are one word).
func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if stopWords[w] {
			continue
		}
		if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
			w = w[:len(w)-1]
		}
		if !stopWords[w] {
			m[w] = true
		}
	}
	return m
}

// withoutProgressLine drops the sentence that tells the person a check is
// running ("Lifeline is listing the printers …") once its result is on
// screen in its place. Only a whole first sentence of a paragraph that
// starts "Lifeline is" goes, and only when it carries no advice after a
// colon.
func withoutProgressLine(text string) string {
	paras := strings.Split(text, "\n\n")
	for i, p := range paras {
		trimmed := strings.TrimSpace(p)
		if !strings.HasPrefix(trimmed, "Lifeline is ") {
			continue
		}
		end := sentenceEnd(trimmed)
		if strings.Contains(trimmed[:end], ":") {
			return text
		}
		rest := strings.TrimSpace(trimmed[end:])
		if rest == "" {
			paras = append(paras[:i], paras[i+1:]...)
		} else {
			paras[i] = rest
		}
		return strings.Join(paras, "\n\n")
	}
	return text
}

// sentenceEnd is the index just past the first sentence of p.
func sentenceEnd(p string) int {
	for i := 0; i < len(p); i++ {
		if p[i] == '.' && (i+1 == len(p) || p[i+1] == ' ' || p[i+1] == '\n') {
			return i + 1
		}
	}
	return len(p)
}

// longestToEnd is the most further steps on any path from step id to an
// end, not visiting a step twice; progress reads "Step N of at most M".
// A link into another guide counts as one more step.
func longestToEnd(g *guide.Guide, id string) int {
	onPath := map[string]bool{}
	var walk func(id string) int
	walk = func(id string) int {
		st, ok := g.Step(id)
		if !ok || onPath[id] {
			return 0
		}
		onPath[id] = true
		defer delete(onPath, id)
		most := 0
		for _, a := range st.Answers {
			if a.Opens() && a.Next == "" {
				most = max(most, 1)
				continue
			}
			if a.Next == guide.EndFixed || a.Next == guide.EndEscalate || onPath[a.Next] {
				continue
			}
			most = max(most, 1+walk(a.Next))
		}
		return most
	}
	return walk(id)
}
