package ui

import (
	"regexp"
	"strings"

	"fyne.io/fyne/v2/widget"
)

// blockStart matches a line that starts a Markdown block of its own: a list
// item, heading, quote, table row or code fence.
var blockStart = regexp.MustCompile(`^\s*([-*+]\s|\d+[.)]\s|#|>|\||` + "```" + `)`)

// unwrapMarkdown joins the lines of each paragraph and list item into one,
// as Markdown means them (a single line break is a space). Guides are
// written wrapped at about 100 columns; Fyne's RichText starts every source
// line as a segment of its own and moves a segment that does not fit to a
// new line whole, so wrapped source showed as ragged short lines. Hard
// breaks (two trailing spaces or a backslash), blank lines, blocks and
// fenced code stay as written.
func unwrapMarkdown(s string) string {
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	fenced := false
	for _, l := range lines {
		trimmed := strings.TrimSpace(l)
		if strings.HasPrefix(trimmed, "```") {
			fenced = !fenced
			out = append(out, l)
			continue
		}
		if n := len(out); !fenced && n > 0 && trimmed != "" && !blockStart.MatchString(l) {
			prev := out[n-1]
			if strings.TrimSpace(prev) != "" && !strings.HasSuffix(prev, "  ") && !strings.HasSuffix(prev, `\`) &&
				!strings.HasPrefix(strings.TrimSpace(prev), "```") && !strings.HasPrefix(strings.TrimSpace(prev), "|") &&
				!strings.HasPrefix(strings.TrimSpace(prev), "#") {
				out[n-1] = strings.TrimRight(prev, " ") + " " + trimmed
				continue
			}
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// closingPunct is what may not start a row: it belongs to the word before.
const closingPunct = ",.;:!?)]”’…"

// keepPunctuationWithWord moves the punctuation that follows a bold,
// italic or code word into that word's segment. Fyne wraps between
// segments, so "**days**, a restart" could put ", a restart" at the start
// of the next row, the comma cut off from its word; in one segment the word
// and its comma move together.
func keepPunctuationWithWord(segs []widget.RichTextSegment) {
	gluePunctuation(segs)
	for _, s := range segs {
		switch x := s.(type) {
		case *widget.ParagraphSegment:
			gluePunctuation(x.Texts)
		case *widget.ListSegment:
			keepPunctuationWithWord(x.Items)
		}
	}
}

func gluePunctuation(texts []widget.RichTextSegment) {
	for i := 1; i < len(texts); i++ {
		prev, ok1 := texts[i-1].(*widget.TextSegment)
		cur, ok2 := texts[i].(*widget.TextSegment)
		if !ok1 || !ok2 || plain(prev.Style) || prev.Text == "" {
			continue
		}
		n := len(cur.Text) - len(strings.TrimLeft(cur.Text, closingPunct))
		if n == 0 {
			continue
		}
		prev.Text += cur.Text[:n]
		cur.Text = cur.Text[n:]
	}
}

func plain(st widget.RichTextStyle) bool {
	return !st.TextStyle.Bold && !st.TextStyle.Italic && !st.TextStyle.Monospace
}

// wordSegments splits every text segment into one segment per word (with
// the spaces after it), keeping its style. Fyne 2.7 wraps the first row of
// a segment that starts mid-row too early whenever the character where the
// row fills up happens to be a space (its lineBounds compares an absolute
// index with a relative one), so a text after a bold word jumped to the
// next row leaving a gap; a segment of one word either fits or moves whole.
func wordSegments(segs []widget.RichTextSegment) []widget.RichTextSegment {
	out := make([]widget.RichTextSegment, 0, len(segs))
	for _, s := range segs {
		switch x := s.(type) {
		case *widget.ParagraphSegment:
			x.Texts = wordSegments(x.Texts)
		case *widget.ListSegment:
			x.Items = wordSegments(x.Items)
		case *widget.TextSegment:
			words := splitWords(x.Text)
			if len(words) < 2 {
				break
			}
			for i, w := range words {
				st := x.Style
				if i < len(words)-1 {
					st.Inline = true
				}
				out = append(out, &widget.TextSegment{Text: w, Style: st})
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// splitWords cuts s after each run of spaces: "a b  c" is "a ", "b  ", "c".
func splitWords(s string) []string {
	var words []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && (i+1 == len(s) || s[i+1] != ' ') {
			words = append(words, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		words = append(words, s[start:])
	}
	return words
}
