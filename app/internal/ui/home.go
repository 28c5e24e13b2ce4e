package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/lifeline-desk/lifeline/selfhelp/guide"
	"github.com/lifeline-desk/lifeline/selfhelp/search"
)

// searchDelay debounces typing: long enough to skip intermediate
// keystrokes of a fast typist, short enough to feel instant.
const searchDelay = 30 * time.Millisecond

// categoryLabels name the guide categories for people.
var categoryLabels = map[string]string{
	"accounts": "Passwords and sign-in", "network": "Wi-Fi, internet and VPN", "email": "Email and Outlook",
	"collaboration": "Meetings and calendars", "security": "Scams, viruses and lost devices", "printing": "Printing and scanning",
	"hardware": "Screens, keyboards, sound and devices", "performance": "Slow, frozen or crashing computer",
	"software": "Programs, files and Office", "mobile": "Phones", "remote": "Working remotely",
}

type homeScreen struct {
	u     *UI
	root  fyne.CanvasObject
	entry *widget.Entry

	results  *fyne.Container // search results, or the browse view
	browse   *fyne.Container
	recent   *fyne.Container
	status   *widget.Label
	resultsV *fyne.Container

	mu      sync.Mutex
	timer   *time.Timer
	seq     uint64
	shown   search.Results
	onShown func(search.Results) // test hook: called after results are on screen
}

