package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/selfhelp/guide"
)

// TestStepTextWrapsLikeProse lays out every step text of every guide, on
// every system, at the window's width and reads the rows back: a row may
// end early only where a paragraph or list item ends, never because the
// next word "did not fit" when it did. Fyne 2.7.1 broke a text segment
// that met the row's last few pixels into one character per row
// (fyne-io/fyne#6200), which showed in some twenty steps as a column of
// letters; a segment after bold text could also start a row of its own.
func TestStepTextWrapsLikeProse(t *testing.T) {
	u := newTestUI(t, nil)
	width := float32(WindowWidth - 2*theme.Padding()) // the step text's width in the window
	vars := guide.DefaultVars()                       // as the window fills them in
	checked := 0
	for _, g := range u.deps.Index.Library().All() {
		for _, s := range g.Steps {
			for _, p := range []guide.Platform{guide.Windows, guide.Linux, guide.MacOS} {
				md := vars.Expand(s.TextFor(p))
				if md == "" {
					continue
				}
				checked++
				if bad := earlyBreaks(md, width); len(bad) > 0 {
					t.Errorf("%s/%s (%s): a row ends early before %q", g.ID, s.ID, p, bad)
				}
			}
		}
	}
	if checked < 300 {
		t.Fatalf("only %d step texts checked", checked)
	}
}

// earlyBreaks renders markdown at width and returns the first words of
// rows that would have fitted at the end of the row before, when that row
// does not end its paragraph.
func earlyBreaks(md string, width float32) []string {
	rt := stepText(md)
	w := test.NewWindow(rt)
	defer w.Close()
	w.Resize(fyne.NewSize(width, 4000))
	limit := rt.Size().Width - 2*theme.InnerPadding()

	ends := paragraphEnds(rt.Segments)
	type row struct {
		y, end      float32
		first, last placedText
	}
	var rows []*row
	for _, tx := range texts(test.WidgetRenderer(rt).Objects()) {
		if strings.TrimSpace(tx.t.Text) == "" {
			// Fyne ends each paragraph, and each row it breaks too
			// early, with an empty text.
			continue
		}
		// Code and bold segments sit a pixel or two off the row's line.
		var r *row
		for _, c := range rows {
			if d := tx.at.Y - c.y; d > -8 && d < 8 {
				r = c
			}
		}
		if r == nil {
			r = &row{y: tx.at.Y, first: tx}
			rows = append(rows, r)
		}
		if tx.at.X < r.first.at.X {
			r.first = tx
		}
		if e := tx.at.X + tx.t.MinSize().Width; e >= r.end {
			r.end, r.last = e, tx
		}
	}
	slices.SortFunc(rows, func(a, b *row) int { return int(a.y - b.y) })
	var bad []string
	for i := 1; i < len(rows); i++ {
		prev, cur := rows[i-1], rows[i]
		if t := strings.TrimSpace(cur.first.t.Text); t != "" && strings.ContainsRune(closingPunct, []rune(t)[0]) {
			bad = append(bad, t)
			continue
		}
		words := strings.Fields(cur.first.t.Text)
		if len(words) == 0 || ends[strings.TrimSpace(prev.last.t.Text)] || isListMark(words[0]) {
			continue
		}
		need := fyne.MeasureText(" "+words[0], cur.first.t.TextSize, cur.first.t.TextStyle).Width
		if prev.end+need < limit {
			bad = append(bad, words[0])
		}
	}
	return bad
}

// paragraphEnds lists the trimmed texts that end a paragraph or block:
// the last words before a segment that is not inline, a list, or the end.
func paragraphEnds(segs []widget.RichTextSegment) map[string]bool {
	ends := map[string]bool{}
	var walk func([]widget.RichTextSegment)
	walk = func(segs []widget.RichTextSegment) {
		lastText := ""
		end := func() { addSuffixes(ends, lastText); lastText = "" }
		for _, s := range segs {
			switch x := s.(type) {
			case *widget.ParagraphSegment:
				end()
				walk(x.Texts)
			case *widget.ListSegment:
				end()
				walk(x.Items)
			case *widget.TextSegment:
				if strings.TrimSpace(x.Text) != "" {
					lastText = x.Text
				}
				if !x.Inline() {
					end()
				}
			default:
				end()
			}
		}
		end()
	}
	walk(segs)
	return ends
}

// addSuffixes adds every word-boundary tail of text, since the renderer
// may have split the last segment across rows.
func addSuffixes(ends map[string]bool, text string) {
	words := strings.Fields(text)
	for i := range words {
		ends[strings.Join(words[i:], " ")] = true
	}
}

func isListMark(w string) bool {
	return w == "•" || len(w) <= 3 && strings.HasSuffix(w, ".")
}

// placedText is a canvas text and where it sits in the rich text.
type placedText struct {
	t  *canvas.Text
	at fyne.Position
}

// texts are the canvas texts among objs and inside their containers (an
// inline code word sits in a box of its own), with their positions.
func texts(objs []fyne.CanvasObject) []placedText {
	var out []placedText
	for _, o := range objs {
		switch x := o.(type) {
		case *canvas.Text:
			out = append(out, placedText{x, x.Position()})
		case *fyne.Container:
			for _, t := range texts(x.Objects) {
				out = append(out, placedText{t.t, t.at.Add(x.Position())})
			}
		}
	}
	return out
}