func newHomeScreen(u *UI) *homeScreen {
	h := &homeScreen{u: u}
	h.entry = widget.NewEntry()
	h.entry.SetPlaceHolder(lang.L("Describe the problem in your own words, e.g. “printer says offline”"))
	h.entry.OnChanged = h.typed
	h.entry.OnSubmitted = func(string) { h.openFirst() }

	heading := widget.NewLabelWithStyle(lang.L("What's the problem?"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	h.status = widget.NewLabel("")
	h.status.Wrapping = fyne.TextWrapWord
	h.resultsV = container.NewVBox()
	h.recent = container.NewVBox()
	h.browse = container.NewVBox()
	h.results = container.NewStack()

	code := widget.NewButtonWithIcon(lang.L(CodeButtonLabel), theme.LoginIcon(), func() { u.showCode() })
	h.root = container.NewBorder(
		container.NewVBox(heading, h.entry),
		container.NewVBox(widget.NewSeparator(), container.NewHBox(code)),
		nil, nil,
		container.NewVScroll(h.results),
	)
	h.showBrowse()
	return h
}

// typed schedules a search for the new text.
func (h *homeScreen) typed(text string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	seq := h.seq
	if h.timer != nil {
		h.timer.Stop()
	}
	if strings.TrimSpace(text) == "" {
		h.timer = nil
		h.showBrowse()
		return
	}
	h.timer = time.AfterFunc(searchDelay, func() { h.search(seq, text) })
}

func (h *homeScreen) search(seq uint64, text string) {
	res, err := h.u.deps.Index.Search(context.Background(), text, 8)
	h.u.do(func() {
		h.mu.Lock()
		stale := seq != h.seq
		h.mu.Unlock()
		if stale {
			return
		}
		if err != nil {
			h.status.SetText(lang.L("Search is not working right now. You can still get live help."))
			h.setResults(h.status)
			return
		}
		h.showResults(res)
	})
}

func (h *homeScreen) showResults(res search.Results) {
	h.shown = res
	h.resultsV.Objects = nil
	if len(res.Hits) == 0 {
		msg := widget.NewLabel(lang.L("No guide matches “{{.Query}}”. Try other words, or get live help from the help desk.", map[string]any{"Query": res.Query}))
		msg.Wrapping = fyne.TextWrapWord
		help := widget.NewButtonWithIcon(lang.L("Get live help"), theme.HelpIcon(), func() { h.u.showHelp(nil, res.Query) })
		help.Importance = widget.HighImportance
		h.resultsV.Add(container.NewVBox(msg, container.NewHBox(help)))
	}
	for _, hit := range res.Hits {
		h.resultsV.Add(h.resultRow(hit))
	}
	h.setResults(h.resultsV)
	if h.onShown != nil {
		h.onShown(res)
	}
}

func (h *homeScreen) resultRow(hit search.Hit) fyne.CanvasObject {
	id := hit.ID
	title := widget.NewButton(hit.Title, func() { h.u.openGuide(id) })
	title.Alignment = widget.ButtonAlignLeading
	title.Importance = widget.LowImportance
	var segs []widget.RichTextSegment
	for _, s := range hit.Snippet {
		style := widget.RichTextStyleInline
		if s.Match {
			style = widget.RichTextStyleStrong
		}
		segs = append(segs, &widget.TextSegment{Text: s.Text, Style: style})
	}
	snippet := widget.NewRichText(segs...)
	snippet.Wrapping = fyne.TextWrapWord
	return container.NewVBox(title, snippet, widget.NewSeparator())
}

func (h *homeScreen) setResults(o fyne.CanvasObject) {
	h.results.Objects = []fyne.CanvasObject{o}
	h.results.Refresh()
}

func (h *homeScreen) openFirst() {
	q := strings.TrimSpace(h.entry.Text)
	switch {
	case q == "":
	case len(h.shown.Hits) > 0:
		h.u.openGuide(h.shown.Hits[0].ID)
	default:
		// Tell the help desk which searches find nothing.
		h.u.journey.Searched(q, 0)
	}
}

// showBrowse is the empty-search view: recent guides and categories.
func (h *homeScreen) showBrowse() {
	h.shown = search.Results{}
	h.refreshLists()
	h.setResults(container.NewVBox(h.recent, h.browse))
}

func (h *homeScreen) refreshLists() {
	lib := h.u.deps.Index.Library()
	h.recent.Objects = nil
	var recent []fyne.CanvasObject
	for _, id := range h.u.deps.Settings.RecentGuides() {
		if g, ok := lib.Get(id); ok {
			recent = append(recent, h.guideButton(g))
		}
	}
	if len(recent) > 0 {
		h.recent.Add(sectionLabel(lang.L("Recently used")))
		h.recent.Objects = append(h.recent.Objects, recent...)
	}
	h.browse.Objects = nil
	h.browse.Add(sectionLabel(lang.L("Browse by topic")))
	byCat := map[string][]*guide.Guide{}
	for _, g := range lib.All() {
		if g.Supports(h.u.deps.Platform) {
			byCat[g.Category] = append(byCat[g.Category], g)
		}
	}
	var acc []*widget.AccordionItem
	for _, cat := range guide.Categories() {
		gs := byCat[cat]
		if len(gs) == 0 {
			continue
		}
		sort.Slice(gs, func(i, j int) bool { return gs[i].Title < gs[j].Title })
		list := container.NewVBox()
		for _, g := range gs {
			list.Add(h.guideButton(g))
		}
		label := categoryLabels[cat]
		if label == "" {
			label = cat
		}
		acc = append(acc, widget.NewAccordionItem(fmt.Sprintf("%s (%d)", lang.L(label), len(gs)), list))
	}
	h.browse.Add(widget.NewAccordion(acc...))
	h.recent.Refresh()
	h.browse.Refresh()
}

func (h *homeScreen) guideButton(g *guide.Guide) fyne.CanvasObject {
	id := g.ID
	return wrappingButton(g.Title, func() { h.u.openGuide(id) })
}

// wrappingButton is a flat button whose text wraps to the window's width
// (a Fyne button's text never wraps, and a long guide title would widen
// the window): a wrapping label over a text-less button that takes taps.
func wrappingButton(text string, tapped func()) fyne.CanvasObject {
	b := widget.NewButton("", tapped)
	b.Importance = widget.LowImportance
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return container.NewStack(b, l)
}

func sectionLabel(s string) fyne.CanvasObject {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}
